"""`--via openai-batch` against the local server's /v1/files and /v1/batches: requests written
as JSONL, uploaded, polled, downloaded, and turned into the same verified sheets; resumable
across invocations, and a batch created by an interrupted run is found again, not paid twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.batch.options import BatchOptions
from grader.batch.runner import resume_batch, run_batch
from grader.batch.state import State
from grader.errors import GraderError
from tests.batch.conftest import DELIVERABLE, MakeCohort, llm_env, run_batch_cli
from tests.llm.openai_server import OpenAIServer

PointAt = Callable[[OpenAIServer], None]


def _options(folder: Path, out: Path, **extra: object) -> BatchOptions:
    return BatchOptions(source=folder, out=out, deliverable=DELIVERABLE, backend="llm",
                        via="openai-batch", processes=1, poll_interval=0.05,
                        **extra)  # type: ignore[arg-type]


def test_submit_then_resume_builds_verified_sheets_without_a_live_call(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer,
        use_server: PointAt) -> None:
    use_server(server)
    server.batch_delay = 0.5
    folder, out = make_cohort(3), tmp_path / "out"
    first = run_batch(_options(folder, out, wait=False))
    assert first.waiting and "--resume" in first.waiting
    assert not list(out.glob("*.sheet.json"))
    lines = (out / "openai-batch" / "requests-1.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 3 * 4
    request = json.loads(lines[0])
    assert request["method"] == "POST" and request["url"] == "/v1/chat/completions"
    assert request["body"]["model"] == "test-model" and request["body"]["tools"]
    (batch,) = server.batches.values()
    assert batch["metadata"]["grader_chunk"] == "1"
    report = resume_batch(out, {"wait": True})
    assert len(report.done) == 3 and report.waiting is None
    assert server.chat_requests == []  # every answer came from the batch engine
    assert len(server.batch_log) == 12
    for sheet_path in out.glob("*.sheet.json"):
        sheet = json.loads(sheet_path.read_text("utf-8"))
        drafts = [c["draft"] for c in sheet["criteria"] if c["mode"] == "draft"]
        assert all(d["level"] is not None for d in drafts)
        assert all(e["verified"] for d in drafts for e in d["evidence"])
    assert report.totals["input_tokens"] > 0 and (out / "cohort.csv").is_file()


def test_the_same_cohort_gives_the_same_levels_live_or_through_the_batch_engine(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer,
        use_server: PointAt) -> None:
    use_server(server)
    folder = make_cohort(2)
    run_batch(_options(folder, tmp_path / "batch"))
    live = BatchOptions(source=folder, out=tmp_path / "live", deliverable=DELIVERABLE,
                        backend="llm", processes=1)
    run_batch(live)

    def levels(out: Path) -> list[tuple[str, int | None]]:
        return [(c["id"], c["draft"]["level"]) for p in sorted(out.glob("*.sheet.json"))
                for c in json.loads(p.read_text("utf-8"))["criteria"] if c["draft"]]

    assert levels(tmp_path / "batch") == levels(tmp_path / "live")


def test_a_batch_created_but_not_recorded_is_adopted_not_created_again(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer,
        use_server: PointAt) -> None:
    use_server(server)
    server.batch_delay = 0.3
    folder, out = make_cohort(2), tmp_path / "out"
    run_batch(_options(folder, out, wait=False))
    state = State(out)  # as if killed between creating the batch and writing down its id
    state.con.execute("UPDATE remote_batches SET batch_id = NULL")
    state.close()
    report = resume_batch(out, {"wait": True})
    assert len(server.batches) == 1 and len(report.done) == 2


def test_the_command_line_resumes_with_the_stored_settings(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer) -> None:
    server.batch_delay = 0.2
    folder, out = make_cohort(2), tmp_path / "out"
    sent = run_batch_cli(folder, "--deliverable", DELIVERABLE, "--out", out, "--backend", "llm",
                         "--via", "openai-batch", "--no-wait", "--poll-interval", "0.05",
                         env=llm_env(server))
    assert sent.returncode == 0, sent.stderr
    assert "--resume" in sent.stdout
    pending = run_batch_cli("--resume", "--out", out, env=llm_env(server))  # still --no-wait
    assert pending.returncode == 0, pending.stderr
    done = run_batch_cli("--resume", "--out", out, "--wait", env=llm_env(server))
    assert done.returncode == 0, done.stderr
    assert len(list(out.glob("*.sheet.json"))) == 2 and not server.chat_requests
    with pytest.raises(GraderError, match="--backend llm"):
        run_batch(BatchOptions(source=folder, out=tmp_path / "o2", deliverable=DELIVERABLE,
                               via="openai-batch"))
