"""Feed tokens on both engines: randomness, hashing, listing, revocation, scoping, resolving."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from equipshare.db.engine import Database
from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.feeds import FeedToken
from equipshare.domain.enums import ExportKind
from equipshare.domain.errors import InputError, NotFound, PermissionDenied, RefusedError
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.calendar.feeds import NO_SUCH_FEED, FeedsService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World

XPS = "WAR-XPS-01"


@pytest.fixture
def feeds(context: ServiceContext, world: World) -> FeedsService:
    return FeedsService(context)


def stored(database: Database) -> list[FeedToken]:
    with database.readonly() as session:
        return list(session.scalars(select(FeedToken).order_by(FeedToken.id)))


def test_tokens_are_long_random_and_stored_only_as_their_hash(
    feeds: FeedsService, database: Database
) -> None:
    issued = [feeds.create("alice", ExportKind.USER, label="phone") for _ in range(20)]
    tokens = [i.token for i in issued]
    assert len(set(tokens)) == 20
    for token in tokens:
        # 43 URL-safe base64 characters carry 258 bits; the issue asks for at least 128.
        assert len(token) * math.log2(64) >= 128
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    rows = stored(database)
    assert [r.token_hash for r in rows] == [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    for row, token in zip(rows, tokens, strict=True):
        values = [str(getattr(row, c.key)) for c in FeedToken.__table__.columns]
        assert not any(token in v for v in values), "the plaintext token reached the database"
        assert row.token_prefix == token[:6]


def test_create_returns_https_and_webcal_urls_once(feeds: FeedsService) -> None:
    issued = feeds.create("alice", "instrument", XPS, label="lab calendar")
    path = f"/feeds/{issued.token}/instrument/{XPS}.ics"
    assert issued.https_url == "http://localhost:8080" + path
    assert issued.webcal_url == "webcal://localhost:8080" + path
    assert issued.record.kind is ExportKind.INSTRUMENT
    assert issued.record.target == XPS
    assert issued.record.label == "lab calendar"


def test_listing_never_shows_a_token(feeds: FeedsService) -> None:
    mine = feeds.create("alice", ExportKind.USER, label="phone")
    feeds.create("bob", ExportKind.USER)
    listed = feeds.tokens("alice")
    assert [r.id for r in listed] == [mine.record.id]
    assert mine.token not in repr(listed)
    assert listed[0].prefix == mine.token[:6]
    assert listed[0].label == "phone"


def test_revoked_tokens_stop_resolving_with_the_same_neutral_message(
    feeds: FeedsService, database: Database
) -> None:
    issued = feeds.create("alice", ExportKind.USER)
    scope = feeds.resolve(issued.token)
    assert (scope.username, scope.kind, scope.target) == ("alice", ExportKind.USER, "alice")

    revoked = feeds.revoke("alice", issued.record.id)
    assert revoked.revoked
    messages = []
    for token in (issued.token, "A" * 43, "not-a-token", issued.token[:-1], ""):
        with pytest.raises(NotFound) as refused:
            feeds.resolve(token)
        messages.append(str(refused.value))
    assert set(messages) == {NO_SUCH_FEED}

    assert feeds.tokens("alice") == []
    assert [r.id for r in feeds.tokens("alice", include_revoked=True)] == [issued.record.id]
    with pytest.raises(RefusedError, match="already revoked"):
        feeds.revoke("alice", issued.record.id)
    with database.readonly() as session:
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "feed_token").order_by(AuditEvent.id)
        ).all()
    assert [a.action for a in audit] == ["feed_token.create", "feed_token.revoke"]
    row = stored(database)[0]
    assert not any(row.token_hash in str(a.after) or issued.token in str(a.after) for a in audit)


def test_only_the_owner_or_an_admin_revokes_or_lists(feeds: FeedsService) -> None:
    issued = feeds.create("alice", ExportKind.USER)
    with pytest.raises(NotFound):
        feeds.revoke("bob", issued.record.id)
    with pytest.raises(PermissionDenied):
        feeds.tokens("bob", "alice")
    assert [r.id for r in feeds.tokens("root", "alice")] == [issued.record.id]
    assert feeds.revoke("root", issued.record.id).username == "alice"


def test_a_deactivated_owner_s_tokens_stop_resolving(
    feeds: FeedsService, database: Database
) -> None:
    issued = feeds.create("erin", ExportKind.USER)
    from equipshare.db.models.catalogue import User

    with database.sessions.begin() as session:
        session.scalars(select(User).where(User.username == "erin")).one().active = False
    with pytest.raises(NotFound, match=f"^{NO_SUCH_FEED}$"):
        feeds.resolve(issued.token)
    with pytest.raises(PermissionDenied):
        feeds.create("gone", ExportKind.USER)


# (user, kind, target, the key the token stores); None: the facility's id.
VISIBLE = [
    ("alice", ExportKind.INSTRUMENT, "WAR-RAM-01", "WAR-RAM-01"),  # own institution only
    ("bob", ExportKind.INSTRUMENT, XPS, XPS),  # consortium partner
    ("carol", ExportKind.INSTRUMENT, "AST-SEM-01", "AST-SEM-01"),  # external academic
    # Anyone sees when an instrument is taken, as `export ics` and the week do, even one
    # they may not book: privacy-filtered, its bookers unnamed.
    ("bob", ExportKind.INSTRUMENT, "WAR-RAM-01", "WAR-RAM-01"),  # Warwick users only
    ("carol", ExportKind.INSTRUMENT, XPS, XPS),  # consortium only
    ("otherstaff", ExportKind.FACILITY, "AST-EM", None),  # named by code, stored as its id
    ("otherstaff", ExportKind.INSTITUTION, "ASTON", "ASTON"),  # staff of a facility there
    ("mgr", ExportKind.FACILITY, "WAR-PRP", None),
    ("root", ExportKind.INSTITUTION, "ACME", "ACME"),  # admins see everything
]
# (user, kind, target, the refusal)
HIDDEN: list[tuple[str, ExportKind | str, str | None, type[Exception]]] = [
    ("gone", ExportKind.INSTRUMENT, XPS, PermissionDenied),  # deactivated
    # Facility and institution calendars are for their staff (the export's rule).
    ("alice", ExportKind.FACILITY, "WAR-PRP", PermissionDenied),
    ("otherstaff", ExportKind.FACILITY, "WAR-PRP", PermissionDenied),
    ("carol", ExportKind.INSTITUTION, "ASTON", PermissionDenied),
    ("alice", ExportKind.FACILITY, "NO-SUCH", NotFound),
    ("alice", ExportKind.INSTRUMENT, "NO-SUCH-01", NotFound),
    ("alice", ExportKind.USER, "bob", PermissionDenied),  # only one's own calendar
    ("root", ExportKind.USER, "bob", PermissionDenied),
    ("alice", ExportKind.INSTRUMENT, None, InputError),
    ("alice", "diary", None, InputError),
]


def test_tokens_open_only_what_their_owner_may_see(
    feeds: FeedsService, world: World, database: Database
) -> None:
    for user, kind, target, key in VISIBLE:
        issued = feeds.create(user, kind, target)
        expected = key if key is not None else str(world.facilities[target])
        assert issued.record.target == expected, (user, target)
        assert feeds.resolve(issued.token).target == expected
    count = len(stored(database))
    for user, hidden_kind, hidden, error in HIDDEN:
        with pytest.raises(error):
            feeds.create(user, hidden_kind, hidden)
            pytest.fail(f"{user} got a {hidden_kind} feed of {hidden}")
    assert len(stored(database)) == count


def test_a_label_is_tidied_and_bounded(feeds: FeedsService) -> None:
    assert feeds.create("alice", ExportKind.USER, label="  my\n phone ").record.label == "my phone"
    with pytest.raises(InputError, match="label"):
        feeds.create("alice", ExportKind.USER, label="x" * 201)


def test_use_is_recorded_at_most_hourly(
    feeds: FeedsService, clock: FrozenClock, database: Database
) -> None:
    issued = feeds.create("alice", ExportKind.USER)
    first = clock.now()
    feeds.record_use(feeds.resolve(issued.token))
    clock.advance(minutes=30)
    feeds.record_use(feeds.resolve(issued.token))
    assert stored(database)[0].last_used_at == first
    clock.advance(minutes=31)
    feeds.record_use(feeds.resolve(issued.token))
    assert stored(database)[0].last_used_at == clock.now()
    assert feeds.tokens("alice")[0].last_used_at == clock.now()


def test_the_window_is_whole_days_30_back_and_365_ahead(feeds: FeedsService) -> None:
    start, end = feeds.window()  # the clock reads Mon 16 March 2026 09:00 UTC
    assert start == datetime(2026, 2, 14, tzinfo=UTC)
    assert end == datetime(2027, 3, 17, tzinfo=UTC)
