"""Issue 21, done when: a technician who opted out is never named in any acknowledgement,
report row visible to others, or export. One walk over every output that could name one.

What "visible to others" means here: seen by anyone but the technician themself, a manager
of a facility they staff, and an admin. Those three run the facility with the name (whom to
ask about a booking, who trained whom), so its lists and exports name the person to them;
everyone else (the researchers they assisted, colleague technicians, other facilities'
staff) sees "technical staff of the facility". Acknowledgements are stricter: they never
name the person, to anyone, themself included; so are portfolios and the technicians
report, which name them only to themself. A refusal that echoes a username the viewer
typed names nobody new, so only outputs that succeed are read.

The world (tests/support/acknowledgement_rows): tech2 of WAR-PRP opted out and assisted
bob's completed XPS session under P1; here tech2 also trained erin, is to assist a pending
request of bob's, and bob records an output crediting that session.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial

from click.testing import Result
from sqlalchemy import select
from textual.widgets import Input, Static

from equipshare.db.models.bookings import Booking
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, TrainingLevel
from equipshare.domain.records.impact.credit import UNNAMED_STAFF
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.acknowledge import AcknowledgeScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.cli.conftest import Invoke
from tests.support.acknowledgement_rows import HIDDEN_NAME, HIDDEN_ORCID, plant_march_work
from tests.support.maintenance_rows import plant_booking
from tests.support.world import World, london
from tests.tui.conftest import settle
from tests.tui.reports.test_acknowledge import open_acknowledge
from tests.tui.reports.test_portfolio_screen import open_portfolio

#: Everything that would name tech2: username and display name ("Tech2"), credit name,
#: ORCID iD and job title. Compared without case.
SECRETS = ("tech2", HIDDEN_NAME, HIDDEN_ORCID, "Senior Experimental Officer")
OTHERS = ("bob", "tech", "otherstaff")  # assisted, colleague, other facility
RUNNING_IT = ("mgr", "root")
PERIOD = ("--from", "2026-03-01", "--to", "2026-03-31")


def plant_more(context: ServiceContext, world: World, bob_booking: int) -> None:
    """tech2 trains erin and is to assist a request of bob's; bob's session gets a paper."""
    users = world.users
    with context.database.sessions.begin() as session:
        instrument_id = session.scalars(
            select(Booking.instrument_id).where(Booking.id == bob_booking)
        ).one()
        session.add(
            TrainingRecord(
                user_id=users["erin"], instrument_id=instrument_id, trainer_id=users["tech2"],
                level=TrainingLevel.INDEPENDENT, trained_at=datetime(2026, 3, 10, tzinfo=UTC),
                expires_at=datetime(2026, 3, 10, tzinfo=UTC) + timedelta(days=3 * 365),
            )
        )  # fmt: skip
    later = london(2027, 6, 1, 10)
    plant_booking(context.database, world, "bob", "WAR-XPS-01", later, later + timedelta(hours=2),
                  BookingStatus.PENDING, technician_id=users["tech2"])  # fmt: skip


def shows_bob(screen: AcknowledgeScreen) -> bool:
    return screen.shown_for is not None and screen.shown_for.username == "bob"


def leaks(text: str) -> list[str]:
    folded = text.casefold()
    return [secret for secret in SECRETS if secret.casefold() in folded]


def commands() -> list[tuple[str, ...]]:
    """Every CLI output that lists or exports people's work, in its data formats."""
    data = ("csv", "json")
    found: list[tuple[str, ...]] = []
    for form in ("text", "markdown", "json", "csv"):
        found += [("acknowledge", "--user", "bob", "--format", form),
                  ("acknowledge", "--project", "P1", "--format", form)]  # fmt: skip
    for form in data:
        found += [
            ("outputs", "list", "--format", form),
            ("report", "technicians", *PERIOD, "--format", form),
            ("report", "sharing", *PERIOD, "--format", form),
            ("report", "charges", "--month", "2026-03", "--format", form),
            ("bookings", "list", "--past", "--format", form),
            ("bookings", "list", "--facility", "WAR-PRP", "--format", form),
            ("bookings", "list", "--facility", "WAR-PRP", "--past", "--format", form),
            ("approvals", "list", "--format", form),
            ("training", "list", "--format", form),
        ]
    return found


