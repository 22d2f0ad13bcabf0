"""StatusForm: whether an instrument takes bookings (in service, limited, out of service,
retired) and the reason, which every refused booking quotes."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from equipshare.domain.enums import InstrumentStatus
from equipshare.tui.widgets.editor_form import EditorForm

STATUSES = (
    ("In service", InstrumentStatus.AVAILABLE.value),
    ("Limited (still takes bookings)", InstrumentStatus.LIMITED.value),
    ("Out of service (takes no bookings)", InstrumentStatus.OUT_OF_SERVICE.value),
    ("Retired (takes no bookings)", InstrumentStatus.RETIRED.value),
)


class StatusForm(EditorForm):
    """The status and its reason; saving previews the bookings a closing status strands."""

    def compose(self) -> ComposeResult:
        yield from self.row("Status", Select(STATUSES, allow_blank=False, compact=True), "status")
        yield from self.row(
            "Reason",
            Input(placeholder="why; quoted to anyone refused a booking", compact=True),
            "reason",
            "Out of service and retired need one.",
        )
        yield Static(
            "Future bookings a closing status strands are listed before anything is written; "
            "you then cancel them (their owners are told) or keep them.",
            classes="field-hint",
            markup=False,
        )

    def load(self, fields: Mapping[str, object]) -> None:
        self.fill(
            {
                "status": str(fields.get("status") or InstrumentStatus.AVAILABLE.value),
                "reason": str(fields.get("status_reason") or ""),
            }
        )

    def wanted(self) -> tuple[InstrumentStatus, str]:
        """The status chosen and the reason typed."""
        return InstrumentStatus(self.text("status")), self.text("reason")
