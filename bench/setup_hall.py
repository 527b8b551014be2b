"""Prepare a benchmark database: migrate, make halls open all day, counters and device tokens.

Run by bench/run.py as a script with the checkout under test as the working directory
(so the same bench can measure another checkout, e.g. main before a change):

    DATABASE_URL=... python bench/setup_hall.py --halls 3 --counters 16 --seed 3000

Prints one JSON object: per hall its code, kiosk/display tokens and counter tokens.
Works only through models and service functions every version of the app has.
"""

import argparse
import json
import secrets
import sys
from datetime import UTC, datetime, time, timedelta

sys.path.insert(0, ".")

from flask_migrate import upgrade  # noqa: E402

from hallapp import create_app  # noqa: E402
from hallapp.extensions import db  # noqa: E402
from hallapp.models import Counter, CounterService, Hall, Service  # noqa: E402
from hallapp.models.queue import Ticket, TicketEvent, Visit  # noqa: E402
from hallapp.services import devices  # noqa: E402

SERVICES = "ABC"


def make_hall(code: str, counters: int, now: datetime) -> dict:
    hall = Hall(
        code=code,
        name_zh=f"压测{code}",
        name_en=f"Bench {code}",
        timezone="UTC",
        opens_at=time(0, 0),
        closes_at=time(23, 59, 59),
        open_weekdays="1234567",
    )
    db.session.add(hall)
    services = [
        Service(hall=hall, code=c, name_zh=f"业务{c}", name_en=f"Service {c}", room="main")
        for c in SERVICES
    ]
    db.session.add_all(services)
    for number in range(1, counters + 1):
        counter = Counter(hall=hall, number=number, room="main", state="open")
        counter.service_links = [
            CounterService(service=s, position=p) for p, s in enumerate(services)
        ]
        db.session.add(counter)
    db.session.commit()
    _token, kiosk = devices.create_device_token(hall, "kiosk", now=now, label="bench kiosk")
    _token, display = devices.create_device_token(hall, "display", now=now, label="bench board")
    pads = {}
    for number in range(1, counters + 1):
        _token, raw = devices.create_device_token(
            hall, "counter", now=now, counter_number=number, label=f"bench pad {number}"
        )
        pads[number] = raw
    db.session.commit()
    return {"code": code, "id": hall.id, "kiosk": kiosk, "display": display, "counters": pads}


def seed(hall_id: int, count: int, now: datetime) -> None:
    """`count` tickets waiting, spread over the services, issued in the last hour."""
    services = db.session.query(Service).filter_by(hall_id=hall_id).order_by(Service.code).all()
    day = now.date()
    numbers = {s.id: 0 for s in services}
    # Events carry their hall since live_events_0001; an older checkout's do not.
    in_hall = {"hall_id": hall_id} if hasattr(TicketEvent, "hall_id") else {}
    batch = []
    for n in range(count):
        service = services[n % len(services)]
        numbers[service.id] += 1
        at = now - timedelta(minutes=60) + timedelta(seconds=n * 3600 / max(count, 1))
        visit = Visit(hall_id=hall_id, arrived_at=at)
        ticket = Ticket(
            hall_id=hall_id,
            service=service,
            visit=visit,
            service_day=day,
            number=numbers[service.id],
            status="waiting",
            source="kiosk",
            priority_class="normal",
            public_id=secrets.token_urlsafe(16),
            issued_at=at,
            arrival_at=at,
        )
        batch += [
            visit,
            ticket,
            TicketEvent(ticket=ticket, step="issued", at=at, detail="seed", **in_hall),
        ]
        if len(batch) >= 3000:
            db.session.add_all(batch)
            db.session.commit()
            batch = []
    db.session.add_all(batch)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--halls", type=int, default=3)
    parser.add_argument("--counters", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0, help="waiting tickets in the first hall")
    args = parser.parse_args()
    app = create_app()
    now = datetime.now(UTC)
    with app.app_context():
        upgrade(directory="migrations")
        halls = [make_hall(f"bench{n}", args.counters, now) for n in range(1, args.halls + 1)]
        if args.seed:
            seed(halls[0]["id"], args.seed, now)
    print(json.dumps({"halls": halls}))


if __name__ == "__main__":
    main()
