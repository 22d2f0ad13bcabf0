"""The opening weeks stay the sums of their opening hours whatever writes the hours, on
both engines (the database's triggers keep them); `check` finds a week changed behind
their back or a trigger gone, and `check --repair` rebuilds the weeks."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, insert, select, text, update

from equipshare.db.engine import Database
from equipshare.db.models.catalogue import WEEKDAY_COLUMNS, Instrument, OpeningHours, OpeningWeek
from equipshare.domain.records.instruments.catalogue import OpeningInterval
from equipshare.services.admin.integrity import IntegrityService
from equipshare.services.admin.integrity_rollups import RollupRepairService
from equipshare.services.catalogue.editing import InstrumentEditingService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World

XPS, SEM, RAMAN = "WAR-XPS-01", "AST-SEM-01", "WAR-RAM-01"
Weeks = dict[int, tuple[int, ...]]


def stored(database: Database) -> Weeks:
    columns = [getattr(OpeningWeek, name) for name in WEEKDAY_COLUMNS]
    with database.readonly() as s:
        found = s.execute(select(OpeningWeek.instrument_id, *columns))
        return {row[0]: tuple(row[1:]) for row in found}


def summed(database: Database) -> Weeks:
    """Each instrument's open minutes per weekday, added up here from its intervals."""
    h = OpeningHours
    weeks: dict[int, list[int]] = defaultdict(lambda: [0] * 7)
    with database.readonly() as s:
        for instrument, day, opens, closes in s.execute(
            select(h.instrument_id, h.weekday, h.opens_minute, h.closes_minute)
        ):
            weeks[instrument][day] += closes - opens
    return {instrument: tuple(days) for instrument, days in weeks.items()}


def test_every_write_to_the_hours_rewrites_the_instruments_week(
    database: Database, world: World
) -> None:
    xps, sem, raman = (world.instruments[c] for c in (XPS, SEM, RAMAN))
    before = stored(database)
    assert before == summed(database)
    assert before[xps] == (480, 480, 480, 480, 480, 0, 0)  # 09:00-17:00 on weekdays
    assert raman not in before  # no hours: open around the clock

    with database.engine.begin() as conn:  # one statement, many rows, two instruments
        conn.execute(
            insert(OpeningHours),
            [
                {"instrument_id": raman, "weekday": 5, "opens_minute": 600, "closes_minute": 720},
                {"instrument_id": raman, "weekday": 5, "opens_minute": 780, "closes_minute": 840},
                {"instrument_id": sem, "weekday": 6, "opens_minute": 0, "closes_minute": 1440},
            ],
        )
    assert stored(database)[raman] == (0, 0, 0, 0, 0, 180, 0)
    assert stored(database)[sem] == (480, 480, 480, 480, 480, 0, 1440)

    with database.engine.begin() as conn:  # an interval longer, and one moved to another day
        h = OpeningHours
        conn.execute(
            update(h).where(h.instrument_id == xps, h.weekday == 0).values(closes_minute=1080)
        )
        conn.execute(update(h).where(h.instrument_id == sem, h.weekday == 6).values(weekday=5))
    assert stored(database)[xps] == (540, 480, 480, 480, 480, 0, 0)
    assert stored(database)[sem] == (480, 480, 480, 480, 480, 1440, 0)

    with database.engine.begin() as conn:  # an interval moved to another instrument
        conn.execute(
            update(OpeningHours)
            .where(OpeningHours.instrument_id == raman, OpeningHours.opens_minute == 780)
            .values(instrument_id=xps)
        )
    assert stored(database)[raman] == (0, 0, 0, 0, 0, 120, 0)
    assert stored(database)[xps] == (540, 480, 480, 480, 480, 60, 0)

    with database.engine.begin() as conn:  # every interval of one, and the last of another
        conn.execute(delete(OpeningHours).where(OpeningHours.instrument_id.in_((raman, sem))))
    after = stored(database)
    assert raman not in after and sem not in after
    assert after == summed(database)


def test_the_editing_service_and_an_instruments_deletion_keep_the_weeks(
    context: ServiceContext, database: Database, world: World
) -> None:
    hours = (OpeningInterval(1, 480, 720), OpeningInterval(1, 780, 1020))
    InstrumentEditingService(context).set_hours("root", XPS, hours)
    xps = world.instruments[XPS]
    assert stored(database)[xps] == (0, 480, 0, 0, 0, 0, 0)
    InstrumentEditingService(context).set_hours("root", XPS, ())
    assert xps not in stored(database)

    with database.sessions.begin() as s:  # an instrument with hours and nothing else
        row = s.get_one(Instrument, world.instruments[SEM])
        copy = Instrument(
            **{
                c.key: getattr(row, c.key)
                for c in Instrument.__table__.columns
                if c.key not in ("id", "code", "name")
            },
            code="AST-SEM-09",
            name="Spare SEM",
        )
        s.add(copy)
        s.flush()
        s.add(OpeningHours(instrument_id=copy.id, weekday=2, opens_minute=0, closes_minute=60))
        spare = copy.id
    assert stored(database)[spare] == (0, 0, 60, 0, 0, 0, 0)
    with database.engine.begin() as conn:
        conn.execute(delete(OpeningHours).where(OpeningHours.instrument_id == spare))
        conn.execute(delete(Instrument).where(Instrument.id == spare))
    assert spare not in stored(database)
    assert stored(database) == summed(database)


def test_check_finds_a_week_changed_behind_the_triggers_and_repair_rebuilds_it(
    context: ServiceContext, database: Database, world: World
) -> None:
    xps = world.instruments[XPS]
    with database.engine.begin() as conn:  # as psql would
        conn.execute(update(OpeningWeek).where(OpeningWeek.instrument_id == xps).values(sunday=60))
    report = IntegrityService(context).check()
    assert [(p.check, p.ids) for p in report.problems] == [("opening weeks", f"instrument {xps}")]
    assert "opening weeks" in report.checks

    dry = RollupRepairService(context).repair("root", dry_run=True)
    assert (dry.differing_opening_weeks, dry.differing_days) == (1, 0)
    assert stored(database)[xps][6] == 60  # a dry run changes nothing
    done = RollupRepairService(context).repair("root")
    assert done.differing_opening_weeks == 1
    assert stored(database) == summed(database)
    assert IntegrityService(context).check().problems == ()


def test_check_names_a_dropped_trigger(
    context: ServiceContext, database: Database, world: World
) -> None:
    postgresql = database.engine.dialect.name == "postgresql"
    with database.engine.begin() as conn:
        on = " ON opening_hours" if postgresql else ""
        conn.execute(text(f"DROP TRIGGER opening_weeks_after_delete{on}"))
        conn.execute(
            delete(OpeningHours).where(OpeningHours.instrument_id == world.instruments[XPS])
        )
    found = [(p.check, p.ids) for p in IntegrityService(context).check().problems]
    assert found == [
        ("opening weeks", "trigger opening_weeks_after_delete"),
        ("opening weeks", f"instrument {world.instruments[XPS]}"),
    ]
