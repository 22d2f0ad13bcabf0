"""Imports: a 10,000-row uniquip sheet and a 10,000-event ICS file, each against parsing it alone.

Run: python -m bench.bench_imports [--rows 10000] [--events 10000] [--runs 3] [--quick]

The demo consortium (no bookings) is seeded once into a template SQLite file; every
timed import runs on a fresh copy of it, so each run starts from the same database.
Both files are written into the same temporary directory and deleted with it.

- The uniquip sheet is the demo's own catalogue as `equipshare export instruments`
  writes it, each row's description changed (so every row is an update), then grown to
  --rows with clones under new IDs in the same facilities (so the rest are creations).
  It goes through `CatalogueImportService.import_instruments`, as `equipshare import
  instruments` calls it. The floor is `equipshare.sheets.uniquip.read_entries` of the same bytes:
  reading and checking every row, which the import does first.
- The ICS file holds --events half-hour bookings, one every 50 minutes from tomorrow
  (inside the importer's 365-day window, none overlapping), rendered by the feed
  exporter with a researcher's email as organiser, so each event finds its owner. It goes
  through `CalendarImportService.import_calendar` onto one demo instrument. The floor is
  icalendar's `Calendar.from_ical` of the same bytes; `parse_calendar` (equipshare's
  reader, window and zones included, no database) is reported against it too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
from sqlalchemy import select

from bench.national.catalogue import seeded_context
from bench.support.harness import BenchOptions, Figure, show
from equipshare.config import Settings
from equipshare.db.engine import Database
from equipshare.db.models.catalogue import Facility, Instrument, User
from equipshare.domain.enums import CalendarEventStatus, Role
from equipshare.domain.records.scheduling.calendar import CalendarEvent, CalendarMeta
from equipshare.domain.time.clock import FrozenClock
from equipshare.ical.feed_cache import FeedAssembler
from equipshare.ical.importer import parse_calendar
from equipshare.services.calendar.importing import CalendarImportService
from equipshare.services.catalogue.sheet_export import CatalogueExportService
from equipshare.services.catalogue.sheet_import import CatalogueImportService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.sheets.uniquip import cells, read_entries, write_sheet

BENCHMARK = "imports"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ADMIN = "bench"
STEP = timedelta(minutes=50)
LENGTH = timedelta(minutes=30)
QUICK_EVENTS = 200  # the calendar import takes about 10 ms an event: keep the smoke run short


@dataclass(frozen=True)
class Inputs:
    """The template database and the two files, in one temporary directory."""

    folder: Path
    template: Path
    sheet: bytes
    calendar: bytes
    instrument: str
    timezone: str


def _context(path: Path) -> ServiceContext:
    url = f"sqlite:///{path}"
    settings = Settings().with_database_url(url)
    return ServiceContext(Database.connect(url), FrozenClock(NOW), settings)


def uniquip_sheet(context: ServiceContext, rows: int) -> bytes:
    """The demo's catalogue, every row changed, grown to `rows` by clones under new IDs."""
    entries = CatalogueExportService(context).entries(ADMIN)
    changed = [replace(e, description=(e.description or "") + " (bench)") for e in entries]
    sheet = [cells(e) for e in changed[:rows]]
    for n in range(rows - len(sheet)):
        template = entries[n % len(entries)]
        clone = replace(template, uniquip_id=f"{template.uniquip_id[:48]}-B{n:05d}")
        sheet.append(cells(clone))
    return write_sheet(sheet)


def ics_file(context: ServiceContext, events: int) -> tuple[bytes, str, str]:
    """`events` half-hour bookings on one instrument, none overlapping, as the exporter writes."""
    with context.database.readonly() as s:
        code, zone = s.execute(
            select(Instrument.code, Facility.timezone)
            .join(Facility, Facility.id == Instrument.facility_id)
            .order_by(Instrument.code)
            .limit(1)
        ).one()
        email = s.scalar(
            select(User.email).where(User.role == Role.RESEARCHER, User.active.is_(True))
            .order_by(User.id).limit(1)
        )  # fmt: skip
    assert email is not None
    first = NOW.replace(hour=0, minute=0) + timedelta(days=1)
    rows = [
        CalendarEvent(
            uid=f"bench-import-{i}@elsewhere.example.ac.uk",
            sequence=0,
            summary=f"Session {i}",
            description=f"Imported from another calendar\nEvent {i}",
            location="Physical Sciences, room B0.12",
            url=None,
            categories=("Instrument booking",),
            status=CalendarEventStatus.CONFIRMED,
            starts_at=first + i * STEP,
            ends_at=first + i * STEP + LENGTH,
            timezone=zone,
            last_modified=NOW - timedelta(days=1),
            organiser_name="A researcher",
            organiser_email=email,
        )
        for i in range(events)
    ]
    meta = CalendarMeta(code, zone, timedelta(hours=1), (zone,), f"bookings: {code}")
    body = FeedAssembler(events).assemble("import", meta, rows, floor=NOW, now=NOW).body
    return body, code, zone


