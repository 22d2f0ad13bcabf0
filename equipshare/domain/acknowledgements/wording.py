"""A facility's acknowledgement template: checked when saved, filled to make its sentence.

Templates use string.Template placeholders ($facility, ${hours}...), which can do nothing
but substitute: no attribute access or format specs, so a manager's wording can never
reach into the data. An unknown placeholder is refused when the template is saved, in one
line naming it and the known ones. Whitespace (a file wrapped over several lines) is
folded to single spaces: the result is one paragraph, ready to paste.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from string import Template

from equipshare.domain.errors import InputError
from equipshare.domain.records.impact.acknowledgements import (
    Acknowledgement,
    CreditRole,
    FacilityAcknowledgement,
    InstrumentUse,
    TechnicianActivity,
    TechnicianCredit,
)
from equipshare.domain.records.impact.credit import UNNAMED_STAFF

#: Each placeholder a template may use, and what it becomes.
PLACEHOLDERS: dict[str, str] = {
    "facility": "the facility's name",
    "facility_code": "the facility's code",
    "institution": "the name of the facility's institution",
    "instruments": "the instruments used, by technique, with their hours",
    "techniques": "the techniques used, as 'XPS and SEM'",
    "hours": "the hours of completed sessions at the facility",
    "sessions": "the number of completed sessions at the facility",
    "technicians": "the technicians thanked and what for (or the facility's technical staff)",
    "thanks": "' We thank' the technicians, as a sentence; empty when none assisted or trained",
}
DEFAULT_TEMPLATE = "This work used $instruments, at the $facility, $institution.$thanks"
#: Between a figure and its unit ('14 h'), so a paragraph never wraps between them.
NO_BREAK_SPACE = "\u00a0"
MAX_TEMPLATE_CHARACTERS = 2000
_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # not \s: a no-break space stays
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def known_placeholders() -> str:
    return ", ".join(f"${name}" for name in PLACEHOLDERS)


def check_template(text: str, field: str = "template") -> str:
    """The template with its whitespace folded; InputError (one line naming `field`) when it
    is empty, too long, holds a control character, a stray $ or an unknown placeholder."""
    if _UNPRINTABLE.search(text):
        raise InputError(f"{field}: holds a control character; write plain text", field)
    folded = _SPACES.sub(" ", text).strip()
    if not folded:
        raise InputError(f"{field}: is empty; to use the default wording, clear it", field)
    if len(folded) > MAX_TEMPLATE_CHARACTERS:
        raise InputError(
            f"{field}: is {len(folded)} characters long; at most {MAX_TEMPLATE_CHARACTERS}",
            field,
        )
    template = Template(folded)
    if not template.is_valid():
        raise InputError(
            f"{field}: a $ must start a placeholder such as $facility (write $$ for a dollar "
            f"sign); known: {known_placeholders()}",
            field,
        )
    unknown = [name for name in template.get_identifiers() if name not in PLACEHOLDERS]
    if unknown:
        raise InputError(
            f"{field}: unknown placeholder ${unknown[0]}; known: {known_placeholders()}", field
        )
    return folded


def hours_figure(minutes: int) -> str:
    """'14', '1.5', '0.3': hours to one place, a whole number without its '.0'."""
    tenths = (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if minutes > 0 and tenths == 0:
        tenths = Decimal("0.1")
    return f"{tenths:f}".removesuffix(".0")


def hours_words(minutes: int) -> str:
    """'14 h' with a no-break space: the one way the paragraph gives a duration."""
    return f"{hours_figure(minutes)}{NO_BREAK_SPACE}h"


def english_list(items: Sequence[str], separator: str = ",") -> str:
    """'a', 'a and b', 'a, b and c'; items that hold commas ('XPS-01, 14 h') take a comma
    before the 'and' (or give `separator` ';' to put one between every item)."""
    if len(items) <= 1:
        return "".join(items)
    serial = separator != "," or any("," in item for item in items)
    last = f"{separator} and" if serial else " and"
    return f"{f'{separator} '.join(items[:-1])}{last} {items[-1]}"


def instrument_label(use: InstrumentUse) -> str:
    """'the Kratos AXIS Supra+ (XPS-01), 14 h': make and model where known, else its name."""
    made = " ".join(part for part in (use.manufacturer, use.model) if part) or use.name
    return f"the {made} ({use.code}), {hours_words(use.minutes)}"


def instruments_words(instruments: Sequence[InstrumentUse]) -> str:
    """'XPS on the Kratos AXIS Supra+ (XPS-01), 14 h, and SEM on the ...', by technique."""
    groups: dict[str, list[str]] = {}
    for use in instruments:
        groups.setdefault(use.technique, []).append(instrument_label(use))
    parts = [f"{technique} on {english_list(labels)}" for technique, labels in groups.items()]
    crowded = any(len(labels) > 1 for labels in groups.values())
    return english_list(parts, ";" if crowded and len(parts) > 1 else ",")


def assisted_words(activity: TechnicianActivity) -> str:
    """'for assisted XPS measurements, 14 h': one technique's assisted sessions."""
    return f"for assisted {activity.technique} measurements, {hours_words(activity.minutes)}"


def credit_words(credit: TechnicianCredit) -> str:
    """'Ann Lee for assisted XPS measurements, 14 h, and for XPS and SEM training'; each
    technique assisted has its own 'for assisted ..., N h'."""
    who = credit.name if credit.named else f"the {UNNAMED_STAFF}"
    assisted = [a for a in credit.activities if a.role is CreditRole.INVESTIGATION]
    trained = [a.technique for a in credit.activities if a.role is CreditRole.SUPERVISION]
    doing = [assisted_words(a) for a in assisted]
    if trained:
        doing.append(f"for {english_list(trained)} training")
    return f"{who} {', and '.join(doing)}"


def technicians_words(credits: Sequence[TechnicianCredit]) -> str:
    """The technicians thanked, joined by ';' (each may hold commas of its own)."""
    if not credits:
        return f"the {UNNAMED_STAFF}"
    return english_list([credit_words(credit) for credit in credits], ";")


def facility_sentence(facility: FacilityAcknowledgement) -> str:
    """The facility's template filled in for its part of the acknowledgement."""
    technicians = technicians_words(facility.technicians)
    values = {
        "facility": facility.name,
        "facility_code": facility.code,
        "institution": facility.institution_name,
        "instruments": instruments_words(facility.instruments),
        "techniques": english_list(facility.techniques),
        "hours": hours_figure(facility.minutes),
        "sessions": str(facility.sessions),
        "technicians": technicians,
        "thanks": f" We thank {technicians}." if facility.technicians else "",
    }
    # Checked when saved; safe_substitute leaves anything else as written, never fails.
    return _SPACES.sub(" ", Template(facility.template).safe_substitute(values)).strip()


def paragraph(acknowledgement: Acknowledgement) -> str:
    """Every facility's sentence, in order, as one paragraph ('' when nothing was used)."""
    return " ".join(facility_sentence(f) for f in acknowledgement.facilities)


def nothing_words(acknowledgement: Acknowledgement) -> str:
    """What to say when the subject has no completed bookings in the period."""
    whose = (
        f"project {acknowledgement.subject}"
        if acknowledgement.subject_kind.value == "project"
        else acknowledgement.subject
    )
    return f"No completed bookings of {whose} ({acknowledgement.period.words()}) to acknowledge."
