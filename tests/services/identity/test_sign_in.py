"""Signing in by emailed link or vouched identity: the account an address names, or why not."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from equipshare.db.models.audit import AuditEvent
from equipshare.db.models.catalogue import User
from equipshare.domain.errors import InputError, PermissionDenied, RefusedError
from equipshare.domain.time.clock import FrozenClock
from equipshare.services.identity.service import SessionsService, SignInService
from equipshare.services.notify.service import NotifyService
from equipshare.services.plumbing.context import ServiceContext
from tests.services.identity.signing_in import give_domain, set_active, with_server
from tests.support.mailbox import Mailbox, mail_settings, running_mailbox
from tests.support.world import World

LINK = re.compile(r"https://equipshare\.example\.ac\.uk/sign-in/link/([A-Za-z0-9_-]+)")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


def server(context: ServiceContext, **auth: object) -> ServiceContext:
    return with_server(context, auth, base_url="https://equipshare.example.ac.uk")


def deliver(context: ServiceContext, box: Mailbox) -> str:
    """Send the outbox to the mailbox; the token of the last link delivered."""
    settings = mail_settings(context.settings, box)
    NotifyService(ServiceContext(context.database, context.clock, settings)).run("root")
    found = LINK.search(box.messages[-1].get_content())
    assert found, box.messages[-1].get_content()
    return found.group(1)


def test_a_link_reaches_the_mailbox_and_signs_in_once(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    ctx = server(context)
    sent = SignInService(ctx).request_link("  Alice@Example.ac.uk ")
    assert (sent.email, sent.username) == ("alice@example.ac.uk", "alice")
    token = deliver(ctx, mailbox)
    assert mailbox.messages[-1]["To"] == "alice@example.ac.uk"
    started = SignInService(ctx).redeem_link(token, user_agent="Chromium")
    assert SessionsService(ctx).check(started.secret).username == "alice"
    with pytest.raises(RefusedError, match=r"has been used already; ask for a new one"):
        SignInService(ctx).redeem_link(token)
    with ctx.database.readonly() as s:
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {"sign_in.link_sent", "sign_in.link_used", "session.start"} <= actions


def test_an_expired_or_unknown_link_is_refused(
    context: ServiceContext, world: World, mailbox: Mailbox, clock: FrozenClock
) -> None:
    ctx = server(context, email_link_minutes=10)
    SignInService(ctx).request_link("bob@example.ac.uk")
    token = deliver(ctx, mailbox)
    clock.advance(minutes=10)
    with pytest.raises(RefusedError, match=r"expired at Mon 16 Mar 2026 09:10 GMT"):
        SignInService(ctx).redeem_link(token)
    for forged in ("A" * 43, token[:-1] + ("A" if token[-1] != "A" else "B"), "<script>"):
        with pytest.raises(RefusedError, match=r"is not one equipshare sent"):
            SignInService(ctx).redeem_link(forged)


def test_links_are_rate_limited_per_address(
    context: ServiceContext, world: World, clock: FrozenClock
) -> None:
    ctx = server(context, email_links_per_hour=2)
    service = SignInService(ctx)
    service.request_link("carol@example.ac.uk")
    clock.advance(minutes=5)
    service.request_link("carol@example.ac.uk")
    with pytest.raises(RefusedError, match=r"2 sign-in links in the last hour.*after .* 10:00 GMT"):
        service.request_link("CAROL@example.ac.uk")
    service.request_link("dave@example.ac.uk")  # another address has its own allowance
    clock.advance(minutes=56)
    service.request_link("carol@example.ac.uk")


@pytest.mark.parametrize(
    "text", ["", "alice", "a@b", "a b@example.ac.uk", "x@" + "a" * 330 + ".uk"]
)
def test_an_address_that_is_none_is_refused_naming_the_field(
    context: ServiceContext, world: World, text: str
) -> None:
    with pytest.raises(InputError, match=r"^email: not an email address") as refused:
        SignInService(server(context)).request_link(text)
    assert refused.value.field == "email"


def test_an_unknown_address_is_told_whom_to_ask(context: ServiceContext, world: World) -> None:
    with pytest.raises(RefusedError, match=r"no equipshare account uses zed@warwick.ac.uk; ask an"):
        SignInService(server(context)).request_link("zed@warwick.ac.uk")
    give_domain(context, world, "WARWICK", "warwick.ac.uk")
    with pytest.raises(RefusedError, match=r"nowhere.org is no member institution's email domain"):
        SignInService(server(context, create_users=True)).sign_in_verified(
            "zed@nowhere.org", how="proxy"
        )


def test_create_users_makes_a_researcher_at_the_institution_of_the_domain(
    context: ServiceContext, world: World
) -> None:
    give_domain(context, world, "WARWICK", "Warwick.ac.uk")
    ctx = server(context, create_users=True)
    started = SignInService(ctx).sign_in_verified("Alice@warwick.ac.uk", how="oidc")
    assert started.session.username == "alice2"  # alice is taken (by alice@example.ac.uk)
    again = SignInService(ctx).sign_in_verified("alice@warwick.ac.uk", how="oidc")
    assert again.session.user_id == started.session.user_id
    with ctx.database.readonly() as s:
        user = s.scalars(select(User).where(User.username == "alice2")).one()
        created = s.scalars(select(AuditEvent).where(AuditEvent.action == "user.create")).one()
    assert (user.role.value, user.institution_id, user.active) == (
        "researcher",
        world.institutions["WARWICK"],
        True,
    )
    assert created.after is not None and created.after["via"] == "oidc"


def test_a_deactivated_account_is_refused_a_link_and_a_session(
    context: ServiceContext, world: World
) -> None:
    ctx = server(context, create_users=True)
    with pytest.raises(PermissionDenied, match=r"gone for gone@example.ac.uk is deactivated"):
        SignInService(ctx).request_link("gone@example.ac.uk")
    SignInService(ctx).request_link("erin@example.ac.uk")
    set_active(context, world, "erin", False)
    with pytest.raises(PermissionDenied, match=r"erin for erin@example.ac.uk is deactivated"):
        SignInService(ctx).sign_in_verified("erin@example.ac.uk", how="proxy")


def test_a_refused_session_leaves_the_link_unused(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    ctx = with_server(context, base_url="https://equipshare.example.ac.uk", max_sessions_per_user=1)
    SessionsService(ctx).start("alice", how="proxy")
    SignInService(ctx).request_link("alice@example.ac.uk")
    token = deliver(ctx, mailbox)
    with pytest.raises(RefusedError, match=r"already signed in once"):
        SignInService(ctx).redeem_link(token)
    SessionsService(ctx).end_all("alice", "alice")
    assert SignInService(ctx).redeem_link(token).session.username == "alice"


def test_a_link_to_a_new_address_makes_the_account_only_when_redeemed(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    give_domain(context, world, "WARWICK", "warwick.ac.uk")
    ctx = server(context, create_users=True)
    sent = SignInService(ctx).request_link("Zed@warwick.ac.uk")
    assert (sent.email, sent.username) == ("zed@warwick.ac.uk", None)

    def accounts() -> tuple[list[str], list[str]]:
        with ctx.database.readonly() as s:
            made = s.scalars(select(User.username).where(User.email == "zed@warwick.ac.uk"))
            audited = s.scalars(select(AuditEvent.action).where(AuditEvent.action == "user.create"))
            return list(made), list(audited)

    assert accounts() == ([], [])  # asking proves nothing about the address
    token = deliver(ctx, mailbox)
    message = mailbox.messages[-1]
    assert message["To"] == "zed@warwick.ac.uk" and "Hello," in message.get_content()
    assert accounts() == ([], [])
    started = SignInService(ctx).redeem_link(token)
    assert started.session.username == "zed"
    assert accounts() == (["zed"], ["user.create"])
    with ctx.database.readonly() as s:
        user = s.scalars(select(User).where(User.username == "zed")).one()
    assert (user.role.value, user.institution_id) == ("researcher", world.institutions["WARWICK"])


def test_a_link_to_an_unknown_domain_is_refused_before_anything_is_queued(
    context: ServiceContext, world: World, mailbox: Mailbox
) -> None:
    ctx = server(context, create_users=True)
    with pytest.raises(RefusedError, match=r"nowhere.org is no member institution's email domain"):
        SignInService(ctx).request_link("zed@nowhere.org")
    NotifyService(
        ServiceContext(ctx.database, ctx.clock, mail_settings(ctx.settings, mailbox))
    ).run("root")
    assert mailbox.messages == []


def test_a_link_expired_or_used_before_notify_runs_is_not_sent(
    context: ServiceContext, world: World, mailbox: Mailbox, clock: FrozenClock
) -> None:
    give_domain(context, world, "WARWICK", "warwick.ac.uk")
    ctx = server(context, create_users=True, email_link_minutes=10)
    SignInService(ctx).request_link("zed@warwick.ac.uk")
    SignInService(ctx).request_link("bob@example.ac.uk")
    clock.advance(minutes=11)
    notify = NotifyService(
        ServiceContext(ctx.database, ctx.clock, mail_settings(ctx.settings, mailbox))
    )
    delivered = notify.run("root")
    assert mailbox.messages == []
    reasons = {d.username: d.detail for d in delivered.deliveries}
    assert reasons == {
        "(no account yet)": "the sign-in link expired before it could be sent",
        "bob": "the sign-in link expired before it could be sent",
    }
