"""Options every command accepts (--db, --config) and the state they resolve to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from equipshare.config import Settings, load_settings

if TYPE_CHECKING:
    from equipshare.services.plumbing.context import ServiceContext

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliState:
    """What the global and per-command options said; the later (per-command) one wins."""

    database_url: str | None = None
    config_path: Path | None = None

    def settings(self) -> Settings:
        return load_settings(self.config_path, self.database_url)

    @contextmanager
    def open(self, *, require_head: bool = True, create: bool = False) -> Iterator[ServiceContext]:
        """The service context for one command, closed when the command ends."""
        from equipshare.services.plumbing.context import ServiceContext

        context = ServiceContext.open(self.settings(), require_head=require_head, create=create)
        try:
            yield context
        finally:
            context.close()


def cli_state(ctx: click.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        cli_state(ctx).database_url = value


def _remember_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        cli_state(ctx).config_path = value


def common_options(func: F) -> F:
    """Add --db and --config; `equipshare --db URL CMD` and `equipshare CMD --db URL` both work."""
    func = click.option(
        "--config",
        type=click.Path(path_type=Path, dir_okay=False),
        expose_value=False,
        is_eager=True,
        callback=_remember_config,
        help="Config file (default: $EQUIPSHARE_CONFIG, ./equipshare.toml, user config dir).",
    )(func)
    func = click.option(
        "--db",
        "database_url",
        metavar="URL",
        expose_value=False,
        is_eager=True,
        callback=_remember_db,
        help="Database URL (sqlite:///demo.db, postgresql://user@host/db) or a SQLite file "
        "path (default: $EQUIPSHARE_DATABASE_URL, then the config file).",
    )(func)
    return func
