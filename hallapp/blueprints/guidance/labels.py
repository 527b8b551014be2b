"""Words for the desk's stored codes, in the user's language."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from hallapp.services.queue import STATUS_LABELS

CASE_KIND_LABELS = {
    "home_visit": _l("Home visit"),
    "express": _l("Two-way express"),
    "policy_followup": _l("Waiting on a policy"),
}
CASE_STATE_LABELS = {"open": _lp("case state", "Open"), "closed": _lp("case state", "Closed")}
EXPRESS_STATE_LABELS = {
    "awaiting_documents": _l("Awaiting the citizen's documents"),
    "documents_received": _l("Documents received"),
    "permit_sent": _l("Permit sent back"),
    "delivered": _l("Delivered to the citizen"),
}
APPOINTMENT_STATE_LABELS = {
    "booked": _l("Booked"),
    "checked_in": _l("Checked in"),
    "no_show": _l("Did not come"),
    "cancelled": _l("Cancelled"),
}
NEED_LABELS = {
    "senior": _l("Senior"),
    "disabled": _l("Disabled"),
    "pregnant": _l("Pregnant"),
    "patient": _l("Patient"),
    "interpreter": _l("Needs an interpreter"),
}
DOCUMENT_TYPE_LABELS = {
    "resident_id": _l("Resident identity card"),
    "hk_id": _l("Hong Kong identity card"),
    "macau_id": _l("Macau identity card"),
    "hk_macau_permit": _l("Permit to Hong Kong and Macau"),
    "home_return_permit": _l("Home return permit"),
    "taiwan_permit": _l("Taiwan permit"),
    "passport": _l("Passport"),
}
# A ticket's state, in the same words as the counters and the citizen's phone.
TICKET_STATUS_LABELS = STATUS_LABELS