async def test_an_opted_out_technician_is_named_to_nobody_else(
    invoke: Invoke, database_url: str, context: ServiceContext, world: World
) -> None:
    _, bob_booking = plant_march_work(context, world)
    plant_more(context, world, bob_booking)

    def run(viewer: str, *args: str) -> Result:
        return invoke(*args, "--db", database_url, env={"EQUIPSHARE_USER": viewer})

    added = run("bob", "outputs", "add", "10.5555/hidden.1", "Hidden XPS", "2026",
                "--booking", str(bob_booking))  # fmt: skip
    assert added.exit_code == 0, added.output
    unnamed: set[tuple[str, ...]] = set()
    for viewer in OTHERS:
        for args in commands():
            result = run(viewer, *args)
            if result.exit_code != 0:
                continue  # refused: it says only what the viewer asked
            if UNNAMED_STAFF in result.stdout:
                unnamed.add(args)
            assert not leaks(result.stdout), (viewer, args, leaks(result.stdout))
    # Each output that carries tech2's work showed it, unnamed, to someone.
    carrying = {args for args in commands() if args[:2] not in {
        ("outputs", "list"), ("report", "sharing"), ("report", "charges"), ("bookings", "list"),
        ("report", "technicians")}}  # fmt: skip
    carrying |= {a for a in commands() if a[:2] == ("bookings", "list") and "--facility" in a}
    assert carrying <= unnamed, sorted(carrying - unnamed)
    # Others may not open tech2's portfolio, and see only their own technicians row; the
    # manager sees both with tech2 unnamed (these two are stricter still).
    assert run("tech", "report", "portfolio", "tech2", *PERIOD).exit_code == 1
    for args in (*(("report", "portfolio", "tech2", *PERIOD, "--format", form)
                   for form in ("csv", "json", "markdown")),
                 ("report", "technicians", *PERIOD, "--format", "json")):  # fmt: skip
        page = run("mgr", *args)
        assert page.exit_code == 0 and not leaks(page.stdout), args
        assert UNNAMED_STAFF in page.stdout

    # Those who run the facility still see who assists, trains and is asked for.
    for viewer in RUNNING_IT:
        for args in (("approvals", "list", "--format", "json"),
                     ("bookings", "list", "--facility", "WAR-PRP", "--past", "--format", "csv"),
                     ("training", "list", "--format", "csv")):  # fmt: skip
            result = run(viewer, *args)
            assert result.exit_code == 0 and leaks(result.stdout), (viewer, args)
    # ...but an acknowledgement names them to no one, not even the admin.
    for viewer in (*RUNNING_IT, "tech2"):
        shown = run(viewer, "acknowledge", "--user", "bob", "--format", "json")
        assert shown.exit_code == 0 and not leaks(shown.stdout), viewer
        assert UNNAMED_STAFF in json.loads(shown.stdout)["paragraph"]

    # The terminal app: the Acknowledge screen (bob's own, and bob's seen by a colleague)
    # and the Portfolio screen of a colleague, who may open only their own.
    for viewer in ("bob", "tech"):
        app = EquipshareApp(context, viewer)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_acknowledge(pilot)
            if viewer != "bob":
                await pilot.press("u")
                screen.query_one("#ack-user", Input).value = "bob"
                await pilot.press("enter")
                await settle(pilot, partial(shows_bob, screen))
            assert screen.acknowledgement is not None and not screen.acknowledgement.empty
            texts = [str(w.content) for w in screen.query(Static)]
            table = screen.query_one("#ack-table", FittedTable)
            texts += [str(c) for i in range(table.row_count) for c in table.row_values_at(i)]
            assert not leaks("\n".join(texts)) and UNNAMED_STAFF in "\n".join(texts), viewer
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=(120, 40)) as pilot:
        portfolio = await open_portfolio(pilot)
        texts = [str(w.content) for w in portfolio.query(Static)]
        texts += [f"{s.username} {s.name}" for s in portfolio.subjects]
        assert "Tech" in "\n".join(texts) and not leaks("\n".join(texts))
