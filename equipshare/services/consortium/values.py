"""Checking what people type for institutions and facilities: each problem names its field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from equipshare.domain.errors import InputError
from equipshare.sheets.people import check_username

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
# The column holding an institution's domains, comma-separated (institutions.email_domain).
DOMAINS_WIDTH = 200


def code(value: str, field: str, label: str, width: int, *, upper: bool = False) -> str:
    """A code such as WARWICK or WAR-PRP: letters, digits, '.', '_', '-', at most `width`."""
    text = value.strip()
    if upper:
        text = text.upper()
    if not text or not _CODE.fullmatch(text):
        raise InputError(
            f"{label} {value!r} is not a code: use letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field,
        )
    if len(text) > width:
        raise InputError(f"{label} {text!r} is longer than {width} characters", field)
    return text


def username(value: str, field: str = "admin") -> str:
    """The rule every other path (sheets, `users add`) applies, so init takes the same names."""
    problems: list[str] = []
    checked = check_username(value.strip(), field, problems)
    if checked is None:
        raise InputError(problems[0], field)
    return checked


def name(value: str, field: str, label: str, width: int = 200) -> str:
    text = " ".join(value.split())
    if not text:
        raise InputError(f"{label} must not be empty", field)
    if len(text) > width:
        raise InputError(f"{label} is longer than {width} characters", field)
    return text


def optional_text(value: str | None, field: str, label: str, width: int = 200) -> str | None:
    """Blank means none (so `--building ''` clears it)."""
    if value is None or not value.strip():
        return None
    return name(value, field, label, width)


def domain(value: str, field: str = "email_domain") -> str:
    """One email domain, lower-case: warwick.ac.uk (a leading @ is dropped)."""
    text = value.strip().lower().removeprefix("@")
    labels = text.split(".")
    if len(labels) < 2 or len(text) > 253 or not all(_LABEL.fullmatch(p) for p in labels):
        raise InputError(f"email domain {value!r} is not a domain such as warwick.ac.uk", field)
    return text


def domains(values: Iterable[str], field: str = "email_domain") -> tuple[str, ...]:
    """Several domains, each given alone or comma-separated; duplicates dropped, order kept."""
    found: dict[str, None] = {}
    for value in values:
        for part in value.split(","):
            if part.strip():
                found[domain(part, field)] = None
    result = tuple(found)
    if len(",".join(result)) > DOMAINS_WIDTH:
        raise InputError(
            f"email domains {', '.join(result)} take more than {DOMAINS_WIDTH} characters", field
        )
    return result


def stored_domains(column: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (column or "").split(",") if part.strip())


def email(value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not _EMAIL.fullmatch(text) or len(text) > 320:
        raise InputError(f"{value!r} is not an email address", field)
    local, _, host = text.rpartition("@")
    return f"{local}@{domain(host, field)}"


def web_address(value: str | None, field: str = "web_address") -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(text) > 500:
        raise InputError(f"web address {value!r} is not an http(s) URL", field)
    return text


def timezone(value: str, field: str = "timezone") -> str:
    text = value.strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"time zone {value!r} is unknown: give an IANA name such as Europe/London", field
        ) from None
    return text
