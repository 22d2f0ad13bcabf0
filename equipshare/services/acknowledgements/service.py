"""The acknowledgements feature's public face, for front ends and for other services.

AcknowledgementService builds a researcher's or a project code's acknowledgement from the
completed bookings the asker may see, and keeps each facility's wording.
`credited_technicians` runs inside another service's transaction (a research output's), so
what it credits comes from the same snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from equipshare.domain.errors import InputError
from equipshare.domain.records.impact.acknowledgements import (
    Acknowledgement,
    AcknowledgementPeriod,
    AcknowledgementWording,
    CreditedTechnician,
    SubjectKind,
)
from equipshare.services.acknowledgements import access, gather, templates
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.row_records import load_actor
from equipshare.services.reports.period import local_midnight

__all__ = ["AcknowledgementService", "credited_technicians"]

ALL_TIME = None


def credited_technicians(
    session: Session, booking_ids: Iterable[int]
) -> tuple[CreditedTechnician, ...]:
    """The technicians the completed ones of `booking_ids` credit (assisted sessions and
    training before them), by user id, facility and CRediT roles; opted-out ones too
    (`named` False): they are credited, only never named. In the caller's transaction."""
    return gather.credited(session, booking_ids)


class AcknowledgementService:
    """Acknowledgements of researchers' and projects' work, and facilities' wording of them."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock
        self._zone = context.settings.organisation.timezone

    def today(self) -> date:
        """Today in the organisation's zone."""
        return self._clock.now().astimezone(ZoneInfo(self._zone)).date()

    def period(self, first_day: date | None, last_day: date | None) -> AcknowledgementPeriod:
        """Local days first_day..last_day in the organisation's zone, either end open (since
        ever, up to now); InputError naming --to if reversed, --from if after today."""
        if first_day and last_day and last_day < first_day:
            raise InputError(
                f"--to {last_day.isoformat()} is before --from {first_day.isoformat()}", "--to"
            )
        if first_day and first_day > self.today():
            raise InputError(
                f"--from {first_day.isoformat()} is after today ({self.today().isoformat()}): "
                "only completed bookings are acknowledged",
                "--from",
            )
        zone = ZoneInfo(self._zone)
        return AcknowledgementPeriod(
            first_day,
            last_day,
            self._zone,
            local_midnight(first_day, zone) if first_day else None,
            local_midnight(last_day + timedelta(days=1), zone) if last_day else None,
        )

    def for_user(
        self, actor_username: str, username: str, period: AcknowledgementPeriod | None = ALL_TIME
    ) -> Acknowledgement:
        """A researcher's acknowledgement: their completed bookings in the period that the
        actor may see (all, for themself and admins; their facilities', for staff)."""
        period = period or self.period(None, None)
        with self._db.readonly() as session:
            actor = load_actor(session, actor_username)
            researcher, terms = access.user_selection(session, actor, username.strip())
            return gather.acknowledgement(
                session,
                [*terms, *access.in_period(period)],
                SubjectKind.USER,
                researcher.username,
                period,
            )

    def for_project(
        self, actor_username: str, code: str, period: AcknowledgementPeriod | None = ALL_TIME
    ) -> Acknowledgement:
        """A project code's acknowledgement: the completed bookings under it in the period
        that the actor may see (their own, their facilities'; admins all)."""
        code = access.project_code(code)
        period = period or self.period(None, None)
        with self._db.readonly() as session:
            actor = load_actor(session, actor_username)
            terms = access.project_selection(session, actor, code)
            return gather.acknowledgement(
                session, [*terms, *access.in_period(period)], SubjectKind.PROJECT, code, period
            )

    def wording(self, actor_username: str, facility_code: str) -> AcknowledgementWording:
        """A facility's acknowledgement template (the default when it keeps none)."""
        with self._db.readonly() as session:
            access.require_active(load_actor(session, actor_username))
            return templates.wording_of(session, templates.load_facility(session, facility_code))

    def set_wording(
        self, actor_username: str, facility_code: str, template: str
    ) -> AcknowledgementWording:
        """Save the facility's own wording (managers and admins); InputError for an unknown
        placeholder, naming it and the known ones."""
        with self._db.sessions.begin() as session:
            actor = load_actor(session, actor_username)
            facility = templates.load_facility(session, facility_code)
            return templates.set_template(session, actor, facility, template, self._clock)

    def clear_wording(self, actor_username: str, facility_code: str) -> AcknowledgementWording:
        """Go back to the default wording (managers and admins)."""
        with self._db.sessions.begin() as session:
            actor = load_actor(session, actor_username)
            facility = templates.load_facility(session, facility_code)
            return templates.set_template(session, actor, facility, None, self._clock)
