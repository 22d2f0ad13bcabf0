"""DetailsForm: what an instrument is and who to ask: the uniquip fields, access and contacts.

Labels and hints follow `equipshare instruments edit`'s options; an emptied field clears
its value (name and category must stay).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, TextArea

from equipshare.domain.enums import AccessLevel, UniquipType
from equipshare.domain.records.instruments.instrument_changes import InstrumentChanges
from equipshare.tui.widgets.editor_form import EditorForm
from equipshare.tui.widgets.suggesters import Lookup, UsernameSuggester

# (field, label, placeholder) of the free-text fields, in the order a facility fills them.
TEXTS = (
    ("name", "Name", "its name"),
    ("category", "Category", "SEM, XPS, NMR..."),
    ("technique", "Technique", "technique (uniquip)"),
    ("manufacturer", "Maker", ""),
    ("model", "Model", ""),
    ("building", "Building", ""),
    ("room", "Room", ""),
    ("location", "Location", "location as published (uniquip)"),
    ("site_location", "Site", "site or campus (uniquip)"),
    ("department", "Department", "department (uniquip)"),
    ("contact_technician", "Contact technician", "username of the technician to ask"),
    ("contact_name", "Contact name", "published contact's name"),
    ("contact_email", "Contact email", ""),
    ("contact_telephone", "Contact telephone", ""),
    ("contact_url", "Contact web page", ""),
    ("secondary_contact_name", "Second contact", "second contact's name"),
    ("secondary_contact_email", "Second contact email", ""),
    ("secondary_contact_telephone", "Second contact phone", ""),
    ("secondary_contact_url", "Second contact page", ""),
    ("web_address", "Web page", ""),
    ("photo_url", "Photo address", ""),
    ("service_level", "Service level", "service level (uniquip)"),
    ("uniquip_id", "Uniquip ID", "its ID in the institution's uniquip sheet"),
)
ACCESS = (
    ("Its institution's users only", AccessLevel.INSTITUTION.value),
    ("Consortium partners", AccessLevel.CONSORTIUM.value),
    ("Academics anywhere", AccessLevel.EXTERNAL_ACADEMIC.value),
    ("Everyone, industry too", AccessLevel.INDUSTRY.value),
)
KINDS = (
    ("Equipment", UniquipType.EQUIPMENT.value),
    ("A whole facility", UniquipType.FACILITY.value),
)


class DetailsForm(EditorForm):
    """The descriptive fields; `changes()` holds those changed, "" clearing a text."""

    #: Completes the contact technician's username as typed, when the editor is given one.
    usernames: Lookup | None = None

    def compose(self) -> ComposeResult:
        for name, label, placeholder in TEXTS[:2]:
            yield from self.row(label, Input(placeholder=placeholder, compact=True), name)
        yield from self.row(
            "Open to", Select(ACCESS, allow_blank=False, compact=True), "access_level",
            "Who may book it.",
        )  # fmt: skip
        yield from self.row("Description", TextArea(), "description")
        for name, label, placeholder in TEXTS[2:]:
            complete = name == "contact_technician" and self.usernames is not None
            suggester = UsernameSuggester(self.usernames) if complete and self.usernames else None
            field = Input(placeholder=placeholder, compact=True, suggester=suggester)
            yield from self.row(label, field, name)
        yield from self.row("Kind", Select(KINDS, allow_blank=False, compact=True), "uniquip_type")

    def load(self, fields: Mapping[str, object], contact_technician: str | None) -> None:
        """Fill the form from an instrument profile."""
        values = {name: "" if fields.get(name) is None else str(fields[name]) for name, *_ in TEXTS}
        values["contact_technician"] = contact_technician or ""
        values["description"] = str(fields.get("description") or "")
        values["access_level"] = str(fields.get("access_level") or AccessLevel.CONSORTIUM.value)
        values["uniquip_type"] = str(fields.get("uniquip_type") or UniquipType.EQUIPMENT.value)
        self.fill(values)

    def changes(self) -> InstrumentChanges:
        values: dict[str, Any] = {}
        for name, text in self.changed().items():
            if name == "access_level":
                values[name] = AccessLevel(text)
            elif name == "uniquip_type":
                values[name] = UniquipType(text)
            else:
                values[name] = text
        return InstrumentChanges(**values)
