"""Refusals shown beside the form field they name: the one rule every admin form shares.

Each form has a `Static` with id `#<prefix>-<field>-error` under every field, and one for
`general` under the form; the service's refusal names a field (or none).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Static


def show_field_error(
    form: DOMNode, prefix: str, fields: Sequence[str], field: str | None, text: str
) -> None:
    """Show `text` under `field` (under the form if it names none of `fields`), clear the
    rest, and put the cursor in the field at fault unless it cannot take it."""
    where = field if field in fields else "general"
    for name in fields:
        shown = name == where and bool(text)
        error = form.query_one(f"#{prefix}-{name}-error", Static)
        error.update(text if shown else "")
        error.set_class(shown, "shown")
    if text and where != "general":
        widget = form.query_one(f"#{prefix}-{where}", Widget)
        if not widget.disabled:
            widget.focus()


def field_error_text(form: DOMNode, prefix: str, field: str) -> str:
    """What the form shows under `field` (for tests and screen readers)."""
    return str(form.query_one(f"#{prefix}-{field}-error", Static).content)
