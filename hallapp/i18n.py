"""Language and time: Simplified Chinese first, English complete, hall-local clocks."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

# Interface languages staff can choose; public screens may add Traditional Chinese.
LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
PUBLIC_LANGUAGES = {**LANGUAGES, "zh_Hant_HK": "繁體中文"}
DEFAULT_LOCALE = "zh_Hans_CN"
HALL_TIMEZONE = ZoneInfo("Asia/Shanghai")


def normalize_locale(value: str | None, allowed: dict = PUBLIC_LANGUAGES) -> str | None:
    """Map what browsers and links say (zh-CN, zh_TW, en-GB) onto a catalog we ship."""
    if not value:
        return None
    value = value.replace("-", "_")
    if value in allowed:
        return value
    lowered = value.lower()
    if lowered.startswith("en"):
        return "en"
    if lowered.startswith("zh"):
        traditional = any(tag in lowered for tag in ("hant", "_tw", "_hk", "_mo"))
        if traditional and "zh_Hant_HK" in allowed:
            return "zh_Hant_HK"
        return DEFAULT_LOCALE
    return None


def select_locale() -> str:
    """A link's ?lang= first, then the staff member's setting, the session, the browser."""
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = normalize_locale(request.args.get("lang"))
    if chosen:
        session["lang"] = chosen
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale:
        return normalize_locale(current_user.locale) or DEFAULT_LOCALE
    chosen = normalize_locale(session.get("lang"))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        chosen = normalize_locale(tag)
        if chosen:
            return chosen
    return DEFAULT_LOCALE


def html_lang() -> str:
    """The BCP 47 tag for <html lang>, which Babel's zh_Hans_CN is not."""
    locale = str(get_locale())
    return {"zh_Hans_CN": "zh-CN", "zh_Hant_HK": "zh-HK"}.get(locale, locale.replace("_", "-"))


def is_english() -> bool:
    return str(get_locale()).startswith("en")


def localized(obj, field: str = "name") -> str:
    """obj.name_en in English, obj.name_hant in Traditional Chinese where the admin gave one,
    obj.name_zh otherwise."""
    locale = str(get_locale())
    suffix = "en" if locale.startswith("en") else "hant" if locale == "zh_Hant_HK" else "zh"
    return getattr(obj, f"{field}_{suffix}", None) or getattr(obj, f"{field}_zh")


def to_local(value: datetime | None, tz: ZoneInfo = HALL_TIMEZONE) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(value)
    return local.strftime(fmt) if local else ""


def service_day(now: datetime, tz: ZoneInfo = HALL_TIMEZONE) -> date:
    """The hall's local date for a UTC instant: tickets and figures reset on it."""
    return now.astimezone(tz).date()
