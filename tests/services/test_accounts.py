import pytest
from sqlalchemy import select

from hallapp.models import AuditEntry, Staff
from hallapp.services import accounts
from hallapp.services.errors import (
    Duplicate,
    InvalidCredentials,
    InvalidValue,
    WeakPassword,
    WrongPassword,
)
from tests.builders import PASSWORD, make_staff


def test_authenticate_signs_in_and_records_the_login(db, hall):
    make_staff(hall, "counter", username="li")
    staff = accounts.authenticate("LI ", PASSWORD, address="10.0.0.5")
    assert staff.username == "li"
    assert staff.last_login_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.login"))
    assert entry.actor_id == staff.id and entry.address == "10.0.0.5"


@pytest.mark.parametrize(("username", "password"), [("li", "wrong-password"), ("nobody", PASSWORD)])
def test_unknown_user_and_wrong_password_fail_the_same_way(db, hall, username, password):
    make_staff(hall, "counter", username="li")
    with pytest.raises(InvalidCredentials) as error:
        accounts.authenticate(username, password)
    assert str(error.value) == "用户名或密码不正确。"
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).target
        == f"username:{username}"
    )


def test_a_deactivated_account_cannot_sign_in(db, hall):
    make_staff(hall, "counter", username="li", active=False)
    with pytest.raises(InvalidCredentials):
        accounts.authenticate("li", PASSWORD)


def test_change_password_checks_the_current_one_and_ends_other_sessions(db, hall):
    staff = make_staff(hall, "counter", username="li")
    old_session = staff.get_id()
    with pytest.raises(WrongPassword):
        accounts.change_password(staff, "not-it", "a-new-long-password")
    with pytest.raises(WeakPassword):
        accounts.change_password(staff, PASSWORD, "short")
    accounts.change_password(staff, PASSWORD, "a-new-long-password")
    assert accounts.load_for_session(old_session) is None
    assert accounts.load_for_session(staff.get_id()) == staff
    assert accounts.authenticate("li", "a-new-long-password") == staff


def test_password_may_not_be_the_username(app):
    with pytest.raises(WeakPassword):
        accounts.check_password_policy("Wangfang01", "wangfang01")


def test_create_staff_refuses_a_taken_username_and_unknown_roles(db, hall):
    make_staff(hall, "counter", username="li")
    with pytest.raises(Duplicate):
        accounts.create_staff(
            hall=hall, username="Li", full_name="", roles=["guide"], password="long-enough-1"
        )
    with pytest.raises(InvalidValue):
        accounts.create_staff(
            hall=hall, username="wang", full_name="", roles=["boss"], password="long-enough-1"
        )
    with pytest.raises(InvalidValue):
        accounts.create_staff(
            hall=hall, username="wang", full_name="", roles=[], password="long-enough-1"
        )
    assert db.session.scalar(select(Staff).where(Staff.username == "wang")) is None


def test_update_staff_changes_roles_and_is_audited(db, hall):
    admin = make_staff(hall, "admin", username="boss")
    li = make_staff(hall, "counter", username="li")
    accounts.update_staff(
        li, full_name="Li Ming", roles=["guide", "counter"], active=True, hall=hall, actor=admin
    )
    assert li.roles == {"guide", "counter"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "admin.staff.update"))
    assert entry.actor_id == admin.id and "guide" in entry.summary


def test_an_administrator_cannot_lock_themselves_out(db, hall):
    admin = make_staff(hall, "admin", username="boss")
    with pytest.raises(InvalidValue):
        accounts.update_staff(
            admin, full_name="Boss", roles=["supervisor"], active=True, hall=hall, actor=admin
        )
    db.session.rollback()
    assert "admin" in db.session.get(Staff, admin.id).roles
