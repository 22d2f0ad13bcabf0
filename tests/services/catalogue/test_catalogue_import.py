"""Catalogue import and export on both engines: upserts, facilities, bad rows, round trips."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import Facility, Instrument, OpeningHours
from equipshare.domain.enums import AccessLevel, ImportAction, InstrumentStatus, UniquipType
from equipshare.domain.errors import InputError, PermissionDenied
from equipshare.services.catalogue.sheet_export import CatalogueExportService
from equipshare.services.catalogue.sheet_import import CatalogueImportService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.sheets.csv_files import BadRowsError
from equipshare.sheets.uniquip import cells, write_sheet
from tests.support.sheet_files import many_rows, uniquip_csv, uniquip_row
from tests.support.world import World

SHEET = uniquip_csv(
    [
        uniquip_row("ch-eq-1", "Kratos XPS", Technique="X-ray photoelectron spectroscopy",
                    **{"Contact Email": "xps@chem.ac.uk", "Building": "Chem A"}),
        uniquip_row("ch-fac-1", "NMR service", Type="facility", Department="Chemistry"),
        uniquip_row("ch-eq-2", "Bruker 600", **{"Related Facility ID": "ch-fac-1"}),
        uniquip_row("WAR-XPS-01", "Renamed XPS", **{"Related Facility ID": "WAR-PRP"}),
    ]
)  # fmt: skip


def _count(database: Database, model: type) -> int:
    with database.readonly() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_sheet_creates_instruments_and_facilities_and_updates_by_code(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = CatalogueImportService(context)
    report = service.import_instruments("root", SHEET, "chem.csv", institution="warwick")
    assert [(o.line, o.action, o.record) for o in report.outcomes] == [
        (2, ImportAction.CREATED, "ch-eq-1"),
        (3, ImportAction.CREATED, "ch-fac-1"),
        (4, ImportAction.CREATED, "ch-eq-2"),
        (5, ImportAction.UPDATED, "WAR-XPS-01"),
    ]
    assert report.notes == (
        "created facility WARWICK-CHEMISTRY (Chemistry)",
        "created facility ch-fac-1 (NMR service)",
    )
    defaults = context.settings.booking
    with database.readonly() as session:
        xps = session.scalars(select(Instrument).where(Instrument.code == "ch-eq-1")).one()
        assert (xps.uniquip_id, xps.category, xps.contact_email, xps.building) == (
            "ch-eq-1", "X-ray photoelectron spectroscopy", "xps@chem.ac.uk", "Chem A",
        )  # fmt: skip
        assert (xps.status, xps.access_level) == (
            InstrumentStatus.AVAILABLE,
            AccessLevel.CONSORTIUM,
        )
        assert (xps.slot_minutes, xps.min_notice_minutes, xps.requires_training) == (
            defaults.slot_minutes, defaults.min_notice_minutes, defaults.requires_training,
        )  # fmt: skip
        hours = session.scalars(
            select(OpeningHours).where(OpeningHours.instrument_id == xps.id)
        ).all()
        assert len(hours) == 5 and {(h.opens_minute, h.closes_minute) for h in hours} == {
            (540, 1020)
        }
        nmr = session.scalars(select(Instrument).where(Instrument.code == "ch-eq-2")).one()
        service_row = session.scalars(select(Instrument).where(Instrument.code == "ch-fac-1")).one()
        assert nmr.facility_id == service_row.facility_id
        assert service_row.uniquip_type is UniquipType.FACILITY
        old = session.scalars(select(Instrument).where(Instrument.code == "WAR-XPS-01")).one()
        # Found by its code: the sheet's columns change, its policy and ID do not.
        assert (old.name, old.uniquip_id, old.slot_minutes) == ("Renamed XPS", None, 60)
        assert old.facility_id == world.facilities["WAR-PRP"]
    assert _count(database, AuditEvent) == 1

    again = service.import_instruments("root", SHEET, "chem.csv", institution="WARWICK")
    assert {o.action for o in again.outcomes} == {ImportAction.UNCHANGED}
    assert again.notes == () and _count(database, AuditEvent) == 1  # nothing written at all


def test_bad_rows_are_all_reported_and_nothing_is_written_unless_skip_bad(
    context: ServiceContext, world: World, database: Database
) -> None:
    data = uniquip_csv(
        [
            uniquip_row("ok-1", "Fine"),
            uniquip_row("AST-SEM-01", "Not ours"),  # another institution's instrument code
            uniquip_row("ok-1", "Twice"),
            uniquip_row("ok-2", "Where", Department=""),
            uniquip_row("ok-3", "Elsewhere", **{"Related Facility ID": "AST-EM"}),
        ]
    )
    service = CatalogueImportService(context)
    before = _count(database, Instrument), _count(database, Facility)
    with pytest.raises(BadRowsError) as raised:
        service.import_instruments("root", data, "bad.csv", institution="WARWICK")
    assert [(b.line, b.problem) for b in raised.value.bad] == [
        (3, "ID 'AST-SEM-01' is already the code of an instrument of ASTON"),
        (4, "ID 'ok-1' is on line 2 too"),
        (5, "Department or Related Facility ID: give one, to name the facility"),
        (6, "Related Facility ID 'AST-EM' is a facility of ASTON"),
    ]
    assert str(raised.value).startswith("bad.csv: 4 bad rows (lines 3, 4, 5, 6); nothing imported")
    assert (_count(database, Instrument), _count(database, Facility)) == before

    report = service.import_instruments(
        "root", data, "bad.csv", institution="WARWICK", skip_bad=True
    )
    assert [o.key for o in report.outcomes] == ["ok-1"]
    assert [b.line for b in report.skipped] == [3, 4, 5, 6]
    assert _count(database, Instrument) == before[0] + 1


def test_dry_run_reports_what_a_real_run_does_and_writes_nothing(
    context: ServiceContext, world: World, database: Database
) -> None:
    service = CatalogueImportService(context)
    dry = service.import_instruments("root", SHEET, "chem.csv", institution="WARWICK", dry_run=True)
    assert dry.dry_run and _count(database, Facility) == 2 and _count(database, AuditEvent) == 0
    real = service.import_instruments("root", SHEET, "chem.csv", institution="WARWICK")
    assert (real.outcomes, real.notes) == (dry.outcomes, dry.notes)


def test_only_admins_import_and_the_institution_must_be_said(
    context: ServiceContext, world: World
) -> None:
    service = CatalogueImportService(context)
    with pytest.raises(PermissionDenied):
        service.import_instruments("mgr", SHEET, "chem.csv", institution="WARWICK")
    with pytest.raises(InputError, match="--institution CODE"):
        service.import_instruments("root", SHEET, "chem.csv")
    with pytest.raises(InputError, match="no institution with code 'NOPE'"):
        service.import_instruments("root", SHEET, "chem.csv", institution="NOPE")


def test_the_uniquip_export_round_trips_through_import(
    context: ServiceContext, world: World, database: Database
) -> None:
    CatalogueImportService(context).import_instruments(
        "root", SHEET, "chem.csv", institution="WARWICK"
    )
    exported = CatalogueExportService(context).entries("alice")
    assert len(exported) == 8 and {e.institution_code for e in exported} == {"WARWICK", "ASTON"}
    sheet = write_sheet(cells(entry) for entry in exported)
    before = _count(database, Facility)
    report = CatalogueImportService(context).import_instruments("root", sheet, "export.csv")
    assert len(report.outcomes) == 8 and not report.changed and not report.skipped
    assert _count(database, Facility) == before
    assert CatalogueExportService(context).entries("alice") == exported
    only = CatalogueExportService(context).entries("alice", "aston")
    assert [e.code for e in only] == ["AST-SEM-01"]


def test_ten_thousand_rows_import_with_no_query_per_row(
    context: ServiceContext, world: World, database: Database
) -> None:
    """The import's statements do not grow with its rows (its speed is bench/'s business)."""
    data = many_rows(10_000)
    service = CatalogueImportService(context)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        report = service.import_instruments("root", data, "big.csv", institution="WARWICK")
        first = len(statements)
        again = service.import_instruments("root", data, "big.csv", institution="WARWICK")
        second = len(statements) - first
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert report.count(ImportAction.CREATED) == 10_000
    assert again.count(ImportAction.UNCHANGED) == 10_000
    assert _count(database, Instrument) == 10_005 and _count(database, Facility) == 22
    assert first < 200 and second < 200, (first, second)
