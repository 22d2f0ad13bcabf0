"""The options `instruments add|edit` share, read into InstrumentChanges with one-line errors.

Numbers and choices are read here rather than by click, so a bad value is one line naming
the option (exit 2), as every other bad input is, not click's usage block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from equipshare.domain.enums import AccessLevel, UniquipType
from equipshare.domain.errors import InputError
from equipshare.domain.records.instruments.instrument_changes import InstrumentChanges
from equipshare.domain.rules.instrument_rules import DAYS

F = TypeVar("F", bound=Callable[..., Any])

# (option, InstrumentChanges field, help) for the free-text fields; '' clears one.
TEXT_OPTIONS = (
    ("--name", "name", "Its name."),
    ("--category", "category", "Category people search by (SEM, XPS, NMR...)."),
    ("--technique", "technique", "Technique (uniquip)."),
    ("--manufacturer", "manufacturer", "Maker."),
    ("--model", "model", "Model."),
    ("--description", "description", "What it does, in a few sentences."),
    ("--building", "building", "Building it is in."),
    ("--room", "room", "Room."),
    ("--location", "location", "Location as published (uniquip)."),
    ("--site-location", "site_location", "Site or campus (uniquip)."),
    ("--department", "department", "Department (uniquip)."),
    ("--contact-name", "contact_name", "Published contact's name."),
    ("--contact-email", "contact_email", "Published contact's email."),
    ("--contact-telephone", "contact_telephone", "Published contact's telephone."),
    ("--contact-url", "contact_url", "Published contact's web page."),
    ("--secondary-contact-name", "secondary_contact_name", "Second contact's name."),
    ("--secondary-contact-email", "secondary_contact_email", "Second contact's email."),
    ("--secondary-contact-telephone", "secondary_contact_telephone", "Second contact's phone."),
    ("--secondary-contact-url", "secondary_contact_url", "Second contact's web page."),
    ("--photo-url", "photo_url", "A photo's address."),
    ("--service-level", "service_level", "Service level (uniquip)."),
    ("--web-address", "web_address", "Its web page."),
    ("--uniquip-id", "uniquip_id", "Its ID in the institution's uniquip sheet."),
    ("--contact-technician", "contact_technician", "Username of the technician to ask."),
)
# (option, field, help) for the whole-minute policy values.
NUMBER_OPTIONS = (
    ("--slot-minutes", "slot_minutes", "Bookings start and end on multiples of N minutes."),
    ("--min-minutes", "min_minutes", "Shortest booking."),
    ("--max-minutes", "max_minutes", "Longest booking (at most 20160, 14 days)."),
    ("--min-notice-minutes", "min_notice_minutes", "Notice a booking needs."),
    ("--max-days-ahead", "max_days_ahead", "How far ahead a booking may start."),
    ("--weekly-quota-hours", "weekly_quota_minutes", "Hours per user a week; 0 for none."),
)
# (on/off flags, field, help) for the policy's yes-or-no rules.
FLAG_OPTIONS = (
    ("--approval/--no-approval", "requires_approval", "Bookings wait for a manager."),
    ("--training/--no-training", "requires_training", "Users need training to book alone."),
    ("--project-code/--no-project-code", "requires_project_code", "A project code is needed."),
    ("--overnight/--no-overnight", "allow_overnight", "Bookings may run through closed hours."),
)
CHOICE_OPTIONS: dict[str, tuple[str, type[AccessLevel] | type[UniquipType], str]] = {
    "access_level": ("--access-level", AccessLevel, "Who may book it"),
    "uniquip_type": ("--uniquip-type", UniquipType, "equipment, or a whole facility"),
}


def _param(option: str) -> str:
    return option.split("/")[0].removeprefix("--").replace("-", "_")


def instrument_options(func: F) -> F:
    """Every field and policy option; each reaches the command under its own name."""
    for option, _, text in reversed(FLAG_OPTIONS):
        func = click.option(option, _param(option), default=None, help=text)(func)
    for option, _, text in reversed(NUMBER_OPTIONS):
        func = click.option(option, _param(option), metavar="N", help=text)(func)
    for option, kind, text in reversed(list(CHOICE_OPTIONS.values())):
        choices = "|".join(v.value for v in kind)
        func = click.option(option, _param(option), metavar=choices, help=f"{text}.")(func)
    for option, _, text in reversed(TEXT_OPTIONS):
        func = click.option(option, _param(option), metavar="TEXT", help=text)(func)
    return func


def _number(option: str, value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a whole number", _param(option)) from None


def changes_from(given: Mapping[str, Any]) -> InstrumentChanges:
    """The InstrumentChanges the options given ask for (None where an option was left out)."""
    values: dict[str, Any] = {}
    for option, field, _ in TEXT_OPTIONS:
        values[field] = given.get(_param(option))
    for option, field, _ in NUMBER_OPTIONS:
        raw = given.get(_param(option))
        if raw is not None:
            number = _number(option, raw)
            values[field] = number * 60 if field == "weekly_quota_minutes" else number
    for option, field, _ in FLAG_OPTIONS:
        values[field] = given.get(_param(option))
    for field, (option, kind, _) in CHOICE_OPTIONS.items():
        raw = given.get(_param(option))
        if raw is not None:
            cleaned = raw.strip().lower().replace("-", "_")
            try:
                values[field] = kind(cleaned)
            except ValueError:
                shown = ", ".join(v.value for v in kind)
                raise InputError(f"{option}: {raw!r} is not one of {shown}", field) from None
    return InstrumentChanges(**values)


def hours_options(func: F) -> F:
    """`--mon` .. `--sun` (ranges of the day) and `--always-open`."""
    func = click.option(
        "--always-open", is_flag=True, help="Open around the clock: no opening hours at all."
    )(func)
    for day in reversed(DAYS):
        func = click.option(
            f"--{day}",
            day,
            metavar="RANGES",
            help=f"{day.title()}'s hours, e.g. 09:00-12:00,13:00-17:00 ('closed' for none).",
        )(func)
    return func


def days_given(given: Mapping[str, Any]) -> dict[str, str]:
    """The days whose hours were given, as day -> ranges text."""
    return {day: given[day] for day in DAYS if given.get(day) is not None}
