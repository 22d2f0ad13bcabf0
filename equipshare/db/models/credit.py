"""ORM models of credit for technical work: technicians' profiles, each facility's wording
of an acknowledgement, and the research outputs that researchers record against bookings.

A profile is optional: a technician without one is named by their display name, with no
ORCID iD, and is named unless they opt out. An output belongs to the researcher who
recorded it; it points at bookings directly or at a project code (whose bookings count).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from equipshare.db.base import Base, UTCDateTime


class TechnicianProfile(Base):
    """How a technician is credited: the name to print, ORCID iD, title, expertise, opt-out."""

    __tablename__ = "technician_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # Empty means "use the user's display name".
    credit_name: Mapped[str] = mapped_column(String(200), default="")
    # "0000-0002-1825-0097": checked with ISO 7064 11,2 before it is stored.
    orcid: Mapped[str | None] = mapped_column(String(19), unique=True)
    job_title: Mapped[str] = mapped_column(String(200), default="")
    expertise: Mapped[str] = mapped_column(Text, default="")
    # False: acknowledgements say "technical staff of the facility", never the name.
    named: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AcknowledgementTemplate(Base):
    """A facility's own wording of its acknowledgement sentence; the default when absent."""

    __tablename__ = "acknowledgement_templates"

    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    template: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ResearchOutput(Base):
    """A paper, dataset or other output a researcher recorded as using the facilities."""

    __tablename__ = "research_outputs"
    __table_args__ = (
        UniqueConstraint("user_id", "doi"),
        CheckConstraint("year >= 1900 AND year <= 2999", name="output_year_plausible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Lower-cased "10.prefix/suffix", checked for form only: nothing is fetched.
    doi: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    # Set: every booking of this researcher under the code counts; else the linked bookings.
    project_code: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ResearchOutputBooking(Base):
    """One booking an output used, when the researcher chose bookings rather than a code."""

    __tablename__ = "research_output_bookings"

    output_id: Mapped[int] = mapped_column(ForeignKey("research_outputs.id"), primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), primary_key=True, index=True)
