"""ORM model of training: who may operate which instrument, at what level, until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from equipshare.db.base import Base, UTCDateTime, enum_check, enum_column_type
from equipshare.domain.enums import (
    TrainingLevel,
)


class TrainingRecord(Base):
    """Permission for a user to operate an instrument, given by a technician, often expiring."""

    __tablename__ = "training_records"
    __table_args__ = (
        enum_check("level", TrainingLevel),
        CheckConstraint(
            "expires_at IS NULL OR expires_at > trained_at", name="expiry_after_training"
        ),
        Index("ix_training_records_user_instrument", "user_id", "instrument_id"),
        Index("ix_training_records_expires", "expires_at"),  # the expiring list's order
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    level: Mapped[TrainingLevel] = mapped_column(enum_column_type(TrainingLevel))
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")
