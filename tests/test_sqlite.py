from sqlalchemy import func, select

from hallapp.models import Hall
from tests.builders import make_hall


def test_a_rollback_undoes_uncommitted_writes(db):
    make_hall("north")
    db.session.add(Hall(code="south", name_zh="南区", name_en="South"))
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Hall)) == 1
