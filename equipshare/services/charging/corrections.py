"""Correcting a booking's charge after the fact: a fee or charge waived, a booking repriced.

These are the corrections a facility makes once a booking is priced: waiving a late
cancellation's fee, a no-show's charge or a failed session's price, and repricing a booking
billed at the wrong rates or for the wrong user class. Each needs a reason, is audited with
the charges before and after, and stamps the booking's `updated_at`, so when its month is
already issued the difference is billed as an adjustment on the next open month's
statement (billed_lines.adjustments reads bookings written since their month was issued).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.bookings import Booking
from equipshare.domain.enums import BookingStatus, UserClass
from equipshare.domain.errors import InputError, NotFound, RefusedError
from equipshare.domain.money.charging import FREE, Charge, gbp, user_class_of
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.domain.records.money.charge_corrections import ChargeCorrection, CorrectionKind
from equipshare.domain.rules.permissions import Action, Target, require
from equipshare.services.charging import issued, pricing
from equipshare.services.charging.statements import month_bounds
from equipshare.services.plumbing import row_records
from equipshare.services.plumbing.audit import record_audit
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.plumbing.dry_run import DryRun
from equipshare.services.plumbing.prebuilt import INSTRUMENTS, run

WAIVE_ACTION = "booking.waive_charge"
REPRICE_ACTION = "booking.reprice"
REASON_LIMIT = 500
# A charge is waived once it is settled: a later close-past or check-out would bill a
# booking still on (confirmed or pending) again, undoing the waiver unseen.
WAIVABLE = (BookingStatus.CANCELLED, BookingStatus.NO_SHOW, BookingStatus.COMPLETED)
_LOCK_INSTRUMENT = (
    select(INSTRUMENTS.c.id).where(INSTRUMENTS.c.id == bindparam("id")).with_for_update()
)


class ChargeCorrectionService:
    """Waives and reprices bookings' charges for facility staff, managers and admins."""

    def __init__(self, context: ServiceContext) -> None:
        self._db = context.database
        self._clock = context.clock

    def waive(
        self, actor_username: str, booking_id: int, reason: str, *, dry_run: bool = False
    ) -> ChargeCorrection:
        """Make a settled booking cost nothing (its facility's staff, and admins)."""
        why = _reason(reason, "waived")
        try:
            with self._db.sessions.begin() as session:
                actor = row_records.load_actor(session, actor_username)
                row, instrument = lock_booking(session, booking_id)
                require(actor, Action.WAIVE_CHARGE, Target.of(instrument, row.user_id))
                before_pence = _total(row)
                if before_pence == 0:
                    raise RefusedError(
                        f"booking {row.id} ({row.status.value}) bills nothing (£0.00); "
                        "nothing to waive",
                        "booking",
                    )
                if row.status not in WAIVABLE:
                    raise RefusedError(
                        f"booking {row.id} is {row.status.value} and not over yet; a charge "
                        "is waived once the booking is completed, a no-show or cancelled",
                        "booking",
                    )
                before = _snapshot(row)
                pricing.apply_charge(row, FREE)
                result = self._save(
                    session, actor.id, row, instrument, CorrectionKind.WAIVED, why, before,
                    dry_run=dry_run, rates_on=None,
                )  # fmt: skip
                if dry_run:
                    raise DryRun(result)
                return result
        except DryRun as stopped:
            assert isinstance(stopped.result, ChargeCorrection)
            return stopped.result

    def reprice(
        self,
        actor_username: str,
        booking_id: int,
        reason: str,
        *,
        user_class: UserClass | None = None,
        dry_run: bool = False,
    ) -> ChargeCorrection:
        """Price a booking again at the rate card in force on its start's local date, for
        its frozen user class or a corrected one (the facility's managers, and admins).

        What it bills follows its state as every writer prices it: the booked time, the
        used time where the facility bills actual time, or for a late cancellation the
        facility's late share of the new price. A cancellation that cost nothing stays
        free, and a waived charge stays waived.
        """
        why = _reason(reason, "repriced")
        try:
            with self._db.sessions.begin() as session:
                actor = row_records.load_actor(session, actor_username)
                row, instrument = lock_booking(session, booking_id)
                require(actor, Action.REPRICE_BOOKING, Target.of(instrument, row.user_id))
                _check_repriceable(session, row)
                wanted = user_class or row.user_class
                if wanted is None:
                    wanted = user_class_of(row_records.user_record(row.user), instrument)
                on = row.starts_at.astimezone(ZoneInfo(instrument.timezone)).date()
                rates = pricing.rates_in_force(session, instrument.id, wanted, on)
                if rates.hourly_rate_pence is None:
                    raise RefusedError(
                        f"{instrument.code} has no {wanted.value} rate card in force on "
                        f"{on:%a %d %b %Y}, the day booking {row.id} starts; nothing changed",
                        "user_class" if user_class is not None else "booking",
                    )
                before = _snapshot(row)
                row.user_class = rates.user_class
                row.hourly_rate_pence = rates.hourly_rate_pence
                row.technician_rate_pence = rates.technician_rate_pence
                pricing.apply_charge(row, _charge_now(session, row, instrument, self._now()))
                if _snapshot(row) == before:
                    raise RefusedError(
                        f"booking {row.id} already bills {gbp(_total(row))} at the "
                        f"{wanted.value} rates in force on {on:%a %d %b %Y}; nothing changed",
                        "booking",
                    )
                result = self._save(
                    session, actor.id, row, instrument, CorrectionKind.REPRICED, why, before,
                    dry_run=dry_run, rates_on=on,
                )  # fmt: skip
                if dry_run:
                    raise DryRun(result)
                return result
        except DryRun as stopped:
            assert isinstance(stopped.result, ChargeCorrection)
            return stopped.result

    def _now(self) -> datetime:
        return self._clock.now()

    def _save(
        self,
        session: Session,
        actor_id: int,
        row: Booking,
        instrument: InstrumentRecord,
        kind: CorrectionKind,
        reason: str,
        before: dict[str, Any],
        *,
        dry_run: bool,
        rates_on: date | None,
    ) -> ChargeCorrection:
        """Stamp and audit the corrected row; say where the difference is billed."""
        now = self._now()
        row.updated_at = now  # what the next open month's adjustments look for
        session.flush()
        record_audit(
            session,
            actor_id=actor_id,
            action=WAIVE_ACTION if kind is CorrectionKind.WAIVED else REPRICE_ACTION,
            entity_type="booking",
            entity_id=row.id,
            at=now,
            before=before,
            after=_snapshot(row) | {"reason": reason},
        )
        before_pence = before["instrument_charge_pence"] + before["technician_charge_pence"]
        month, adjusts_on = _issued_month(session, row.starts_at)
        return ChargeCorrection(
            booking_id=row.id,
            instrument_code=instrument.code,
            kind=kind,
            reason=reason,
            before_pence=before_pence,
            after_pence=_total(row),
            before_class=before["user_class"],
            user_class=row.user_class,
            hourly_rate_pence=row.hourly_rate_pence,
            technician_rate_pence=row.technician_rate_pence,
            rates_on=rates_on,
            issued_month=month,
            adjusts_on=adjusts_on if before_pence != _total(row) else None,
            dry_run=dry_run,
        )


