"""Citizens' screens, without signing in: display board, kiosk, printed ticket, tracking page.

Nothing rendered here may carry a name, a document number or a phone number.
"""

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from hallapp import poll_gate, render_cache
from hallapp.access import public
from hallapp.blueprints.public import bp
from hallapp.blueprints.public.forms import (
    DisplaySetupForm,
    KioskSetupForm,
    KioskSwipeForm,
    KioskTicketForm,
)
from hallapp.extensions import db, limiter
from hallapp.htmx import is_partial, render_page
from hallapp.i18n import PUBLIC_LANGUAGES, is_english
from hallapp.models import utcnow
from hallapp.models.queue import DeviceToken
from hallapp.phone_links import phone_url
from hallapp.services import devices, hall_now, halls, queue, remembered
from hallapp.services import public as screens
from hallapp.services.errors import HallError, NotFound
from hallapp.services.qr import qr_svg_data_uri
from hallapp.sqlite import only_reads_from_here
from hallapp.validation import bounded_int

ROOMS = ("main", "enterprise")
VOICES = ("yue", "en")


@bp.app_context_processor
def public_context():
    return {"public_languages": PUBLIC_LANGUAGES}


def _not_found(title: str, explanation: str, status: int = 404):
    return render_template(
        "public/not_found.html", title=title, explanation=explanation, hall=None
    ), status


def _unknown_hall():
    return _not_found(
        _("There is no such hall"),
        _("Please check the address, or ask at the guidance desk."),
    )


def _unknown_ticket():
    return _not_found(
        _("We cannot find this ticket"),
        _(
            "The link may be incomplete, or the ticket is from an earlier day. "
            "Please ask at the guidance desk."
        ),
    )


def _hall(code: str):
    try:
        return halls.get_hall(code)
    except NotFound:
        return None


def _int_arg(name: str) -> int | None:
    return bounded_int(request.args.get(name))


def _board_options(args) -> tuple[str | None, str]:
    room = args.get("room") if args.get("room") in ROOMS else None
    voices = ",".join(v for v in args.get("voices", "").split(",") if v in VOICES)
    return room, voices


def _board_opened(opened, hall_code: str) -> bool:
    """This browser was set up as a display device of this hall (its session says)."""
    return bool(opened) and opened.get("hall") == hall_code


def _board_checked_lately(opened, now) -> bool:
    checked = bounded_int(opened.get("checked"), maximum=2**40) or 0
    return now.timestamp() - checked < devices.SEEN_RESOLUTION.total_seconds()


def _board_seen(hall, now) -> bool:
    """Whether this browser is a display device of the hall; notes it seen (devices list,
    admin warning). The signed session carries when it was last checked, so the polls in
    between touch no table and the device row is written at most once a minute."""
    opened = session.get("board")
    if not _board_opened(opened, hall.code):
        return False
    if _board_checked_lately(opened, now):
        return True
    device = db.session.get(DeviceToken, bounded_int(opened.get("device")) or 0)
    if not screens.device_is_valid(device, hall, now=now, kind="display"):
        session.pop("board", None)  # revoked or expired: the board shows on, unnamed
        return False
    devices.mark_seen(device, now=now)
    session["board"] = {**opened, "checked": int(now.timestamp())}
    return True


@bp.get("/display/<hall_code>")
@public
def display(hall_code, setup_refused: bool = False):
    """The hall's TV board; htmx polls it every second and gets 204 while nothing changed.
    Until then it reads no table: the hall, its version and the board's device check are
    what this worker read a moment ago (render_cache.recent)."""
    place = render_cache.recent(("hall", hall_code), lambda: halls.hall_ref(hall_code))
    if place is None:
        return _unknown_hall()
    now = utcnow()
    set_up = _board_seen(place, now)
    only_reads_from_here()
    room, voices = _board_options(request.args)
    version = render_cache.hall_version(place.id)
    minute = hall_now.minute_of(place, now)
    partial = is_partial()
    if partial and _int_arg("since") == version and request.args.get("minute") == minute:
        return "", 204
    after = _int_arg("after") if partial else None

    def build() -> str:
        hall = remembered.hall(place.id)  # as the worker read it a moment ago
        if hall is None:  # removed since
            raise NotFound()

        def state() -> screens.Board:
            return screens.board_state(hall, now=now, room=room, languages=tuple(voices.split(",")))

        # Boards that have announced up to different calls share the hall's state and
        # differ only in what is left to announce: the state is read once per version.
        shared = render_cache.cached(
            ("board state", place.id, version, minute, room, voices), state
        )
        board = screens.with_announcements(shared, after)
        return render_page(
            "public/display.html",
            "public/_board.html",
            hall=hall,
            board=board,
            room=room,
            voices=voices,
            version=version,
            minute=minute,
            now=now,
            after=after if after is not None else board.last_event_id,
            autostart_sound=request.args.get("sound") == "on",
            # The set-up form is the page's, not the polled fragment's.
            setup_form=None if set_up or partial else DisplaySetupForm(formdata=None),
            setup_refused=setup_refused,
        )[0]

    if not partial:
        return build(), 422 if setup_refused else 200
    # Every board of the hall polls the same fragment: render it once per version.
    return render_cache.cached(("board", place.id, version, minute, room, voices, after), build)


