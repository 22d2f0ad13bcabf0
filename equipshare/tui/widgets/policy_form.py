"""PolicyForm: an instrument's booking policy, as numbers and yes-or-no rules, to edit.

Wording follows `equipshare instruments edit`'s options. The weekly quota is typed in
hours (0 or empty for none), as on the command line; the service keeps minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Checkbox, Input

from equipshare.domain.errors import InputError
from equipshare.domain.records.instruments.instrument_changes import InstrumentChanges
from equipshare.tui.widgets.editor_form import EditorForm

# (field, label, hint) for the whole-number rules.
NUMBERS = (
    ("slot_minutes", "Slot (minutes)", "Bookings start and end on multiples of this."),
    ("min_minutes", "Shortest (minutes)", "Shortest booking."),
    ("max_minutes", "Longest (minutes)", "Longest booking (at most 20160, 14 days)."),
    ("min_notice_minutes", "Notice (minutes)", "Notice a booking needs."),
    ("max_days_ahead", "Horizon (days)", "How far ahead a booking may start."),
    ("weekly_quota_minutes", "Weekly quota (hours)", "Hours per user a week; 0 for none."),
)
# (field, label) for the yes-or-no rules.
FLAGS = (
    ("requires_approval", "Bookings wait for a manager's approval"),
    ("requires_training", "Users need training to book alone"),
    ("requires_project_code", "A project code is needed"),
    ("allow_overnight", "Bookings may run through closed hours"),
)


def _number_text(name: str, value: object) -> str:
    if name == "weekly_quota_minutes":
        return "0" if not isinstance(value, int) else f"{value / 60:g}"
    return str(value)


def _whole(name: str, text: str) -> int:
    try:
        return int(text or "0")
    except ValueError:
        raise InputError(f"{name}: {text!r} is not a whole number", name) from None


class PolicyForm(EditorForm):
    """How the instrument is booked; `changes()` reads what was changed, refusing non-numbers."""

    def compose(self) -> ComposeResult:
        for name, label, hint in NUMBERS:
            yield from self.row(label, Input(compact=True), name, hint)
        for name, label in FLAGS:
            yield from self.row("", Checkbox(label, compact=True), name)

    def load(self, fields: Mapping[str, object]) -> None:
        """Fill the form from an instrument profile's fields."""
        values = {name: _number_text(name, fields.get(name)) for name, _, _ in NUMBERS}
        values |= {name: "yes" if fields.get(name) else "no" for name, _ in FLAGS}
        self.fill(values)

    def changes(self) -> InstrumentChanges:
        """The changed rules; a number that is not one is refused naming its field."""
        values: dict[str, Any] = {}
        numbers = {name for name, _, _ in NUMBERS}
        for name, text in self.changed().items():
            if name in numbers:
                number = _whole(name, text)
                values[name] = number * 60 if name == "weekly_quota_minutes" else number
            else:
                values[name] = text == "yes"
        return InstrumentChanges(**values)
