"""The feed models: revocable per-user tokens that open one calendar feed, and change stamps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
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


class ChangeStamp(Base):
    """How many committed transactions have changed one feed scope: a feed server compares
    these counters, read in one indexed query, instead of loading a feed's events again.

    `kind` is "user" or "instrument" (`key` the user's or instrument's id: the bookings a
    user feed or an instrument feed shows), or "all" (`key` 0: a change to what every feed
    shows or to who may see one, such as a user, an instrument, a facility or its staff).
    A facility's or an institution's feed adds up its instruments' counters. "schedule"
    (an instrument's downtime, opening hours and waitlist) and "training" (its training
    records) are read only by the terminal app's screens (services/changes). Written only
    by `equipshare.db.change_stamps`, at commit.
    """

    __tablename__ = "change_stamps"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    counter: Mapped[int] = mapped_column(Integer, default=0)
