"""The feed token model: a revocable, per-user secret that opens one calendar feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from equipshare.db.base import Base, UTCDateTime, enum_check, enum_column_type
from equipshare.domain.enums import ExportKind


class FeedToken(Base):
    """One subscription link. Only the SHA-256 of the token is stored, so a copy of the
    database (or a backup) cannot be turned into working feed URLs.

    `target` names the calendar in the feed URL's words: an instrument code, a facility id,
    an institution code or, for a user's own calendar, the owner's username.
    """

    __tablename__ = "feed_tokens"
    __table_args__ = (enum_check("kind", ExportKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, so a list can tell tokens apart without revealing them.
    token_prefix: Mapped[str] = mapped_column(String(8))
    kind: Mapped[ExportKind] = mapped_column(enum_column_type(ExportKind))
    target: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
