"""KeyAnswers: a key whose binding may not act now says why, in a notification, not nothing.

Textual skips a binding whose node's `check_action` answers False (hidden from the footer)
or None (greyed), and the key then does nothing at all. Screens keep offering keys only
where they apply, but a key pressed anyway (from habit, the help or the README) answers:
the node that refused it words why in `why_not`, and the app shows that as a warning.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from textual import events
from textual.actions import parse
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode


@runtime_checkable
class ExplainsRefusals(Protocol):
    """A node whose `check_action` may refuse an action, and can say why."""

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why `action` cannot act now, in words a person can act on; None to say nothing."""


def _target(app: App[Any], node: DOMNode, destination: str) -> DOMNode:
    """The node an action runs on: its binding's, or the one its namespace names."""
    if destination == "app":
        return app
    if destination == "screen":
        return app.screen
    return node


def refused_key_words(app: App[Any], key: str) -> str | None:
    """Why `key` does nothing now; None when a binding of it will act, or none is bound.

    Walks the bindings the key would try, as Textual does (from the focused widget up, and
    no further than a modal), skipping priority bindings: those were tried first already.
    """
    refused: list[tuple[DOMNode, str, tuple[object, ...], Binding]] = []
    # The same chain Textual's own dispatch walks (private, but there is no public one).
    for node, bindings in app.screen._modal_binding_chain:
        for binding in bindings.key_to_bindings.get(key, ()):
            if binding.priority:
                continue
            destination, action, parameters = parse(binding.action)
            target = _target(app, node, destination)
            if target.check_action(action, parameters):
                return None  # this one acts
            refused.append((target, action, parameters, binding))
    for target, action, parameters, _binding in refused:
        if isinstance(target, ExplainsRefusals):
            words = target.why_not(action, parameters)
            if words:
                return words
    if refused:
        binding = refused[0][3]
        return f"{binding.description or binding.action} cannot be used here now"
    return None


class KeyAnswers:
    """Mixed into the app: runs before Textual's own binding check, as the key bubbles up."""

    def on_key(self, event: events.Key) -> None:
        assert isinstance(self, App)  # mixed into the app only
        words = refused_key_words(self, event.key)
        if words:
            self.notify(words, severity="warning")
