"""EstimateScreen: cost a grant's instrument and technician time as lines are added, save
the plan, and see saved plans beside what their project codes were charged.

The grant's terms (whose, first day, years, yearly uplift) and a line (instrument, grant
year, hours, assisted hours) are typed in fields; Enter adds the line (or replaces that
instrument's year) and the costing is worked out again in a thread worker. `d` drops the
highlighted line, `s` saves under the title and project code typed, and Enter on a saved
plan shows it as it was priced, with its lines loaded to cost again at today's cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Header, Input, Static

from equipshare.domain.display.grant_formats import costing_footer, costing_rows
from equipshare.domain.errors import EquipshareError, InputError
from equipshare.domain.inputs.grant_lines import plan_line
from equipshare.domain.money.grant_costing import checked_uplift, checked_years
from equipshare.domain.records.money.grants import (
    GrantEstimate,
    PlanComparison,
    PlanLine,
    PlanRequest,
    SavedPlan,
)
from equipshare.domain.time.timeparse import parse_typed_day
from equipshare.services.grants.service import GrantCostingService
from equipshare.tui.screens.estimate.estimate_tables import (
    COSTING,
    PLANS,
    costing_cells,
    plan_cells,
    plan_lines,
)
from equipshare.tui.service_screen import ServiceScreen, back_binding
from equipshare.tui.widgets.fitted_table import FittedTable
from equipshare.tui.widgets.key_footer import KeyFooter
from equipshare.tui.widgets.suggesters import Completions, InstrumentSuggester, UsernameSuggester

#: The most saved plans listed, each compared with its charges in the same worker.
LISTED = 50
#: Each field's name on its border, short enough for a quarter of 80 columns.
FIELD_NAMES = {
    "est-user": "applicant", "est-start": "first day", "est-years": "years",
    "est-uplift": "uplift %", "est-instrument": "instrument", "est-year": "grant year",
    "est-hours": "hours", "est-assisted": "assisted hours", "est-title": "title",
    "est-project": "project code",
}  # fmt: skip
LINE_FIELDS = ("#est-instrument", "#est-year", "#est-hours", "#est-assisted")
TERM_FIELDS = ("#est-user", "#est-start", "#est-years", "#est-uplift")


class EstimateScreen(ServiceScreen[None]):
    """A grant costing being drafted, and the saved plans the actor may see."""

    @dataclass
    class Estimated(Message):
        """The costing of `request` arrived."""

        request: PlanRequest
        estimate: GrantEstimate

    @dataclass
    class NotPriced(Message):
        """The draft cannot be costed as it stands; `text` says why."""

        request: PlanRequest
        text: str

    @dataclass
    class Saved(Message):
        """The draft was saved as `plan`."""

        plan: SavedPlan

    @dataclass
    class PlansLoaded(Message):
        """The saved plans, each beside its project code's charges."""

        comparisons: tuple[PlanComparison, ...]

    DEFAULT_CSS = """
    EstimateScreen Horizontal { height: 3; }
    EstimateScreen Horizontal Input { width: 1fr; border-title-color: $text-muted; }
    #est-status { height: auto; padding: 0 1; background: $boost; }
    #est-costing { height: 1fr; }
    #est-plans { height: auto; max-height: 7; }
    """

    ENTER_ACTIONS: ClassVar[dict[str, str]] = {"est-costing": "change_line"}

    BINDINGS: ClassVar[list[BindingType]] = [
        back_binding("estimate"),
        Binding("a", "add_line", "Add line", id="estimate.add_line",
                tooltip="Type an instrument, grant year, hours and assisted hours, then Enter"),
        Binding("d", "drop_line", "Drop line", id="estimate.drop_line",
                tooltip="Take the highlighted instrument's year out of the plan"),
        Binding("g", "terms", "Grant", id="estimate.terms",
                tooltip="Whose grant, its first day, how many years and the yearly uplift"),
        Binding("s", "save", "Save", id="estimate.save",
                tooltip="Save the plan under the title and project code typed"),
        Binding("l", "plans", "Plans", id="estimate.plans",
                tooltip="Saved plans beside what their project codes were charged"),
    ]  # fmt: skip

    def __init__(
        self,
        grants: GrantCostingService,
        actor: str,
        *,
        may_pick: bool,
        completions: Completions | None = None,
    ) -> None:
        """`may_pick`: the actor is staff or an admin, who may cost a grant for someone else."""
        super().__init__()
        self._grants = grants
        self._actor = actor
        self._may_pick = may_pick
        self._completions = completions
        self.lines: dict[tuple[str, int], PlanLine] = {}
        self.request: PlanRequest | None = None
        self.estimate: GrantEstimate | None = None
        self.comparisons: tuple[PlanComparison, ...] = ()
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        looks = self._completions
        users = UsernameSuggester(looks.usernames) if looks else None
        codes = InstrumentSuggester(looks.instruments) if looks else None
        with Horizontal(id="est-terms"):
            yield Input(self._actor, placeholder="applicant", id="est-user",
                        disabled=not self._may_pick, suggester=users)  # fmt: skip
            yield Input(placeholder="first day, e.g. 2027-10-01", id="est-start")
            yield Input("3", placeholder="years", id="est-years")
            yield Input("0", placeholder="uplift % a year", id="est-uplift")
        with Horizontal(id="est-line"):
            yield Input(placeholder="instrument", id="est-instrument", suggester=codes)
            yield Input("1", placeholder="grant year", id="est-year")
            yield Input(placeholder="hours", id="est-hours")
            yield Input(placeholder="assisted hours", id="est-assisted")
        yield Static("", id="est-status", markup=False)
        yield FittedTable(id="est-costing")
        with Horizontal(id="est-save"):
            yield Input(placeholder="title to save under", id="est-title")
            yield Input(placeholder="project code", id="est-project")
        yield FittedTable(id="est-plans")
        yield KeyFooter()

    def on_mount(self) -> None:
        # A typed field loses its placeholder: its name stays on its border ('2' is years).
        for field in self.query(Input):
            field.border_title = FIELD_NAMES.get(field.id or "", "")
        self.query_one("#est-costing", FittedTable).set_columns(COSTING)
        self.query_one("#est-plans", FittedTable).set_columns(PLANS)
        self._status("Type the grant's first day, then add lines: instrument, year, hours")
        self.query_one("#est-start", Input).focus()
        self.load_plans()

    def _status(self, text: str) -> None:
        self.query_one("#est-status", Static).update(text)

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    # The draft ------------------------------------------------------------------------

    def _request(self) -> PlanRequest:
        """The draft as a request, or an InputError naming the field that is wrong."""
        start_text = self._value("#est-start")
        if not start_text:
            raise InputError("type the grant's first day", "start")
        starts_on: date = parse_typed_day(start_text, "first day")
        try:
            years = checked_years(int(self._value("#est-years") or "0"))
        except ValueError:
            raise InputError("years must be a whole number, 1 to 10", "years") from None
        uplift = checked_uplift(self._value("#est-uplift") or "0")
        applicant = self._value("#est-user") or self._actor
        ordered = tuple(sorted(self.lines.values(), key=lambda x: (x.year, x.instrument_code)))
        return PlanRequest(applicant, starts_on, years, uplift, ordered)

    def recost(self) -> None:
        """Work the costing out again for the draft as it now stands."""
        try:
            request = self._request()
        except EquipshareError as error:
            self._not_priced(str(error))
            return
        if not request.lines:
            self._not_priced("Add a line: instrument, grant year, hours, assisted hours, Enter")
            return
        self.request = request
        self._status("Costing...")
        grants, actor = self._grants, self._actor
        self.call_service(
            lambda: grants.estimate(actor, request),
            lambda found: self.Estimated(request, found),
            group="estimate",
            refused=lambda error: self.NotPriced(request, str(error)),
            drop_if_cancelled=True,
        )

    def _not_priced(self, text: str) -> None:
        self.problem, self.estimate = text, None
        self.query_one("#est-costing", FittedTable).clear()
        self._status(text)

    def _show_costing(self, estimate: GrantEstimate, note: str) -> None:
        table = self.query_one("#est-costing", FittedTable)
        table.clear()
        for row in costing_rows(estimate):
            table.add_row(*costing_cells(row))
        self._status(f"{note}{costing_footer(estimate)}")

    @on(Estimated)
    def _estimated(self, message: Estimated) -> None:
        if message.request != self.request:
            return  # overtaken by a newer draft
        self.problem, self.estimate = None, message.estimate
        self._show_costing(message.estimate, "")

    @on(NotPriced)
    def _refused_costing(self, message: NotPriced) -> None:
        if message.request == self.request:
            self._not_priced(message.text)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = f"#{event.input.id}"
        if field in LINE_FIELDS:
            self._add_line()
        elif field in TERM_FIELDS:
            self.recost()
        else:
            self.action_save()

    def _add_line(self) -> None:
        try:
            line = plan_line(
                self._value("#est-instrument"),
                self._value("#est-year"),
                self._value("#est-hours"),
                self._value("#est-assisted"),
                where="line",
            )
        except EquipshareError as error:
            self.notify(str(error), severity="error")
            return
        self.lines[(line.instrument_code.casefold(), line.year)] = line
        for selector in ("#est-hours", "#est-assisted"):
            self.query_one(selector, Input).value = ""
        self.query_one("#est-hours", Input).focus()
        self.recost()

    def action_add_line(self) -> None:
        self.query_one("#est-instrument", Input).focus()

    def action_terms(self) -> None:
        self.query_one("#est-start", Input).focus()

    def _highlighted_line(self, doing: str) -> tuple[str, int] | None:
        """The key of the plan line under the costing table's cursor; says why if none."""
        table = self.query_one("#est-costing", FittedTable)
        if table.row_count == 0:
            self.notify(f"There is no line to {doing}", severity="warning")
            return None
        cells = [str(c) for c in table.row_values_at(table.cursor_row)]
        year, code = cells[0], cells[1]
        key = (code.casefold(), int(year)) if code and year else None
        if key not in self.lines:
            self.notify(f"Highlight an instrument's line to {doing} it", severity="warning")
            return None
        return key

    def action_drop_line(self) -> None:
        key = self._highlighted_line("drop")
        if key is not None:
            del self.lines[key]
            self.recost()

    def action_change_line(self) -> None:
        """Enter on a line: its fields to change, Enter in them puts it back (replaced)."""
        key = self._highlighted_line("change")
        if key is None:
            return
        line = self.lines[key]
        hours = (line.instrument_minutes / 60, line.assisted_minutes / 60)
        values = (line.instrument_code, str(line.year), *(f"{h:g}" for h in hours))
        for field, value in zip(LINE_FIELDS, values, strict=True):
            self.query_one(field, Input).value = value
        self.query_one("#est-hours", Input).focus()

    # Saving and saved plans -----------------------------------------------------------

    def action_save(self) -> None:
        title, project = self._value("#est-title"), self._value("#est-project")
        if self.estimate is None or self.request is None:
            self.notify(self.problem or "Nothing to save yet: add a line", severity="warning")
            return
        if not title or not project:
            self.notify("Type a title and a project code to save under", severity="warning")
            self.query_one("#est-title" if not title else "#est-project", Input).focus()
            return
        grants, actor, request = self._grants, self._actor, self.request
        self.call_service(
            lambda: grants.save(actor, request, title=title, project_code=project),
            self.Saved,
            group="estimate_save",
        )

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        plan = message.plan
        self.notify(f"Saved plan {plan.id} {plan.title!r} ({plan.project_code})")
        self.load_plans()

    def load_plans(self) -> None:
        grants, actor = self._grants, self._actor

        def compared() -> tuple[PlanComparison, ...]:
            return tuple(grants.compare(actor, p.id) for p in grants.list(actor)[:LISTED])

        self.call_service(compared, self.PlansLoaded, group="estimate_plans")

    @on(PlansLoaded)
    def _plans_loaded(self, message: PlansLoaded) -> None:
        self.comparisons = message.comparisons
        table = self.query_one("#est-plans", FittedTable)
        table.clear()
        for comparison in message.comparisons:
            table.add_row(*plan_cells(comparison))

    def action_plans(self) -> None:
        table = self.query_one("#est-plans", FittedTable)
        if not self.comparisons:
            self.notify("No saved plans yet: s saves this one", severity="warning")
        table.focus()

    @on(DataTable.RowSelected, "#est-plans")
    def _plan_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        comparison = self.comparisons[event.cursor_row]
        plan, estimate = comparison.plan, comparison.plan.estimate
        self.lines = plan_lines(estimate)
        self.query_one("#est-start", Input).value = estimate.starts_on.isoformat()
        self.query_one("#est-years", Input).value = str(estimate.years)
        self.query_one("#est-uplift", Input).value = str(estimate.uplift_percent.normalize())
        self.request, self.estimate = None, None  # a change costs it again at today's cards
        self._show_costing(estimate, f"Plan {plan.id} as saved: {comparison.total.words()}. ")
