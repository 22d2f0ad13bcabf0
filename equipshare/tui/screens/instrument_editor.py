"""InstrumentEditorScreen: change an instrument's details, booking policy, hours and status."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Footer, Header, Static

from equipshare.services.catalogue.service import (
    InstrumentEditingService,
    InstrumentStatusService,
)
from equipshare.tui.service_screen import ServiceScreen, back_binding


class InstrumentEditorScreen(ServiceScreen[None]):
    """One instrument's editable fields, for its facility's managers, technicians and admins."""

    BINDINGS: ClassVar[list[BindingType]] = [back_binding("instrument_editor")]

    def __init__(
        self,
        editing: InstrumentEditingService,
        status: InstrumentStatusService,
        actor: str,
        code: str,
    ) -> None:
        super().__init__()
        self._editing = editing
        self._status = status
        self._actor = actor
        self.code = code

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.code, id="editor-title", markup=False)
        yield Footer()
