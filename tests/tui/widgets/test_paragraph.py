"""Paragraph: Textual alone would wrap '8 h' at its no-break space; Paragraph never does."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region

from equipshare.tui.widgets.paragraph import Paragraph, held_parts, wrapped

TEXT = "Thanks to the staff for assisted XPS measurements, 8\u00a0h, and NOTTS-ICPMS-02 time."


class OneParagraph(App[None]):
    CSS = "Paragraph { width: 52; }"

    def compose(self) -> ComposeResult:
        yield Paragraph(TEXT, id="p")


def test_wrapping_keeps_figures_with_their_units_at_every_width() -> None:
    assert str(Content(TEXT).wrap(52)[0]).endswith("8")  # Textual alone splits there
    for width in range(16, len(TEXT) + 2):  # from the longest word up
        lines = wrapped(TEXT, width)
        assert " ".join(lines) == TEXT
        assert all(not line.startswith("h,") for line in lines), (width, lines)
        assert "NOTTS-ICPMS-02" in " ".join(lines).split()  # never cut at a hyphen


async def test_the_widget_shows_the_lines_it_measured() -> None:
    app = OneParagraph()
    async with app.run_test(size=(60, 8)):
        shown = app.query_one(Paragraph)
        lines = [s.text.rstrip() for s in shown.render_lines(Region(0, 0, *shown.outer_size))]
        assert lines == [
            "Thanks to the staff for assisted XPS measurements,",
            "8 h, and NOTTS-ICPMS-02 time.",  # the no-break space is shown as a space
        ]
        assert shown.size.height == 2
        shown.update("short")
        await app.workers.wait_for_complete()
        assert str(shown.content) == "short"


def test_held_parts_break_only_between_parts_with_the_dot_ending_a_line() -> None:
    parts = ("9,120 instruments", "booked 17909.95 h of 24000.00 h open (74.6%)", "used 17909.95 h")
    text = held_parts(parts)
    for width in range(len(parts[1]) + 2, len(text) + 1):
        lines = [line.replace("\u00a0", " ") for line in wrapped(text, width)]
        assert " ".join(lines) == " · ".join(parts)
        for line in lines:  # each line is whole parts, a dot closing all but the last
            assert line.removesuffix(" ·") in parts or " · " in line, (width, lines)
        assert not any(line.startswith("·") for line in lines)
