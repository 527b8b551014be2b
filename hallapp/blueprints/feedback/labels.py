"""Words for the stored codes of suggestions, in the user's language."""

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "waiting": _l("Waiting"),
    "machines": _l("Self-service machines"),
    "staff": _l("Staff"),
    "documents": _l("Documents and rules"),
    "facilities": _l("Facilities"),
    "accessibility": _l("Accessibility"),
    "other": _l("Other"),
}

CHANNEL_LABELS = {
    "form": _l("Online form"),
    "kiosk": _l("Kiosk"),
    "desk": _l("Reception desk"),
    "paper": _l("Paper slip"),
    "hotline_12345": _l("Hotline 12345"),
    "hotline_12367": _l("Hotline 12367"),
    "rating": _l("Visit rating"),
}

STATUS_LABELS = {
    "new": _l("Newly received"),
    "triaged": _l("Triaged"),
    "in_progress": _l("In progress"),
    "replied": _l("Replied"),
    "closed": _l("Completed"),
}

# The citizen's tracking page speaks plainly about where things stand.
PUBLIC_STATUS_LABELS = {
    "new": _l("Received"),
    "triaged": _l("Being looked at"),
    "in_progress": _l("Being looked at"),
    "replied": _l("Replied"),
    "closed": _l("Completed"),
}

STATUS_CLASSES = {
    "new": "status--warn",
    "triaged": "status--warn",
    "in_progress": "status--warn",
    "replied": "status--ok",
    "closed": "status--off",
}

URGENCY_LABELS = {"normal": _l("Normal"), "urgent": _l("Urgent")}

FOLLOW_UP_LABELS = {
    "call": _l("Phone call"),
    "invitation": _l("Invitation to come and try"),
    "callback": _l("Callback"),
    "visit": _l("Visit in person"),
}

EVENT_LABELS = {
    "submitted": _l("Received"),
    "triaged": _l("Triaged"),
    "started": _l("Work started"),
    "replied": _l("Reply published"),
    "closed": _l("Completed"),
    "reopened": _l("Reopened"),
    "duplicate": _l("Marked as duplicate"),
    "note": _l("Internal note"),
    "action": _l("Action recorded"),
    "follow_up": _l("Follow-up recorded"),
    "published": _l('Published on "you said, we did"'),
    "unpublished": _l('Taken off "you said, we did"'),
}

AGE_LABELS = {
    "": _l("Any age"),
    "day": _l("Last 24 hours"),
    "week": _l("Last 7 days"),
    "older": _l("Older than 7 days"),
    "overdue": _l("Overdue only"),
}


RATING_LABELS = {
    5: _l("Very satisfied"),
    4: _l("Satisfied"),
    3: _l("Basically satisfied"),
    2: _l("Dissatisfied"),
    1: _l("Very dissatisfied"),
}

REASON_LABELS = {
    "attitude": _l("Staff attitude"),
    "slow": _l("Slow handling"),
    "unclear": _l("Not told everything at once"),
    "many_trips": _l("Had to come more than once"),
    "waiting": _l("Long wait"),
    "rules": _l("Unreasonable requirements"),
    "other": _l("Other"),
}

APPEAL_LABELS = {
    "pending": _l("Appeal pending"),
    "upheld": _l("Appeal upheld"),
    "rejected": _l("Appeal rejected"),
}


def _resolved(labels: dict) -> dict:
    return {key: str(label) for key, label in labels.items()}


def context() -> dict:
    """Labels translated once per page: a lazy string costs a catalog look-up each time."""
    return {
        "category_labels": _resolved(CATEGORY_LABELS),
        "channel_labels": _resolved(CHANNEL_LABELS),
        "status_labels": _resolved(STATUS_LABELS),
        "public_status_labels": _resolved(PUBLIC_STATUS_LABELS),
        "status_classes": STATUS_CLASSES,
        "urgency_labels": _resolved(URGENCY_LABELS),
        "follow_up_labels": _resolved(FOLLOW_UP_LABELS),
        "event_labels": _resolved(EVENT_LABELS),
        "rating_labels": _resolved(RATING_LABELS),
        "reason_labels": _resolved(REASON_LABELS),
        "appeal_labels": _resolved(APPEAL_LABELS),
    }
