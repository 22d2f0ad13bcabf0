"""EditorForm: a column of labelled fields, each with the line beside it where a refusal shows.

The instrument editor's tabs (details, policy, hours) are each one of these. A field's
input is `#field-NAME` and its error line `#error-NAME`, NAME being the field the
services name in an InputError, so a refusal finds its place by the name alone. A form
remembers the text each field was loaded with and sends only the fields changed since.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

Field = Input | Select[str] | TextArea | Checkbox


class EditorForm(VerticalScroll):
    """Rows of label, field and error line; subclasses say which fields and how to read them."""

    DEFAULT_CSS = """
    EditorForm { height: 1fr; padding: 0 1; }
    EditorForm .field-row { height: auto; }
    EditorForm .field-row Label { width: 22; padding: 0 1 0 0; }
    EditorForm .field-row Input, EditorForm .field-row Select { width: 1fr; }
    EditorForm .field-row TextArea { width: 1fr; height: 4; }
    EditorForm .field-hint { color: $text-muted; padding: 0 0 0 22; height: auto; }
    EditorForm .field-error { color: $error; padding: 0 0 0 22; height: auto; display: none; }
    EditorForm .field-error.shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.baseline: dict[str, str] = {}

    @staticmethod
    def row(label: str, field: Field, name: str, hint: str = "") -> ComposeResult:
        """A label and its field on one line, a hint under it if any, then its error line."""
        field.id = f"field-{name}"
        with Horizontal(classes="field-row"):
            yield Label(label)
            yield field
        if hint:
            yield Static(hint, classes="field-hint", markup=False)
        yield EditorForm.error_line(name)

    @staticmethod
    def error_line(name: str) -> Static:
        """Where a refusal naming `name` shows; alone, for what no single field holds."""
        return Static("", id=f"error-{name}", classes="field-error", markup=False)

    # Reading and filling fields -------------------------------------------------------

    def text(self, name: str) -> str:
        """A field's value as text ('yes' or 'no' for a checkbox)."""
        field = self.query_one(f"#field-{name}", Widget)
        if isinstance(field, Input):
            return field.value.strip()
        if isinstance(field, TextArea):
            return field.text.strip()
        if isinstance(field, Checkbox):
            return "yes" if field.value else "no"
        if isinstance(field, Select):
            value = field.value
            return value if isinstance(value, str) else ""
        raise TypeError(f"#field-{name} is not a form field")

    def fill(self, values: dict[str, str]) -> None:
        """Put these values in their fields and remember them as what was loaded."""
        for name, value in values.items():
            field = self.query_one(f"#field-{name}", Widget)
            if isinstance(field, Input):
                field.value = value
            elif isinstance(field, TextArea):
                field.text = value
            elif isinstance(field, Checkbox):
                field.value = value == "yes"
            elif isinstance(field, Select):
                field.value = value
            self.baseline[name] = self.text(name)

    def changed(self) -> dict[str, str]:
        """The fields whose text differs from what was loaded, by name."""
        return {name: now for name, was in self.baseline.items() if (now := self.text(name)) != was}

    # Showing refusals -----------------------------------------------------------------

    def holds(self, name: str) -> bool:
        """Whether this form has an error line for `name`."""
        return bool(self.query(f"#error-{name}"))

    def show_error(self, name: str, text: str) -> None:
        line = self.query_one(f"#error-{name}", Static)
        line.update(text)
        line.set_class(bool(text), "shown")
        if text:
            for field in self.query(f"#field-{name}").results(Widget):
                field.focus()

    def clear_errors(self) -> None:
        for line in self.query(".field-error").results(Static):
            line.update("")
            line.remove_class("shown")

    def errors(self) -> dict[str, str]:
        """The error lines showing, by field name."""
        return {
            str(line.id).removeprefix("error-"): str(line.content)
            for line in self.query(".field-error.shown").results(Static)
        }
