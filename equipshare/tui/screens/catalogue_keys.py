"""The catalogue screen's keys (their ids are what `[keymap]` in equipshare.toml rebinds)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from equipshare.tui.service_screen import search_binding

CATALOGUE_KEYS: list[BindingType] = [
    search_binding("catalogue", "Type to search", action="focus_search"),
    Binding(
        "f",
        "focus_filters",
        "Filters",
        id="catalogue.filters",
        tooltip="Filter by institution, facility, category or access (Tab moves along)",
    ),
    Binding(
        "b",
        "toggle_bookable",
        "Bookable by me",
        id="catalogue.bookable",
        tooltip="Show only instruments you may book now",
    ),
    Binding(
        "w",
        "week",
        "Week / book",
        id="catalogue.week",
        tooltip="The highlighted instrument's week calendar, to book it",
    ),
    Binding(
        "x",
        "clear_filters",
        "Clear filters",
        id="catalogue.clear_filters",
        tooltip="Drop every filter (the search text stays)",
    ),
    Binding(
        "escape",
        "focus_table",
        "To table",
        show=False,
        id="catalogue.table",
        tooltip="Leave the search box or filters for the table",
    ),
]
