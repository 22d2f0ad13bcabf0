"""CatalogueImportService: a uniquip spreadsheet into instruments and facilities, all or nothing.

Decisions worth knowing:
- Admins only: a sheet can touch every facility of an institution.
- The whole file is read and checked before anything is written, and the import is one
  transaction: a bad row (or a kill -9 half way) leaves the database as it was.
  `skip_bad` imports the good rows and reports the rest.
- Matching (see equipshare/uniquip.py): an instrument of the row's institution whose
  `uniquip_id` is the row's ID, else the instrument whose code is the ID. A new
  instrument takes the ID as its code, gets the `[booking]` defaults of equipshare.toml
  (opening hours included), consortium access, and its Technique as category.
- Only the uniquip columns (and the facility) are updated; an instrument's booking
  policy, status, access and category are its facility's business, never the sheet's.
- Facilities are created, never renamed: by Related Facility ID (as the code; named after
  the sheet's facility-type row with that ID, else the Department), or by Department
  (matching a facility of that name, else a new one coded INSTITUTION-DEPARTMENT).
- Three queries load every institution, facility and instrument the rows could name;
  the writes go in bulk, 500 rows a statement. One audit event says what changed; a
  run that changes nothing writes nothing at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility, Institution, Instrument, OpeningHours
from equipshare.domain.enums import AccessLevel, ImportAction, InstrumentStatus, UniquipType
from equipshare.domain.errors import InputError
from equipshare.domain.records.operations.admin import BadRow, RowOutcome, SheetImportReport
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.services.plumbing.row_records import require_admin
from equipshare.sheets.csv_files import BadRowsError
from equipshare.sheets.uniquip import INSTRUMENT_FIELDS, UniquipEntry, read_entries

CHUNK = 500
# Called with (rows written, rows to write) as the transaction goes on.
Progress = Callable[[int, int], None]
_COMPARED = (*INSTRUMENT_FIELDS, "uniquip_type", "uniquip_id", "facility_id")


@dataclass
class _Facility:
    id: int | None
    code: str
    name: str
    institution_id: int
    department: str | None = None
    building: str | None = None
    site: str | None = None


@dataclass
class _Plan:
    """Each good entry with its institution, facility and (when it exists) instrument."""

    rows: list[tuple[UniquipEntry, int, _Facility, dict[str, Any] | None]] = field(
        default_factory=list
    )
    bad: list[BadRow] = field(default_factory=list)
    new_facilities: list[_Facility] = field(default_factory=list)


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class CatalogueImportService:
    """Upserts instruments from uniquip sheets; see the module docstring for the rules."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._settings = context.settings

    def import_instruments(
        self,
        actor_username: str,
        data: bytes,
        source: str,
        *,
        institution: str | None = None,
        dry_run: bool = False,
        skip_bad: bool = False,
        progress: Progress | None = None,
    ) -> SheetImportReport:
        """Create or update one instrument per row of the uniquip file `data`."""
        sheet, entries, bad = read_entries(
            data,
            source,
            limit=self._settings.limits.sheet_bytes,
            rows_limit=self._settings.limits.sheet_rows,
        )
        default = institution.strip().upper() if institution else None
        if default is None and "institution" not in sheet.columns and sheet.rows:
            raise InputError(
                f"{source}: say whose sheet this is with --institution CODE "
                "(it has no Institution column)",
                "institution",
            )
        notes = [f"ignored column {name}" for name in sheet.ignored_columns]
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "import instruments")
                plan = _plan(session, entries, default, bad)
                if plan.bad and not skip_bad:
                    raise BadRowsError(source, plan.bad, len(plan.rows))
                outcomes = self._write(session, plan, progress)
                notes += [f"created facility {f.code} ({f.name})" for f in plan.new_facilities]
                report = SheetImportReport(
                    source,
                    dry_run,
                    tuple(outcomes),
                    tuple(sorted(plan.bad, key=_line)),
                    tuple(notes),
                )
                if report.changed:
                    record_audit(
                        session,
                        actor_id=actor.id,
                        action="catalogue.import",
                        entity_type="catalogue",
                        entity_id=source[-64:],
                        at=self._clock.now(),
                        after={
                            "created": report.count(ImportAction.CREATED),
                            "updated": report.count(ImportAction.UPDATED),
                            "facilities": [f.code for f in plan.new_facilities],
                        },
                    )
                if dry_run:
                    raise DryRun
                return report
        except DryRun:
            return report

    def _write(self, session: Session, plan: _Plan, progress: Progress | None) -> list[RowOutcome]:
        now = self._clock.now()
        for facility in plan.new_facilities:
            row = Facility(
                institution_id=facility.institution_id,
                code=facility.code,
                name=facility.name,
                department=facility.department,
                building=facility.building,
                site=facility.site,
                timezone=self._settings.organisation.timezone,
                created_at=now,
            )
            session.add(row)
            session.flush()
            facility.id = row.id
        outcomes: list[RowOutcome] = []
        creates: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for entry, _institution_id, facility, existing in plan.rows:
            values = _values(entry, facility, existing)
            detail = f"{entry.name} ({facility.code})"
            if existing is None:
                creates.append(values | self._new_instrument(entry, now))
                outcomes.append(
                    RowOutcome(entry.line, ImportAction.CREATED, entry.id, entry.id, detail)
                )
            elif any(existing[name] != values[name] for name in _COMPARED):
                updates.append(values | {"id": existing["id"], "updated_at": now})
                action = ImportAction.UPDATED
                outcomes.append(RowOutcome(entry.line, action, entry.id, existing["code"], detail))
            else:
                action = ImportAction.UNCHANGED
                outcomes.append(RowOutcome(entry.line, action, entry.id, existing["code"], detail))
        total, done = len(creates) + len(updates), 0
        hours = [
            (day, opens, closes)
            for day, spans in sorted(self._settings.booking.opening_minutes().items())
            for opens, closes in spans
        ]
        for chunk in _chunks(creates):
            ids = session.scalars(insert(Instrument).returning(Instrument.id), chunk).all()
            if hours:
                session.execute(
                    insert(OpeningHours),
                    [
                        {"instrument_id": i, "weekday": d, "opens_minute": a, "closes_minute": b}
                        for i in ids
                        for d, a, b in hours
                    ],
                )
            done += len(chunk)
            if progress:
                progress(done, total)
        for chunk in _chunks(updates):
            session.execute(update(Instrument), chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
        session.flush()
        return sorted(outcomes, key=_line)

    def _new_instrument(self, entry: UniquipEntry, now: Any) -> dict[str, Any]:
        policy = self._settings.booking
        quota = policy.weekly_quota_hours * 60 or None
        return {
            "code": entry.id,
            "category": (entry.technique or "Uncategorised")[:100],
            "status": InstrumentStatus.AVAILABLE,
            "access_level": AccessLevel.CONSORTIUM,
            "slot_minutes": policy.slot_minutes,
            "min_minutes": policy.min_minutes,
            "max_minutes": policy.max_minutes,
            "min_notice_minutes": policy.min_notice_minutes,
            "max_days_ahead": policy.max_days_ahead,
            "requires_approval": policy.requires_approval,
            "requires_training": policy.requires_training,
            "requires_project_code": False,
            "allow_overnight": policy.allow_overnight,
            "weekly_quota_minutes": quota,
            "created_at": now,
            "updated_at": now,
        }


def _line(item: BadRow | RowOutcome) -> int:
    return item.line


def _values(
    entry: UniquipEntry, facility: _Facility, existing: dict[str, Any] | None
) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(entry, name) for name in INSTRUMENT_FIELDS}
    values["uniquip_type"] = entry.type
    values["facility_id"] = facility.id
    # An instrument found by its code and never given a uniquip ID keeps none: ID = code.
    implied = (
        existing is not None and existing["uniquip_id"] is None and existing["code"] == entry.id
    )
    values["uniquip_id"] = None if implied else entry.id
    return values


