"""A text file is time-bounded however it is laid out: one huge paragraph, or many without a
page break (the reading budget used to be looked at only between form feeds, so a file with
none was read to the end whatever it cost)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.ingest import read
from grader.ingest.errors import IngestTimeoutError
from grader.ingest.parts import Deadline
from grader.ingest.text import read_text

LINE = "Une ligne de texte ordinaire, sans rien de particulier, qui se répète encore."


class RunsOut(Deadline):
    """A budget that is spent after a few looks, whatever the clock says."""

    def __init__(self, looks: int) -> None:
        super().__init__(seconds=60.0)
        self.looks = looks

    def check(self) -> None:
        self.looks -= 1
        if self.looks < 0:
            raise IngestTimeoutError("lecture interrompue")


@pytest.mark.parametrize("separator", ["\n\n", "\n"], ids=["paragraphs", "one-paragraph"])
def test_the_budget_is_looked_at_while_one_page_is_read(separator: str) -> None:
    data = separator.join([LINE] * 50_000).encode()
    with pytest.raises(IngestTimeoutError):
        read_text(data, markdown=False, deadline=RunsOut(looks=3))
    with pytest.raises(IngestTimeoutError):
        read_text(data, markdown=True, deadline=RunsOut(looks=3))


def test_one_long_paragraph_is_joined_whole(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("\n".join(["déve-", "loppement durable"] * 20_000), encoding="utf-8")
    doc = read(path)
    assert doc.words == 40_000
    assert "développement durable développement" in doc.text