def lock_booking(session: Session, booking_id: int) -> tuple[Booking, InstrumentRecord]:
    """Lock the booking's instrument, then read the booking afresh, as every booking writer
    does (services/bookings/lifecycle.py), so a correction queues behind a cancel or a
    check-out of the same booking instead of deciding on a price it is changing.

    Kept here, not imported, because the bookings package imports charging's pricing.
    """
    instrument_id = session.scalar(select(Booking.instrument_id).where(Booking.id == booking_id))
    if instrument_id is None:
        raise NotFound(f"no booking {booking_id}", "booking")
    if session.connection().dialect.name != "sqlite":  # SQLite began with BEGIN IMMEDIATE
        run(session, _LOCK_INSTRUMENT, {"id": instrument_id})
    row = row_records.load_booking(session, booking_id)
    session.refresh(row)
    return row, row_records.load_instrument(session, row.instrument.code)


def _reason(reason: str, verb: str) -> str:
    """The reason, trimmed: required, since a correction of money is read later by finance."""
    why = " ".join(reason.split())
    if not why:
        raise InputError(f"reason: say why the charge is {verb}", "reason")
    if len(why) > REASON_LIMIT:
        raise InputError(f"reason: at most {REASON_LIMIT} characters, not {len(why)}", "reason")
    return why


def _total(row: Booking) -> int:
    return row.instrument_charge_pence + row.technician_charge_pence


def _snapshot(row: Booking) -> dict[str, Any]:
    """The fields a correction changes, for the audit trail and the no-change check."""
    return {
        "user_class": row.user_class,
        "hourly_rate_pence": row.hourly_rate_pence,
        "technician_rate_pence": row.technician_rate_pence,
    } | pricing.charge_fields(row)


def _check_repriceable(session: Session, row: Booking) -> None:
    """Refuse what no price applies to: a rejection, a free cancellation, a waived charge."""
    if row.status is BookingStatus.REJECTED:
        raise RefusedError(f"booking {row.id} was rejected and bills nothing", "booking")
    if _total(row) > 0:
        return
    waived = session.scalar(
        select(
            exists().where(
                AuditEvent.entity_type == "booking",
                AuditEvent.entity_id == str(row.id),
                AuditEvent.action == WAIVE_ACTION,
            )
        )
    )
    if waived:
        raise RefusedError(
            f"booking {row.id}'s charge was waived; a waived charge is not repriced",
            "booking",
        )
    if row.status is BookingStatus.CANCELLED:
        raise RefusedError(
            f"booking {row.id} was cancelled free of charge; a free cancellation stays free",
            "booking",
        )


def _charge_now(
    session: Session, row: Booking, instrument: InstrumentRecord, now: datetime
) -> Charge:
    """What `row` bills at its (new) frozen rates, in its current state."""
    policy = pricing.charging_policy(session, instrument.facility_id)
    if row.status is BookingStatus.CANCELLED:
        # Only a late cancellation by its user is charged (the caller keeps free ones free).
        cancelled_at = row.cancelled_at or now
        terms = pricing.cancellation_terms(row, policy, waived=None, cancelled_at=cancelled_at)
        return terms.fee
    if row.status is BookingStatus.COMPLETED or row.checked_out_at is not None:
        return pricing.used_charge(row, policy.basis)
    return pricing.booked_charge(row)


def _issued_month(session: Session, starts_at: datetime) -> tuple[date | None, date | None]:
    """The issued month a booking starting at `starts_at` belongs to, and the first open
    month after it, whose statement bills later changes as adjustments."""
    statements = issued.issued_months(session)
    months = {statement.month for statement in statements}
    for statement in statements:
        starts, ends = month_bounds(statement.month, statement.timezone)
        if starts <= starts_at < ends:
            following = issued.next_month(statement.month)
            while following in months:
                following = issued.next_month(following)
            return statement.month, following
    return None, None
