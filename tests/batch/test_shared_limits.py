"""Two real `grader batch` runs — two coordinators, two cohorts, two output folders — calling
the same endpoint with the same key: together they stay within `--rpm`, because their windows
are counted in one SQLite file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.batch.conftest import DELIVERABLE, MakeCohort, llm_env, start_batch_cli
from tests.llm.openai_server import Logged, OpenAIServer

RPM, MINUTE = 12, 1.5
"""A compressed minute (the hidden --period): 48 calls take four windows at least."""
TAG = re.compile(r"\(dossier \w+-(\d+)\)")


def _cohort_of(entry: Logged) -> str:
    match = TAG.search(entry.text)
    assert match, "every request carries its candidate's mark"
    return "a" if int(match.group(1)) < 6 else "b"


def test_two_runs_on_one_endpoint_share_the_requests_per_minute(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer) -> None:
    server.latency = 0.05
    first = make_cohort(12)
    second = tmp_path / "second"
    second.mkdir()
    for path in sorted(first.glob("*.md"))[6:]:
        shutil.move(path, second / path.name)
    env = {**llm_env(server), "GRADER_LIMITS_DB": str(tmp_path / "limits.sqlite")}
    runs = [start_batch_cli(folder, "--deliverable", DELIVERABLE, "--out", tmp_path / out,
                            "--backend", "llm", "--workers", "8", "--processes", "1",
                            "--rpm", str(RPM), "--period", str(MINUTE), env=env)
            for folder, out in ((first, "out-a"), (second, "out-b"))]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    assert len(list((tmp_path / "out-a").glob("*.sheet.json"))) == 6
    assert len(list((tmp_path / "out-b").glob("*.sheet.json"))) == 6
    log = server.chat_requests
    assert len(log) == 48 and all(r.status == 200 for r in log)
    assert server.max_in_window(MINUTE) <= RPM
    # The test means something only if the two runs did call at the same time: some window
    # holds requests of both (alone, each would have sent RPM in it).
    times = sorted((r.time, _cohort_of(r)) for r in log)
    assert any({c for t, c in times if start <= t < start + MINUTE} == {"a", "b"}
               for start, _ in times)
