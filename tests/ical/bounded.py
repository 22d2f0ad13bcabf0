"""Running a reader on one hostile input at a time, in a worker process, within a budget.

A reader that hangs or eats memory would take the test run with it, so it runs in a
spawned process whose CPU time per input is held to a budget (it is killed if it hangs), whose
address space is capped, and which measures each input's peak resident memory (Linux's
VmHWM, reset before each input; tracemalloc would slow dateutil tenfold and miss C).
Any reader of untrusted bytes can use it: `target` is "module:function", a function of
the bytes that returns a short summary or raises an EquipshareError.
"""

from __future__ import annotations

import importlib
import multiprocessing
import resource
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from equipshare.domain.errors import EquipshareError

#: The worker's whole address space: a runaway input fails the test, never the machine.
ADDRESS_SPACE = 2 * 1024**3


@dataclass(frozen=True)
class Outcome:
    """What the reader made of one input, and what that cost."""

    refused: str | None  # the one-line refusal, when the reader refused the input
    summary: str  # the reader's summary, when it accepted it
    seconds: float
    peak_mb: float


class BoundedWorker:
    """A worker process running `target` on each input: over budget, a traceback, fail."""

    def __init__(self, target: str, *, seconds: float = 5.0, megabytes: float = 300) -> None:
        self.target = target
        self.seconds = seconds
        self.megabytes = megabytes
        self._context = multiprocessing.get_context("spawn")
        self._process: Any = None
        self._conn: Connection | None = None

    def _start(self) -> Connection:
        if self._conn is None:
            mine, theirs = self._context.Pipe()
            self._process = self._context.Process(
                target=_serve, args=(theirs, self.target), daemon=True
            )
            self._process.start()
            theirs.close()
            self._conn = mine
            kind, text, *_ = self._receive(mine, 60.0, "starting")  # imports on a busy machine
            assert kind == "ready", text
        return self._conn

    def run(self, data: bytes, *, seconds: float | None = None) -> Outcome:
        """The reader's outcome on `data`; AssertionError if it hangs, bloats or crashes."""
        budget = self.seconds if seconds is None else seconds
        conn = self._start()
        conn.send_bytes(data)
        # The budget is the worker's CPU time; the wall clock only kills a worker that hangs,
        # with room for a machine running other work.
        kind, text, took, peak = self._receive(conn, budget * 10 + 30, _describe(data))
        peak_mb = peak / 1024**2
        what = _describe(data)
        assert kind != "crash", f"{what}: a traceback, not a refusal:\n{text}"
        assert kind != "memory", f"{what}: MemoryError within the {ADDRESS_SPACE >> 30} GB cap"
        assert took <= budget, f"{what}: took {took:.1f} s of CPU (budget {budget} s)"
        grew = f"{what}: resident memory grew {peak_mb:.0f} MB (budget {self.megabytes} MB)"
        assert peak_mb <= self.megabytes, grew
        if kind == "refused":
            assert "\n" not in text and text.strip(), f"{what}: refusal not one line: {text!r}"
            return Outcome(text, "", took, peak_mb)
        return Outcome(None, text, took, peak_mb)

    def _receive(self, conn: Connection, budget: float, what: str) -> tuple[str, str, float, int]:
        if not conn.poll(budget):
            self.close()
            raise AssertionError(f"{what}: still running after {budget} s; killed")
        try:
            message: tuple[str, str, float, int] = conn.recv()
        except EOFError:
            code = self._process.exitcode if self._process else None
            self.close()
            raise AssertionError(f"{what}: the worker died (exit {code})") from None
        return message

    def close(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn = None, None


def _describe(data: bytes) -> str:
    head = data[:60].decode("utf-8", "replace").replace("\r\n", " | ")
    return f"input of {len(data):,} bytes ({head!r}...)"


def _serve(conn: Connection, target: str) -> None:
    """The worker: read inputs from `conn` until it closes, answer each with its outcome."""
    module, name = target.split(":")
    reader: Callable[[bytes], str] = getattr(importlib.import_module(module), name)
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    conn.send(("ready", "", 0.0, 0))
    while True:
        try:
            data = conn.recv_bytes()
        except EOFError:
            return
        before = _reset_peak()
        started = time.process_time()  # CPU time: a busy machine must not fail an input
        try:
            kind, text = "ok", reader(data)
        except EquipshareError as exc:
            kind, text = "refused", str(exc)
        except MemoryError:
            kind, text = "memory", ""
        except Exception:
            kind, text = "crash", traceback.format_exc()
        took = time.process_time() - started
        conn.send((kind, text, took, max(0, _peak() - before)))


_STATUS = Path("/proc/self/status")


def _reset_peak() -> int:
    """Reset the peak resident size to the current one (Linux 4.0+); that size, in bytes."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS")


def _peak() -> int:
    return _status("VmHWM")


def _status(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in {_STATUS}")
