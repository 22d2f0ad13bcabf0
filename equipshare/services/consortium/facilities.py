"""FacilityService: admins add and edit facilities; anyone known may list and read them.

A facility's charging terms (charge basis, cancellation terms, check-in) are shown here
but changed by `equipshare facility policy` (charging's FacilityPolicyService), so there
is one way to change them. A new facility keeps the clock of the organisation
([organisation] timezone) unless given its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from equipshare.db.models.catalogue import Facility, FacilityStaff, Institution, Instrument, User
from equipshare.domain.enums import StaffRole
from equipshare.domain.errors import NotFound, RefusedError
from equipshare.domain.records.consortium import Change, FacilityChange, FacilityRecord
from equipshare.domain.records.money.charging import Outcome
from equipshare.services.consortium import values
from equipshare.services.consortium.institutions import counts_by_id, load_institution
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.services.plumbing.row_records import load_actor, require_admin

CODE_WIDTH = 64
# The facility's own descriptive fields, as add and edit take them (not its charging terms).
DESCRIBED = ("department", "building", "site", "email", "web_address")
AUDITED = ("code", "name", "institution_id", *DESCRIBED, "timezone", "notify_staff_on_cancel")


def facility_code(value: str, field: str = "code") -> str:
    return values.code(value, field, "facility code", CODE_WIDTH)


def load_facility(session: Session, code: str) -> Facility:
    row = session.scalars(
        select(Facility).options(joinedload(Facility.institution)).where(Facility.code == code)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no facility with code {code!r}", "facility")
    return row


def _staff_names(session: Session, ids: list[int]) -> dict[int, dict[StaffRole, list[str]]]:
    found: dict[int, dict[StaffRole, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = session.execute(
        select(FacilityStaff.facility_id, FacilityStaff.role, User.username)
        .join(User, User.id == FacilityStaff.user_id)
        .where(FacilityStaff.facility_id.in_(ids))
        .order_by(User.username)
    )
    for facility_id, role, username in rows:
        found[facility_id][role].append(username)
    return found


def _records(session: Session, rows: list[Facility]) -> list[FacilityRecord]:
    ids = [r.id for r in rows if r.id is not None]
    staff = _staff_names(session, ids)
    counts = counts_by_id(
        session.execute(
            select(Instrument.facility_id, func.count())
            .where(Instrument.facility_id.in_(ids))
            .group_by(Instrument.facility_id)
        )
    )
    return [
        facility_record(
            row,
            tuple(staff[row.id][StaffRole.MANAGER]) if row.id in staff else (),
            tuple(staff[row.id][StaffRole.TECHNICIAN]) if row.id in staff else (),
            counts.get(row.id, 0),
        )
        for row in rows
    ]


def facility_record(
    row: Facility,
    managers: tuple[str, ...] = (),
    technicians: tuple[str, ...] = (),
    instruments: int = 0,
) -> FacilityRecord:
    return FacilityRecord(
        id=row.id,
        code=row.code,
        name=row.name,
        institution_code=row.institution.code,
        institution_name=row.institution.name,
        department=row.department,
        building=row.building,
        site=row.site,
        timezone=row.timezone,
        email=row.email,
        web_address=row.web_address,
        charge_basis=row.charge_basis,
        free_cancellation_hours=row.free_cancellation_hours,
        late_cancellation_percent=row.late_cancellation_percent,
        requires_check_in=row.requires_check_in,
        notify_staff_on_cancel=row.notify_staff_on_cancel,
        managers=managers,
        technicians=technicians,
        instruments=instruments,
    )


def _snapshot(row: Facility) -> dict[str, Any]:
    return {name: getattr(row, name) for name in AUDITED}


def _described(given: dict[str, str | None]) -> dict[str, str | None]:
    """The descriptive fields given, checked; a blank one clears it."""
    checked: dict[str, str | None] = {}
    for field, value in given.items():
        if field == "email":
            checked[field] = values.email(value, "email")
        elif field == "web_address":
            checked[field] = values.web_address(value)
        else:
            checked[field] = values.optional_text(value, field, f"the {field}")
    return checked


def _name_taken(session: Session, institution_id: int, name: str, but: int | None) -> None:
    query = select(Facility.code, Facility.name).where(
        Facility.institution_id == institution_id, func.lower(Facility.name) == name.lower()
    )
    if but is not None:
        query = query.where(Facility.id != but)
    other = session.execute(query).first()
    if other is not None:
        raise RefusedError(
            f"facility {other.code} of that institution is already called {other.name!r}", "name"
        )


class FacilityService:
    """Facilities: add and edit (admins), list and show (anyone with an account)."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._default_zone = context.settings.organisation.timezone

    def list(self, actor_username: str, institution: str | None = None) -> list[FacilityRecord]:
        """Every facility (of one institution) by code, with its staff and instrument count."""
        with self._db.readonly() as session:
            load_actor(session, actor_username)
            query = select(Facility).options(joinedload(Facility.institution))
            if institution:
                query = query.where(
                    Facility.institution_id == load_institution(session, institution).id
                )
            rows = list(session.scalars(query.order_by(Facility.code)))
            return _records(session, rows)

    def may_add(self, actor_username: str) -> bool:
        """Whether the actor may add and edit facilities (an active admin), so a front end
        refuses those keys as they are pressed; `add` and `edit` check again."""
        with self._db.readonly() as session:
            user = load_actor(session, actor_username).user
            return bool(user.active and user.is_admin)

    def show(self, actor_username: str, code: str) -> FacilityRecord:
        with self._db.readonly() as session:
            load_actor(session, actor_username)
            return _records(session, [load_facility(session, code)])[0]

    def add(
        self,
        actor_username: str,
        code: str,
        name: str,
        institution: str,
        *,
        timezone: str | None = None,
        dry_run: bool = False,
        department: str | None = None,
        building: str | None = None,
        site: str | None = None,
        email: str | None = None,
        web_address: str | None = None,
    ) -> FacilityChange:
        """Add a facility; the same one again is unchanged, another with its code refused."""
        described = {"department": department, "building": building, "site": site,
                     "email": email, "web_address": web_address}  # fmt: skip
        code = facility_code(code)
        name = values.name(name, "name", "the facility's name")
        zone = values.timezone(timezone) if timezone else self._default_zone
        details = _described(described)
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "add facilities")
                owner = load_institution(session, institution)
                wanted: dict[str, Any] = {
                    "code": code, "name": name, "institution_id": owner.id,
                    **{f: details.get(f) for f in DESCRIBED}, "timezone": zone,
                }  # fmt: skip
                existing = session.scalars(
                    select(Facility).where(Facility.code == code)
                ).one_or_none()
                if existing is not None:
                    # Without --timezone the zone is not part of the request.
                    asked = {f: v for f, v in wanted.items() if timezone or f != "timezone"}
                    if all(_snapshot(existing)[f] == v for f, v in asked.items()):
                        record = _records(session, [existing])[0]
                        return FacilityChange(record, Change(Outcome.UNCHANGED, dry_run=dry_run))
                    raise RefusedError(
                        f"facility {code} already exists as {existing.name!r}: change it with "
                        f"`equipshare facilities edit {code}`",
                        "code",
                    )
                _name_taken(session, owner.id, name, None)
                row = Facility(**wanted, created_at=self._clock.now())
                session.add(row)
                session.flush()
                record = facility_record(row)
                result = FacilityChange(
                    replace(record, id=None) if dry_run else record,
                    Change(Outcome.CREATED, dry_run=dry_run),
                )
                if dry_run:
                    raise DryRun(result)
                record_audit(
                    session, actor_id=actor.id, action="facility.create",
                    entity_type="facility", entity_id=row.id, at=self._clock.now(),
                    after=_snapshot(row),
                )  # fmt: skip
                return result
        except DryRun as done:
            return cast(FacilityChange, done.result)

    def edit(
        self,
        actor_username: str,
        code: str,
        *,
        new_code: str | None = None,
        name: str | None = None,
        institution: str | None = None,
        timezone: str | None = None,
        dry_run: bool = False,
        department: str | None = None,
        building: str | None = None,
        site: str | None = None,
        email: str | None = None,
        web_address: str | None = None,
        notify_staff_on_cancel: bool | None = None,
    ) -> FacilityChange:
        """Change only the fields given (a blank descriptive field clears it).

        `notify_staff_on_cancel`: whether its staff are emailed when a user cancels a
        booking of theirs (on for every facility until turned off).
        """
        described = {"department": department, "building": building, "site": site,
                     "email": email, "web_address": web_address}  # fmt: skip
        given: dict[str, Any] = _described({k: v for k, v in described.items() if v is not None})
        if new_code is not None:
            given["code"] = facility_code(new_code, "new_code")
        if name is not None:
            given["name"] = values.name(name, "name", "the facility's name")
        if timezone is not None:
            given["timezone"] = values.timezone(timezone)
        if notify_staff_on_cancel is not None:
            given["notify_staff_on_cancel"] = notify_staff_on_cancel
        try:
            with self._db.sessions.begin() as session:
                actor = require_admin(session, actor_username, "edit facilities")
                row = load_facility(session, code)
                if institution is not None:
                    given["institution_id"] = load_institution(session, institution).id
                before = _snapshot(row)
                changed = tuple((f, before[f], v) for f, v in given.items() if before[f] != v)
                if not changed:
                    record = _records(session, [row])[0]
                    return FacilityChange(record, Change(Outcome.UNCHANGED, dry_run=dry_run))
                if "code" in given and session.scalar(
                    select(Facility.id).where(Facility.code == given["code"])
                ):
                    raise RefusedError(f"facility code {given['code']} is taken", "new_code")
                if "name" in given or "institution_id" in given:
                    _name_taken(
                        session,
                        given.get("institution_id", row.institution_id),
                        given.get("name", row.name),
                        row.id,
                    )
                for field, _, value in changed:
                    setattr(row, field, value)
                session.flush()
                session.expire(row, ["institution"])
                shown = tuple(
                    (f, _institution_code(session, old), _institution_code(session, new))
                    if f == "institution_id"
                    else (f, old, new)
                    for f, old, new in changed
                )
                record = _records(session, [row])[0]
                result = FacilityChange(record, Change(Outcome.UPDATED, shown, dry_run))
                if dry_run:
                    raise DryRun(result)
                record_audit(
                    session, actor_id=actor.id, action="facility.update",
                    entity_type="facility", entity_id=row.id, at=self._clock.now(),
                    before={f: old for f, old, _ in changed},
                    after={f: new for f, _, new in changed},
                )  # fmt: skip
                return result
        except DryRun as done:
            return cast(FacilityChange, done.result)


def _institution_code(session: Session, institution_id: object) -> str:
    return session.get_one(Institution, institution_id).code