@poll_gate.unchanged("public.display")
def board_unchanged(poll: poll_gate.Poll) -> bool:
    """display's 204 from what the worker remembers: the hall, its version and minute, and
    the session's device check (due once a minute, and then only the view can do it)."""
    if not poll.partial:
        return False
    place = poll.remembered(("hall", poll.view_args["hall_code"]))
    if place is None:
        return False
    opened = poll.open_session().get("board")
    if _board_opened(opened, place.code) and not _board_checked_lately(opened, poll.now):
        return False
    minute = hall_now.minute_of(place, poll.now)
    return poll.args.get("minute") == minute and poll.same_version(place.id)


@bp.post("/display/<hall_code>/setup")
@public
@limiter.limit(lambda: current_app.config["KIOSK_SETUP_LIMIT"])
def display_setup(hall_code):
    """The board's script posts the display token from its set-up link (or from the
    browser's storage, when the session has lapsed); the session then names the device."""
    hall = _hall(hall_code)
    if hall is None:
        return _unknown_hall()
    form = DisplaySetupForm()
    now = utcnow()
    device = None
    if form.validate_on_submit():
        device = screens.kiosk_device(hall, form.token.data, now=now, kind="display")
    if device is None:
        session.pop("board", None)
        return display(hall.code, setup_refused=True)
    devices.mark_seen(device, now=now)
    session["board"] = {"hall": hall.code, "device": device.id, "checked": int(now.timestamp())}
    session.permanent = True  # renewed by every poll while the board runs
    room, voices = _board_options(request.args)
    sound = "on" if request.args.get("sound") == "on" else None
    return redirect(
        url_for(
            "public.display", hall_code=hall.code, room=room, voices=voices or None, sound=sound
        ),
        303,
    )


def _kiosk_device(hall):
    """The kiosk session of this browser, if it was opened for this hall and still holds."""
    opened = session.get("kiosk")
    if not opened or opened.get("hall") != hall.code:
        return None
    lifetime = current_app.config["KIOSK_SESSION_LIFETIME"]
    opened_at = bounded_int(opened.get("opened"), maximum=2**40)
    if opened_at is None or utcnow().timestamp() - opened_at > lifetime.total_seconds():
        session.pop("kiosk", None)  # staff open the kiosk again each working day
        return None
    device = db.session.get(DeviceToken, opened.get("device"))
    if not screens.device_is_valid(device, hall, now=utcnow()):
        session.pop("kiosk", None)
        return None
    devices.mark_seen(device, now=utcnow())
    return device


def _open_kiosk(hall, device, seniors: bool) -> None:
    session["kiosk"] = {
        "hall": hall.code,
        "device": device.id,
        "seniors": seniors,
        "opened": int(utcnow().timestamp()),
    }
    session.permanent = True  # the cookie lasts KIOSK_SESSION_LIFETIME (config.py)


def _kiosk_page(hall, device, *, form=None, message=None, status=200, greeting=None):
    state = hall_now.hall_now(hall, now=utcnow())
    return render_template(
        "public/kiosk.html",
        hall=hall,
        form=form or KioskTicketForm(formdata=None),
        swipe_form=KioskSwipeForm(formdata=None),
        greeting=greeting,
        services=screens.kiosk_tiles(state),
        is_open=state.is_open,
        is_english=is_english(),
        message=message,
        idle_seconds=current_app.config["KIOSK_IDLE_SECONDS"],
    ), status


