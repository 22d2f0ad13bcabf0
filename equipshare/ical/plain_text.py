"""Plain text from an imported calendar's text fields: no markup, no scripts, no control codes.

Outlook and Google put HTML in DESCRIPTION (and sometimes SUMMARY); a hostile file can
put <script> there. equipshare shows these strings in a terminal and re-exports them in
feeds, so only the readable text survives: tags go, script and style bodies go whole,
entities are decoded, control characters (terminal escape sequences among them) go.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DROPPED_BODIES = frozenset({"script", "style", "noscript", "template", "iframe", "object", "head"})
_BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_MARKUP = re.compile(r"<[A-Za-z!/?]|&[#A-Za-z0-9]+;")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_BODIES:
            self._dropping.append(tag)
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_BODIES and tag in self._dropping:
            while self._dropping and self._dropping.pop() != tag:
                pass
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def plain_text(value: str, *, limit: int, single_line: bool = False) -> str:
    """`value` as readable text, at most `limit` characters."""
    text = value
    if _MARKUP.search(text):
        collector = _TextCollector()
        collector.feed(text)
        collector.close()
        text = "".join(collector.parts)
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    if single_line:
        text = " ".join(line for line in lines if line)
    else:
        text = "\n".join(lines)
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