def prepare(folder: Path, rows: int, events: int) -> Inputs:
    template = folder / "template.db"
    context = seeded_context(f"sqlite:///{template}", FrozenClock(NOW), ADMIN, bookings=False)
    try:
        sheet = uniquip_sheet(context, rows)
        calendar, code, zone = ics_file(context, events)
    finally:
        context.close()
    (folder / "instruments.csv").write_bytes(sheet)
    (folder / "bookings.ics").write_bytes(calendar)
    return Inputs(folder, template, sheet, calendar, code, zone)


def timed_on_copy(inputs: Inputs, work: Callable[[ServiceContext], object]) -> float:
    """Seconds of `work` on a fresh copy of the template (copy and connection not timed)."""
    copy = inputs.folder / "run.db"
    shutil.copyfile(inputs.template, copy)
    context = _context(copy)
    try:
        with context.database.readonly() as s:
            s.scalar(select(User.id).limit(1))  # opens the connection outside the timing
        started = time.perf_counter()
        work(context)
        return time.perf_counter() - started
    finally:
        context.close()
        copy.unlink()


def medians(runs: int, warm: bool, work: Callable[[], float]) -> float:
    if warm:
        work()
    return statistics.median(work() for _ in range(runs))


def clock(work: Callable[[], object]) -> Callable[[], float]:
    def timed() -> float:
        started = time.perf_counter()
        work()
        return time.perf_counter() - started

    return timed


def measure(inputs: Inputs, runs: int, warm: bool) -> list[Figure]:
    rows = inputs.sheet.count(b"\r\n") - 1
    events = inputs.calendar.count(b"BEGIN:VEVENT")

    def import_sheet(context: ServiceContext) -> None:
        report = CatalogueImportService(context).import_instruments(
            ADMIN, inputs.sheet, "instruments.csv"
        )
        assert len(report.outcomes) == rows and not report.skipped, report.skipped[:3]

    def import_calendar(context: ServiceContext) -> None:
        report = CalendarImportService(context).import_calendar(
            ADMIN, inputs.instrument, inputs.calendar, source="bookings.ics", override_policy=True
        )  # a migration from another calendar: its grid and hours are waived, access is not
        created = sum(1 for o in report.outcomes if o.action.value == "created")
        assert created == events, [o for o in report.outcomes if o.action.value != "created"][:3]

    read = medians(runs, warm, clock(lambda: read_entries(inputs.sheet, "instruments.csv")))
    sheet = medians(runs, warm, lambda: timed_on_copy(inputs, import_sheet))
    from_ical = medians(runs, warm, clock(lambda: icalendar.Calendar.from_ical(inputs.calendar)))
    parsed = medians(
        runs,
        warm,
        clock(
            lambda: parse_calendar(
                inputs.calendar, now=NOW, default_timezone=inputs.timezone, source="bookings.ics"
            )
        ),
    )
    calendar = medians(runs, warm, lambda: timed_on_copy(inputs, import_calendar))
    size = f"{len(inputs.sheet) / 1024:,.0f} kB"
    ics_size = f"{len(inputs.calendar) / 1024:,.0f} kB"
    return [
        Figure(
            BENCHMARK, f"uniquip sheet, {rows:,} rows: import instruments", 1000 * sheet, "ms",
            "read_entries of the same file", 1000 * read,
            note=f"SQLite, fresh copy per run; {size}; {rows / sheet:,.0f} rows/s",
        ),
        Figure(
            BENCHMARK, f"ICS file, {events:,} events: import bookings", 1000 * calendar, "ms",
            "icalendar from_ical of the same file", 1000 * from_ical,
            note=f"SQLite, fresh copy per run; {ics_size}; {events / calendar:,.0f} events/s",
        ),
        Figure(
            BENCHMARK, f"ICS file, {events:,} events: parse_calendar alone", 1000 * parsed, "ms",
            "icalendar from_ical of the same file", 1000 * from_ical,
            note="equipshare's reader: window, zones and checks, no database",
        ),
    ]  # fmt: skip


def bench(rows: int, events: int, runs: int, warm: bool) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        return measure(prepare(Path(tmp), rows, events), runs, warm)


def run(options: BenchOptions) -> list[Figure]:
    """Needs no dataset: each import runs on a fresh copy of a demo template (SQLite)."""
    if "postgresql" in options.datasets:
        options.notes.append(
            "imports: timed on SQLite only (a fresh copy of a template file per run)."
        )
    if options.quick:
        return bench(1_000, QUICK_EVENTS, 1, warm=False)
    return bench(10_000, 10_000, options.runs, warm=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="uniquip rows")
    parser.add_argument("--events", type=int, default=10_000, help="ICS events")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 rows, 200 events, 1 run")
    args = parser.parse_args()
    if args.quick:
        figures = bench(1_000, QUICK_EVENTS, 1, warm=False)
    else:
        figures = bench(args.rows, args.events, args.runs, warm=True)
    for figure in figures:
        print(show(figure), f"[{figure.note}]")


if __name__ == "__main__":
    main()
