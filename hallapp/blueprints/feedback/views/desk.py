"""The supervisors' desk: the inbox, one suggestion with its steps, and staff writing a
suggestion down for a citizen."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from hallapp.access import role_required
from hallapp.blueprints.feedback import bp
from hallapp.blueprints.feedback.forms import (
    DuplicateForm,
    FollowUpForm,
    InboxFilterForm,
    PublishForm,
    ReasonForm,
    ReplyForm,
    StaffSuggestionForm,
    TextForm,
    TriageForm,
)
from hallapp.blueprints.feedback.views.common import supervisor_only
from hallapp.extensions import db
from hallapp.forms import choices, submit
from hallapp.htmx import is_partial, redirect_after_post, render_page, render_shape
from hallapp.i18n import service_day
from hallapp.models import ReplyTemplate, Staff, Suggestion, utcnow
from hallapp.services import feedback, feedback_figures, feedback_settings, halls


@bp.route("/feedback/record", methods=["GET", "POST"], endpoint="record")
@role_required("guide", "supervisor")
def record():
    hall = current_user.hall
    form = StaffSuggestionForm()

    def page():
        return render_shape(
            "feedback/record.html", "feedback/_record_form.html", hall=hall, form=form
        )

    if request.method == "GET":
        return page()
    return submit(
        form,
        lambda: feedback.submit_suggestion(
            hall,
            text=form.text.data,
            category=form.category.data,
            contact_phone=form.contact_phone.data,
            wants_reply=form.wants_reply.data,
            channel=form.channel.data,
            visit_ref=form.visit_ref.data,
            recorded_by=current_user,
            now=utcnow(),
        ),
        done=lambda suggestion: render_page(
            "feedback/record.html",
            "feedback/_recorded.html",
            hall=hall,
            suggestion=suggestion,
            form=StaffSuggestionForm(formdata=None),
        ),
        invalid=page,
    )


def _owner_choices(hall, blank):
    return choices(
        [*blank, *((str(staff.id), staff.full_name) for staff in feedback.possible_owners(hall))]
    )


@bp.get("/feedback/", endpoint="inbox")
@supervisor_only
def inbox():
    hall = current_user.hall
    form = InboxFilterForm(request.args)
    form.owner.choices = _owner_choices(
        hall, [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody yet"))]
    )
    filters = feedback_figures.InboxFilter(
        status=form.status.data or "",
        category=form.category.data or "",
        age=form.age.data or "",
        owner=form.owner.data or "",
    )
    now = utcnow()
    items = feedback_figures.inbox(hall, filters, me=current_user, now=now)
    return render_page(
        "feedback/inbox.html",
        "feedback/_inbox_results.html",
        hall=hall,
        form=form,
        items=items,
        now=now,
        limit=feedback_figures.INBOX_LIMIT,
    )


def _suggestion(suggestion_id: int) -> Suggestion:
    return halls.get_in_hall(Suggestion, suggestion_id, current_user.hall)


def _detail_forms(suggestion, **given):
    hall = suggestion.hall
    triage = given.get("triage") or TriageForm(
        formdata=None,
        category=suggestion.category,
        owner=str(suggestion.owner_id or current_user.id),
        urgency=suggestion.urgency,
    )
    triage.owner.choices = _owner_choices(hall, [("", _("Nobody yet"))])
    return {
        "triage": triage,
        "reply": given.get("reply")
        or ReplyForm(formdata=None, reply=suggestion.public_reply or ""),
        "templates": feedback_settings.active_templates(hall),
        "note": given.get("note") or TextForm(formdata=None, prefix="note"),
        "action": given.get("action") or TextForm(formdata=None, prefix="action"),
        "follow_up": given.get("follow_up")
        or FollowUpForm(formdata=None, happened_on=service_day(utcnow())),
        "reopen": given.get("reopen") or ReasonForm(formdata=None),
        "duplicate": given.get("duplicate") or DuplicateForm(formdata=None),
        "publish": given.get("publish")
        or PublishForm(
            formdata=None,
            change=suggestion.published_change
            or "; ".join(action.text for action in suggestion.actions),
        ),
        "errors": given.get("errors", []),
    }


def _detail(suggestion, **given) -> str:
    return render_shape(
        "feedback/detail.html",
        "feedback/_detail.html",
        suggestion=suggestion,
        steps=feedback.allowed_steps(suggestion),
        forms=_detail_forms(suggestion, **given),
        now=utcnow(),
        has_callback=feedback.has_callback(suggestion),
        saved=given.get("saved"),
    )


@bp.get("/feedback/<int:suggestion_id>", endpoint="detail")
@supervisor_only
def detail(suggestion_id):
    return _detail(_suggestion(suggestion_id))


@bp.get("/feedback/templates/<int:template_id>/text", endpoint="template_text")
@supervisor_only
def template_text(template_id):
    """The reply box filled from a template, swapped in place by htmx."""
    template = halls.get_in_hall(ReplyTemplate, template_id, current_user.hall)
    form = ReplyForm(formdata=None, reply=template.body)
    return render_template("feedback/_reply_text.html", form=form)


@bp.post("/feedback/<int:suggestion_id>/contact", endpoint="contact")
@supervisor_only
def contact(suggestion_id):
    """Reveal the phone number; the look is audited."""
    suggestion = _suggestion(suggestion_id)
    phone = feedback.view_contact(
        suggestion, actor=current_user, now=utcnow(), address=request.remote_addr
    )
    return render_template("feedback/_contact.html", suggestion=suggestion, phone=phone)


def _triage_form() -> TriageForm:
    form = TriageForm()
    form.owner.choices = _owner_choices(current_user.hall, [("", "")])
    return form


def _triage(suggestion, form):
    owner = db.session.get(Staff, int(form.owner.data)) if form.owner.data else None
    return feedback.triage(
        suggestion,
        actor=current_user,
        now=utcnow(),
        category=form.category.data,
        owner=owner,
        urgency=form.urgency.data,
    )


@dataclass(frozen=True)
class Step:
    """One step of a suggestion's workflow as the desk takes it: a button, or a small form
    shown on the detail under the step's own name."""

    name: str
    run: Callable
    done: str
    form: Callable[[], FlaskForm] | None = None

    @property
    def path(self) -> str:
        return self.name.replace("_", "-")


