"""Every table fits the terminal (issue 20, cut off at 80 and 100 columns), on the demo.

At 80x24, 100x30 and 160x50 each screen's essential columns are in view without scrolling
sideways and their cells are whole (the instrument code, when, status, requester); wider
terminals show more columns; help shows every binding's id whole; the footer shows no key
cut mid-word; Demand's charts are in view; the sharing matrix's dots line up with its
figures and has no row for an institution that hosts nothing. The demo is seeded once (its
"today" is Sun 6 Dec 2026, as the issue was found) and only read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.cells import cell_len
from rich.text import Text
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.demo.seeding import DemoService
from equipshare.domain.records.impact.reports import SharingReport
from equipshare.domain.records.scheduling.bookings import BookingRequest
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.bookings.lifecycle import BookingService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.app import EquipshareApp
from equipshare.tui.screens.approvals import ApprovalsScreen
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.help import HelpScreen
from equipshare.tui.screens.my_bookings import MyBookingsScreen
from equipshare.tui.screens.reports.reports import ReportsScreen
from equipshare.tui.widgets.catalogue_table import CatalogueTable
from tests.support import backends
from tests.support.world import World, london
from tests.tui.conftest import settle, shown
from tests.tui.test_history import instrument_history

pytestmark = pytest.mark.slow

TODAY = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
ADMIN = "jane.doe"
SIZES = [(80, 24), (100, 30), (160, 50)]
size_ids = [f"{w}x{h}" for w, h in SIZES]


@pytest.fixture(scope="module")
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceContext]:
    url = backends.copy_sqlite(
        request.getfixturevalue("sqlite_template"), tmp_path_factory.mktemp("layout-demo")
    )
    context = ServiceContext(
        Database.connect(url), FrozenClock(TODAY), Settings().with_database_url(url)
    )
    DemoService(context).seed(seed=1, admin_username=ADMIN)
    yield context
    context.close()


def busiest_researcher(context: ServiceContext) -> str:
    """The researcher with the most bookings, pending ones among them."""
    sql = """
        SELECT u.username FROM bookings b JOIN users u ON u.id = b.user_id
        WHERE u.role = 'researcher' GROUP BY u.username
        HAVING SUM(CASE WHEN b.status = 'pending' THEN 1 ELSE 0 END) > 0
        ORDER BY COUNT(*) DESC, u.username LIMIT 1"""
    with context.database.engine.connect() as conn:
        return str(conn.execute(text(sql)).scalar_one())


def plain(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def in_view(table: DataTable[Any]) -> dict[str, int]:
    """Each column wholly in view without scrolling sideways, with its text width."""
    room = table.scrollable_content_region.width
    right, shown = 0, {}
    for column in table.ordered_columns:
        width = column.get_render_width(table)
        right += width
        if right <= room:
            shown[str(column.key.value)] = width - 2 * table.cell_padding
    return shown


def assert_whole(table: DataTable[Any], *keys: str) -> dict[str, int]:
    """`keys` are in view, every cell whole, and nothing lies beyond the right edge."""
    assert table.row_count, f"#{table.id} is empty"
    shown = in_view(table)
    assert table.max_scroll_x == 0, f"#{table.id} scrolls sideways: {shown}"
    for key in keys:
        assert key in shown, f"#{table.id}: {key} is not in view ({list(shown)})"
        cells = [plain(cell) for cell in table.get_column(key)]
        cut = [cell for cell in cells if cell_len(cell) > shown[key]]
        assert not cut, f"#{table.id}: {key} is {shown[key]} wide, cutting {cut[:3]} ({shown})"
    return shown


def assert_footer_whole(app: EquipshareApp) -> None:
    """Every key the footer shows is whole: none runs under the palette's key or off."""
    footer = app.screen.query_one("Footer")
    keys = [
        key
        for key in footer.query(FooterKey)
        if key.display and key.parent is not None and key.parent.display
    ]
    palette = [key for key in keys if key.has_class("-command-palette")]
    edge = palette[0].region.x if palette else footer.region.right
    shown = [key for key in keys if key not in palette]
    assert shown, "the footer shows no key"
    for key in shown:
        assert key.region.width > 0 and key.region.right <= edge, (
            f"footer key {key.key_display} {key.description!r} is cut at {edge}"
        )


