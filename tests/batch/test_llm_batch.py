"""The llm backend over a cohort, against the local server: limits that hold whatever the
number of workers, Retry-After for everyone, the server's own rate-limit headers obeyed, an
exhausted backend recorded and retried later."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grader.batch.options import BatchOptions
from grader.batch.runner import run_batch
from grader.rubric.load import load_rubric
from tests.batch.conftest import DELIVERABLE, MakeCohort, repeated_after_return
from tests.llm.openai_server import OpenAIServer, error_reply

PointAt = Callable[[OpenAIServer], None]


@pytest.fixture(autouse=True)
def limits_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The rate windows shared between runs live in the test's folder, not the user's cache."""
    path = tmp_path / "limits.sqlite"
    monkeypatch.setenv("GRADER_LIMITS_DB", str(path))
    return path


def _options(folder: Path, out: Path, **extra: object) -> BatchOptions:
    return BatchOptions(source=folder, out=out, deliverable=DELIVERABLE, backend="llm",
                        processes=2, **extra)  # type: ignore[arg-type]


# A compressed minute: the same limiter, 20 × faster (the real minute was checked by hand:
# GRADER_SLOW_TESTS is not needed, pass period=60 to run_batch to repeat it).
@pytest.mark.parametrize("minute", [3.0])
def test_with_32_workers_and_60_requests_a_minute_the_server_never_sees_more(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer, use_server: PointAt,
        minute: float) -> None:
    use_server(server)
    server.latency = 0.05
    folder = make_cohort(18)  # 72 calls: the limit binds
    report = run_batch(_options(folder, tmp_path / "out", workers=32, rpm=60, period=minute))
    assert len(report.done) == 18
    assert len(server.chat_requests) == 72
    assert server.max_in_window(minute) <= 60
    assert server.max_in_window(minute * 1.5) > 60  # the run did go on past one window


def test_calls_in_flight_never_exceed_the_workers(make_cohort: MakeCohort, tmp_path: Path,
                                                  server: OpenAIServer,
                                                  use_server: PointAt) -> None:
    use_server(server)
    server.latency = 0.2
    report = run_batch(_options(make_cohort(6), tmp_path / "out", workers=5))
    assert len(report.done) == 6
    assert server.peak_in_flight == 5


def test_a_retry_after_pauses_every_call_not_only_the_one_that_got_it(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer,
        use_server: PointAt) -> None:
    use_server(server)
    server.latency = 0.05
    server.enqueue(error_reply(429, "slow down", retry_after="1"))
    report = run_batch(_options(make_cohort(3), tmp_path / "out", workers=4))
    assert len(report.done) == 3
    refused = next(r for r in server.chat_requests if r.status == 429)
    assert refused.done is not None
    # Calls already on their way when the 429 went out are not recalled; after it, nobody
    # calls during the second the server asked for.
    after = sorted(r.time for r in server.chat_requests if r.time > refused.done + 0.01)
    assert after and after[0] - refused.done >= 0.95


def test_the_servers_rate_limit_headers_keep_a_run_within_its_request_budget(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer,
        use_server: PointAt) -> None:
    use_server(server)
    server.latency = 0.05
    server.budget(requests=5, seconds=1.0)  # a 429 to the sixth request of any window
    report = run_batch(_options(make_cohort(4), tmp_path / "out", workers=4))
    assert len(report.done) == 4
    assert len(server.chat_requests) == 16  # three windows at least: the budget did bind
    assert [r.status for r in server.chat_requests] == [200] * 16
    assert server.limits is not None and server.limits.refused == 0


def test_the_servers_token_headers_hold_a_request_that_would_not_fit(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer,
        use_server: PointAt) -> None:
    use_server(server)
    server.latency = 0.05
    server.budget(tokens=12_000, seconds=1.0)  # about three requests of this grid a window
    report = run_batch(_options(make_cohort(3), tmp_path / "out", workers=3))
    assert len(report.done) == 3
    assert [r.status for r in server.chat_requests] == [200] * 12
    assert server.limits is not None and server.limits.refused == 0


def test_without_rpm_or_tpm_no_shared_window_is_kept(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer, use_server: PointAt,
        limits_db: Path) -> None:
    use_server(server)
    report = run_batch(_options(make_cohort(1), tmp_path / "out", workers=4))
    assert len(report.done) == 1
    assert not limits_db.exists()  # nothing shared, nothing opened on the hot path


def test_an_exhausted_backend_fails_the_submission_and_a_rerun_asks_only_what_is_missing(
        make_cohort: MakeCohort, tmp_path: Path, server: OpenAIServer,
        use_server: PointAt) -> None:
    use_server(server)
    folder = make_cohort(2)
    (folder / "vide.md").write_bytes(b"")
    label = load_rubric(DELIVERABLE).draft_criteria[0].label.fr
    server.rules.append((label, error_reply(503, "overloaded")))  # one criterion never answers
    report = run_batch(_options(folder, tmp_path / "out", workers=4))
    assert len(report.failed) == 3 and not report.done  # the run went to the end
    reasons = {r.path: r.reason or "" for r in report.failed}
    assert "503" in reasons["candidat-00.md"] and "vide" in reasons["vide.md"]
    assert not list((tmp_path / "out").glob("candidat-*.sheet.json"))
    first = len(server.chat_requests)
    assert first == 2 * (3 + 3)  # three criteria answered, one tried three times, twice
    server.rules.clear()
    again = run_batch(_options(folder, tmp_path / "out", workers=4))
    assert len(again.done) == 2
    assert len(server.chat_requests) - first == 2  # only the criterion that never answered
    assert repeated_after_return(server.log) == []


def test_tokens_per_submission_and_total_are_reported(make_cohort: MakeCohort, tmp_path: Path,
                                                      server: OpenAIServer,
                                                      use_server: PointAt) -> None:
    use_server(server)
    prices = tmp_path / "prices.yaml"
    prices.write_text("currency: EUR\nmodels:\n  test-model: {input: 1.0, output: 2.0}\n",
                      encoding="utf-8")
    report = run_batch(_options(make_cohort(2), tmp_path / "out", prices=prices))
    billed_in = sum(r.usage["prompt_tokens"] for r in server.chat_requests)
    billed_out = sum(r.usage["completion_tokens"] for r in server.chat_requests)
    assert sum(r.input_tokens for r in report.rows) == billed_in
    assert report.totals["output_tokens"] == billed_out
    assert report.totals["cost"] == pytest.approx((billed_in + 2 * billed_out) / 1e6)
    assert report.totals["currency"] == "EUR"
