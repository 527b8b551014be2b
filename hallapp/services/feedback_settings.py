"""The hall's own settings for suggestions: reply deadlines per category, reply templates,
and whether the display board shows "you said, we did"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import (
    SUGGESTION_CATEGORIES,
    FeedbackSetting,
    Hall,
    ReplyDeadline,
    ReplyTemplate,
    Staff,
)
from hallapp.services import audit
from hallapp.services.errors import InvalidValue
from hallapp.services.feedback import clean_text, reply_days


def reply_deadlines(hall: Hall) -> dict[str, int]:
    return {category: reply_days(hall, category) for category in SUGGESTION_CATEGORIES}


def set_reply_deadline(hall: Hall, category: str, working_days: int, *, actor: Staff) -> None:
    """Supervisors choose how many working days each category has; new items follow it."""
    if category not in SUGGESTION_CATEGORIES:
        raise InvalidValue(field="category")
    if not 1 <= working_days <= 60:
        raise InvalidValue(_l("Between 1 and 60 working days."), field="working_days")
    row = db.session.scalar(
        select(ReplyDeadline).where(
            ReplyDeadline.hall_id == hall.id, ReplyDeadline.category == category
        )
    )
    if row is None:
        row = ReplyDeadline(hall_id=hall.id, category=category, working_days=working_days)
        db.session.add(row)
    row.working_days = working_days
    audit.record(
        "feedback.deadline",
        actor=actor,
        hall_id=hall.id,
        target=category,
        summary=str(working_days),
    )
    db.session.commit()


def settings(hall: Hall) -> FeedbackSetting:
    row = db.session.get(FeedbackSetting, hall.id)
    return row or FeedbackSetting(hall_id=hall.id, show_on_display=False)


def set_show_on_display(hall: Hall, show: bool, *, actor: Staff) -> None:
    """Whether the display board shows "you said, we did" between calls."""
    row = db.session.get(FeedbackSetting, hall.id)
    if row is None:
        row = FeedbackSetting(hall_id=hall.id)
        db.session.add(row)
    row.show_on_display = bool(show)
    audit.record("feedback.display", actor=actor, hall_id=hall.id, summary=str(bool(show)))
    db.session.commit()


def active_templates(hall: Hall) -> list[ReplyTemplate]:
    return list(
        db.session.scalars(
            select(ReplyTemplate)
            .where(ReplyTemplate.hall_id == hall.id, ReplyTemplate.active)
            .order_by(ReplyTemplate.title)
        )
    )


def save_template(
    hall: Hall, *, title: str, body: str, actor: Staff, template: ReplyTemplate | None = None
) -> ReplyTemplate:
    """Add or change a reply template of the hall."""
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise InvalidValue(_l("Give the template a title of up to 120 characters."), field="title")
    body = clean_text(body, field="body")
    if template is None:
        template = ReplyTemplate(hall_id=hall.id)
        db.session.add(template)
    template.title = title
    template.body = body
    template.active = True
    db.session.flush()
    audit.record(
        "feedback.template.save", actor=actor, hall_id=hall.id, target=f"template:{template.id}"
    )
    db.session.commit()
    return template


def retire_template(template: ReplyTemplate, *, actor: Staff) -> None:
    template.active = False
    audit.record(
        "feedback.template.retire",
        actor=actor,
        hall_id=template.hall_id,
        target=f"template:{template.id}",
    )
    db.session.commit()
