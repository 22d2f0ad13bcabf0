"""Fuzzing the TOML loader (issue 17): whatever a config file holds, the outcome is Settings that
keep every bound, or one ConfigError line naming the file; never a traceback, a hang or a
memory blow-up. Each input is held to a few seconds and a few hundred MB."""

from __future__ import annotations

import dataclasses
import gc
import resource
import time
import tracemalloc
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equipshare.config import MAX_CONFIG_BYTES, Settings, load_settings, parse_settings
from equipshare.domain.errors import ConfigError
from equipshare.settings.sections import WEEKDAYS, parse_interval

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (ROOT / "equipshare.toml").read_text(encoding="utf-8")
SECONDS_PER_INPUT = 3.0
MB_PER_INPUT = 200
FUZZ = settings(
    max_examples=300,
    deadline=SECONDS_PER_INPUT * 1000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,  # the same inputs in CI every run; a new find is a new corpus entry
)


# --- the oracle: what any outcome must satisfy ------------------------------------------------


def sections() -> Iterator[tuple[str, Any]]:
    for section in dataclasses.fields(Settings):
        value = getattr(Settings(), section.name)
        if dataclasses.is_dataclass(value):
            yield section.name, value


def assert_within_bounds(loaded: Settings) -> None:
    """Accepted settings keep every declared range and rule the checks promise."""
    for name, defaults in sections():
        for f in dataclasses.fields(defaults):
            value = getattr(getattr(loaded, name), f.name)
            if f.metadata.get("bounds"):
                lowest, highest = f.metadata["bounds"]
                assert lowest <= value <= highest, (name, f.name, value)
            if isinstance(value, str):
                assert len(value) <= f.metadata["longest"]
                assert value.isprintable() or not value, (name, f.name, value)
    assert loaded.feeds.base_url.split(":")[0].lower() in ("http", "https", "webcal")
    for day, intervals in loaded.booking.opening_hours.items():
        assert day in WEEKDAYS
        spans = sorted(parse_interval(i) for i in intervals)
        assert all(a[1] <= b[0] for a, b in pairwise(spans)), spans
        assert all(opens < closes <= 1440 for opens, closes in spans)


def outcome(load: Callable[[], Settings], name: str) -> str:
    """Load once; a refusal must be one ConfigError line naming the file."""
    try:
        loaded = load()
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(f"{name}: "), message
        assert message.isprintable(), message  # one line, no escape sequences
        assert len(message) < 600, message
        assert exc.exit_code == 2
        return "refused"
    assert_within_bounds(loaded)
    return "accepted"


@contextmanager
def bounded(what: str) -> Iterator[None]:
    """Fail past SECONDS_PER_INPUT of CPU or MB_PER_INPUT allocated at the peak.

    CPU time, not wall time, so a loaded machine does not fail a linear parse.
    """
    tracemalloc.start()
    started = time.process_time()
    try:
        yield
    finally:
        took = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert took < SECONDS_PER_INPUT, f"{what}: {took:.1f} s"
    assert peak < MB_PER_INPUT, f"{what}: {peak:.0f} MB"


def resident_mb() -> float:
    """The memory the process holds now, after a collection.

    Not the peak (`ru_maxrss`): in an xdist worker that high-water mark also rises with
    whatever ran before or beside this file, and it failed a run at 202 MB of growth.
    Each input's own peak is bounded by `bounded`; this looks for what stays behind.
    """
    gc.collect()
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


@pytest.fixture(autouse=True)
def no_unbounded_growth() -> Iterator[None]:
    """Across a whole property run the process keeps less than one input's budget more."""
    before = resident_mb()
    yield
    assert resident_mb() - before < MB_PER_INPUT


# --- documents of the right shape, with values anywhere --------------------------------------


def toml_string(text: str) -> str:
    escaped = "".join(
        f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else "\\" + c if c in '"\\' else c
        for c in text
    )
    return f'"{escaped}"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(tables: dict[str, dict[str, Any]]) -> str:
    lines = []
    for table, keys in tables.items():
        lines.append(f"[{table}]")
        lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


