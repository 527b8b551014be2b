"""Rows a worker remembers for a moment come back as objects of the request's session."""

from sqlalchemy import inspect

from hallapp.models import Hall
from hallapp.services import remembered


def test_a_remembered_row_is_an_object_of_this_session_as_if_just_read(db, hall):
    hall_id = hall.id
    db.session.expunge_all()

    again = remembered.hall(hall_id)

    assert again is not None and inspect(again).persistent and not db.session.dirty
    assert (again.code, again.timezone) == ("demo", hall.timezone)
    assert remembered.hall(hall_id) is again  # the session's own object, not a second one
    assert db.session.get(Hall, hall_id) is again


def test_a_service_is_found_by_its_hall_and_code(db, hall):
    service = remembered.service(hall.id, "A")
    assert service is not None and (service.hall_id, service.code) == (hall.id, "A")
    assert remembered.service(hall.id, "Z") is None
    assert remembered.hall(hall.id + 1000) is None
