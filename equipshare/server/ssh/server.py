"""The SSH server: public keys only, the app for a pty and a shell, everything else refused.

A key passes authentication only when it is registered (`is_registered`, as the system);
passwords, keyboard-interactive and host-based authentication are never offered. The key
that proved itself is what the session signs in with; the username the client sent is
logged and ignored. Port forwarding (TCP and Unix, either way), agent and X11 forwarding,
exec and subsystems (sftp) are each refused and logged. One line per sign-in and refusal
goes to the "equipshare.ssh" log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from equipshare.config import Settings
from equipshare.domain.errors import ServerStartError
from equipshare.server.ssh.host_key import fingerprint, load_or_create_host_key
from equipshare.server.ssh.library import asyncssh
from equipshare.server.ssh.session import AppSession, SessionRules
from equipshare.server.ssh.sessions import CHECK_SECONDS, KeyRegistry, SshSessions
from equipshare.server.terminal_apps import AppLaunch

log = logging.getLogger("equipshare.ssh")

LOGIN_SECONDS = 30.0  # a connection that has not authenticated by then is dropped
CLOSE_SECONDS = 2.0


@dataclass(frozen=True)
class SshOptions:
    """Where the server listens and how it treats sessions (from [ssh], or a test's)."""

    host: str
    port: int
    host_key_path: Path
    rules: SessionRules
    per_user: int
    total: int
    check_seconds: float = CHECK_SECONDS

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        launch: AppLaunch,
        *,
        host: str | None = None,
        port: int | None = None,
    ) -> SshOptions:
        """[ssh] as it says, or at `host`/`port` (`serve --ssh-only --host/--port`)."""
        ssh = settings.ssh
        return cls(
            host=host or ssh.host,
            port=ssh.port if port is None else port,
            host_key_path=ssh.host_key_path,
            rules=SessionRules(launch=launch, idle_seconds=ssh.idle_minutes * 60.0),
            per_user=ssh.max_sessions_per_user,
            total=ssh.max_sessions,
        )


class KeyConnection(asyncssh.SSHServer):
    """One client connection: who it proved to be, and what it may open."""

    def __init__(self, server: SshServer) -> None:
        self._server = server
        self._conn: asyncssh.SSHServerConnection | None = None
        self.address = ""
        self.fingerprint = ""  # of the key that proved itself; set once, at authentication
        self._authenticated = False

    @property
    def who(self) -> str:
        return f"key {self.fingerprint or '(none)'} from {self.address or 'an unknown address'}"

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername")
        self.address = str(peer[0]) if peer else ""
        self._server.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._server.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True  # every connection must authenticate

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """Only a registered key; asyncssh checks the signature after this says yes."""
        if self._authenticated:
            return False
        offered = str(key.get_fingerprint("sha256"))
        registry = self._server.registry
        try:
            known = await asyncio.to_thread(registry.is_registered, offered)
        except Exception:
            log.exception("ssh: could not look up key %s from %s", offered, self.address)
            return False
        if not known:
            log.info("ssh: refused unregistered key %s from %s", offered, self.address)
            return False
        self.fingerprint = offered  # the last key said yes to is the one that signs
        return True

    def auth_completed(self) -> None:
        self._authenticated = True

    def session_requested(self) -> AppSession:
        server = self._server
        return AppSession(self, server.registry, server.sessions, server.options.rules)

    def connection_requested(
        self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
    ) -> bool:
        log.info("ssh: refused forwarding to %s:%d for %s", dest_host, dest_port, self.who)
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        log.info("ssh: refused remote forwarding of port %d for %s", listen_port, self.who)
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        log.info("ssh: refused forwarding to a Unix socket for %s", self.who)
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        log.info("ssh: refused remote forwarding of a Unix socket for %s", self.who)
        return False


class SshServer:
    """A listening SSH server, its connections and its sessions."""

    def __init__(self, options: SshOptions, registry: KeyRegistry) -> None:
        self.options = options
        self.registry = registry
        self.sessions = SshSessions(
            registry,
            per_user=options.per_user,
            total=options.total,
            check_seconds=options.check_seconds,
        )
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._sweeping: contextlib.AbstractAsyncContextManager[None] | None = None

    @property
    def port(self) -> int:
        assert self._acceptor is not None
        return self._acceptor.get_port()

    async def start(self) -> None:
        """Listen; a ServerStartError line if the host key or the address will not do."""
        options = self.options
        host_key = await asyncio.to_thread(load_or_create_host_key, options.host_key_path)
        try:
            self._acceptor = await asyncssh.create_server(
                lambda: KeyConnection(self), options.host, options.port, **_server_options(host_key)
            )
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ServerStartError(
                f"cannot listen for SSH on {options.host}:{options.port}: {reason}"
            ) from None
        self._sweeping = self.sessions.sweeping()
        await self._sweeping.__aenter__()
        log.info(
            "ssh: listening on %s:%d, host key %s", options.host, self.port, fingerprint(host_key)
        )

    async def stop(self) -> None:
        """Stop listening, end every app (each within its timeouts), close every connection."""
        if self._acceptor is not None:
            self._acceptor.close()
        if self._sweeping is not None:
            await self._sweeping.__aexit__(None, None, None)
            self._sweeping = None
        # A client leaves by itself once its session has closed, having shown the last
        # words; closing under it first could drop them. The rest are closed for it.
        await self._connections_closed()
        for conn in list(self.connections):
            conn.close()
        await self._connections_closed()
        if self._acceptor is not None:
            await self._acceptor.wait_closed()
            self._acceptor = None

    async def _connections_closed(self) -> None:
        """Until every connection has closed, or CLOSE_SECONDS have passed."""
        waits = [conn.wait_closed() for conn in list(self.connections)]
        if waits:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waits), CLOSE_SECONDS)


def _server_options(host_key: asyncssh.SSHKey) -> dict[str, Any]:
    """Raw bytes both ways, no line editor, and nothing but public keys and sessions."""
    return {
        "server_host_keys": [host_key],
        "config": None,  # no sshd_config is read
        "encoding": None,
        "line_editor": False,
        "password_auth": False,
        "kbdint_auth": False,
        "host_based_auth": False,
        "gss_host": None,
        "agent_forwarding": False,
        "x11_forwarding": False,
        "allow_scp": False,
        "sftp_factory": None,
        "login_timeout": LOGIN_SECONDS,
        "keepalive_interval": 30,
        "keepalive_count_max": 4,
    }
