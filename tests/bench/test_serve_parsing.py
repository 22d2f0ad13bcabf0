"""bench_serve's pure parts: /proc memory, terminal text, protocol frames, levels held.

Not timed: these check what the served-app benchmark reads and how it decides a level.
"""

from __future__ import annotations

import json

import pytest

from bench.serve.browser import browser_start, watch_script
from bench.serve.process import Memory, parse_smaps_rollup, parse_stat_cpu
from bench.serve.sessions import Level, highest_held, shown_text, stdin_frame

SMAPS_ROLLUP = """\
55d0c0a00000-7ffd8f1ff000 ---p 00000000 00:00 0                          [rollup]
Rss:               74312 kB
Pss:               62705 kB
Pss_Dirty:         60100 kB
Pss_Anon:          60080 kB
Shared_Clean:      13100 kB
Shared_Dirty:          0 kB
Private_Clean:      1212 kB
Private_Dirty:     60000 kB
Swap:                  0 kB
"""


def test_smaps_rollup_gives_rss_pss_and_private_kilobytes() -> None:
    assert parse_smaps_rollup(SMAPS_ROLLUP) == Memory(rss_kb=74312, pss_kb=62705, private_kb=61212)


def test_text_without_rss_or_pss_is_not_a_rollup() -> None:
    with pytest.raises(ValueError, match="smaps_rollup"):
        parse_smaps_rollup("Name:\tpython\nVmRSS:\t 100 kB\n")


def test_stat_gives_user_plus_system_seconds_whatever_the_command_name() -> None:
    # A command name with spaces and a ")" must not shift the fields after it.
    stat = "4242 (python -m a) b) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 3 0"
    assert parse_stat_cpu(stat, 100) == 3.0


def test_shown_text_drops_colour_cursor_and_title_sequences() -> None:
    output = "\x1b[?25l\x1b[1;1H\x1b[38;2;255;0;0mAST-\x1b[0mAFM-01\x1b]0;equipshare\x07 x\x1bM"
    assert shown_text(output) == "AST-AFM-01 x"


def test_a_key_is_a_stdin_text_frame() -> None:
    assert json.loads(stdin_frame("\x1b[B")) == ["stdin", "\x1b[B"]


def level(count: int, *sessions: tuple[float, ...]) -> Level:
    return Level(count, sessions, (), (), (), 0, 0, 0.0)


def test_a_level_is_held_only_when_every_key_of_every_session_is_under_the_limit() -> None:
    quick = level(2, (0.010, 0.020), (0.030, 0.040))
    one_slow = level(3, (0.010, 0.020), (0.030, 0.040), (0.050, 0.120))
    assert quick.held(0.1) and not one_slow.held(0.1)
    assert quick.slowest_session == 0.040
    assert quick.p(0.5) == 0.020
    assert one_slow.p(0.95) == 0.120  # the nearest rank of 6 keys' 95th is the slowest
    # 40 keys, one slow: 95% are quick, but that session did not answer in time.
    one_slow_of_forty = level(4, (0.120,) + (0.010,) * 9, *[(0.010,) * 10] * 3)
    assert one_slow_of_forty.p(0.95) == 0.010 and not one_slow_of_forty.held(0.1)
    levels = [level(1, (0.005,)), quick, one_slow, one_slow_of_forty]
    assert highest_held(levels, 0.1) == 2
    assert highest_held(levels, 0.1, p95=True) == 4
    assert highest_held([one_slow], 0.1) == 0


def test_browser_steps_count_from_the_end_of_the_sign_in_response() -> None:
    times = {"signedIn": 40.0, "loaded": 200.0, "opened": 400.0, "firstByte": 1300.0,
             "arrived": 1800.0, "painted": 2100.0}  # fmt: skip
    start = browser_start(times)
    assert (start.signing_in, start.page_loaded, start.catalogue_painted) == (40.0, 160.0, 2060.0)


def test_the_page_script_carries_the_marker_and_pattern_as_json() -> None:
    script = watch_script('AST-"AFM"-01')
    assert json.dumps('AST-"AFM"-01') in script
    assert "window.WebSocket = function" in script
