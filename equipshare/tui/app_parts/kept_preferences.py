"""KeptPreferences: the app's side of the user's preferences, kept out of app.py.

At start the app reads the user's file (tui/preferences.py) and takes the theme chosen
last time; screens open on their last filters. A theme picked in the palette, or a
screen's PreferenceChosen, updates the preferences, and a thread worker writes them. A
file that cannot be used is said once, in a notification naming it, and later replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from textual import on
from textual.app import App
from textual.theme import Theme

from equipshare.tui.messages import PreferenceChosen
from equipshare.tui.preferences import Preferences, PreferenceStore, PreferencesUnreadable


class KeptPreferences:
    """One user's preferences in a running app: read once, written on every change."""

    def __init__(self, app: App[Any], username: str) -> None:
        """Reads the file and takes its theme now: before the first frame, and only a small
        local file. Build it after the configured theme is set, which it overrides."""
        self._app = app
        self.store = PreferenceStore(username)
        #: Why the user's file was not used, said once the app has mounted; else None.
        self.problem: str | None = None
        self._shown_theme = ""
        try:
            self.current = self.store.load()
        except PreferencesUnreadable as exc:
            self.current = Preferences()
            self.problem = (
                f"Your saved preferences were ignored: {exc}. They are written afresh "
                "when you next change the theme or a filter."
            )
        if self.current.theme in app.available_themes:
            app.theme = self.current.theme

    def start(self) -> None:
        """On mount: say any problem with the file once, and keep every theme picked."""
        app = self._app
        if self.problem:
            app.notify(self.problem, severity="warning", timeout=20)
        self._shown_theme = app.theme
        app.theme_changed_signal.subscribe(app, self._theme_chosen)

    def _theme_chosen(self, theme: Theme) -> None:
        # The theme set before the app ran is published late: only a change is a choice.
        if theme.name == self._shown_theme:
            return
        self._shown_theme = theme.name
        self.keep(replace(self.current, theme=theme.name))

    def update(self, change: Callable[[Preferences], Preferences]) -> None:
        """Apply a screen's change (PreferenceChosen) and keep the result."""
        self.keep(change(self.current))

    def keep(self, preferences: Preferences) -> None:
        """Take `preferences` now and write them off the event loop."""
        if preferences == self.current and self.problem is None:
            return
        self.current = preferences
        self._app.run_worker(self._write, thread=True, group="preferences", exit_on_error=False)

    def _write(self) -> None:
        # Writes the latest preferences, whichever write runs last: never an older copy.
        try:
            self.store.save(self.current)
        except OSError as exc:
            self._app.call_from_thread(
                partial(self._app.notify, severity="error"),
                f"Could not keep your preferences in {self.store.path}: {exc}",
            )
            return
        self.problem = None


class KeepsPreferences(App[None]):
    """Mixed into the app: a screen's PreferenceChosen reaches the kept preferences."""

    preferences: KeptPreferences

    @on(PreferenceChosen)
    def _preference_chosen(self, message: PreferenceChosen) -> None:
        self.preferences.update(message.update)
