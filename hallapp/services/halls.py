"""Administration of halls, their services and counters."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from typing import Protocol, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hallapp.extensions import db
from hallapp.models import ROOMS, Counter, CounterService, Hall, Service, Staff
from hallapp.services import audit
from hallapp.services.errors import Duplicate, InvalidValue, NotFound

HALL_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
SERVICE_CODE = re.compile(r"^[A-Z]$")


class InHall(Protocol):
    id: int
    hall_id: int


Row = TypeVar("Row", bound=InHall)


def get_in_hall(model: type[Row], row_id: int, hall: Hall | int) -> Row:
    """The `model` row with this id in this hall, else NotFound (404).

    An id from a URL or a form is someone's guess: a row of another hall is as absent as one
    that never existed, so no screen can read or change a neighbour hall's records.
    """
    hall_id = hall if isinstance(hall, int) else hall.id
    row = db.session.get(model, row_id)
    if row is None or row.hall_id != hall_id:
        raise NotFound()
    return row


def get_hall(code: str) -> Hall:
    hall = db.session.scalar(select(Hall).where(Hall.code == code))
    if hall is None:
        raise NotFound(_l("There is no hall with the code %(code)s.", code=code))
    return hall


@dataclass(frozen=True)
class HallRef:
    """What a poll needs of a hall before it knows whether anything changed."""

    id: int
    code: str
    timezone: str


def hall_ref(code: str) -> HallRef | None:
    row = db.session.execute(
        select(Hall.id, Hall.code, Hall.timezone).where(Hall.code == code)
    ).one_or_none()
    return HallRef(*row) if row is not None else None


def list_halls() -> list[Hall]:
    return list(db.session.scalars(select(Hall).order_by(Hall.code)))


def _check_hours(opens_at: time, closes_at: time, open_weekdays: str) -> str:
    if opens_at >= closes_at:
        raise InvalidValue(_l("The hall must open before it closes."), field="closes_at")
    days = "".join(sorted(set(open_weekdays)))
    if not days or any(day not in "1234567" for day in days):
        raise InvalidValue(_l("Choose the days the hall opens."), field="open_weekdays")
    return days


def save_hall(
    hall: Hall | None,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    name_hant: str = "",
    opens_at: time,
    closes_at: time,
    open_weekdays: str,
    target_minutes: int,
    actor: Staff,
) -> Hall:
    """Create a hall or change one; its code is part of public URLs, so it must stay simple."""
    code = code.strip().lower()
    if not HALL_CODE.match(code):
        raise InvalidValue(
            _l("A hall code uses lower-case letters, digits and dashes."), field="code"
        )
    existing = db.session.scalar(select(Hall).where(Hall.code == code))
    if existing is not None and existing is not hall:
        raise Duplicate(_l("The hall code %(code)s is taken.", code=code), field="code")
    if target_minutes <= 0:
        raise InvalidValue(_l("The target must be at least one minute."), field="target_minutes")
    days = _check_hours(opens_at, closes_at, open_weekdays)
    creating = hall is None
    if hall is None:
        hall = Hall()
        db.session.add(hall)
    hall.code = code
    hall.name_zh = name_zh.strip()
    hall.name_en = name_en.strip()
    hall.name_hant = (name_hant or "").strip() or None
    hall.opens_at = opens_at
    hall.closes_at = closes_at
    hall.open_weekdays = days
    hall.target_minutes = target_minutes
    db.session.flush()
    audit.record(
        "admin.hall.create" if creating else "admin.hall.update",
        actor=actor,
        target=f"hall:{hall.id}",
        summary=f"{code} {hall.name_zh}",
        hall_id=hall.id,
    )
    db.session.commit()
    return hall


def save_service(
    service: Service | None,
    *,
    hall: Hall,
    code: str,
    name_zh: str,
    name_en: str,
    name_hant: str = "",
    room: str,
    active: bool,
    daily_limit: int | None,
    actor: Staff,
) -> Service:
    """A service's code letter is its ticket prefix: one capital letter, unique per hall."""
    code = code.strip().upper()
    if not SERVICE_CODE.match(code):
        raise InvalidValue(_l("The code is one capital letter, A to Z."), field="code")
    if room not in ROOMS:
        raise InvalidValue(_l("Choose the main hall or the enterprise room."), field="room")
    if daily_limit is not None and daily_limit <= 0:
        raise InvalidValue(_l("A daily limit must be at least 1."), field="daily_limit")
    clash = db.session.scalar(
        select(Service).where(Service.hall_id == hall.id, Service.code == code)
    )
    if clash is not None and clash is not service:
        raise Duplicate(
            _l("The service code %(code)s is already used in this hall.", code=code), field="code"
        )
    creating = service is None
    if service is None:
        service = Service(hall=hall)
        db.session.add(service)
    elif service.room != room and service.id is not None:
        _check_no_counter_conflict(service, room)
    service.code = code
    service.name_zh = name_zh.strip()
    service.name_en = name_en.strip()
    service.name_hant = (name_hant or "").strip() or None
    service.room = room
    service.active = active
    service.daily_limit = daily_limit
    try:
        db.session.flush()
    except IntegrityError as exc:  # a colleague saved the same code a moment ago
        db.session.rollback()
        raise Duplicate(
            _l("The service code %(code)s is already used in this hall.", code=code), field="code"
        ) from exc
    audit.record(
        "admin.service.create" if creating else "admin.service.update",
        actor=actor,
        target=f"service:{service.id}",
        summary=f"{code} {service.name_zh} room={room} active={active}",
        hall_id=hall.id,
    )
    db.session.commit()
    return service


