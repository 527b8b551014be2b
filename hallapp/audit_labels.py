"""The audit log in words: each stored action code becomes a sentence in the reader's language.

The code stays in the row (the log is filtered by it); people read the sentence. A code
without a sentence here is a bug: tests/test_audit_sentences.py finds every code the app
writes and checks it has one.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hallapp.blueprints.feedback.labels import CATEGORY_LABELS
from hallapp.blueprints.guidance.labels import CASE_KIND_LABELS, EXPRESS_STATE_LABELS

SENTENCES = {
    "auth.login": _l("%(who)s signed in"),
    "auth.login_failed": _l("A sign-in failed"),
    "auth.logout": _l("%(who)s signed out"),
    "auth.password_changed": _l("%(who)s changed their password"),
    "admin.hall.create": _l("%(who)s added a hall"),
    "admin.hall.update": _l("%(who)s changed a hall"),
    "admin.service.create": _l("%(who)s added a service"),
    "admin.service.update": _l("%(who)s changed a service"),
    "admin.counter.create": _l("%(who)s added a counter"),
    "admin.counter.update": _l("%(who)s changed a counter"),
    "admin.staff.create": _l("%(who)s added a staff account"),
    "admin.staff.update": _l("%(who)s changed a staff account"),
    "admin.staff.password_reset": _l("%(who)s reset a staff member's password"),
    "calendar.add": _l("%(who)s added a date to the hall calendar"),
    "calendar.remove": _l("%(who)s removed a date from the hall calendar"),
    "devices.token.create": _l("%(who)s created a device token"),
    "devices.token.revoke": _l("%(who)s revoked a device token"),
    "notifications.message.retry": _l("%(who)s sent a failed text message again"),
    "enterprise.create": _l("%(who)s registered an enterprise"),
    "enterprise.update": _l("%(who)s changed an enterprise"),
    "enterprise.merge": _l("%(who)s merged two enterprises"),
    "enterprise.member.add": _l("%(who)s added a person to an enterprise"),
    "enterprise.member.activate": _l("%(who)s reactivated a person of an enterprise"),
    "enterprise.member.deactivate": _l("%(who)s deactivated a person of an enterprise"),
    "enterprise.member.import": _l("%(who)s imported an enterprise's people"),
    "enterprise.appointment.book": _l("%(who)s booked the enterprise room"),
    "enterprise.appointment.cancel": _l("%(who)s cancelled an enterprise booking"),
    "enterprise.appointment.check_in": _l("%(who)s checked in an enterprise booking"),
    "enterprise.service.record": _l("%(who)s recorded a service for an enterprise"),
    "enterprise.ticket.link": _l("%(who)s linked a ticket to an enterprise booking"),
    "enterprise.contact.view": _l("%(who)s viewed an enterprise's contacts and people"),
    "feedback.contact.view": _l("%(who)s viewed a citizen's phone number"),
    "feedback.deadline": _l("%(who)s changed a reply deadline"),
    "feedback.display": _l("%(who)s switched the board's suggestions %(detail)s"),
    "feedback.template.save": _l("%(who)s saved a reply template"),
    "feedback.template.retire": _l("%(who)s removed a reply template"),
    "feedback.submitted": _l("%(who)s recorded a suggestion"),
    "feedback.triaged": _l("%(who)s triaged a suggestion"),
    "feedback.started": _l("%(who)s started work on a suggestion"),
    "feedback.replied": _l("%(who)s published a reply to a suggestion"),
    "feedback.closed": _l("%(who)s closed a suggestion"),
    "feedback.reopened": _l("%(who)s reopened a suggestion"),
    "feedback.duplicate": _l("%(who)s marked a suggestion as a duplicate"),
    "feedback.note": _l("%(who)s added an internal note to a suggestion"),
    "feedback.action": _l("%(who)s recorded an action on a suggestion"),
    "feedback.follow_up": _l("%(who)s recorded a follow-up with a citizen"),
    "feedback.published": _l("%(who)s published a suggestion on the public page"),
    "feedback.unpublished": _l("%(who)s took a suggestion off the public page"),
    "guidance.appointment.book": _l("%(who)s booked a slot for a citizen"),
    "guidance.appointment.check_in": _l("%(who)s checked in a booking"),
    "guidance.appointment.import": _l("%(who)s imported bookings"),
    "guidance.appointment.no_show": _l("Bookings of ended slots were marked as not come"),
    "guidance.bookings.view": _l("%(who)s viewed the day's bookings"),
    "guidance.case.open": _l("%(who)s opened a case: %(detail)s"),
    "guidance.case.express": _l("%(who)s moved an express case on: %(detail)s"),
    "guidance.case.close": _l("%(who)s closed a case: %(detail)s"),
    "guidance.case.view": _l("%(who)s viewed a case's contact details"),
    "guidance.cases.view": _l("%(who)s viewed a list of open cases"),
    "guidance.checklist.save": _l("%(who)s saved a checklist"),
    "guidance.identity.lookup": _l("%(who)s looked up a visitor by document"),
    "guidance.notice.record": _l("%(who)s recorded a policy notice"),
    "guidance.purge": _l("Identity data past the retention period was erased"),
    "guidance.slots.create": _l("%(who)s opened appointment slots"),
    "hotline.checklist.text": _l("%(who)s texted a checklist to a caller"),
    "queue.counter.sign_in": _l("%(who)s changed a counter's state"),
    "rating.appeal": _l("%(who)s appealed a visit rating"),
    "rating.appeal.decide": _l("%(who)s decided a rating appeal"),
}

# Sentences for rows no staff member wrote.
WITHOUT_ACTOR = {"feedback.submitted": _l("A citizen sent a suggestion")}

# Details that are stored codes, said in words too.
DETAILS = {
    "feedback.display": {"True": _l("on"), "False": _l("off")},
    "guidance.case.open": CASE_KIND_LABELS,
    "guidance.case.close": CASE_KIND_LABELS,
    "guidance.case.express": EXPRESS_STATE_LABELS,
    "feedback.deadline": CATEGORY_LABELS,
}


def sentence(entry) -> str:
    """One audit row as a sentence; an unknown code (an old row) is shown as it is."""
    template = SENTENCES.get(entry.action)
    if entry.actor is None and entry.action in WITHOUT_ACTOR:
        template = WITHOUT_ACTOR[entry.action]
    if template is None:
        return entry.action
    who = entry.actor.full_name if entry.actor else _("The system")
    words = DETAILS.get(entry.action, {})
    detail = words.get(entry.summary) or words.get(entry.target or "") or entry.summary
    return str(template) % {"who": who, "detail": detail}


def detail_shown(entry) -> str:
    """The details column: empty when the sentence already said them."""
    return "" if "%(detail)s" in str(SENTENCES.get(entry.action, "")) else entry.summary