def _by(actor_step: Callable, **fields: str) -> Callable:
    """A step run with the signed-in supervisor, now, and the named form fields."""

    def run(suggestion, form):
        values = {name: getattr(form, field).data for name, field in fields.items()}
        return actor_step(suggestion, actor=current_user, now=utcnow(), **values)

    return run


STEPS = (
    Step("triage", _triage, _l("Triage saved."), _triage_form),
    Step("start", _by(feedback.start_work), _l("Work started.")),
    Step(
        "reply",
        _by(feedback.reply, text="reply"),
        _l("Reply published on the tracking page."),
        ReplyForm,
    ),
    Step("close", _by(feedback.close), _l("Suggestion closed.")),
    Step("reopen", _by(feedback.reopen, reason="reason"), _l("Suggestion reopened."), ReasonForm),
    Step(
        "duplicate",
        _by(feedback.mark_duplicate, original_code="original"),
        _l("Marked as a duplicate and closed."),
        DuplicateForm,
    ),
    Step(
        "note",
        _by(feedback.add_note, text="text"),
        _l("Note added."),
        lambda: TextForm(prefix="note"),
    ),
    Step(
        "action",
        _by(feedback.record_action, text="text"),
        _l("Action recorded."),
        lambda: TextForm(prefix="action"),
    ),
    Step(
        "follow_up",
        _by(feedback.record_follow_up, kind="kind", happened_on="happened_on", outcome="outcome"),
        _l("Follow-up recorded."),
        FollowUpForm,
    ),
    Step(
        "publish",
        _by(feedback.publish, change="change"),
        _l("Published on the public page."),
        PublishForm,
    ),
    Step("unpublish", _by(feedback.unpublish), _l("Taken off the public page.")),
)


def _after_step(suggestion, done: str):
    if is_partial():
        return _detail(suggestion, saved=done)
    # Without htmx the page is loaded again: the message rides along as a flash.
    flash(done, "success")
    return redirect_after_post(url_for("feedback.detail", suggestion_id=suggestion.id))


def _step_view(step: Step) -> Callable:
    def take_step(suggestion_id):
        suggestion = _suggestion(suggestion_id)
        # A button alone still goes through a form: its CSRF token, and the refusal's message.
        form = step.form() if step.form else FlaskForm()

        def again():
            if step.form:
                return _detail(suggestion, **{step.name: form})
            return _detail(suggestion, errors=form.form_errors)

        return submit(
            form,
            lambda: step.run(suggestion, form),
            done=lambda _result: _after_step(suggestion, str(step.done)),
            invalid=again,
        )

    take_step.__name__ = step.name
    return supervisor_only(take_step)


for _step in STEPS:
    bp.add_url_rule(
        f"/feedback/<int:suggestion_id>/{_step.path}",
        endpoint=_step.name,
        view_func=_step_view(_step),
        methods=["POST"],
    )
