"""Words for the enterprise room's stored codes, in the user's language."""

from flask_babel import lazy_gettext as _l

from hallapp.services.enterprise import MODE_LABELS, PLACE_LABELS

DOCUMENT_LABELS = {
    "resident_id": _l("Resident identity card"),
    "hk_id": _l("Hong Kong identity card"),
    "macau_id": _l("Macau identity card"),
    "hk_macau_permit": _l("Permit to Hong Kong and Macau"),
    "home_return_permit": _l("Home return permit"),
    "taiwan_permit": _l("Taiwan permit"),
    "passport": _l("Passport"),
}

MEMBER_ROLE_LABELS = {
    "legal_representative": _l("Legal representative"),
    "director": _l("Director"),
    "shareholder": _l("Shareholder"),
    "manager": _l("Manager"),
    "staff": _l("Staff member"),
    "contact": _l("Contact person"),
}

STATUS_LABELS = {"active": _l("Active"), "inactive": _l("Inactive"), "merged": _l("Merged")}

OUTCOME_LABELS = {
    "completed": _l("Completed"),
    "documents_missing": _l("Documents missing"),
    "referred": _l("Referred elsewhere"),
}

APPOINTMENT_LABELS = {
    "booked": _l("Booked"),
    "checked_in": _l("Checked in"),
    "served": _l("Served"),
    "cancelled": _l("Cancelled"),
    "no_show": _l("Did not come"),
}

ALL = {
    "documents": DOCUMENT_LABELS,
    "member_roles": MEMBER_ROLE_LABELS,
    "places": PLACE_LABELS,
    "modes": MODE_LABELS,
    "statuses": STATUS_LABELS,
    "outcomes": OUTCOME_LABELS,
    "appointments": APPOINTMENT_LABELS,
}
