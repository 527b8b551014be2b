"""Small factories for test data. Each commits, so the rows are visible to any connection."""

from datetime import time

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from hallapp.extensions import db
from hallapp.models import Counter, CounterService, Hall, Service, Staff, StaffRole

PASSWORD = "correct-horse-battery"
# Hashing is deliberately slow; hash the shared test password once for the whole run.
_PASSWORD_HASH = generate_password_hash(PASSWORD)


def _save(row, commit: bool):
    db.session.add(row)
    if commit:
        db.session.commit()
    return row


def make_hall(code: str = "demo", *, commit: bool = True, **fields) -> Hall:
    hall = Hall(
        code=code,
        name_zh=fields.pop("name_zh", "测试大厅"),
        name_en=fields.pop("name_en", "Test hall"),
        opens_at=fields.pop("opens_at", time(8, 30)),
        closes_at=fields.pop("closes_at", time(17, 30)),
        open_weekdays=fields.pop("open_weekdays", "1234567"),
        **fields,
    )
    return _save(hall, commit)


def make_service(
    hall: Hall, code: str = "A", room: str = "main", *, commit: bool = True, **fields
) -> Service:
    service = Service(
        hall=hall,
        code=code,
        name_zh=fields.pop("name_zh", f"业务{code}"),
        name_en=fields.pop("name_en", f"Service {code}"),
        room=room,
        **fields,
    )
    return _save(service, commit)


def make_counter(
    hall: Hall,
    number: int,
    services: list[Service],
    room: str = "main",
    state: str = "closed",
    exclusive: bool = False,
    *,
    commit: bool = True,
) -> Counter:
    counter = Counter(hall=hall, number=number, room=room, state=state, exclusive=exclusive)
    counter.service_links = [
        CounterService(service=service, position=position)
        for position, service in enumerate(services)
    ]
    return _save(counter, commit)


def make_staff(hall: Hall, *roles: str, username: str | None = None, **fields) -> Staff:
    roles = roles or ("counter",)
    staff = Staff(
        hall=hall,
        username=username or "-".join(roles),
        full_name=fields.pop("full_name", f"Test {'/'.join(roles)}"),
        password_hash=_PASSWORD_HASH,
        role_rows=[StaffRole(role=role) for role in roles],
        **fields,
    )
    db.session.add(staff)
    db.session.commit()
    return staff


def make_standard_hall(code: str = "demo") -> Hall:
    """A, B in the main hall, E in the enterprise room; counters 1, 2 and exclusive 10.

    One commit: every test starts from this hall, and a commit each row was a third of
    a test's set-up."""
    hall = make_hall(code, commit=False)
    a = make_service(hall, "A", name_zh="普通护照", name_en="Passport", commit=False)
    b = make_service(
        hall, "B", name_zh="往来港澳通行证", name_en="Hong Kong and Macau permit", commit=False
    )
    e = make_service(
        hall,
        "E",
        room="enterprise",
        name_zh="港澳企业登记",
        name_en="Enterprise registration",
        commit=False,
    )
    make_counter(hall, 1, [a, b], commit=False)
    make_counter(hall, 2, [b, a], commit=False)
    make_counter(hall, 10, [e], room="enterprise", exclusive=True, commit=False)
    db.session.commit()
    return hall


def open_counter(hall: Hall, number: int) -> Counter:
    counter = db.session.scalar(
        select(Counter).where(Counter.hall_id == hall.id, Counter.number == number)
    )
    counter.state = "open"
    db.session.commit()
    return counter


def make_ticket(hall: Hall, code: str = "A", *, now, source: str = "desk", **kwargs):
    from hallapp.services import queue

    return queue.issue_ticket(hall, code, source=source, now=now, **kwargs)
