"""Device API views. Each view is @public for the access matrix and checks the device's
bearer token itself, through @device_required; the queue's rules are the same service
functions the counter console uses.
"""

import contextlib
import json
import re
from dataclasses import replace
from datetime import datetime
from functools import wraps

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as DBTimeoutError
from werkzeug.exceptions import HTTPException

from hallapp import poll_gate, render_cache
from hallapp.access import public
from hallapp.blueprints.api import bp
from hallapp.blueprints.api.openapi import openapi_document
from hallapp.extensions import db
from hallapp.i18n import localized
from hallapp.models import Counter, Hall, Ticket, utcnow
from hallapp.services import devices, hall_now, queue, remembered
from hallapp.services.errors import HallError, InvalidValue, NotFound
from hallapp.sqlite import only_reads_from_here
from hallapp.validation import bounded_int, checked_json

# Domain errors -> (HTTP status, stable code). Subclasses are looked up before their parents.
ERRORS: list[tuple[type[HallError], int, str]] = [
    (devices.TokenExpired, 401, "token_expired"),
    (devices.TokenRevoked, 401, "token_revoked"),
    (devices.InvalidToken, 401, "invalid_token"),
    (queue.UnknownService, 422, "unknown_service"),
    (queue.UnknownTicket, 404, "ticket_not_found"),
    (queue.ServiceInactive, 409, "service_inactive"),
    (queue.DailyLimitReached, 409, "daily_limit_reached"),
    (queue.HallClosedToday, 409, "hall_closed"),
    (queue.OutsideOpeningHours, 409, "outside_opening_hours"),
    (queue.CounterNotOpen, 409, "counter_not_open"),
    (queue.CounterBusy, 409, "counter_busy"),
    (queue.NotAtThisCounter, 403, "not_your_counter"),
    (queue.IllegalStep, 409, "illegal_step"),
    (queue.RecoveryWindowPassed, 409, "recovery_window_passed"),
    (InvalidValue, 422, "invalid_value"),
    (NotFound, 404, "not_found"),
    (HallError, 409, "refused"),
]


def error_response(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="hall"'
    return response


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return error_response(error.code or 500, f"http_{error.code}", error.description or "")


@bp.errorhandler(Exception)
def unexpected_error(error: Exception):
    """Every failure answers JSON: 503 while the database cannot be reached (devices retry),
    500 with a stable code for anything else (logged with its traceback)."""
    with contextlib.suppress(Exception):  # the connection may be gone
        db.session.rollback()
    if isinstance(error, (OperationalError, InterfaceError, DBTimeoutError)):
        current_app.logger.warning("database unavailable: %s", type(error).__name__)
        response = error_response(
            503,
            "database_unavailable",
            _("The hall's database cannot be reached. Try again in a few seconds."),
        )
        response.headers["Retry-After"] = "2"
        return response
    current_app.logger.exception("API request failed")
    return error_response(500, "internal_error", _("Something went wrong on our side."))


@bp.errorhandler(HallError)
def hall_error(error: HallError):
    db.session.rollback()
    for kind, status, code in ERRORS:
        if isinstance(error, kind):
            return error_response(status, code, str(error.message))
    return error_response(409, "refused", str(error.message))  # pragma: no cover


def device_required(*kinds: str):
    """The request must carry a valid bearer token of one of these kinds: g.device is its
    pass (devices.DevicePass), which the worker remembers for LIVE_RECENT_SECONDS, so a
    device's request reads no token row when it asked a moment ago (polls ask every
    second); a revoked token stops working that much later at most. The device's hall
    and counter rows are read by the views that need them (device_hall, device_counter)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            raw = _bearer_token(request.headers)
            now = utcnow()
            device = g.device = _device_pass(raw, now=now)
            if device.kind not in kinds:
                return error_response(
                    403, "forbidden", _("This device may not do this (%(kind)s).", kind=device.kind)
                )
            if devices.mark_seen(device, now=now):
                render_cache.recent_values().put(
                    ("device", devices.token_digest(raw)), replace(device, last_seen_at=now)
                )
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _bearer_token(headers) -> str:
    scheme, _space, raw = headers.get("Authorization", "").partition(" ")
    return raw.strip() if scheme.lower() == "bearer" else ""


def _device_pass(raw: str, *, now) -> devices.DevicePass:
    if not raw or len(raw) > 200:
        raise devices.InvalidToken()
    digest = devices.token_digest(raw)
    device = render_cache.recent(("device", digest), lambda: devices.device_pass(digest))
    devices.check_valid(device, now=now)
    return device


def device_hall() -> Hall:
    """The requesting device's hall, as the worker read it a moment ago (remembered.py)."""
    hall = remembered.hall(g.device.hall_id)
    if hall is None:  # the hall was deleted since the pass was read
        raise devices.InvalidToken()
    return hall


def device_counter() -> Counter:
    """The requesting counter pad's counter: the ticket a step has just read brought it
    along, so this is usually no read at all."""
    counter = db.session.get(Counter, g.device.counter_id) if g.device.counter_id else None
    if counter is None:
        raise devices.InvalidToken()
    return counter


READERS = ("kiosk", "counter", "display")


def _json_body() -> dict:
    body = checked_json()
    if not isinstance(body, dict):
        raise MalformedJson()
    return body


class MalformedJson(InvalidValue):
    pass


ERRORS.insert(0, (MalformedJson, 400, "malformed_json"))


def ticket_json(ticket: Ticket, now: datetime) -> dict:
    """What anyone holding the public id may know: nothing about the person."""
    counter = db.session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    ahead = queue.position(ticket, now=now)
    wait = queue.estimate_ticket_wait(ticket, now=now, ahead=ahead) if ahead is not None else None
    return {
        "public_id": ticket.public_id,
        "label": ticket.label,
        "service": ticket.service.code,
        "status": ticket.status,
        "position": ahead,
        "estimated_wait_minutes": hall_now.whole_minutes(wait),
        "counter": counter.number if counter else None,
        "issued_at": ticket.issued_at.isoformat(),
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
    }


IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def _hall_ticket(public_id: str, *, lock: bool = True) -> Ticket:
    """The device's hall's ticket; a step's ticket is locked in this first read."""
    return queue.ticket_for_step(g.device.hall_id, public_id, lock=lock)


def _at_this_counter(public_id: str) -> queue.AtCounter:
    return queue.AtCounter(g.device.hall_id, public_id, g.device.counter_id)


def _counter_ticket(public_id: str) -> Ticket:
    return queue.ticket_at_counter(_at_this_counter(public_id))


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())


