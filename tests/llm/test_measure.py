"""The strategy measurement behind docs/llm.md still holds on the synthetic 45-page mémoire."""

from __future__ import annotations

from pathlib import Path

from tests.llm.measure import measure, report
from tests.llm.memoire import write_memoire


def test_evidence_sends_fewer_tokens_whole_reads_every_page(tmp_path: Path) -> None:
    path = write_memoire(tmp_path / "memoire.txt")
    evidence = measure(path, "memoire", "evidence")
    whole = measure(path, "memoire", "whole", strategy="whole", context_tokens=128_000)
    assert evidence.requests == whole.requests == 7 and whole.doc_pages == 46
    assert evidence.tokens * 5 < whole.tokens  # an order of magnitude before caching
    assert evidence.tokens < whole.billed(0.9)  # and still less with a 90 % cache discount
    assert whole.cached > 0.8 * whole.tokens * 6 / 7  # every request after the first hits it
    assert whole.pages_min == 46 and evidence.pages_avg < 15
    assert "| evidence |" in report([evidence, whole])
