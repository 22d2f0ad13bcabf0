"""UsernameSuggester and InstrumentSuggester: fields that complete usernames and codes as typed.

A suggester is given a lookup, `(text) -> usernames or codes starting with text`, already
bound to the acting user, so widgets never see services. Textual asks for a suggestion on
every keystroke, on the event loop: the lookup runs in a thread, each prefix's answer is
kept (Textual's cache), and once a prefix's answer held every match (fewer than `limit`),
longer prefixes are answered from it without asking the database again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.suggester import Suggester

from equipshare.domain.errors import EquipshareError

#: Looks up what starts with the text typed (in any case), best first.
Lookup = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Completions:
    """The lookups completing fields use, bound to the acting user (see tui/completions.py)."""

    usernames: Lookup
    instruments: Lookup


def spelled(lookup: Lookup | None, text: str) -> str:
    """`text` as the directory or catalogue spells it when one value equals it in any case
    ("war-xps-01" is WAR-XPS-01); else `text` as typed, for the service's own refusal to
    name. Blocking: call it in the worker that sends the form."""
    wanted = text.strip()
    if lookup is None or not wanted:
        return wanted
    try:
        found = tuple(lookup(wanted))
    except EquipshareError:
        return wanted
    if wanted in found:
        return wanted
    same = {value for value in found if value.casefold() == wanted.casefold()}
    return same.pop() if len(same) == 1 else wanted


class LookupSuggester(Suggester):
    """Suggests the first value the lookup finds that starts with what was typed."""

    def __init__(self, lookup: Lookup, *, limit: int = 10) -> None:
        """`limit`: the most values the lookup returns (the services' default is 10)."""
        super().__init__(use_cache=True, case_sensitive=False)
        self._lookup = lookup
        self._limit = limit
        # Prefixes whose lookup found every match, so any longer prefix's matches are among them.
        self._whole: dict[str, tuple[str, ...]] = {}
        #: How many times the lookup ran (tests read it to see the narrowing work).
        self.lookups = 0

    async def candidates(self, value: str) -> tuple[str, ...]:
        """What the lookup finds for `value` (casefolded), from a whole answer if one covers it."""
        for prefix, found in self._whole.items():
            if value.startswith(prefix):
                return found
        self.lookups += 1
        try:
            found = tuple(await asyncio.to_thread(self._lookup, value))
        except EquipshareError:
            return ()  # a suggestion is a courtesy: the field's own check says what is wrong
        if len(found) < self._limit:
            self._whole[value] = found
        return found

    async def get_suggestion(self, value: str) -> str | None:
        # Only a value that starts with the text can be shown after it and accepted with
        # the right arrow; the lookup may also have found display names starting with it.
        # An exact match comes first and shows nothing more, so "tech" is not offered "tech2".
        for candidate in await self.candidates(value):
            if candidate.casefold().startswith(value):
                return candidate
        return None


class UsernameSuggester(LookupSuggester):
    """Completes a username; the lookup decides whom the acting user may find."""


class InstrumentSuggester(LookupSuggester):
    """Completes an instrument code, in the catalogue's own case."""
