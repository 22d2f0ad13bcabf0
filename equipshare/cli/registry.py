"""Where each `equipshare` command lives, so a run imports only the command it runs.

Importing every command module up front cost a launch of the TUI about half a second
(each pulls in its services, and `db` pulls in Alembic). The short helps are copied here
so `equipshare --help` lists every command without importing any;
tests/cli/test_registry.py fails when this table and the real commands disagree.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class CommandEntry:
    """One top-level command: the module and attribute that define it, and its short help."""

    module: str
    attribute: str
    short_help: str


_BOOKING = "equipshare.cli.commands.schedule.bookings"
_APPROVALS = "equipshare.cli.commands.schedule.approvals"
_MAINTENANCE = "equipshare.cli.commands.operations.maintenance"
_PEOPLE = "equipshare.cli.commands.people.users"
_RATES = "equipshare.cli.billing.rates"

COMMANDS: dict[str, CommandEntry] = {
    "acknowledge": CommandEntry(
        "equipshare.cli.commands.research.acknowledge",
        "acknowledge",
        "Acknowledge the facilities and technicians behind a researcher's or a project's work.",
    ),
    "anonymise": CommandEntry(
        _MAINTENANCE,
        "anonymise",
        "Replace the personal data of users inactive since DATE (admins).",
    ),
    "approvals": CommandEntry(
        _APPROVALS,
        "approvals_group",
        "Bookings waiting for facility staff to approve or reject them.",
    ),
    "approve": CommandEntry(
        _APPROVALS, "approve", "Confirm pending booking BOOKING_ID (staff of its facility)."
    ),
    "audit": CommandEntry(
        "equipshare.cli.consortium.audit",
        "audit",
        "Read the audit trail: who changed what, when, from what to what.",
    ),
    "backup": CommandEntry(
        _MAINTENANCE, "backup", "Copy the database to PATH, safely while the app is in use."
    ),
    "book": CommandEntry(
        _BOOKING,
        "book",
        'Book INSTRUMENT_CODE and print "booking ID STATUS" (pending needs approval).',
    ),
    "bookings": CommandEntry(
        _BOOKING,
        "bookings_group",
        "List your bookings, or as facility staff every booking on a facility.",
    ),
    "cancel": CommandEntry(
        _BOOKING,
        "cancel",
        "Cancel booking BOOKING_ID (your own, or any on a facility you staff).",
    ),
    "charges": CommandEntry(
        "equipshare.cli.billing.charges",
        "charges_group",
        "Correct a booking's charge: waive it, or reprice it from the rate cards.",
    ),
    "check": CommandEntry(
        _MAINTENANCE,
        "check",
        "Check the database: the engine's own integrity check, then the domain rules.",
    ),
    "checkin": CommandEntry(
        "equipshare.cli.commands.schedule.checkin",
        "checkin",
        "Check in to booking BOOKING_ID: the session has begun.",
    ),
    "checkout": CommandEntry(
        "equipshare.cli.commands.schedule.checkin",
        "checkout",
        "Check out of booking BOOKING_ID: the session has ended.",
    ),
    "close-past": CommandEntry(
        _MAINTENANCE,
        "close_past",
        "Mark confirmed bookings that have ended as completed (admins; for nightly cron).",
    ),
    "db": CommandEntry(
        "equipshare.cli.commands.operations.db", "db_group", "Manage the database schema."
    ),
    "demo": CommandEntry(
        "equipshare.cli.commands.operations.demo",
        "demo",
        "Create, migrate and fill a demo database of the Midlands Innovation consortium, "
        "then open the app on it as an admin.",
    ),
    "downtime": CommandEntry(
        "equipshare.cli.commands.schedule.downtime",
        "downtime_group",
        "Take instruments out of use for maintenance, and list or cancel their downtime.",
    ),
    "estimate": CommandEntry(
        "equipshare.cli.grants.estimate",
        "estimate_group",
        "Cost a grant's instrument and technician time at the facilities' rate cards.",
    ),
    "export": CommandEntry(
        "equipshare.cli.commands.import_export.export",
        "export_group",
        "Export bookings and the instrument catalogue for other tools.",
    ),
    "facilities": CommandEntry(
        "equipshare.cli.consortium.facilities",
        "facilities_group",
        "Facilities and their staff: add, edit, list and show them; who manages them.",
    ),
    "facility": CommandEntry(
        _RATES,
        "facility_group",
        "A facility's charging policy: booked or actual time, cancellation terms, check-in.",
    ),
    "feeds": CommandEntry(
        "equipshare.cli.commands.operations.feeds",
        "feeds_group",
        "Calendar subscription feeds: tokens, and the feed server.",
    ),
    "import": CommandEntry(
        "equipshare.cli.commands.import_export.import_ics",
        "import_group",
        "Bring bookings, instruments and users in from other tools.",
    ),
    "init": CommandEntry(
        "equipshare.cli.consortium.init",
        "init",
        "Set up an empty database: the schema, the first institution and its first admin.",
    ),
    "institutions": CommandEntry(
        "equipshare.cli.consortium.institutions",
        "institutions_group",
        "Universities and companies: add, edit and list them (admins).",
    ),
    "instruments": CommandEntry(
        "equipshare.cli.consortium.instruments",
        "instruments_group",
        "Create and edit instruments: their details, booking policy, opening hours and status.",
    ),
    "move": CommandEntry(
        _BOOKING,
        "move",
        "Move booking BOOKING_ID to a new start or length, checked by every rule again.",
    ),
    "notify": CommandEntry(
        "equipshare.cli.commands.operations.notify",
        "notify",
        "Email what the outbox holds: confirmations, approvals, cancellations, waitlist offers, "
        "reminders before bookings and warnings before training expires (admins).",
    ),
    "outputs": CommandEntry(
        "equipshare.cli.commands.research.outputs",
        "outputs_group",
        "Research outputs (papers, datasets) recorded against the bookings that made them.",
    ),
    "purge": CommandEntry(
        _MAINTENANCE,
        "purge",
        "Delete cancelled and rejected bookings, and audit events, from before DATE (admins).",
    ),
    "rates": CommandEntry(
        _RATES,
        "rates_group",
        "An instrument's hourly prices per user class: list them, or set a new one.",
    ),
    "reject": CommandEntry(
        _APPROVALS,
        "reject",
        "Refuse pending booking BOOKING_ID, with a reason (staff of its facility).",
    ),
    "report": CommandEntry(
        "equipshare.cli.billing.report",
        "report_group",
        "Recharge statements between institutions, and impact reports on sharing and work.",
    ),
    "restore": CommandEntry(_MAINTENANCE, "restore", "Load the backup at PATH into the database."),
    "serve": CommandEntry(
        "equipshare.cli.commands.operations.serve",
        "serve",
        "Serve sign-in, the app in the browser and the calendar feeds until stopped.",
    ),
    "slots": CommandEntry(
        "equipshare.cli.commands.schedule.slots",
        "slots",
        "Find the earliest free slots you could book, honouring every rule for you.",
    ),
    "training": CommandEntry(
        "equipshare.cli.commands.people.training",
        "training_group",
        "Training records: record, renew, revoke, list, and import the sheets facilities keep.",
    ),
    "tui": CommandEntry(
        "equipshare.cli.commands.operations.tui",
        "tui",
        "Open the terminal app on the configured database.",
    ),
    "users": CommandEntry(
        _PEOPLE,
        "users_group",
        "Add, edit, list, deactivate and reactivate user accounts (admins); keys and credit "
        "profiles.",
    ),
    "waitlist": CommandEntry(
        "equipshare.cli.commands.schedule.waitlist",
        "waitlist_group",
        "Queue for a taken range of an instrument; when it frees up it is held for you.",
    ),
}


def load_command(name: str) -> click.Command:
    """Import the module that defines command `name` and return the command."""
    entry = COMMANDS[name]
    command = getattr(importlib.import_module(entry.module), entry.attribute)
    if not isinstance(command, click.Command):  # pragma: no cover - guarded by the test
        raise TypeError(f"{entry.module}.{entry.attribute} is not a click command")
    return command
