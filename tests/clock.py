"""The suite's clock. Every test runs at an instant it chooses, never at the machine's.

By default the clock starts at DEFAULT_INSTANT, a working Tuesday mid-morning in the
hall, and runs on from there (time-machine, which also covers the live servers the
browser tests run in threads of this process). A test that cares about another moment
moves the clock itself: `clock.move_to(beijing(2026, 12, 5, 23, 59), tick=False)`.

Nothing here touches the app's configuration: production has no clock override.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

HALL_TZ = ZoneInfo("Asia/Shanghai")


def beijing(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant on the hall's wall clock (Asia/Shanghai, UTC+8 all year)."""
    return datetime(year, month, day, hour, minute, tzinfo=HALL_TZ)


# Tuesday 1 December 2026, 10:00 in the hall (02:00 UTC): open, a working day.
DEFAULT_INSTANT = beijing(2026, 12, 1, 10, 0)