junk = st.recursive(
    st.booleans() | st.floats(allow_nan=True) | st.text(max_size=20) | st.integers(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
clock = st.builds("{:02d}:{:02d}".format, st.integers(0, 26), st.sampled_from([0, 15, 30, 59, 60]))
interval = st.builds("{}-{}".format, clock, clock) | st.text(max_size=12)
urls = st.builds(
    "{}://{}{}".format,
    st.sampled_from(["http", "https", "webcal", "HTTPS", "javascript", "ftp", "file", ""]),
    st.sampled_from(["feeds.example.org", "", "[::1]:8080", "a b", "x:99999", "u:p@h", "h"]),
    st.sampled_from(["", "/", "/path", "/?q=1", "#f"]),
)


def value_for(f: dataclasses.Field[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right type with values near and far outside the range, sometimes junk."""
    kind = f.type
    if kind == "int":
        lowest, highest = f.metadata["bounds"]
        right: st.SearchStrategy[Any] = st.one_of(
            st.integers(lowest - 2, lowest + 2),
            st.integers(highest - 2, highest + 2),
            st.integers(lowest, highest),
            st.integers(-(2**70), 2**70),
        )
    elif kind == "bool":
        right = st.booleans()
    elif kind == "str" and f.name == "base_url":
        right = urls
    elif kind == "str":
        right = st.text(max_size=250) | st.sampled_from(["Europe/London", "UTC", "x@y.org"])
    elif kind == "tuple[str, ...]":  # proxy addresses, scopes
        right = st.lists(
            st.sampled_from(["127.0.0.1", "10.0.0.0/24", "::1", "openid", "10.0.0.0/99"])
            | st.text(max_size=20),
            max_size=4,
        )
    else:  # opening hours
        right = st.dictionaries(
            st.sampled_from([*WEEKDAYS, "funday"]), st.lists(interval, max_size=4), max_size=7
        )
    return st.one_of(right, right, right, junk)


@st.composite
def shaped_documents(draw: st.DrawFn) -> str:
    tables: dict[str, dict[str, Any]] = {}
    for name, defaults in sections():
        if not draw(st.booleans()):
            continue
        chosen = draw(st.lists(st.sampled_from(dataclasses.fields(defaults)), unique=True))
        tables[name] = {f.name: draw(value_for(f)) for f in chosen}
        if draw(st.integers(0, 9)) == 0:
            tables[name][draw(st.text(min_size=1, max_size=8))] = draw(junk)
    return toml_document(tables)


@FUZZ
@given(text=shaped_documents())
def test_documents_of_the_right_shape_are_bounded_or_refused(text: str) -> None:
    outcome(lambda: parse_settings(text, Path("fuzz.toml")), "fuzz.toml")


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_are_refused_in_one_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bytes.toml"
    path.write_bytes(data)
    outcome(lambda: load_settings(path, environ={}), str(path))


@FUZZ
@given(
    seed=st.sampled_from([SAMPLE, "[booking.opening_hours]\nmon = ['09:00-12:00']\n"]),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 40), st.text(max_size=8) | st.just("[" * 64)),
        min_size=1,
        max_size=6,
    ),
)
def test_the_sample_file_mutated_is_bounded_or_refused(
    seed: str, edits: list[tuple[float, int, str]]
) -> None:
    text = seed
    for where, cut, insert in edits:  # delete `cut` characters at `where`, then insert
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut :]
    outcome(lambda: parse_settings(text, Path("mutant.toml")), "mutant.toml")


# --- a corpus of known-hostile files, each held to the budget ---------------------------------

CORPUS: dict[str, Callable[[], bytes]] = {
    "50,000 nested arrays": lambda: b"x = " + b"[" * 50_000,
    "50,000 nested inline tables": lambda: b"x = " + b"{a=" * 50_000,
    "nested arrays under a real key": lambda: b"[booking]\nslot_minutes = " + b"[" * 50_000,
    "dotted key 100,000 deep": lambda: b"[booking]\nslot_minutes" + b".a" * 100_000 + b" = 1\n",
    "quoted dotted key 40,000 deep": lambda: b"[booking]\n" + b'"a".' * 40_000 + b'"a" = 1\n',
    "dotted table header 100,000 deep": lambda: b"[" + b"a." * 100_000 + b"a]\n",
    "a number of 4301 digits": lambda: b"[feeds]\ndays_ahead = " + b"9" * 4301 + b"\n",
    "a number of 200,000 digits": lambda: b"[feeds]\ndays_ahead = " + b"9" * 200_000 + b"\n",
    "a string of 200 KB": lambda: b'[organisation]\nname = "' + b"n" * 200_000 + b'"\n',
    "a list of 15,000 intervals": lambda: (
        b"[booking.opening_hours]\nmon = [" + b'"09:00-10:00",' * 15_000 + b"]\n"
    ),
    "15,000 keymap entries": lambda: (
        b"[keymap]\n" + b"".join(b'"a.b%d" = "x"\n' % i for i in range(15_000))
    ),
    "20,000 tables": lambda: b"".join(b"[t%d]\n" % i for i in range(20_000)),
    "a header repeated 20,000 times": lambda: b"[[booking]]\n" * 20_000,
    "one byte over the cap": lambda: b"#" * (MAX_CONFIG_BYTES + 1),
    "NUL bytes": lambda: b"[organisation]\x00\nname = 'x\x00'\n",
    "a lone surrogate escape": lambda: b'[organisation]\nname = "\\ud800"\n',
    "invalid UTF-8 in a comment": lambda: b"# \xc3\x28\n[feeds]\n",
    "UTF-16 with its byte order mark": lambda: "[feeds]\ndays_ahead = 1\n".encode("utf-16"),
    "CR line endings only": lambda: b"[feeds]\rdays_ahead = 10\r",
    "a table redefined": lambda: b"[feeds]\ndays_ahead = 1\n[feeds]\ndays_back = 1\n",
    "an array of tables for a table": lambda: b"[[booking]]\nslot_minutes = 30\n",
    "a date for a number": lambda: b"[feeds]\ndays_ahead = 2024-01-01T00:00:00Z\n",
    "inf and nan for numbers": lambda: b"[feeds]\ndays_ahead = inf\ndays_back = nan\n",
    "escape sequences in a key": lambda: b'"\\u001b[2J\\u001b]0;owned\\u0007" = 1\n',
    "a terminal escape in a value": lambda: b'[tui]\ntheme = "\\u001b[31m"\n',
    "every weekday overlapping": lambda: (
        b"[booking.opening_hours]\n"
        + b"".join(b'%s = ["00:00-24:00", "12:00-13:00"]\n' % d.encode() for d in WEEKDAYS)
    ),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_the_corpus_is_refused_within_budget(tmp_path: Path, name: str) -> None:
    path = tmp_path / "corpus.toml"
    path.write_bytes(CORPUS[name]())
    with bounded(name):
        result = outcome(lambda: load_settings(path, environ={}), str(path))
    assert result == "refused", name


def test_the_shape_strategy_reaches_both_outcomes() -> None:
    """A fuzzer that only ever hits the first type check tests little: check it gets through."""
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(text=shaped_documents())
    def sample(text: str) -> None:
        seen.add(outcome(lambda: parse_settings(text, Path("f.toml")), "f.toml"))

    sample()
    assert seen == {"accepted", "refused"}


def test_fields_are_of_the_kinds_the_fuzzer_knows() -> None:
    """A new kind of setting needs a strategy above before the fuzzer can cover it."""
    kinds = {f.type for _, defaults in sections() for f in dataclasses.fields(defaults)}
    known = {"int", "bool", "str", "tuple[str, ...]", "Mapping[str, tuple[str, ...]]"}
    assert kinds <= known, kinds
    assert typing.get_type_hints(Settings)["keymap"] is not None
