"""Frozen records of a booking's charge corrected after the fact: waived, or repriced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from equipshare.domain.enums import UserClass
from equipshare.domain.money.charging import gbp


class CorrectionKind(StrEnum):
    """What a correction did to the booking's charge."""

    WAIVED = "waived"
    REPRICED = "repriced"


@dataclass(frozen=True)
class ChargeCorrection:
    """A booking's charge before and after a correction (or, on a dry run, as it would be).

    `issued_month` is the booking's month when a statement for it is already issued;
    the difference is then billed on `adjusts_on`, the first open month after it.
    """

    booking_id: int
    instrument_code: str
    kind: CorrectionKind
    reason: str
    before_pence: int
    after_pence: int
    before_class: UserClass | None
    user_class: UserClass | None
    hourly_rate_pence: int | None
    technician_rate_pence: int | None
    rates_on: date | None  # the day whose rate card a reprice used
    issued_month: date | None
    adjusts_on: date | None
    dry_run: bool

    @property
    def changed(self) -> bool:
        return self.before_pence != self.after_pence

    def words(self) -> str:
        """'booking 812: £30.00 -> £0.00 (waived: instrument fault); billed as an
        adjustment on 2026-12', the one line the CLI prints."""
        what = str(self.kind)
        if self.kind is CorrectionKind.REPRICED and self.user_class is not None:
            rate = "no rate" if self.hourly_rate_pence is None else gbp(self.hourly_rate_pence)
            what += f" at {self.user_class.value} {rate}/h"
            if self.rates_on is not None:
                what += f" in force {self.rates_on:%d %b %Y}"
        text = f"booking {self.booking_id}: {gbp(self.before_pence)} -> "
        text += f"{gbp(self.after_pence)} ({what}: {self.reason})"
        if self.adjusts_on is not None:
            text += f"; billed as an adjustment on {self.adjusts_on:%Y-%m}"
        return text