def _plan(
    session: Session, entries: list[UniquipEntry], default: str | None, bad: list[BadRow]
) -> _Plan:
    """Resolve every entry against what the database holds, from three queries."""
    plan = _Plan(bad=list(bad))
    institutions = {
        code: id_ for id_, code in session.execute(select(Institution.id, Institution.code))
    }
    names = {id_: code for code, id_ in institutions.items()}
    if default is not None and default not in institutions:
        raise InputError(f"--institution: no institution with code {default!r}", "institution")
    facilities = _Facilities(session, names)
    columns = [
        getattr(Instrument, name) for name in ("id", "code", *_COMPARED) if name != "facility_id"
    ]
    by_code: dict[str, dict[str, Any]] = {}
    by_uniquip: dict[tuple[int, str], dict[str, Any]] = {}
    query = (
        select(*columns, Instrument.facility_id, Facility.institution_id)
        .join(Facility, Instrument.facility_id == Facility.id)
        .order_by(Instrument.id)
    )
    for found in session.execute(query).mappings():
        row = dict(found)
        by_code[row["code"]] = row
        if row["uniquip_id"] is not None:
            by_uniquip.setdefault((row["institution_id"], row["uniquip_id"]), row)
    facility_rows = {
        (entry.institution or default, entry.id): entry.name
        for entry in entries
        if entry.type is UniquipType.FACILITY
    }
    seen: dict[tuple[int, str], int] = {}
    claimed: dict[int, int] = {}
    for entry in entries:
        problem, institution_id = None, None
        code = entry.institution or default
        if entry.institution and default and entry.institution != default:
            problem = f"Institution: {entry.institution}, but --institution says {default}"
        elif code not in institutions:
            problem = f"Institution: no institution with code {code!r}"
        else:
            institution_id = institutions[code]
        existing = None
        if institution_id is not None:
            key = (institution_id, entry.id)
            existing = by_uniquip.get(key)
            if key in seen:
                problem = f"ID {entry.id!r} is on line {seen[key]} too"
            elif existing is None and (same_code := by_code.get(entry.id)) is not None:
                if same_code["institution_id"] != institution_id:
                    owner = names[same_code["institution_id"]]
                    problem = f"ID {entry.id!r} is already the code of an instrument of {owner}"
                elif same_code["uniquip_id"] not in (None, entry.id):
                    problem = (
                        f"ID {entry.id!r} is the code of an instrument whose uniquip ID is "
                        f"{same_code['uniquip_id']!r}"
                    )
                else:
                    existing = same_code
            if existing is not None and existing["id"] in claimed:
                problem = (
                    problem
                    or f"ID {entry.id!r} names the instrument of line {claimed[existing['id']]}"
                )
            seen.setdefault(key, entry.line)
        facility = None
        if problem is None and institution_id is not None and code is not None:
            facility, problem = facilities.resolve(entry, institution_id, code, facility_rows)
        if problem is not None or facility is None or institution_id is None:
            plan.bad.append(BadRow(entry.line, problem or "cannot be placed"))
            continue
        if existing is not None:
            claimed[existing["id"]] = entry.line
        plan.rows.append((entry, institution_id, facility, existing))
    plan.new_facilities = facilities.created
    return plan