def _check_no_counter_conflict(service: Service, room: str) -> None:
    linked = db.session.scalars(
        select(Counter.number)
        .join(CounterService, CounterService.counter_id == Counter.id)
        .where(CounterService.service_id == service.id, Counter.room != room)
    ).all()
    if linked:
        raise InvalidValue(
            _l(
                "Counters %(numbers)s in the other room still serve this service.",
                numbers=", ".join(str(n) for n in sorted(linked)),
            ),
            field="room",
        )


def parse_service_codes(text: str) -> list[str]:
    """ "A, B C" -> ["A", "B", "C"]: the order is the counter's order of preference."""
    codes = [part.upper() for part in re.split(r"[\s,;，、]+", text.strip()) if part]
    seen: list[str] = []
    for code in codes:
        if code not in seen:
            seen.append(code)
    return seen


def save_counter(
    counter: Counter | None,
    *,
    hall: Hall,
    number: int,
    room: str,
    exclusive: bool,
    service_codes: Sequence[str],
    actor: Staff,
) -> Counter:
    """A counter serves services of its own room only, in the order given."""
    if number <= 0:
        raise InvalidValue(_l("The counter number must be a positive whole number."), "number")
    if room not in ROOMS:
        raise InvalidValue(_l("Choose the main hall or the enterprise room."), field="room")
    clash = db.session.scalar(
        select(Counter).where(Counter.hall_id == hall.id, Counter.number == number)
    )
    if clash is not None and clash is not counter:
        raise Duplicate(_l("Counter %(n)d already exists.", n=number), field="number")
    by_code = {service.code: service for service in hall.services}
    unknown = [code for code in service_codes if code not in by_code]
    if unknown:
        raise InvalidValue(
            _l("Unknown service code: %(codes)s", codes=", ".join(unknown)), field="service_codes"
        )
    wrong_room = [code for code in service_codes if by_code[code].room != room]
    if wrong_room:
        raise InvalidValue(
            _l(
                "Services %(codes)s belong to the other room.",
                codes=", ".join(wrong_room),
            ),
            field="service_codes",
        )
    creating = counter is None
    if counter is None:
        counter = Counter(hall=hall, state="closed")
        db.session.add(counter)
    counter.number = number
    counter.room = room
    counter.exclusive = exclusive
    counter.service_links.clear()
    db.session.flush()
    for position, code in enumerate(service_codes):
        counter.service_links.append(CounterService(service=by_code[code], position=position))
    db.session.flush()
    audit.record(
        "admin.counter.create" if creating else "admin.counter.update",
        actor=actor,
        target=f"counter:{counter.id}",
        summary=f"{number} room={room} services={''.join(service_codes)}",
        hall_id=hall.id,
    )
    db.session.commit()
    return counter