# What one citizen chose on a shared kiosk; the next citizen starts from the kiosk's defaults.
CITIZEN_CHOICES = ("lang", "large_text", "contrast")


def _not_set_up(hall, form=None, message=None, status=401):
    # 401: the kiosk lacks its device credential; staff set it up, citizens go to the desk.
    return render_template(
        "public/kiosk_setup.html",
        hall=hall,
        form=form or KioskSetupForm(formdata=None),
        message=message,
    ), status


def _opened_kiosk(hall_code):
    """The hall and the kiosk this browser was opened as, or the page that says why not."""
    hall = _hall(hall_code)
    if hall is None:
        return None, None, _unknown_hall()
    device = _kiosk_device(hall)
    if device is None:
        return hall, None, _not_set_up(hall)
    return hall, device, None


@bp.get("/kiosk/<hall_code>")
@public
def kiosk(hall_code):
    """The touch screen's start page. Staff open it with the token after `#token=`: the part
    after # never leaves the browser, and public.js posts it to kiosk_setup and wipes it from
    the address, so no server or proxy log ever holds it. A `?token=` is not accepted."""
    hall, device, refusal = _opened_kiosk(hall_code)
    if refusal is not None:
        return refusal
    if request.args.get("idle") == "1":
        # The idle reset (public.js) and the Done button: back to the kiosk's own language
        # and seniors' mode, with a clean address.
        for key in CITIZEN_CHOICES:
            session.pop(key, None)
        return redirect(url_for("public.kiosk", hall_code=hall.code), 303)
    return _kiosk_page(hall, device)


@bp.post("/kiosk/<hall_code>/setup")
@public
@limiter.limit(lambda: current_app.config["KIOSK_SETUP_LIMIT"])
def kiosk_setup(hall_code):
    hall = _hall(hall_code)
    if hall is None:
        return _unknown_hall()
    form = KioskSetupForm()
    if not form.validate_on_submit():
        return _not_set_up(hall, form, _("Enter the kiosk token."), status=422)
    device = screens.kiosk_device(hall, form.token.data, now=utcnow())
    if device is None:
        return _not_set_up(hall, form, _("This kiosk token is not valid for this hall."), 422)
    _open_kiosk(hall, device, seniors=form.seniors.data)
    return redirect(url_for("public.kiosk", hall_code=hall.code), 303)


def _kiosk_key() -> str:
    opened = session.get("kiosk") or {}
    return f"kiosk-device:{opened.get('device', 'none')}"


@bp.post("/kiosk/<hall_code>/tickets")
@public
@limiter.limit(lambda: current_app.config["KIOSK_LIMIT_PER_KIOSK"], key_func=_kiosk_key)
@limiter.limit(lambda: current_app.config["KIOSK_LIMIT_PER_ADDRESS"])
def kiosk_issue(hall_code):
    """A citizen touched a service tile: issue a ticket from this kiosk, or say plainly why not."""
    hall, device, refusal = _opened_kiosk(hall_code)
    if refusal is not None:
        return refusal
    form = KioskTicketForm()
    if not form.validate_on_submit():
        return _kiosk_page(
            hall, device, form=form, message=_("Please choose a service."), status=422
        )
    needs = {name: form[name].data for name in ("senior", "disabled", "pregnant", "patient")}
    try:
        ticket = queue.issue_ticket(
            hall,
            form.service.data.upper(),
            source="kiosk",
            needs=needs,
            now=utcnow(),
            device=device,
        )
    except HallError as error:
        db.session.rollback()
        return _kiosk_page(hall, device, form=form, message=str(error.message), status=422)
    return redirect(
        url_for("public.kiosk_ticket", hall_code=hall.code, public_id=ticket.public_id), 303
    )


