"""InstitutionForm: add or edit an institution, with the service's refusal beside its field.

The form sends what was typed to InstitutionService in a worker; the service checks
every value and names the field it refuses (code, name, sector, email_domain), so the
refusal shows under that field, and anything else (a missing right) under the form.
The form closes only once the institution is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from textual.binding import BindingType

from equipshare.domain.enums import InstitutionSector
from equipshare.domain.records.consortium import InstitutionChange, InstitutionRecord
from equipshare.services.consortium.service import InstitutionService
from equipshare.tui.modals.record_form import RecordForm, Row, form_bindings


def shown_value(value: object) -> str:
    """A field's value as `equipshare institutions` prints it: '(none)' for nothing."""
    if value is None or value == "":
        return "(none)"
    return value.value if isinstance(value, InstitutionSector) else str(value)


def change_words(change: InstitutionChange) -> str:
    """What a save did, in the CLI's words: 'ASTON: created', 'ASTON changed name: A -> B'."""
    code, result = change.institution.code, change.change
    if not result.changed:
        return f"{code}: {result.outcome.value}"
    return "\n".join(
        f"{code} changed {field}: {shown_value(old)} -> {shown_value(new)}"
        for field, old, new in result.changed
    )


class InstitutionForm(RecordForm[InstitutionChange]):
    """Returns what the save did, or None when closed without saving.

    Without a record it adds an institution; with one it edits that institution, the
    fields starting from its current values (the service changes only those that differ).
    """

    BINDINGS: ClassVar[list[BindingType]] = form_bindings(
        "institution_form", "Save", "Save the institution"
    )
    PREFIX, FORM_ID = "institution", "institution_form"
    FIELDS = ("code", "name", "sector", "partner", "domains", "general")
    FIELD_OF: ClassVar[Mapping[str, str]] = {
        "code": "code",
        "name": "name",
        "sector": "sector",
        "is_partner": "partner",
        "email_domain": "domains",
    }

    def __init__(
        self,
        institutions: InstitutionService,
        actor_username: str,
        record: InstitutionRecord | None = None,
    ) -> None:
        super().__init__()
        self._institutions = institutions
        self._actor = actor_username
        self.record = record

    def title_words(self) -> str:
        return f"Edit institution {self.record.code}" if self.record else "Add an institution"

    def save_words(self) -> str:
        return "Save" if self.record else "Add"

    def first_field(self) -> str:
        return "name" if self.record else "code"

    def rows(self) -> Iterable[Row]:
        record = self.record
        sector = (record.sector if record else InstitutionSector.ACADEMIC).value
        partner = "yes" if record and record.is_partner else "no"
        domains = ", ".join(record.email_domains) if record else ""
        return (
            self.input_row("Code", "code", record.code if record else "",
                           "e.g. ASTON (stored upper-case)"),
            self.input_row("Name", "name", record.name if record else "", "e.g. Aston University"),
            self.select_row("Sector", "sector", [(s.value, s.value) for s in InstitutionSector],
                            sector),
            self.select_row("Partner", "partner",
                            [("yes: books on partner terms", "yes"), ("no", "no")], partner),
            self.input_row("Email domains", "domains", domains, "e.g. aston.ac.uk, aston.com"),
        )  # fmt: skip

    def submission(self) -> Callable[[], InstitutionChange]:
        code, name, domains = self.value("code"), self.value("name"), self.value("domains")
        sector = InstitutionSector(self.choice("sector"))
        partner = self.choice("partner") == "yes"
        record, service, actor = self.record, self._institutions, self._actor

        def save() -> InstitutionChange:
            if record is None:
                return service.add(
                    actor, code, name, sector, is_partner=partner, email_domains=(domains,)
                )
            return service.edit(
                actor, record.code, new_code=code, name=name, sector=sector,
                is_partner=partner, email_domains=(domains,),
            )  # fmt: skip

        return save
