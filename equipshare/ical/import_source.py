"""Reading an iCalendar file to import: size limit, decoding, a structural scan with line numbers.

icalendar forgives a great deal and reports no line numbers. Before it sees the text we
check what a person would want named exactly: that this is a calendar at all (not an
HTML login page a browser saved), that every BEGIN has its END (a truncated download
does not), and where each VEVENT and each of its properties sits, so later errors can
say "line 42".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from equipshare.domain.errors import InputError

#: Largest file the importer reads. Real resource calendars are well under 1 MB; a
#: larger file is more likely a mistake (or an attack on memory) than a calendar.
MAX_IMPORT_BYTES = 20 * 1024 * 1024
#: icalendar spends about 100 us and 1 KB on each content line and each RDATE or EXDATE
#: date: this many keep a file within about 30 s and 300 MB. 10,000 exported events
#: take about 150,000.
MAX_CONTENT_ITEMS = 300_000
#: VCALENDAR > VTIMEZONE > STANDARD is as deep as a calendar goes; a little room beyond.
MAX_DEPTH = 8
_LISTS = frozenset({"RDATE", "EXDATE"})

_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_NAME = re.compile(r"[A-Za-z0-9-]+")


@dataclass
class ContentLine:
    """One unfolded content line and the physical line it starts on."""

    number: int
    name: str
    text: str

    @property
    def value(self) -> str:
        """The text after the first colon outside a quoted parameter value."""
        quoted = False
        for index, char in enumerate(self.text):
            if char == '"':
                quoted = not quoted
            elif char == ":" and not quoted:
                return self.text[index + 1 :]
        return ""


@dataclass
class EventLines:
    """Where one VEVENT sits in the file: its BEGIN line and its own properties' lines."""

    begin: int
    lines: list[ContentLine] = field(default_factory=list)

    def line_of(self, name: str | None, value: str | None = None) -> int:
        """The line of property `name` (the one holding `value`, if given), else BEGIN's."""
        named = [line for line in self.lines if name and line.name == name.upper()]
        if value is not None:
            for line in named:
                if line.value.strip() == value.strip():
                    return line.number
        return named[0].number if named else self.begin


def read_calendar_file(path: Path, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The file's bytes, refused with one line if it is missing, unreadable or too big."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"{path}: {_megabytes(size)} is over the {_megabytes(limit)} limit")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # a file that grows while we read is still capped
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(f"{path}: over the {_megabytes(limit)} limit")
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def decode(data: bytes, source: str, limit: int = MAX_IMPORT_BYTES) -> str:
    """UTF-8 text without a BOM (RFC 5545 allows no other charset)."""
    if len(data) > limit:
        raise InputError(f"{source}: {_megabytes(len(data))} is over the {_megabytes(limit)} limit")
    if b"\x00" in data[:4096]:
        raise InputError(f"{source}, line 1: not an iCalendar file: it is binary data")
    nul = data.find(b"\x00")
    if nul >= 0:  # PostgreSQL stores no NUL in text, and no calendar writes one
        line = data[:nul].count(b"\n") + 1
        raise InputError(f"{source}, line {line}: a NUL byte, which iCalendar text never holds")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{source}, line {line}: not UTF-8 text, as iCalendar requires") from None


def unfold(text: str) -> list[ContentLine]:
    """Content lines with continuation lines joined; blank lines are dropped."""
    found: list[ContentLine] = []
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        if raw[:1] in (" ", "\t") and found:
            found[-1].text += raw[1:]
        elif raw.strip():
            found.append(ContentLine(number, "", raw))
    for line in found:
        match = _NAME.match(line.text)
        line.name = match.group(0).upper() if match else ""
    return found


def _not_a_calendar(text: str, first: ContentLine | None, source: str) -> InputError:
    number = first.number if first else 1
    head = text.lstrip()[:2048].lower()
    if head.startswith("<") or "<html" in head or "<!doctype" in head:
        return InputError(
            f"{source}, line {number}: not an iCalendar file: it is an HTML page "
            "(a login or error page saved instead of the export?)"
        )
    return InputError(f"{source}, line {number}: not an iCalendar file: no BEGIN:VCALENDAR")


def _too_long(source: str) -> InputError:
    return InputError(
        f"{source}: over {MAX_CONTENT_ITEMS:,} lines (each RDATE and EXDATE date counts as "
        "one); import it in parts"
    )


def scan(text: str, source: str) -> list[EventLines]:
    """Check BEGIN/END nesting and return each top-level VEVENT's lines, in file order."""
    # Folded lines are joined below; this cheaper count only spares unfolding a flood.
    if max(text.count("\n"), text.count("\r")) > 3 * MAX_CONTENT_ITEMS:
        raise _too_long(source)
    lines = unfold(text)
    if not lines or lines[0].text.strip().upper() != "BEGIN:VCALENDAR":
        raise _not_a_calendar(text, lines[0] if lines else None, source)
    items = len(lines) + sum(ln.text.count(",") for ln in lines if ln.name in _LISTS)
    if items > MAX_CONTENT_ITEMS:
        raise _too_long(source)
    stack: list[tuple[str, int]] = []
    events: list[EventLines] = []
    for line in lines:
        upper = line.text.strip().upper()
        if ":" not in line.text:
            raise InputError(
                f"{source}, line {line.number}: {line.text[:40]!r} is not an iCalendar content line"
            )
        if upper.startswith("BEGIN:"):
            name = upper[6:].strip()
            if not stack and name != "VCALENDAR":
                raise InputError(f"{source}, line {line.number}: BEGIN:{name} outside a VCALENDAR")
            if name == "VEVENT" and len(stack) > 1:
                outer, at = stack[-1]
                raise InputError(
                    f"{source}, line {line.number}: BEGIN:VEVENT inside BEGIN:{outer} from line "
                    f"{at}; an event belongs directly in a VCALENDAR"
                )
            if len(stack) >= MAX_DEPTH:
                raise InputError(
                    f"{source}, line {line.number}: BEGIN:{name[:40]} is nested over "
                    f"{MAX_DEPTH} deep"
                )
            if name == "VEVENT":
                events.append(EventLines(line.number))
            stack.append((name, line.number))
        elif upper.startswith("END:"):
            name = upper[4:].strip()
            if not stack:
                raise InputError(f"{source}, line {line.number}: END:{name} with no BEGIN")
            opened, at = stack.pop()
            if opened != name:
                raise InputError(
                    f"{source}, line {line.number}: END:{name} does not close "
                    f"BEGIN:{opened} from line {at}"
                )
        elif not stack:
            raise InputError(f"{source}, line {line.number}: text after END:VCALENDAR")
        elif len(stack) == 2 and stack[-1][0] == "VEVENT":
            events[-1].lines.append(line)
    if stack:
        name, at = stack[-1]
        raise InputError(
            f"{source}, line {lines[-1].number}: the file ends inside BEGIN:{name} "
            f"from line {at}; it looks truncated"
        )
    return events