@bp.post("/kiosk/<hall_code>/swipe")
@public
@limiter.limit(lambda: current_app.config["KIOSK_LIMIT_PER_KIOSK"], key_func=_kiosk_key)
@limiter.limit(lambda: current_app.config["KIOSK_LIMIT_PER_ADDRESS"])
def kiosk_swipe(hall_code):
    """A senior swiped an identity card: today's booking is checked in and printed, or
    the start screen offers priority by the card's birth date."""
    hall, device, refusal = _opened_kiosk(hall_code)
    if refusal is not None:
        return refusal
    form = KioskSwipeForm()
    if not form.validate_on_submit():
        message = _("The card could not be read. Please swipe it again.")
        return _kiosk_page(hall, device, message=message, status=422)
    try:
        found = screens.kiosk_swipe(hall, form.document_number.data, now=utcnow())
    except HallError as error:
        db.session.rollback()
        return _kiosk_page(hall, device, message=str(error.message), status=422)
    if found.ticket is not None:
        return redirect(
            url_for("public.kiosk_ticket", hall_code=hall.code, public_id=found.ticket.public_id),
            303,
        )
    ticket_form = KioskTicketForm(formdata=None)
    if found.senior_age is not None:
        ticket_form.senior.data = True
        greeting = _(
            "Welcome. You are %(age)d: your ticket gets senior priority. Choose your service.",
            age=found.senior_age,
        )
    else:
        greeting = _("No booking today for this card. Choose your service.")
    return _kiosk_page(hall, device, form=ticket_form, greeting=greeting)


def _ticket_or_none(public_id: str):
    try:
        return screens.find_ticket(public_id)
    except NotFound:
        return None


def _slip_context(ticket, *, now):
    tracking_url = phone_url("public.track", public_id=ticket.public_id)
    return {
        "ticket": ticket,
        "hall": ticket.hall,
        "state": screens.ticket_state(ticket, now=now),
        "tracking_url": tracking_url,
        "qr": qr_svg_data_uri(tracking_url),
        "qr_size": 160,
    }


@bp.get("/kiosk/<hall_code>/tickets/<public_id>")
@public
def kiosk_ticket(hall_code, public_id):
    """The slip on the kiosk's screen: it prints at once, then the kiosk goes back to its start."""
    ticket = _ticket_or_none(public_id)
    if ticket is None or ticket.hall.code != hall_code:
        return _unknown_ticket()
    return render_template(
        "public/kiosk_ticket.html",
        idle_seconds=current_app.config["KIOSK_SLIP_SECONDS"],
        **_slip_context(ticket, now=utcnow()),
    )


@bp.get("/t/<public_id>/print")
@public
def print_ticket(public_id):
    """The 80 mm thermal slip, for the desk's and the kiosk's printers."""
    ticket = _ticket_or_none(public_id)
    if ticket is None:
        return _unknown_ticket()
    return render_template(
        "public/print.html",
        autoprint=request.args.get("autoprint") == "1",
        **_slip_context(ticket, now=utcnow()),
    )


@bp.get("/t/<public_id>")
@public
def track(public_id):
    """The citizen's phone page: position, wait, and the counter when called. A poll that
    finds nothing new reads no table (render_cache.recent)."""
    only_reads_from_here()
    # Which hall a ticket is in never changes: a worker reads it once.
    ref = render_cache.lasting(("ticket", public_id), lambda: screens.ticket_ref(public_id))
    if ref is None:
        return _unknown_ticket()
    version = render_cache.hall_version(ref.hall_id)
    if is_partial() and _int_arg("since") == version:
        return "", 204
    now = utcnow()

    def build() -> str:
        ticket = screens.tracked_ticket(ref.id)
        if ticket is None:  # removed (retention) since this worker last looked
            raise NotFound()
        state = screens.ticket_state(ticket, now=now)
        config = current_app.config
        return render_page(
            "public/track.html",
            "public/_track.html",
            ticket=ticket,
            hall=ticket.hall,
            state=state,
            version=version,
            now=now,
            poll_seconds=screens.poll_seconds(
                state,
                far=config["TRACK_POLL_SECONDS"],
                near=config["TRACK_POLL_SECONDS_NEAR"],
                near_ahead=config["TRACK_NEAR_AHEAD"],
            ),
        )[0]

    if not is_partial():
        return build()
    minute = now.strftime("%Y%m%d%H%M")
    return render_cache.cached(("track", ref.id, version, minute), build)


@poll_gate.unchanged("public.track")
def tracking_unchanged(poll: poll_gate.Poll) -> bool:
    """track's 204 from what the worker remembers: which hall the ticket is in, and its
    version."""
    if not poll.partial:
        return False
    ref = poll.lasting(("ticket", poll.view_args["public_id"]))
    return ref is not None and poll.same_version(ref.hall_id)
