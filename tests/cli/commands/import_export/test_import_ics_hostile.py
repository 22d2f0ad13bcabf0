"""`equipshare import ics` of a hostile calendar, as a process: refused in one line, exit 2, fast.

Run as a real process with a timeout, because on the code before issue 17 this file made
the command run until the machine ran out of memory: a hang must fail the test, not hold it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support.world import World

CORPUS = Path(__file__).parents[3] / "ical" / "corpus"


def test_an_interval_of_zero_is_refused_in_one_line_with_exit_2(
    database_url: str, world: World, tmp_path: Path
) -> None:
    env = {**os.environ, "EQUIPSHARE_USER": "tech", "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("EQUIPSHARE_DATABASE_URL", None)
    env.pop("EQUIPSHARE_CONFIG", None)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "equipshare", "import", "ics",
         str(CORPUS / "rrule_interval_zero_daily.ics"), "--instrument", "WAR-XPS-01",
         "--dry-run", "--db", database_url],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
    )  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert lines[0].endswith(
        "rrule_interval_zero_daily.ics, line 8: RRULE INTERVAL=0 must be 1 to 1000 "
        "(0 never moves on, and a negative one runs backwards)"
    )
    assert took < 30  # interpreter start and migrations check on a busy machine; not a hang
