"""Research outputs: recorded by researchers against completed bookings or a project code,
seen by the facilities and technicians they credit, edited and removed with an audit trail
(both engines)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.training import TrainingRecord
from equipshare.domain.enums import BookingStatus, TrainingLevel
from equipshare.domain.errors import ConflictError, InputError, NotFound, PermissionDenied
from equipshare.services.outputs.service import OutputService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.reports.test_reports import plant_training
from tests.support.maintenance_rows import plant_booking
from tests.support.permission_matrix import database_state
from tests.support.world import World, london

S = BookingStatus


@pytest.fixture
def outputs(context: ServiceContext, world: World) -> OutputService:
    return OutputService(context)


def book(
    context: ServiceContext, world: World, user: str, instrument: str, day: int, **extra: object
) -> int:
    status = BookingStatus(str(extra.pop("status", S.COMPLETED)))
    return plant_booking(
        context.database, world, user, instrument,
        london(2026, 2, day, 10), london(2026, 2, day, 12), status, **extra,
    )  # fmt: skip


def actions(context: ServiceContext) -> list[str]:
    with context.database.readonly() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_type == "research_output")
                .order_by(AuditEvent.id)
            )
        )


def test_add_against_bookings_and_who_sees_it(
    outputs: OutputService, context: ServiceContext, world: World
) -> None:
    xps = book(context, world, "alice", "WAR-XPS-01", 3, technician_id=world.users["tech"])
    sem = book(context, world, "alice", "AST-SEM-01", 4)
    record = outputs.add(
        "alice", "https://doi.org/10.1234/ABC.5", "  A  paper on\tsurfaces ", 2026,
        booking_ids=[xps, sem, xps],
    )  # fmt: skip
    assert (record.doi, record.title, record.year) == ("10.1234/abc.5", "A paper on surfaces", 2026)
    assert [b.booking_id for b in record.bookings] == [xps, sem]
    assert record.facility_codes == ("AST-EM", "WAR-PRP")
    assert actions(context) == ["output.add"]
    # Staff of both facilities, the assisting technician, admins and the researcher see it.
    for who in ("alice", "mgr", "tech", "tech2", "otherstaff", "root"):
        assert [o.id for o in outputs.list_outputs(who)] == [record.id], who
    # Another researcher does not, not even by number.
    assert outputs.list_outputs("bob") == ()
    with pytest.raises(NotFound):
        outputs.get("bob", record.id)


def test_a_trainer_elsewhere_is_credited_and_sees_it(
    outputs: OutputService, context: ServiceContext, world: World
) -> None:
    sem = book(context, world, "alice", "AST-SEM-01", 4)
    # Trained in March, after the February session: the acknowledgement does not thank it.
    plant_training(context.database, world, "tech", "alice", "AST-SEM-01")
    record = outputs.add("alice", "10.1000/xyz", "Microscopy", 2025, booking_ids=[sem])
    assert outputs.list_outputs("tech") == ()
    with context.database.sessions.begin() as session:
        session.add(
            TrainingRecord(
                user_id=world.users["alice"],
                instrument_id=world.instruments["AST-SEM-01"],
                trainer_id=world.users["tech2"],
                level=TrainingLevel.INDEPENDENT,
                trained_at=london(2026, 1, 20, 10),
            )
        )
    # tech2 staffs no Aston facility but trained alice on the SEM before: credited, so seen.
    assert [o.id for o in outputs.list_outputs("tech2")] == [record.id]
    assert outputs.list_outputs("tech") == ()


def test_project_code_counts_completed_bookings_later_ones_too(
    outputs: OutputService, context: ServiceContext, world: World
) -> None:
    first = book(context, world, "alice", "WAR-XPS-01", 3, project_code="EP/X1")
    book(context, world, "alice", "WAR-XPS-01", 5, project_code="EP/X1", status=S.CANCELLED)
    book(context, world, "bob", "WAR-XPS-01", 6, project_code="EP/X1")  # not alice's
    record = outputs.add("alice", "10.1000/one", "One", 2026, project_code=" EP/X1 ")
    assert record.project_code == "EP/X1"
    assert [b.booking_id for b in record.bookings] == [first]
    later = book(context, world, "alice", "AST-SEM-01", 9, project_code="EP/X1")
    assert [b.booking_id for b in outputs.get("alice", record.id).bookings] == [first, later]
    assert [o.id for o in outputs.list_outputs("otherstaff")] == [record.id]


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"doi": "not-a-doi"}, "doi", "is not a DOI"),
        ({"title": "   "}, "title", "needs its title"),
        ({"year": 1899}, "year", "is not a year from 1900 to 2027"),
        ({"year": 2028}, "year", "is not a year"),
        ({"project_code": "NOPE", "booking_ids": ()}, "project", "no completed booking"),
        ({"project_code": "", "booking_ids": ()}, "project", "is empty"),
        ({"booking_ids": ()}, "bookings", "name the project code or the bookings"),
        ({"project_code": "EP/X1"}, "bookings", "not both"),
        ({"booking_ids": [999_999]}, "bookings", "999999 is not a booking of yours"),
        ({"booking_ids": "bob"}, "bookings", "is not a booking of yours"),
        ({"booking_ids": "pending"}, "bookings", "is pending"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    outputs: OutputService,
    context: ServiceContext,
    world: World,
    kwargs: dict[str, object],
    field: str,
    words: str,
) -> None:
    mine = book(context, world, "alice", "WAR-XPS-01", 3, project_code="EP/X1")
    others = book(context, world, "bob", "WAR-XPS-01", 4)
    pending = book(context, world, "alice", "WAR-XPS-01", 5, status=S.PENDING)
    kwargs = dict(kwargs)  # the parameters are shared by both engines' runs
    chosen = kwargs.pop("booking_ids", [mine])
    if isinstance(chosen, str):
        chosen = {"bob": [others], "pending": [pending]}[chosen]
    values = {"doi": "10.1000/ok", "title": "Fine", "year": 2026} | kwargs
    before = database_state(context.database)
    with pytest.raises(InputError) as raised:
        outputs.add("alice", booking_ids=chosen, **values)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert words in str(raised.value) and "\n" not in str(raised.value)
    assert database_state(context.database) == before


def test_a_doi_once_per_researcher(
    outputs: OutputService, context: ServiceContext, world: World
) -> None:
    mine = book(context, world, "alice", "WAR-XPS-01", 3)
    bobs = book(context, world, "bob", "WAR-XPS-01", 4)
    first = outputs.add("alice", "10.1000/same", "Same", 2026, booking_ids=[mine])
    with pytest.raises(ConflictError, match="recorded already"):
        outputs.add("alice", "doi:10.1000/SAME", "Again", 2026, booking_ids=[mine])
    # A co-author records the same paper for their own bookings.
    assert outputs.add("bob", "10.1000/same", "Same", 2026, booking_ids=[bobs]).id != first.id


def test_edit_and_remove_own_or_admin_audited(
    outputs: OutputService, context: ServiceContext, world: World
) -> None:
    a = book(context, world, "alice", "WAR-XPS-01", 3, project_code="EP/X1")
    b = book(context, world, "alice", "WAR-XPS-01", 4)
    record = outputs.add("alice", "10.1000/e", "Draft", 2025, booking_ids=[a])
    edited = outputs.edit("alice", record.id, title="Final", year=2026, booking_ids=[a, b])
    assert (edited.title, edited.year, [x.booking_id for x in edited.bookings]) == (
        "Final",
        2026,
        [a, b],
    )
    moved = outputs.edit("alice", record.id, project_code="EP/X1")
    assert moved.project_code == "EP/X1" and [x.booking_id for x in moved.bookings] == [a]
    for who in ("mgr", "tech", "bob"):
        with pytest.raises((PermissionDenied, NotFound)):
            outputs.edit(who, record.id, title="Mine now")
        with pytest.raises((PermissionDenied, NotFound)):
            outputs.remove(who, record.id)
    outputs.edit("root", record.id, title="Fixed by admin")
    removed = outputs.remove("alice", record.id)
    assert removed.title == "Fixed by admin"
    assert outputs.list_outputs("root") == ()
    assert actions(context) == [
        "output.add",
        "output.edit",
        "output.edit",
        "output.edit",
        "output.remove",
    ]
    with context.database.readonly() as session:
        gone = session.scalars(select(AuditEvent).where(AuditEvent.action == "output.remove")).one()
    assert gone.before is not None and gone.before["doi"] == "10.1000/e"


def test_choosable_bookings_are_own_completed_ones(
    outputs: OutputService, context: ServiceContext, world: World
) -> None:
    old = book(context, world, "alice", "WAR-XPS-01", 3)
    new = book(context, world, "alice", "AST-SEM-01", 5)
    book(context, world, "alice", "WAR-XPS-01", 6, status=S.CONFIRMED)
    book(context, world, "bob", "WAR-XPS-01", 7)
    assert [b.booking_id for b in outputs.choosable_bookings("alice")] == [new, old]
    with pytest.raises(PermissionDenied):
        outputs.list_outputs("gone")