@bp.get("/services")
@public
@device_required(*READERS)
def list_services():
    state = hall_now.hall_now(device_hall(), now=utcnow())
    return jsonify(
        {
            "services": [
                {
                    "code": item.service.code,
                    "name": localized(item.service),
                    "name_zh": item.service.name_zh,
                    "name_en": item.service.name_en,
                    "room": item.service.room,
                    "active": item.service.active,
                    "waiting": item.waiting,
                    "estimated_wait_minutes": item.estimate.minutes,
                    "estimate": item.estimate.reason,
                    "tickets_left": item.tickets_left,
                }
                for item in state.services
            ]
        }
    )


@bp.post("/tickets")
@public
@device_required("kiosk")
def issue_ticket():
    body = _json_body()
    code = body.get("service")
    priority = body.get("priority_class", "normal")
    if not isinstance(code, str) or not isinstance(priority, str):
        raise InvalidValue(_('Give the service code as text, e.g. "A".'))
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        if not IDEMPOTENCY_KEY.match(key):
            raise InvalidValue(_("The Idempotency-Key is 1 to 100 letters, digits, - or _."))
        key = f"{g.device.id}:{key}"
    now = utcnow()
    hall = device_hall()  # held to the answer, whose estimate reads it again
    try:
        ticket = queue.issue_ticket(
            hall,
            code,
            source="kiosk",
            priority_class=priority,
            now=now,
            device=g.device,
            idempotency_key=key,
        )
    except IntegrityError:
        # The same key raced in twice: the other request made the ticket; answer with it.
        db.session.rollback()
        ticket = queue.ticket_by_idempotency_key(key) if key else None
        if ticket is None:
            raise
    only_reads_from_here()
    tracking_url = request.url_root.rstrip("/") + queue.tracking_path(ticket)
    response = jsonify(
        {
            "ticket": ticket_json(ticket, now),
            "public_id": ticket.public_id,
            "tracking_url": tracking_url,
            "print_url": tracking_url + "/print",
        }
    )
    response.status_code = 201
    response.headers["Location"] = tracking_url
    return response


@bp.get("/tickets/<public_id>")
@public
@device_required(*READERS)
def get_ticket(public_id):
    return jsonify({"ticket": ticket_json(_hall_ticket(public_id, lock=False), utcnow())})


@bp.get("/counter")
@public
@device_required("counter")
def get_counter():
    """The token's counter: its state and the ticket it holds, if any. A pad that lost the
    answer to callNext asks here instead of getting counter_busy for ever."""
    counter = device_counter()
    ticket = queue.current_ticket(counter)
    return jsonify(
        {
            "counter": {"number": counter.number, "state": counter.state},
            "ticket": ticket_json(ticket, utcnow()) if ticket else None,
        }
    )