def _slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "-", text.upper()).strip("-")


class _Facilities:
    """The facilities rows may name, loaded in one query, and the ones an import will create."""

    def __init__(self, session: Session, institution_codes: dict[int, str]) -> None:
        self._codes = institution_codes
        self.by_code: dict[str, _Facility] = {}
        self.by_name: dict[tuple[int, str], _Facility] = {}
        self.created: list[_Facility] = []
        query = select(Facility.id, Facility.code, Facility.name, Facility.institution_id,
                       Facility.department)  # fmt: skip
        for id_, code, name, institution_id, department in session.execute(query):
            self._add(_Facility(id_, code, name, institution_id, department))

    def _add(self, facility: _Facility) -> None:
        self.by_code[facility.code] = facility
        self.by_name.setdefault((facility.institution_id, facility.name.casefold()), facility)
        if facility.department:
            self.by_name.setdefault(
                (facility.institution_id, facility.department.casefold()), facility
            )

    def resolve(
        self,
        entry: UniquipEntry,
        institution_id: int,
        institution_code: str,
        facility_rows: dict[tuple[str | None, str], str],
    ) -> tuple[_Facility | None, str | None]:
        """The facility of `entry`, planning a new one when none matches; or the problem."""
        key = entry.facility_key
        if key:
            found = self.by_code.get(key)
            if found is not None:
                if found.institution_id != institution_id:
                    owner = self._codes[found.institution_id]
                    return None, f"Related Facility ID {key!r} is a facility of {owner}"
                return found, None
            name = facility_rows.get((institution_code, key)) or entry.department or key
            return self._create(key, name, institution_id, entry), None
        if not entry.department:
            return None, "Department or Related Facility ID: give one, to name the facility"
        found = self.by_name.get((institution_id, entry.department.casefold()))
        if found is not None:
            return found, None
        code = f"{institution_code}-{_slug(entry.department)}"[:60].rstrip("-")
        unique, n = code, 1
        while unique in self.by_code:
            n += 1
            unique = f"{code}-{n}"
        return self._create(unique, entry.department, institution_id, entry), None

    def _create(self, code: str, name: str, institution_id: int, entry: UniquipEntry) -> _Facility:
        if (institution_id, name.casefold()) in self.by_name:
            name = f"{name} ({code})"[:200]
        facility = _Facility(
            None, code, name[:200], institution_id, entry.department, entry.building,
            entry.site_location,
        )  # fmt: skip
        self._add(facility)
        self.created.append(facility)
        return facility
