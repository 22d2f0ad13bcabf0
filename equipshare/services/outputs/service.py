"""OutputService: research outputs (papers, datasets) that researchers record against bookings.

Decisions worth knowing:
- A researcher records their own outputs, against a project code of theirs (every completed
  booking of theirs under it counts, later ones too) or against completed bookings they
  choose. A DOI is checked for form only; nothing is ever fetched. One researcher records
  a DOI once.
- They list, edit and remove their own; an admin may edit or remove anyone's. An output is
  no money and no booking's history, so removal deletes it, and the audit event keeps what
  it held.
- Who sees an output: its researcher, the staff of each facility whose bookings it used,
  each technician its acknowledgement credits (who assisted its bookings or trained the
  researcher on their instruments), and admins.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from equipshare.db.models.bookings import Booking
from equipshare.db.models.credit import ResearchOutput, ResearchOutputBooking
from equipshare.domain.errors import ConflictError, InputError, NotFound, PermissionDenied
from equipshare.domain.inputs.scholarly_ids import parse_doi
from equipshare.domain.records.impact.portfolio import OutputBooking, OutputRecord
from equipshare.domain.rules.permissions import Actor
from equipshare.services.outputs.queries import (
    COMPLETED,
    completed_bookings,
    output_records,
    visible_to,
)
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext

MAX_TITLE_CHARS = 1000
MAX_PROJECT_CODE_CHARS = 64
FIRST_YEAR = 1900
#: The most bookings one output may name; a project code covers more.
MAX_BOOKINGS = 500
_UNSET: Any = object()


def checked_title(title: str) -> str:
    """The title trimmed, with its whitespace runs made single spaces; one line if bad."""
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InputError("title: an output needs its title", "title")
    if len(cleaned) > MAX_TITLE_CHARS:
        raise InputError(f"title: at most {MAX_TITLE_CHARS} characters", "title")
    if not cleaned.isprintable():
        raise InputError("title: holds a character that cannot be shown", "title")
    return cleaned


def checked_year(year: int, this_year: int) -> int:
    """A publication year from 1900 to next year (in press); one line otherwise."""
    if not FIRST_YEAR <= year <= this_year + 1:
        raise InputError(f"year: {year} is not a year from {FIRST_YEAR} to {this_year + 1}", "year")
    return year


def _snapshot(row: ResearchOutput, booking_ids: Iterable[int]) -> dict[str, Any]:
    return {
        "user_id": row.user_id,
        "doi": row.doi,
        "title": row.title,
        "year": row.year,
        "project_code": row.project_code,
        "booking_ids": sorted(booking_ids),
    }


class OutputService:
    """Records, lists, edits and removes research outputs; each call is one transaction."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._zone = ZoneInfo(context.settings.organisation.timezone)

    def _this_year(self) -> int:
        return self._clock.now().astimezone(self._zone).year

    # -- writing ------------------------------------------------------------------------

    def add(
        self,
        actor: str,
        doi: str,
        title: str,
        year: int,
        *,
        project_code: str | None = None,
        booking_ids: Iterable[int] = (),
    ) -> OutputRecord:
        """Record an output of the actor's own against `project_code` or `booking_ids`
        (exactly one of them). Refused in one line: a malformed DOI, title or year, a code
        with no completed booking of theirs, a booking not theirs or not completed, a DOI
        they recorded already."""
        doi = parse_doi(doi)
        title = checked_title(title)
        year = checked_year(year, self._this_year())
        chosen = sorted(set(booking_ids))
        code = self._attachment(project_code, chosen)
        now = self._clock.now()
        try:
            with self._db.sessions.begin() as session:
                owner = self._writer(session, actor, "record outputs")
                self._check_attachment(session, owner.id, code, chosen)
                self._refuse_duplicate(session, owner.id, doi, None)
                row = ResearchOutput(
                    user_id=owner.id,
                    doi=doi,
                    title=title,
                    year=year,
                    project_code=code,
                    created_at=now,
                )
                session.add(row)
                session.flush()
                session.add_all(
                    ResearchOutputBooking(output_id=row.id, booking_id=b) for b in chosen
                )
                record_audit(
                    session,
                    actor_id=owner.id,
                    action="output.add",
                    entity_type="research_output",
                    entity_id=row.id,
                    at=now,
                    after=_snapshot(row, chosen),
                )
                session.flush()
                return output_records(session, ResearchOutput.id == row.id)[0]
        except IntegrityError as exc:  # a concurrent add of the same DOI
            raise ConflictError(f"doi: you have already recorded {doi}", "doi") from exc

    def edit(
        self,
        actor: str,
        output_id: int,
        *,
        doi: str | None = None,
        title: str | None = None,
        year: int | None = None,
        project_code: str | None = _UNSET,
        booking_ids: Iterable[int] | None = None,
    ) -> OutputRecord:
        """Change an output's DOI, title, year, or what it is recorded against (give a
        project code or bookings, which replace the other). Its researcher or an admin."""
        new_doi = parse_doi(doi) if doi is not None else None
        new_title = checked_title(title) if title is not None else None
        new_year = checked_year(year, self._this_year()) if year is not None else None
        reattach = project_code is not _UNSET or booking_ids is not None
        chosen = sorted(set(booking_ids or ()))
        code = (
            self._attachment(None if project_code is _UNSET else project_code, chosen)
            if reattach
            else None
        )
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            acting, row = self._own(session, actor, output_id, "edit")
            before = _snapshot(row, self._linked(session, row.id))
            if new_doi is not None and new_doi != row.doi:
                self._refuse_duplicate(session, row.user_id, new_doi, row.id)
                row.doi = new_doi
            row.title = new_title if new_title is not None else row.title
            row.year = new_year if new_year is not None else row.year
            if reattach:
                self._check_attachment(session, row.user_id, code, chosen)
                session.execute(
                    delete(ResearchOutputBooking).where(ResearchOutputBooking.output_id == row.id)
                )
                row.project_code = code
                session.add_all(
                    ResearchOutputBooking(output_id=row.id, booking_id=b) for b in chosen
                )
            session.flush()
            after = _snapshot(row, self._linked(session, row.id))
            if after != before:
                record_audit(
                    session,
                    actor_id=acting.id,
                    action="output.edit",
                    entity_type="research_output",
                    entity_id=row.id,
                    at=now,
                    before=before,
                    after=after,
                )
            return output_records(session, ResearchOutput.id == row.id)[0]

    def remove(self, actor: str, output_id: int) -> OutputRecord:
        """Delete an output (its researcher or an admin); the audit event keeps it."""
        now = self._clock.now()
        with self._db.sessions.begin() as session:
            acting, row = self._own(session, actor, output_id, "remove")
            record = output_records(session, ResearchOutput.id == row.id)[0]
            record_audit(
                session,
                actor_id=acting.id,
                action="output.remove",
                entity_type="research_output",
                entity_id=row.id,
                at=now,
                before=_snapshot(row, self._linked(session, row.id)),
            )
            session.execute(
                delete(ResearchOutputBooking).where(ResearchOutputBooking.output_id == row.id)
            )
            session.delete(row)
            return record

    # -- reading ------------------------------------------------------------------------

    def list_outputs(
        self, actor: str, *, username: str | None = None, mine: bool = False
    ) -> tuple[OutputRecord, ...]:
        """The outputs the actor may see, newest year first; `username` narrows to one
        researcher's, `mine` to the actor's own."""
        with self._db.readonly() as session:
            acting = self._reader(session, actor)
            where = visible_to(session, acting)
            if mine:
                where = where & (ResearchOutput.user_id == acting.id)
            if username is not None:
                who = row_records.load_user(session, username)
                where = where & (ResearchOutput.user_id == who.id)
            return output_records(session, where)

    def get(self, actor: str, output_id: int) -> OutputRecord:
        """One output the actor may see; NotFound otherwise (not saying whether it exists)."""
        with self._db.readonly() as session:
            acting = self._reader(session, actor)
            found = output_records(
                session, visible_to(session, acting) & (ResearchOutput.id == output_id)
            )
            if not found:
                raise NotFound(
                    f"output {output_id}: no output of that number you may see", "output"
                )
            return found[0]

    def choosable_bookings(self, actor: str, limit: int = 200) -> tuple[OutputBooking, ...]:
        """The actor's completed bookings, newest first: what an output may be recorded against."""
        with self._db.readonly() as session:
            acting = self._reader(session, actor)
            return completed_bookings(session, acting.id, max(1, min(limit, 1000)))

    # -- rules --------------------------------------------------------------------------

    def _reader(self, session: Session, actor: str) -> Actor:
        acting = row_records.load_actor(session, actor)
        if not acting.user.active:
            raise PermissionDenied(f"{actor} may not see outputs: the account is deactivated")
        return acting

    def _writer(self, session: Session, actor: str, doing: str) -> Actor:
        acting = row_records.load_actor(session, actor)
        if not acting.user.active:
            raise PermissionDenied(f"{actor} may not {doing}: the account is deactivated")
        return acting

    def _own(
        self, session: Session, actor: str, output_id: int, doing: str
    ) -> tuple[Actor, ResearchOutput]:
        """The acting user and the output they may change: their own, or any for an admin."""
        acting = self._writer(session, actor, f"{doing} outputs")
        row = session.get(ResearchOutput, output_id, with_for_update=True)
        visible = row is not None and (
            row.user_id == acting.id
            or session.scalar(
                select(ResearchOutput.id).where(
                    ResearchOutput.id == output_id, visible_to(session, acting)
                )
            )
            is not None
        )
        if row is None or not visible:
            raise NotFound(f"output {output_id}: no output of that number you may see", "output")
        if row.user_id != acting.id and not acting.user.is_admin:
            raise PermissionDenied(
                f"{actor} may not {doing} output {output_id}: only its researcher or an admin may",
                "output",
            )
        return acting, row

    @staticmethod
    def _attachment(project_code: str | None, chosen: list[int]) -> str | None:
        """Exactly one of a project code and bookings; the code trimmed."""
        code = project_code.strip() if project_code is not None else None
        if code == "":
            raise InputError("project: the project code is empty", "project")
        if code is not None and len(code) > MAX_PROJECT_CODE_CHARS:
            raise InputError(f"project: at most {MAX_PROJECT_CODE_CHARS} characters", "project")
        if code is not None and chosen:
            raise InputError(
                "bookings: record an output against a project code or bookings, not both",
                "bookings",
            )
        if code is None and not chosen:
            raise InputError(
                "bookings: name the project code or the bookings the output used", "bookings"
            )
        if len(chosen) > MAX_BOOKINGS:
            raise InputError(
                f"bookings: at most {MAX_BOOKINGS}; record it against the project code instead",
                "bookings",
            )
        return code

    @staticmethod
    def _check_attachment(
        session: Session, owner_id: int, code: str | None, chosen: list[int]
    ) -> None:
        """The code has a completed booking of the researcher; each booking is theirs and
        completed."""
        if code is not None:
            has = session.scalar(
                select(Booking.id)
                .where(
                    Booking.user_id == owner_id,
                    Booking.project_code == code,
                    Booking.status == COMPLETED,
                )
                .limit(1)
            )
            if has is None:
                raise InputError(
                    f"project: you have no completed booking under project code {code!r}",
                    "project",
                )
            return
        found = {
            row.id: row
            for row in session.execute(
                select(Booking.id, Booking.user_id, Booking.status).where(Booking.id.in_(chosen))
            )
        }
        for booking_id in chosen:
            row = found.get(booking_id)
            if row is None or row.user_id != owner_id:
                raise InputError(f"bookings: {booking_id} is not a booking of yours", "bookings")
            if row.status != COMPLETED:
                raise InputError(
                    f"bookings: booking {booking_id} is {row.status}; an output records "
                    "completed bookings only",
                    "bookings",
                )

    @staticmethod
    def _refuse_duplicate(session: Session, owner_id: int, doi: str, except_id: int | None) -> None:
        other = session.scalar(
            select(ResearchOutput.id).where(
                ResearchOutput.user_id == owner_id,
                ResearchOutput.doi == doi,
                ResearchOutput.id != except_id if except_id is not None else true(),
            )
        )
        if other is not None:
            raise ConflictError(f"doi: {doi} is recorded already, as output {other}", "doi")

    @staticmethod
    def _linked(session: Session, output_id: int) -> list[int]:
        return list(
            session.scalars(
                select(ResearchOutputBooking.booking_id).where(
                    ResearchOutputBooking.output_id == output_id
                )
            )
        )
