"""The SSH keys screen (K): the user's own keys listed with when and whence they last signed
in, a pasted key added (a bad one refused beside its field), and one removed after asking."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from equipshare.domain.time.clock import FrozenClock
from equipshare.services.plumbing.context import ServiceContext
from equipshare.services.ssh_keys.service import SshKeysService
from equipshare.tui.app import EquipshareApp
from equipshare.tui.modals.account.ssh_key_form import SshKeyForm
from equipshare.tui.modals.confirm import ConfirmModal
from equipshare.tui.screens.catalogue import CatalogueScreen
from equipshare.tui.screens.help import HelpScreen
from equipshare.tui.screens.ssh_keys import SshKeysScreen
from equipshare.tui.widgets.fitted_table import FittedTable
from tests.support.ssh_keys import ECDSA_P256, ED25519, ED25519_BOB, RSA_1024
from tests.support.world import World
from tests.tui.conftest import click_when_ready, recorded, settle, shown


def rows(screen: SshKeysScreen) -> list[tuple[str, ...]]:
    table = screen.query_one("#ssh-keys-table", FittedTable)
    return [tuple(str(cell) for cell in table.row_values_at(i)) for i in range(table.row_count)]


async def open_keys(app: EquipshareApp, pilot: Pilot[None]) -> SshKeysScreen:
    await settle(pilot, lambda: isinstance(app.screen, CatalogueScreen))
    await pilot.press("escape", "K")  # out of the search box, then the account's keys
    await settle(pilot, lambda: isinstance(app.screen, SshKeysScreen) and app.screen.loaded)
    assert isinstance(app.screen, SshKeysScreen)
    return app.screen


async def submit(pilot: Pilot[None], form: SshKeyForm, line: str, label: str = "") -> None:
    form.query_one("#ssh-key-key", Input).value = line  # as a terminal's paste leaves it
    form.query_one("#ssh-key-label", Input).value = label
    form.query_one("#ssh-key-key", Input).focus()
    await pilot.press("enter")


async def test_k_lists_only_my_keys_with_their_last_sign_in_in_the_zone(
    context: ServiceContext, world: World, clock: FrozenClock
) -> None:
    keys = SshKeysService(context)
    keys.add("alice", ED25519.line, actor="alice")
    keys.add("alice", ECDSA_P256.line, "desk", actor="alice")
    keys.add("bob", ED25519_BOB.line, actor="bob")
    clock.advance(minutes=5)
    keys.sign_in(ED25519.fingerprint, "192.0.2.7")
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(160, 30), message_hook=recorded(app)) as pilot:
        screen = await open_keys(app, pilot)
        assert rows(screen) == [
            ("alice@laptop", "ssh-ed25519", ED25519.fingerprint, "Mon 16 Mar 2026 09:00 GMT",
             "Mon 16 Mar 2026 09:05 GMT from 192.0.2.7"),
            ("desk", "ecdsa-sha2-nistp256", ECDSA_P256.fingerprint, "Mon 16 Mar 2026 09:00 GMT",
             "never"),
        ]  # fmt: skip
        assert "times in Europe/London" in str(screen.query_one("#ssh-keys-status", Static).content)
        detail = screen.query_one("#ssh-keys-detail", Static)
        assert str(detail.content) == (
            f"alice@laptop: ssh-ed25519 {ED25519.fingerprint}\nadded Mon 16 Mar 2026 09:00 GMT; "
            "last used Mon 16 Mar 2026 09:05 GMT from 192.0.2.7"
        )
        screen.query_one("#ssh-keys-table", DataTable).move_cursor(row=1)
        await settle(pilot, lambda: str(detail.content).startswith("desk: "))
        assert str(detail.content).endswith("; last used never")
        await pilot.press("escape")
        assert isinstance(app.screen, CatalogueScreen)
        commands = app.get_system_commands(app.screen)  # type: ignore[arg-type]
        titles = [command.title for command in commands]
        assert "SSH keys" in titles
        await pilot.press("question_mark")  # the help lists the key, with its [keymap] id
        help_screen = await shown(pilot, HelpScreen)
        listed = [(keys, does, id_) for keys, does, _, id_ in help_screen.rows()]
        tip = "The SSH keys that sign you in over ssh: list, add and remove"
        assert ("K", tip, "app.ssh_keys") in listed


async def test_a_pasted_key_is_added_and_a_bad_one_refused_beside_its_field(
    context: ServiceContext, world: World
) -> None:
    keys = SshKeysService(context)
    keys.add("bob", ED25519_BOB.line, actor="bob")
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(120, 30), message_hook=recorded(app)) as pilot:
        screen = await open_keys(app, pilot)
        assert rows(screen) == []
        await pilot.press("n")
        form = await shown(pilot, SshKeyForm)

        await submit(pilot, form, RSA_1024.line)
        await settle(pilot, lambda: form.error_text("key") != "")
        assert form.error_text("key").startswith("public key: an RSA key of 1024 bits")
        await submit(pilot, form, ED25519_BOB.line)  # bob's: refused without naming him
        await settle(pilot, lambda: form.error_text("key") == "this key is already registered")
        await submit(pilot, form, ED25519.line, "x\x1b")
        await settle(pilot, lambda: form.error_text("label") != "")
        assert "control character" in form.error_text("label") and form.error_text("key") == ""
        assert keys.list("alice", actor="alice") == ()

        await submit(pilot, form, ED25519.line, "  work laptop ")
        await settle(pilot, lambda: isinstance(app.screen, SshKeysScreen) and bool(rows(screen)))
        assert rows(screen)[0][:3] == ("work laptop", "ssh-ed25519", ED25519.fingerprint)
        assert f"Added ssh-ed25519 key {ED25519.fingerprint}" in recorded(app).notified(
            "information"
        )
        [added] = keys.list("alice", actor="alice")
        assert added.label == "work laptop"


async def test_a_key_is_removed_only_once_confirmed(context: ServiceContext, world: World) -> None:
    keys = SshKeysService(context)
    keys.add("alice", ED25519.line, actor="alice")
    keys.add("alice", ECDSA_P256.line, "desk", actor="alice")
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(160, 30), message_hook=recorded(app)) as pilot:
        screen = await open_keys(app, pilot)
        screen.query_one("#ssh-keys-table", DataTable).move_cursor(row=1)
        await pilot.press("x")
        question = await shown(pilot, ConfirmModal)
        assert question.question == f"Remove the SSH key 'desk' ({ECDSA_P256.fingerprint})?"
        await pilot.press("escape")  # keep it
        await settle(pilot, lambda: isinstance(app.screen, SshKeysScreen))
        assert len(keys.list("alice", actor="alice")) == 2

        await pilot.press("x")
        await shown(pilot, ConfirmModal)
        await click_when_ready(pilot, "#confirm-go")
        await settle(pilot, lambda: screen.loaded and len(rows(screen)) == 1)
        assert [k.fingerprint for k in keys.list("alice", actor="alice")] == [ED25519.fingerprint]
        assert not keys.still_allowed("alice", ECDSA_P256.fingerprint)
        assert f"Removed the SSH key {ECDSA_P256.fingerprint}" in recorded(app).notified(
            "information"
        )


async def test_enter_on_a_key_says_what_changes_one(context: ServiceContext, world: World) -> None:
    SshKeysService(context).add("alice", ED25519.line, actor="alice")
    app = EquipshareApp(context, "alice")
    async with app.run_test(size=(160, 30), message_hook=recorded(app)) as pilot:
        await open_keys(app, pilot)
        await pilot.press("enter")
        await settle(pilot, lambda: bool(recorded(app).notified("warning")))
        assert recorded(app).notified("warning") == [
            "An SSH key is not changed once added: x removes it, n adds another"
        ]
        assert isinstance(app.screen, SshKeysScreen)
