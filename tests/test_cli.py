from sqlalchemy import select

from hallapp.models import Hall, Staff
from hallapp.services.accounts import authenticate


def test_demo_loads_once_with_the_password_from_the_environment(runner, db, monkeypatch):
    monkeypatch.setenv("HALL_DEMO_PASSWORD", "demo-secret-123")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "demo-secret-123" not in result.output
    assert authenticate("supervisor", "demo-secret-123").username == "supervisor"
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 1
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    assert len(db.session.scalars(select(Hall)).all()) == 1


def test_demo_prints_a_random_password_once_when_none_is_given(runner, db, monkeypatch):
    monkeypatch.delenv("HALL_DEMO_PASSWORD", raising=False)
    result = runner.invoke(args=["demo"])
    password = result.output.strip().splitlines()[-1]
    assert len(password) >= 12
    assert authenticate("admin", password).username == "admin"


def test_user_create_makes_a_real_account(runner, db, hall):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "zhou",
            "--name",
            "周强",
            "--role",
            "counter",
            "--role",
            "guide",
            "--hall",
            "demo",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    zhou = db.session.scalar(select(Staff).where(Staff.username == "zhou"))
    assert zhou.roles == {"counter", "guide"} and zhou.full_name == "周强"


def test_user_create_explains_a_refusal(runner, db, hall):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "zhou",
            "--role",
            "counter",
            "--hall",
            "nowhere",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 1
    assert "nowhere" in result.output


def test_a_fresh_deployment_creates_its_first_hall_then_its_administrator(runner, db):
    made = runner.invoke(
        args=["hall", "create", "city-1", "--name-zh", "市出入境大厅", "--name-en", "City hall"]
    )
    assert made.exit_code == 0, made.output
    assert db.session.scalar(select(Hall.code)) == "city-1"
    admin = runner.invoke(
        args=["user", "create", "root", "--role", "admin", "--hall", "city-1"],
        input="a-long-password-1\na-long-password-1\n",
    )
    assert admin.exit_code == 0, admin.output
    again = runner.invoke(args=["hall", "create", "city-1", "--name-zh", "x", "--name-en", "x"])
    assert again.exit_code != 0 and "city-1" in again.output
