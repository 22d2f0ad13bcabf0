"""`python -m equipshare.tui.served`: the terminal app as `equipshare serve` starts it per browser.

The user is the one the server signed in and put in $EQUIPSHARE_SERVED_USER; this entry takes
no arguments (so no `--as`) and never reads $EQUIPSHARE_USER, so nothing typed in the browser
can change who the app acts as. Run by hand it trusts its environment exactly as the CLI does:
whoever holds the database credentials is trusted (see the README's trust boundary).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

SERVED_USER_ENV = "EQUIPSHARE_SERVED_USER"  # the same name as server/terminal_apps.py sets


def served_username(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The user to serve, or SystemExit with one line saying why not."""
    if argv:
        raise SystemExit(
            "equipshare.tui.served takes no arguments (not even --as): "
            f"the server names the user in ${SERVED_USER_ENV}"
        )
    username = environ.get(SERVED_USER_ENV, "")
    if not username.strip():
        raise SystemExit(f"equipshare.tui.served: ${SERVED_USER_ENV} is not set")
    return username


def main(argv: Sequence[str] | None = None) -> None:
    """Open the app for the served user on the configured database."""
    username = served_username(sys.argv[1:] if argv is None else argv, os.environ)
    from equipshare.config import load_settings
    from equipshare.domain.errors import EquipshareError
    from equipshare.services.identity.service import IdentityService
    from equipshare.services.plumbing.context import ServiceContext
    from equipshare.tui.app import EquipshareApp

    try:
        context = ServiceContext.open(load_settings())
    except EquipshareError as exc:
        raise SystemExit(f"equipshare.tui.served: {exc}") from None
    try:
        actor = IdentityService(context).acting_username(username, None)
        EquipshareApp(context, actor).run()
    except EquipshareError as exc:
        raise SystemExit(f"equipshare.tui.served: {exc}") from None
    finally:
        context.close()


if __name__ == "__main__":
    main()
