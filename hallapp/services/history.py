"""A realistic past for a hall database: `flask --app wsgi history --days 365`.

Three halls (the demo hall and two more), open Monday to Saturday, about a thousand
tickets a day in the demo hall with a morning peak; passports and Hong Kong and Macau
permits make most of the work; some visitors do not come when called, some are
transferred to a second service, some take two tickets, some rate their visit. Rows go in
with bulk inserts and explicit ids, in one transaction, so a year takes minutes.

It refuses a database that holds anything but the demo hall as `flask demo` loads it:
history is for demonstrations and measurements, never for a live hall.
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, text

from hallapp.extensions import db
from hallapp.models import (
    Counter,
    CounterService,
    FreeService,
    Hall,
    Service,
    Staff,
    StaffRole,
    Ticket,
    TicketEvent,
    Visit,
    VisitRating,
)
from hallapp.services import demo
from hallapp.services.accounts import hash_password
from hallapp.services.errors import HallError
from hallapp.services.reports.scope import zone

# code, Chinese name, English name, busyness relative to the demo hall
EXTRA_HALLS = [
    ("north", "北区出入境服务大厅", "North Exit and Entry Service Hall", 0.8),
    ("east", "东区出入境服务大厅", "East Exit and Entry Service Hall", 0.6),
]
# Visits a day in the demo hall on an average weekday, before the weekday factor.
DEMO_VISITS_A_DAY = 1150
WEEKDAY_FACTOR = {1: 1.2, 2: 1.05, 3: 1.0, 4: 1.0, 5: 1.1, 6: 0.7, 7: 0.5}
# Share of first tickets per service, and mean minutes at the counter.
SERVICE_MIX = {"A": 0.40, "B": 0.33, "C": 0.12, "D": 0.08, "E": 0.07}
SERVICE_MINUTES = {"A": 5.5, "B": 4.0, "C": 5.0, "D": 2.5, "E": 9.0}
# Relative arrivals per half hour from 08:30 to 17:30: a morning peak, a lunch dip.
HALF_HOUR_WEIGHTS = [6, 10, 13, 13, 11, 9, 7, 4, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2]
NO_SHOW = 0.04
WALK_OUT = 0.01
TRANSFER = 0.08
SECOND_TICKET = 0.06
RATED = 0.15
RATING_LEVELS = [(5, 0.6), (4, 0.25), (3, 0.08), (2, 0.04), (1, 0.03)]


class HistoryRefused(HallError):
    message = _l(
        "The database holds more than the demo hall; history is only written into an "
        "empty database or one with just the demo data."
    )


@dataclass
class HistoryResult:
    days: int
    halls: int
    visits: int
    tickets: int
    events: int


def may_fill() -> bool:
    """Empty, or only the demo hall with no visits yet."""
    codes = set(db.session.scalars(select(Hall.code)))
    if not codes:
        return True
    if codes != {demo.DEMO_HALL}:
        return False
    return not db.session.scalar(select(func.count()).select_from(Visit))


class _Ids:
    """Explicit primary keys, so rows can refer to each other without a round trip."""

    def __init__(self, model):
        self.next = (db.session.scalar(select(func.max(model.id))) or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def _hall_setup(code: str, name_zh: str, name_en: str, template: Hall) -> Hall:
    hall = Hall(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        timezone=template.timezone,
        opens_at=template.opens_at,
        closes_at=template.closes_at,
        open_weekdays=template.open_weekdays,
        target_minutes=template.target_minutes,
    )
    db.session.add(hall)
    services = {
        code: Service(hall=hall, code=code, name_zh=zh, name_en=en, room=room)
        for code, zh, en, room in demo.SERVICES
    }
    db.session.add_all(services.values())
    for number, codes in demo.COUNTERS.items():
        room = services[codes[0]].room
        counter = Counter(hall=hall, number=number, room=room, exclusive=room == "enterprise")
        counter.service_links = [
            CounterService(service=services[c], position=p) for p, c in enumerate(codes)
        ]
        db.session.add(counter)
    return hall


def _officers(hall: Hall) -> dict[int, int]:
    """One counter officer per counter (inactive accounts: they exist for the figures)."""
    unusable = hash_password(secrets.token_urlsafe(24))
    officers = {}
    for counter in hall.counters:
        staff = Staff(
            hall=hall,
            username=f"{hall.code}-officer-{counter.number}",
            full_name=f"{hall.code} officer {counter.number}",
            password_hash=unusable,
            active=False,
            role_rows=[StaffRole(role="counter")],
        )
        db.session.add(staff)
        db.session.flush()
        officers[counter.number] = staff.id
    return officers


def _pick(rng: random.Random, weighted: dict | list) -> object:
    items = list(weighted.items()) if isinstance(weighted, dict) else weighted
    return rng.choices([k for k, _w in items], [w for _k, w in items])[0]


def fill_history(days: int, *, now: datetime, password: str, seed: int = 2026) -> HistoryResult:
    """Write `days` days of history before today into the demo hall and two more halls."""
    if days < 1:
        raise HallHistoryDays()
    if not may_fill():
        raise HistoryRefused()
    if not db.session.scalar(select(func.count()).select_from(Hall)):
        demo.load_demo(password)
    template = db.session.scalars(select(Hall).where(Hall.code == demo.DEMO_HALL)).one()
    halls = [(template, 1.0)]
    for code, zh, en, scale in EXTRA_HALLS:
        halls.append((_hall_setup(code, zh, en, template), scale))
    db.session.flush()
    # bandit B311: a made-up past for reports, not a secret.
    rng = random.Random(seed)  # nosec B311
    ids = {model: _Ids(model) for model in (Visit, Ticket, TicketEvent)}
    totals = HistoryResult(days, len(halls), 0, 0, 0)
    for hall, scale in halls:
        officers = _officers(hall)
        services = {s.code: s for s in hall.services}
        counters = {
            code: [c for c in hall.counters if code in {s.code for s in c.services}]
            for code in services
        }
        today = now.astimezone(zone(hall)).date()
        for offset in range(days, 0, -1):
            day = today - timedelta(days=offset)
            if str(day.isoweekday()) not in hall.open_weekdays:
                continue
            _one_day(hall, day, scale, rng, ids, services, counters, officers, totals)
    _fix_sequences()
    db.session.commit()
    return totals


class HallHistoryDays(HallError):
    message = _l("Give at least one day of history.")


def _local(hall: Hall, day: date, minutes_after_opening: float) -> datetime:
    opening = datetime.combine(day, hall.opens_at, zone(hall))
    return (opening + timedelta(minutes=minutes_after_opening)).astimezone(UTC)


def _one_day(hall, day, scale, rng, ids, services, counters, officers, totals) -> None:
    expected = DEMO_VISITS_A_DAY * scale * WEEKDAY_FACTOR[day.isoweekday()]
    count = max(0, int(rng.gauss(expected, math.sqrt(expected) * 2)))
    weights = HALF_HOUR_WEIGHTS
    peak = max(weights)
    visits, tickets, events, ratings = [], [], [], []
    numbers: dict[str, int] = {}
    closing = (
        datetime.combine(day, hall.closes_at) - datetime.combine(day, hall.opens_at)
    ).total_seconds() / 60

    def ticket_row(visit_id, code, issued, arrival, source, moved_from=None):
        numbers[code] = numbers.get(code, 0) + 1
        tid = ids[Ticket].take()
        row = {
            "id": tid,
            "hall_id": hall.id,
            "service_id": services[code].id,
            "visit_id": visit_id,
            "service_day": issued.astimezone(zone(hall)).date(),
            "number": numbers[code],
            "status": "done",
            "source": source,
            "priority_class": "appointment" if source == "appointment" else "normal",
            "arrival_at": arrival,
            "public_id": secrets.token_urlsafe(16),
            "counter_id": None,
            "officer_id": None,
            "transferred_from_id": moved_from,
            "recall_count": 0,
            "issued_at": issued,
            "called_at": None,
            "started_at": None,
            "finished_at": None,
            "no_show_at": None,
            "parked_at": None,
            "closed_at": None,
        }
        tickets.append(row)
        events.append(_event(ids, hall.id, tid, "issued", issued))
        return row

    def serve(row, code, issued, load):
        """Call, start, finish; returns when the counter was done."""
        wait = min(60.0, rng.expovariate(1 / (1.0 + 3.0 * load)))
        called = issued + timedelta(minutes=wait)
        counter = rng.choice(counters[code])
        row["counter_id"] = counter.id
        row["officer_id"] = officers[counter.number]
        row["called_at"] = called
        events.append(_event(ids, hall.id, row["id"], "called", called, counter.id))
        started = called + timedelta(seconds=rng.uniform(20, 90))
        length = rng.lognormvariate(math.log(SERVICE_MINUTES[code]), 0.35)
        finished = started + timedelta(minutes=length)
        row.update(started_at=started, finished_at=finished, closed_at=finished)
        events.append(_event(ids, hall.id, row["id"], "started", started, counter.id))
        return finished, counter

    for _n in range(count):
        slot = rng.choices(range(len(weights)), weights)[0]
        offset = min(closing - 5, slot * 30 + rng.uniform(0, 30))
        arrived = _local(hall, day, offset)
        load = weights[slot] / peak
        visit_id = ids[Visit].take()
        visits.append(
            {
                "id": visit_id,
                "hall_id": hall.id,
                "arrived_at": arrived,
                "senior": rng.random() < 0.08,
                "disabled": False,
                "pregnant": False,
                "patient": False,
                "interpreter": False,
            }
        )
        source = _pick(rng, {"desk": 0.7, "kiosk": 0.25, "appointment": 0.05})
        codes = [_pick(rng, SERVICE_MIX)]
        if rng.random() < SECOND_TICKET:
            codes.append(_pick(rng, {k: v for k, v in SERVICE_MIX.items() if k != codes[0]}))
        issued = arrived + timedelta(seconds=rng.uniform(30, 120))
        last_done = None
        for code in codes:
            row = ticket_row(visit_id, code, issued, issued, source)
            luck = rng.random()
            if luck < NO_SHOW:
                wait = rng.uniform(5, 25)
                called = issued + timedelta(minutes=wait)
                counter = rng.choice(counters[code])
                gone = called + timedelta(minutes=3)
                row.update(
                    status="no_show",
                    called_at=called,
                    counter_id=counter.id,
                    officer_id=officers[counter.number],
                    no_show_at=gone,
                    recall_count=2,
                )
                events.append(_event(ids, hall.id, row["id"], "called", called, counter.id))
                events.append(_event(ids, hall.id, row["id"], "no_show", gone, counter.id))
                continue
            if luck < NO_SHOW + WALK_OUT:
                gone = issued + timedelta(minutes=rng.uniform(10, 40))
                row.update(status="walked_out", closed_at=gone)
                events.append(_event(ids, hall.id, row["id"], "walked_out", gone))
                continue
            finished, counter = serve(row, code, issued, load)
            if luck < NO_SHOW + WALK_OUT + TRANSFER:
                # Sent on to another service: this ticket ends, a new one keeps the arrival.
                row.update(status="transferred", finished_at=None, closed_at=finished)
                events.append(_event(ids, hall.id, row["id"], "transferred", finished, counter.id))
                target = _pick(rng, {k: v for k, v in SERVICE_MIX.items() if k != code})
                moved = ticket_row(visit_id, target, finished, issued, source, row["id"])
                events[-1]["detail"] = "transfer"
                done_at, counter = serve(moved, target, finished, load * 0.5)
                events.append(_event(ids, hall.id, moved["id"], "finished", done_at, counter.id))
                last_done = (moved, counter)
            else:
                events.append(_event(ids, hall.id, row["id"], "finished", finished, counter.id))
                last_done = (row, counter)
            issued = finished + timedelta(seconds=rng.uniform(20, 60))
        if last_done and rng.random() < RATED:
            row, counter = last_done
            ratings.append(
                {
                    "hall_id": hall.id,
                    "visit_id": visit_id,
                    "ticket_id": row["id"],
                    "counter_id": counter.id,
                    "officer_id": row["officer_id"],
                    "level": _pick(rng, RATING_LEVELS),
                    "reasons": "",
                    "comment": "",
                    "source": "tracking",
                    "created_at": row["finished_at"] + timedelta(minutes=2),
                    "excluded": False,
                }
            )
    free = [
        {
            "hall_id": hall.id,
            "kind": kind,
            "service_day": day,
            "at": _local(hall, day, rng.uniform(0, closing)),
        }
        for kind, mean in (("photocopy", 25 * scale), ("photo", 8 * scale))
        for _n in range(int(rng.gauss(mean, math.sqrt(mean))))
    ]
    for model, rows in (
        (Visit, visits),
        (Ticket, tickets),
        (TicketEvent, events),
        (VisitRating, ratings),
        (FreeService, free),
    ):
        _bulk_insert(model, rows)
    totals.visits += len(visits)
    totals.tickets += len(tickets)
    totals.events += len(events)


def _bulk_insert(model, rows: list[dict]) -> None:
    """PostgreSQL's COPY where there is one (ten times faster than row inserts), else one
    executemany; either way inside the session's transaction. Rows name every column
    that has no server default: COPY applies no Python-side defaults."""
    if not rows:
        return
    if db.engine.dialect.name != "postgresql":
        db.session.execute(insert(model.__table__), rows)
        return
    columns = list(rows[0])
    raw = db.session.connection().connection.driver_connection
    if raw is None:  # the pool closed the connection under the transaction
        raise RuntimeError("the database connection is closed")
    statement = f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def _event(
    ids, hall_id: int, ticket_id: int, step: str, at: datetime, counter_id: int | None = None
) -> dict:
    # Steps of the past are taken at counters, never by a device.
    return dict(
        id=ids[TicketEvent].take(),
        ticket_id=ticket_id,
        hall_id=hall_id,
        step=step,
        at=at,
        actor_id=None,
        counter_id=counter_id,
        device_token_id=None,
        detail="",
    )


def _fix_sequences() -> None:
    """PostgreSQL's sequences do not see explicit ids: move them past the rows written."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (Visit, Ticket, TicketEvent):
        highest = select(func.coalesce(func.max(model.id), 1)).scalar_subquery()
        db.session.execute(
            select(func.setval(func.pg_get_serial_sequence(model.__tablename__, "id"), highest))
        )
    # Fresh statistics, or the planner takes the report queries for seq scans.
    db.session.execute(text("ANALYZE visit, ticket, ticket_event, visit_rating, free_service"))
