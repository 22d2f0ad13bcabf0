"""The catalogue screen's keys (their ids are what `[keymap]` in equipshare.toml rebinds)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

CATALOGUE_KEYS: list[BindingType] = [
    # A priority binding, so "/" moves the focus before the keys typed after it are
    # handed on: "/xps" arriving in one burst (a paste, a slow link over SSH) gave the
    # table "xp" and the search "s". In a text box "/" is a character (check_action).
    Binding(
        "slash",
        "focus_search",
        "Search",
        id="catalogue.search",
        tooltip="Type to search",
        priority=True,
    ),
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