async def wait_for_rows(pilot: Pilot[None], selector: str) -> DataTable[Any]:
    table = pilot.app.screen.query_one(selector, DataTable)
    await settle(pilot, lambda: table.row_count > 0)
    await pilot.pause()  # the columns are laid out after the rows arrive
    await settle(pilot, lambda: bool(table.columns))
    return table


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_my_bookings_shows_when_status_and_instrument_whole(
    demo: ServiceContext, size: tuple[int, int]
) -> None:
    app = EquipshareApp(demo, busiest_researcher(demo))
    async with app.run_test(size=size) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await pilot.press("m")
        screen = await shown(pilot, MyBookingsScreen)
        await settle(pilot, lambda: screen.loaded)
        table = await wait_for_rows(pilot, "#my-bookings-table")
        upcoming = assert_whole(table, "when", "status", "instrument")
        assert_footer_whole(app)
        if size[0] >= 160:  # wider shows more: the price, who must approve, the name
            assert {"price", "approvers", "name"} <= set(upcoming)
        await pilot.press("t")
        await settle(pilot, lambda: screen.loaded and not screen.upcoming)
        past = assert_whole(table, "when", "status", "instrument")
        if size[0] >= 100:
            assert "price" in past


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_approvals_shows_when_instrument_and_requester_whole(
    demo: ServiceContext, size: tuple[int, int]
) -> None:
    app = EquipshareApp(demo, ADMIN)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        await pilot.press("A")
        screen = await shown(pilot, ApprovalsScreen)
        await settle(pilot, lambda: screen.loaded)
        table = await wait_for_rows(pilot, "#approvals-table")
        wide = assert_whole(table, "when", "instrument", "requester")
        assert_footer_whole(app)
        if size[0] >= 160:
            assert {"requested", "institution", "training"} <= set(wide)
        await pilot.press("space")  # a selection shows its mark beside what it selects
        await settle(pilot, lambda: "mark" in in_view(table))
        marked = assert_whole(table, "mark", "when", "instrument")
        # At 80 columns the name may give up a letter or two to the mark, and no more.
        assert marked["requester"] >= 12


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_staff_lists_show_their_essentials_whole(
    demo: ServiceContext, size: tuple[int, int]
) -> None:
    app = EquipshareApp(demo, ADMIN)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        for key, selector, essentials in (
            ("T", "#training-table", ("user", "instrument", "until")),
            ("U", "#users-table", ("username", "name", "active")),
            ("I", "#institutions-table", ("code", "name", "sector")),
            ("S", "#facilities-table", ("code", "name")),
            ("D", "#downtime-table", ("when", "instrument")),
        ):
            await pilot.press(key)
            await settle(pilot, lambda: not isinstance(app.screen, CatalogueScreen))
            table = await wait_for_rows(pilot, selector)
            assert_whole(table, *essentials)
            assert_footer_whole(app)
            if selector == "#facilities-table":
                staff = await wait_for_rows(pilot, "#staff-table")
                assert_whole(staff, "username", "name", "role")
            await pilot.press("escape")
            await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_the_catalogue_shows_codes_whole_and_more_columns_when_wider(
    demo: ServiceContext, size: tuple[int, int]
) -> None:
    app = EquipshareApp(demo, ADMIN)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        table = app.screen.query_one("#catalogue-table", CatalogueTable)
        await settle(pilot, lambda: table.row_count > 0)
        await pilot.pause()
        widths = table.column_widths
        assert table.max_scroll_x == 0
        assert {"code", "name", "institution", "next_free"} <= set(widths)
        assert widths["code"] >= max(len(code) for code in table.codes)  # never cut
        longest = max(table.codes, key=len)
        assert widths["institution"] >= len(table.cell(longest, "institution"))
        if size[0] >= 160:
            assert {"status", "category", "facility"} <= set(widths)
        assert_footer_whole(app)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_report_tables_fit_and_demands_charts_are_in_view(
    demo: ServiceContext, size: tuple[int, int]
) -> None:
    app = EquipshareApp(demo, ADMIN)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        await pilot.press("R")
        screen = await shown(pilot, ReportsScreen)
        for number, tab, selector, essentials in (
            ("1", "utilisation", "#utilisation-table", ("code", "utilisation")),
            ("3", "technicians", "#technicians-table", ("name", "assisted_h", "trainings")),
            ("4", "demand", "#demand-table", ("code", "requests")),
        ):
            await pilot.press(number)
            await settle(pilot, lambda tab=tab: screen.report(tab) is not None)  # type: ignore[misc]
            assert_whole(await wait_for_rows(pilot, selector), *essentials)
            assert_footer_whole(app)
        # Demand's charts are on screen, whole, beside the table (not under 24 rows of it).
        for chart in ("#demand-hours", "#demand-weekdays"):
            region = screen.query_one(chart).region
            assert region.height > 1 and screen.region.contains_region(region), chart


