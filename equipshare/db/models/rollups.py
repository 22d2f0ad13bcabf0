"""The booking roll-up: one row per instrument, facility-local day and kind of user, so the
utilisation and sharing reports add up days instead of reading every booking."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from equipshare.db.base import Base

#: `user_class` of bookings that froze none (no rate card applied), and
#: `staff_institution_id` of bookings no one else assisted: keys cannot be NULL.
NO_CLASS = ""
NO_STAFF = 0


class RollupSums:
    """What both levels of the roll-up sum, per key (one declaration for the day and the
    month tables, which must stay alike: the month is the sum of its days)."""

    held_bookings: Mapped[int] = mapped_column(Integer)
    held_minutes: Mapped[int] = mapped_column(Integer)
    used_minutes: Mapped[int] = mapped_column(Integer)
    cancellations: Mapped[int] = mapped_column(Integer)
    cancelled_minutes: Mapped[int] = mapped_column(Integer)
    no_shows: Mapped[int] = mapped_column(Integer)
    no_show_minutes: Mapped[int] = mapped_column(Integer)
    instrument_charge_pence: Mapped[int] = mapped_column(Integer)
    technician_charge_pence: Mapped[int] = mapped_column(Integer)


class BookingRollup(RollupSums, Base):
    """The bookings of one instrument starting on one day (in its facility's zone), by
    the booker's institution, the class their price was frozen in and the institution of
    the technician who assisted (another person than the booker; 0 for none).

    Written only by `equipshare.db.rollups`, in the same transaction as every write that
    changes what it sums, so that it always equals the same sums over the bookings
    (`equipshare check` compares them, `equipshare check --repair` rebuilds them). Held
    means confirmed, completed or no-show, as in the reports; used minutes are those the
    reports count (checked-in time, or a completed booking's booked time); charges are
    the bookings' current billable charges.
    """

    __tablename__ = "booking_rollups"
    __table_args__ = (
        Index("ix_booking_rollups_instrument_id", "instrument_id"),
        # Clustered on the key: a period's rows are one range of the table (SQLite).
        {"sqlite_with_rowid": False},
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), primary_key=True)
    user_institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id"), primary_key=True
    )
    user_class: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_institution_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class BookingRollupMonth(RollupSums, Base):
    """The same sums by the facility-local month (its first day) instead of the day: the
    sum of the month's `BookingRollup` rows, kept with them in the same transaction, so a
    report reads a year's whole months as twelve rows per key instead of 365.

    Keyed by instrument first (clustered on SQLite): a report reads each instrument's
    months as one range, with no index lookup per row.
    """

    __tablename__ = "booking_rollup_months"
    __table_args__ = ({"sqlite_with_rowid": False},)

    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    user_institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id"), primary_key=True
    )
    user_class: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_institution_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class BookingRollupHost(Base):
    """The held bookings by the host institution (the instrument's facility's) instead of
    the instrument, by facility-local month, booker's institution and the assisting
    technician's: the sums of the held columns of `BookingRollupMonth`, kept with it in
    the same transaction. The sharing reports read a year of the whole consortium as a
    few hundred thousand rows here, where the instrument months are millions.

    Kept by deltas (each instrument-month recomputed adds its new sums less its old), so
    a key can be left holding zeros; such rows count for nothing and `check` ignores them.
    Keyed by month first (clustered on SQLite): a period's rows are one range.
    """

    __tablename__ = "booking_rollup_hosts"
    __table_args__ = (
        # One institution's rows (a report narrowed to it, a rebuild of its rows) as one
        # range rather than a scan of every host's.
        Index("ix_booking_rollup_hosts_host_month", "host_institution_id", "month"),
        {"sqlite_with_rowid": False},
    )

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    host_institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id"), primary_key=True
    )
    user_institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id"), primary_key=True
    )
    staff_institution_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_bookings: Mapped[int] = mapped_column(Integer)
    held_minutes: Mapped[int] = mapped_column(Integer)


class BookingRollupYearToDate(Base):
    """Per instrument and facility-local month, the utilisation report's seven figures
    summed from January of that month's year through it (shared: by users of another
    institution than the instrument's host), so any run of whole months is at most a few
    rows an instrument: Nov 2025-Oct 2026 is Dec 2025 less Oct 2025, plus Oct 2026.

    Kept with the month rows in the same transaction: each recomputed instrument-month
    rewrites its own row and every later one of its year, so once an instrument has a
    row in a year it has one for every month to December, and a missing row means
    nothing before it that year (zero). Keyed by month first (clustered on SQLite): a
    report reads each month it needs as one range."""

    __tablename__ = "booking_rollup_year_to_date"
    __table_args__ = (
        Index("ix_booking_rollup_year_to_date_instrument_id", "instrument_id"),
        {"sqlite_with_rowid": False},
    )

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), primary_key=True)
    held_bookings: Mapped[int] = mapped_column(Integer)
    held_minutes: Mapped[int] = mapped_column(Integer)
    used_minutes: Mapped[int] = mapped_column(Integer)
    cancellations: Mapped[int] = mapped_column(Integer)
    no_shows: Mapped[int] = mapped_column(Integer)
    shared_bookings: Mapped[int] = mapped_column(Integer)
    shared_minutes: Mapped[int] = mapped_column(Integer)
