"""The schedule-downtime form's fields: the rows it shows, what a draft lacks, and where a
refusal is shown (beside the field it names)."""

from __future__ import annotations

from textual.widgets import Input, Select

from equipshare.domain.display.wording import reason_words
from equipshare.domain.enums import DowntimeReason
from equipshare.domain.errors import EquipshareError, PermissionDenied
from equipshare.tui.downtime_plan import DowntimeDraft
from equipshare.tui.widgets.suggesters import Completions, InstrumentSuggester

FIELDS = ("instrument", "start", "end", "reason", "description")
# Where a refusal naming each service or parser field is shown; others go under the form.
FIELD_OF = {field: field for field in FIELDS} | {"length": "end", "--length": "end"}

FormRow = tuple[str, str, Input | Select[DowntimeReason]]


def placed(exc: EquipshareError) -> tuple[str, str | None]:
    """An error's message and the field to show it by (a missing right: instrument)."""
    field = getattr(exc, "field", None)
    if field is None and isinstance(exc, PermissionDenied):
        field = "instrument"
    text = str(exc)
    if field and text.startswith(f"{field}: "):
        text = text.removeprefix(f"{field}: ")  # the message sits beside that field already
    return text, FIELD_OF.get(field or "")


def form_rows(
    instrument_code: str,
    example_start: str,
    example_end: str,
    completions: Completions | None,
) -> tuple[FormRow, ...]:
    """Each field's name, label and input, in the order the form shows them."""
    reasons = [(reason_words(reason).capitalize(), reason) for reason in DowntimeReason]
    # Without completions, the instrument takes exact input only.
    instruments = InstrumentSuggester(completions.instruments) if completions else None
    return (
        (
            "instrument",
            "Instrument",
            Input(
                instrument_code,
                placeholder="WAR-XPS-01",
                id="downtime-instrument",
                compact=True,
                suggester=instruments,
            ),
        ),
        (
            "start",
            "Starts",
            Input(placeholder=example_start, id="downtime-start", compact=True),
        ),
        (
            "end",
            "Ends",
            Input(
                placeholder=f"{example_end}, or a length: 8h",
                id="downtime-end",
                compact=True,
            ),
        ),
        (
            "reason",
            "Reason",
            Select(
                reasons,
                value=DowntimeReason.MAINTENANCE,
                allow_blank=False,
                id="downtime-reason",
                compact=True,
            ),
        ),
        (
            "description",
            "Description",
            Input(
                placeholder="what is done (optional)",
                id="downtime-description",
                compact=True,
            ),
        ),
    )


def missing_fields(
    draft: DowntimeDraft, example_start: str, example_end: str
) -> list[tuple[str, str]]:
    """The fields a preview needs that the draft leaves empty, each with what to give."""
    return [
        (field, f"give the {words}")
        for field, words, given in (
            ("instrument", "instrument's code", draft.instrument_code),
            ("start", f"start, like {example_start}", draft.start_text),
            ("end", f"end, like {example_end}, or a length like 8h", draft.end_text),
        )
        if not given
    ]
