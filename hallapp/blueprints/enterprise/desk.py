"""The enterprise room's part of the one counter console: which enterprise the ticket is
for, and the registration service recorded as the ticket finishes. The queue's console
includes it for a counter in the enterprise room."""

from hallapp.blueprints.enterprise.forms import ConsoleServiceForm
from hallapp.blueprints.enterprise.labels import ALL as LABELS
from hallapp.models import Counter, Enterprise, EnterpriseTicket, Ticket
from hallapp.services import enterprise as rooms


def console_form(enterprise: Enterprise, **kwargs) -> ConsoleServiceForm:
    form = ConsoleServiceForm(**kwargs)
    form.member_ids.choices = [(member.id, member.name) for member in enterprise.active_members]
    return form


def desk_context(
    counter: Counter,
    ticket: Ticket | None,
    link: EnterpriseTicket | None,
    *,
    form: ConsoleServiceForm | None = None,
    query: str = "",
) -> dict:
    """What the console's enterprise part draws for the ticket at this counter."""
    enterprise = link.enterprise if link else None
    if enterprise is not None and form is None:
        form = console_form(enterprise)
        if link is not None and link.appointment is not None:
            form.member_ids.data = [member.id for member in link.appointment.members]
    query = query.strip()
    return {
        "link": link,
        "enterprise": enterprise,
        "service_form": form,
        "query": query,
        "matches": (
            rooms.search_enterprises(counter.hall, query, limit=10)
            if query and ticket and enterprise is None
            else []
        ),
        "enterprise_labels": LABELS,
    }
