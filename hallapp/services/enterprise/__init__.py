"""The enterprise room: the register of Hong Kong and Macau enterprises and their people,
appointments, the registration services clerks give at exclusive counters, and the figures
the office reports ("495 people from 320 enterprises served by appointment ...").

The screens use what is named here; each module's own tests reach into it directly.
"""

from hallapp.services.enterprise.appointments import (
    appointments_on,
    book_appointment,
    cancel_appointment,
    check_in_appointment,
    upcoming_appointments,
)
from hallapp.services.enterprise.figures import (
    MODE_LABELS,
    PLACE_LABELS,
    counting_rule,
    figures,
    figures_csv,
    figures_xlsx,
)
from hallapp.services.enterprise.merging import merge_enterprises, merge_history
from hallapp.services.enterprise.people import (
    add_member,
    confirm_staff_import,
    get_import,
    import_rows,
    preview_staff_import,
    set_member_active,
)
from hallapp.services.enterprise.register import (
    DuplicateEnterprise,
    enterprise_clerks,
    save_enterprise,
    search_enterprises,
)
from hallapp.services.enterprise.serving import (
    WrongCounter,
    current_ticket_and_link,
    exclusive_counters,
    link_ticket,
    record_service,
    serve_ticket,
    services_of,
)

__all__ = [
    "MODE_LABELS",
    "PLACE_LABELS",
    "DuplicateEnterprise",
    "WrongCounter",
    "add_member",
    "appointments_on",
    "book_appointment",
    "cancel_appointment",
    "check_in_appointment",
    "confirm_staff_import",
    "counting_rule",
    "current_ticket_and_link",
    "enterprise_clerks",
    "exclusive_counters",
    "figures",
    "figures_csv",
    "figures_xlsx",
    "get_import",
    "import_rows",
    "link_ticket",
    "merge_enterprises",
    "merge_history",
    "preview_staff_import",
    "record_service",
    "save_enterprise",
    "search_enterprises",
    "serve_ticket",
    "services_of",
    "set_member_active",
    "upcoming_appointments",
]
