"""Fixtures of the batch tests: small cohorts made from the samples' sources (each copy made
unique, so no two share a hash), the local OpenAI-compatible server, and a way to run
`python -m grader.batch` as a real subprocess pointed at it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.llm.openai_server import Logged, OpenAIServer

DELIVERABLE = "a1-cas-entreprise"
"""Four drafted criteria: four model calls per submission."""
FAST_LLM = {"llm": {"timeout": 5.0, "backoff_base": 0.01, "backoff_max": 0.05,
                    "max_attempts": 3, "retry_after_max": 2.0}}

NAMES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"]
MakeCohort = Callable[..., Path]


@pytest.fixture(autouse=True)
def batch_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Work in tmp_path, with a grader.yaml of tiny retry waits for the llm backend."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "grader.yaml").write_text(json.dumps(FAST_LLM), encoding="utf-8")


@pytest.fixture
def make_cohort(tmp_path: Path) -> MakeCohort:
    def make(n: int, name: str = "cohort", deliverable: str = DELIVERABLE) -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        base = (REPO / "samples" / "src" / f"{deliverable}.md").read_text(encoding="utf-8")
        for i in range(n):
            # A mark of its own in every paragraph: no two candidates' requests alike.
            tag = f"(dossier {NAMES[i % len(NAMES)]}-{i})"
            text = "\n".join(f"{line} {tag}" if line[:1].isalpha() else line
                             for line in base.splitlines())
            (folder / f"candidat-{i:02d}.md").write_text(text + "\n", encoding="utf-8")
        return folder

    return make


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as srv:
        yield srv


def llm_env(srv: OpenAIServer) -> dict[str, str]:
    return {"OPENAI_BASE_URL": srv.base_url, "OPENAI_API_KEY": "test",
            "GRADER_MODEL": "test-model"}


@pytest.fixture
def use_server(monkeypatch: pytest.MonkeyPatch) -> Callable[[OpenAIServer], None]:
    """Point in-process runs (and their worker processes) at `srv`."""

    def point(srv: OpenAIServer) -> None:
        for key, value in llm_env(srv).items():
            monkeypatch.setenv(key, value)

    return point


def batch_cmd(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "grader.batch", *map(str, args), "--no-progress"]


def run_batch_cli(*args: str | Path, env: dict[str, str] | None = None,
                  cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(batch_cmd(*args), capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=cwd)


def start_batch_cli(*args: str | Path, env: dict[str, str] | None = None,
                    cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(batch_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})}, cwd=cwd)


def _complete(raw: bytes | str) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


def repeated_after_return(log: list[Logged], kills: tuple[float, ...] = (),
                          grace: float = 0.0) -> list[str]:
    """Requests sent again after an identical one had been answered (200, fully sent).

    An answer completed less than `grace` seconds before one of the `kills` (monotonic times)
    is excused: the client may have died between the server's last byte and its own journal
    write — a window of a few milliseconds that only a kill at a random moment can hit."""
    from grader.batch.journal import call_key

    answered: dict[str, float] = {}
    repeats = []
    for entry in sorted(log, key=lambda e: e.time):
        if not _complete(entry.raw):
            # The client was killed while sending this request: the server got a truncated
            # body that is no call of the run: it can be neither an answer nor a repeat.
            continue
        key = call_key(entry.raw)
        if key in answered and entry.time > answered[key]:
            done = answered[key]
            if not any(k - grace <= done <= k for k in kills):
                repeats.append(key)
        if entry.status == 200 and entry.done is not None:
            answered[key] = entry.done
    return repeats
