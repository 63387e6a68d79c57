"""CSV files saved by spreadsheets: every encoding a juror's computer may write."""

from __future__ import annotations

import pytest

from grader.csvtext import decode_csv

TEXT = "candidat;note\nÉlodie Dupré;12,5\nJoël Œuvrard;14\n"


@pytest.mark.parametrize("data", [
    TEXT.encode("utf-8"),
    b"\xef\xbb\xbf" + TEXT.encode("utf-8"),  # LibreOffice / Excel « CSV UTF-8 »
    TEXT.encode("cp1252"),                   # Excel, French Windows, « CSV (point-virgule) »
    TEXT.encode("utf-16"),                   # Excel « Texte Unicode » (with its BOM)
])
def test_accents_survive_whatever_the_spreadsheet_wrote(data: bytes) -> None:
    assert decode_csv(data) == TEXT