async def test_help_shows_every_binding_id_whole_at_80x24(demo: ServiceContext) -> None:
    app = EquipshareApp(demo, ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
        await settle(pilot, lambda: app.staff)
        await pilot.press("A")
        await shown(pilot, ApprovalsScreen)
        await pilot.press("question_mark")
        await shown(pilot, HelpScreen)
        table = await wait_for_rows(pilot, "#help-table")
        shown_columns = assert_whole(table, "key", "id")
        ids = [plain(cell) for cell in table.get_column("id") if plain(cell)]
        assert "approvals.approve" in ids and "app.help" in ids
        assert shown_columns["id"] >= max(len(i) for i in ids)


async def test_the_sharing_matrix_lines_dots_up_with_figures_and_skips_idle_hosts(
    demo: ServiceContext,
) -> None:
    app = EquipshareApp(demo, ADMIN)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.staff)
        await pilot.press("R")
        screen = await shown(pilot, ReportsScreen)
        await pilot.press("2")
        await settle(pilot, lambda: screen.report("sharing") is not None)
        matrix = await wait_for_rows(pilot, "#sharing-matrix")
        report = screen.report("sharing")
        assert isinstance(report, SharingReport)
        hosts = {cell.host_code for cell in report.cells if cell.minutes}
        rows = [str(row.key.value) for row in matrix.ordered_rows]
        assert rows and set(rows) == hosts  # no row of dots for one that hosts nothing
        assert set(report.institutions) - hosts, "the demo has institutions hosting nothing"
        for column in matrix.ordered_columns[1:]:
            for cell in matrix.get_column(column.key):
                # Each cell fills its column, right-aligned: dots sit under last digits.
                assert cell_len(plain(cell)) == column.width, (column.key.value, cell)
                assert plain(cell) == plain(cell).rstrip()
        dots = [c for col in matrix.ordered_columns for c in matrix.get_column(col.key)]
        assert any(plain(cell).endswith("·") for cell in dots)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_history_keeps_when_who_and_action_whole_and_wraps_the_changes(
    context: ServiceContext, world: World, size: tuple[int, int]
) -> None:
    bookings = BookingService(context)
    request = BookingRequest("WAR-XPS-01", london(2026, 3, 16, 11), london(2026, 3, 16, 12))
    bookings.cancel("alice", bookings.book("alice", request).id, "plans changed")
    app = EquipshareApp(context, "tech")
    async with app.run_test(size=size) as pilot:
        await instrument_history(pilot, context, "tech")
        table = await wait_for_rows(pilot, "#history-table")
        shown_columns = assert_whole(table, "when", "who", "action")
        assert_footer_whole(app)
        # The changes are never cut: narrowed, they wrap onto more lines of their row.
        width = shown_columns["changes"]
        for row, cell in zip(table.ordered_rows, table.get_column("changes"), strict=True):
            assert row.height >= -(-cell_len(plain(cell)) // width)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
async def test_the_header_says_who_and_how_many_wait_without_cutting(
    demo: ServiceContext, size: tuple[int, int]
) -> None:
    app = EquipshareApp(demo, ADMIN)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen) and app.pending > 0)
        words = f"{app.title} — {app.sub_title}"
        assert len(words) <= size[0] - 18, words  # the icon and the clock's place aside
        assert app.sub_title.endswith(f"{app.pending} to approve")
        if size[0] >= 100:
            assert app.sub_title.startswith(f"signed in as {ADMIN}")
