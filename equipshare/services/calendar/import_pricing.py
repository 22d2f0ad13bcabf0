"""The price an imported booking carries, frozen as every booking's is: the owner's rates as
of the booking's creation, looked up once per owner and time in a run (imports are large)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from equipshare.domain.enums import UserClass
from equipshare.domain.money.charging import FrozenRates
from equipshare.domain.records.instruments.catalogue import InstrumentRecord
from equipshare.services.charging import pricing
from equipshare.services.plumbing import row_records


@dataclass
class ImportPricing:
    """Sets a booking row's rates and charges as the run places it."""

    session: Session
    instrument: InstrumentRecord
    _rates: dict[tuple[int, datetime], FrozenRates] = field(default_factory=dict)

    def price(
        self,
        values: dict[str, Any],
        user_id: int,
        start: datetime,
        end: datetime,
        *,
        new_owner: bool,
    ) -> None:
        """Charge [start, end) at the rates frozen for whoever holds the booking: a new
        owner's as of the booking's creation, else those the row already carries."""
        if new_owner:
            rates = self._rates_for(user_id, values["created_at"])
            values["user_class"] = rates.user_class
            values["hourly_rate_pence"] = rates.hourly_rate_pence
            values["technician_rate_pence"] = rates.technician_rate_pence
        else:
            rates = FrozenRates(
                values["user_class"] or UserClass.INTERNAL,
                values["hourly_rate_pence"],
                values["technician_rate_pence"],
            )
        assisted = values.get("technician_id") is not None
        charge = pricing.charge_for(start, end, rates, assisted)
        values["instrument_charge_pence"] = charge.instrument_pence
        values["technician_charge_pence"] = charge.technician_pence

    def _rates_for(self, user_id: int, booked_at: datetime) -> FrozenRates:
        key = (user_id, booked_at)
        if key not in self._rates:
            user = row_records.user_by_id(self.session, user_id)
            self._rates[key] = pricing.rates_for(self.session, user, self.instrument, booked_at)
        return self._rates[key]
