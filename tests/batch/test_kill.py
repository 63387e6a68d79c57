"""Kill a real `grader batch` with SIGKILL before, during and after its model calls, and at
arbitrary moments, then start it again: every submission gets exactly one whole sheet, the
local server never sees a call repeated once it had been answered, no partial file remains,
and the worker processes do not outlive their parent."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.batch.state import STATE_FILE, State
from grader.sheet.store import read_sheet
from tests.batch.conftest import (
    DELIVERABLE,
    MakeCohort,
    llm_env,
    repeated_after_return,
    run_batch_cli,
    start_batch_cli,
)
from tests.llm.openai_server import OpenAIServer

N, CRITERIA, LATENCY = 6, 4, 0.25


@pytest.fixture
def slow_server() -> OpenAIServer:
    with OpenAIServer(latency=LATENCY) as srv:
        yield srv  # type: ignore[misc]


def _args(folder: Path, out: Path) -> list[str | Path]:
    return [folder, "--deliverable", DELIVERABLE, "--out", out, "--backend", "llm",
            "--workers", "4", "--processes", "1"]


def _wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "the batch never reached the point to kill it at"
        time.sleep(0.01)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _journaled(out: Path) -> int:
    """Answers the batch has written down (its call journal), read while it runs (WAL)."""
    try:
        with sqlite3.connect(out / STATE_FILE, timeout=5) as con:
            return int(con.execute("SELECT COUNT(*) FROM calls").fetchone()[0])
    except sqlite3.Error:
        return 0


def _answered(srv: OpenAIServer) -> int:
    return sum(r.done is not None for r in srv.chat_requests)


def _kill(proc: subprocess.Popen[str]) -> float:
    """SIGKILL the batch (not its workers) and return when it happened (monotonic)."""
    workers = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    killed = time.monotonic()
    proc.communicate(timeout=10)
    _wait_for(lambda: not any(_alive(w) for w in workers), timeout=15)
    return killed


def _finish(folder: Path, out: Path, srv: OpenAIServer) -> subprocess.CompletedProcess[str]:
    result = run_batch_cli(*_args(folder, out), env=llm_env(srv))
    assert result.returncode == 0, result.stderr
    return result


def _check(folder: Path, out: Path, srv: OpenAIServer, kills: tuple[float, ...] = (),
           grace: float = 0.0) -> None:
    stems = sorted(p.stem for p in folder.glob("*.md"))
    sheets = sorted(p.name for p in out.glob("*.sheet.json"))
    assert sheets == [f"{s}.sheet.json" for s in stems]  # exactly one per submission
    for stem in stems:
        sheet = read_sheet(out / f"{stem}.sheet.json")  # whole, valid JSON
        assert sheet.submission.file == f"{stem}.md"
        assert (out / f"{stem}.md").is_file() and (out / f"{stem}.docx").is_file()
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    state = State(out)
    try:
        assert {r.status for r in state.rows()} == {"done"}
    finally:
        state.close()
    assert repeated_after_return(srv.log, kills, grace) == []
    assert (out / "cohort.csv").is_file()


def test_killed_before_any_model_call(make_cohort: MakeCohort, tmp_path: Path,
                                      slow_server: OpenAIServer) -> None:
    folder, out = make_cohort(N), tmp_path / "out"
    proc = start_batch_cli(*_args(folder, out), env=llm_env(slow_server))
    _wait_for(lambda: (out / STATE_FILE).exists())
    _kill(proc)
    assert not slow_server.chat_requests
    _finish(folder, out, slow_server)
    _check(folder, out, slow_server)
    assert len(slow_server.chat_requests) == N * CRITERIA


def test_killed_while_calls_are_in_flight(make_cohort: MakeCohort, tmp_path: Path,
                                          slow_server: OpenAIServer) -> None:
    folder, out = make_cohort(N), tmp_path / "out"
    proc = start_batch_cli(*_args(folder, out), env=llm_env(slow_server))
    _wait_for(lambda: _answered(slow_server) >= 6)
    slow_server.pause()  # answers held: the calls now in flight never return
    time.sleep(0.05)  # an answer being written when the gate closed gets out
    _wait_for(lambda: _journaled(out) == _answered(slow_server))  # and reaches the journal
    # Between two rounds nothing may be in flight yet: wait for the next calls to be held.
    _wait_for(lambda: slow_server.in_flight > 0)
    in_flight = slow_server.in_flight
    killed = _kill(proc)
    slow_server.resume()
    assert in_flight > 0
    answered = sum(r.done is not None for r in slow_server.chat_requests)
    _finish(folder, out, slow_server)
    _check(folder, out, slow_server, (killed,))
    # Everything not answered before the kill was asked again, nothing else.
    assert len([r for r in slow_server.chat_requests if r.done]) == N * CRITERIA
    assert answered < N * CRITERIA


def test_killed_after_the_model_calls(make_cohort: MakeCohort, tmp_path: Path,
                                      slow_server: OpenAIServer) -> None:
    folder, out = make_cohort(N), tmp_path / "out"
    proc = start_batch_cli(*_args(folder, out), env=llm_env(slow_server))
    _wait_for(lambda: _journaled(out) == N * CRITERIA)  # every answer written down
    finished_alone = proc.poll() is not None
    _kill(proc) if not finished_alone else proc.communicate()
    _finish(folder, out, slow_server)
    _check(folder, out, slow_server)
    assert len(slow_server.chat_requests) == N * CRITERIA  # the restart asked nothing


def test_killed_again_and_again_at_arbitrary_moments(make_cohort: MakeCohort, tmp_path: Path,
                                                     slow_server: OpenAIServer) -> None:
    folder, out = make_cohort(N), tmp_path / "out"
    kills = []
    for delay in (1.1, 1.6, 0.9, 1.4, 1.2):
        proc = start_batch_cli(*_args(folder, out), env=llm_env(slow_server))
        time.sleep(delay)
        if proc.poll() is not None:
            proc.communicate()
            break
        kills.append(_kill(proc))
    _finish(folder, out, slow_server)
    # An answer the server finished sending in the last 250 ms before a kill may not have
    # been read by the client yet: only such a call may be asked again.
    _check(folder, out, slow_server, tuple(kills), grace=0.25)
    assert len(kills) >= 3