@bp.post("/counter/call-next")
@public
@device_required("counter")
def call_next():
    now = utcnow()
    try:
        ticket = queue.call_next(g.device.counter_id, now=now, device=g.device)
    except queue.NoTicketsWaiting:
        return "", 204
    only_reads_from_here()
    return jsonify({"ticket": ticket_json(ticket, now)})


def _step(step, public_id: str, **kwargs):
    now = utcnow()
    ticket = _counter_ticket(public_id)
    ticket = step(ticket, now=now, device=g.device, counter=device_counter(), **kwargs)
    only_reads_from_here()
    return jsonify({"ticket": ticket_json(ticket, now)})


def _simple_step(step, public_id: str):
    """A step with no rule of its own (steps.move), given the ticket as the pad names it:
    on PostgreSQL it is then one statement (queue/at_counter.py)."""
    now = utcnow()
    ticket = step(_at_this_counter(public_id), now=now, device=g.device)
    only_reads_from_here()
    return jsonify({"ticket": ticket_json(ticket, now)})


@bp.post("/tickets/<public_id>/recall")
@public
@device_required("counter")
def recall_ticket(public_id):
    return _step(queue.recall, public_id)


@bp.post("/tickets/<public_id>/start")
@public
@device_required("counter")
def start_ticket(public_id):
    return _simple_step(queue.start, public_id)


@bp.post("/tickets/<public_id>/finish")
@public
@device_required("counter")
def finish_ticket(public_id):
    return _simple_step(queue.finish, public_id)


@bp.post("/tickets/<public_id>/no-show")
@public
@device_required("counter")
def no_show_ticket(public_id):
    return _simple_step(queue.mark_no_show, public_id)


@bp.post("/tickets/<public_id>/walkout")
@public
@device_required("counter")
def walkout_ticket(public_id):
    """A waiting or parked visitor of this hall left before being called."""
    ticket = _hall_ticket(public_id)
    ticket = queue.record_walkout(ticket, now=utcnow(), device=g.device)
    return jsonify({"ticket": ticket_json(ticket, utcnow())})


@bp.post("/tickets/<public_id>/cancel")
@public
@device_required("counter")
def cancel_ticket(public_id):
    """Withdraw a waiting or parked ticket of this hall, or the one called to this counter."""
    ticket = _hall_ticket(public_id)
    ticket = queue.cancel(ticket, now=utcnow(), device=g.device, counter=device_counter())
    return jsonify({"ticket": ticket_json(ticket, utcnow())})


@bp.post("/tickets/<public_id>/transfer")
@public
@device_required("counter")
def transfer_ticket(public_id):
    body = _json_body()
    code = body.get("service")
    if not isinstance(code, str):
        raise InvalidValue(_('Give the service code as text, e.g. "A".'))
    return _step(queue.transfer, public_id, service_code=code)


@bp.put("/counter/state")
@public
@device_required("counter")
def set_counter_state():
    body = _json_body()
    state = body.get("state")
    if not isinstance(state, str):
        raise InvalidValue(_("A counter is open, paused or closed."))
    counter = queue.set_counter_state(device_counter(), state, now=utcnow(), device=g.device)
    return jsonify({"counter": {"number": counter.number, "state": counter.state}})


@bp.get("/display")
@public
@device_required(*READERS)
def get_display():
    only_reads_from_here()
    hall_id = g.device.hall_id
    version = render_cache.hall_version(hall_id)
    since = bounded_int(request.args.get("since"))
    if since is not None and since == version:
        return "", 204
    now = utcnow()
    # Every hall's day starts on a quarter hour of UTC: within one, the board of a version
    # is the same for every display of the hall, so it is built once.
    quarter = f"{now:%Y%m%d%H}{now.minute // 15}"

    def build() -> str:
        hall = device_hall()
        return json.dumps(queue.display_board(hall, now=now) | {"version": version})

    body = render_cache.cached(("getDisplay", hall_id, version, quarter), build)
    return current_app.response_class(body, mimetype="application/json")


@poll_gate.unchanged("api.get_display")
def display_unchanged(poll: poll_gate.Poll) -> bool:
    """get_display's 204 from what the worker remembers: the device's pass (valid, a reader,
    nothing to mark seen) and its hall's version."""
    raw = _bearer_token(poll.headers)
    if not raw or len(raw) > 200:
        return False
    device = poll.remembered(("device", devices.token_digest(raw)))
    if device is None or device.kind not in READERS:
        return False
    try:
        devices.check_valid(device, now=poll.now)
    except devices.InvalidToken:
        return False
    return devices.seen_recently(device, now=poll.now) and poll.same_version(device.hall_id)


@bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@public
def unknown_operation(anything):
    return error_response(404, "not_found", _("There is no such operation in this API."))
