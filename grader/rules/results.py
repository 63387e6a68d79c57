"""Confirmed results imported from a CSV (`candidate,epreuve,score`), checked line by line."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from grader.csvtext import read_csv_text
from grader.errors import GraderError
from grader.i18n import Lang, t
from grader.rubric.certification import Rules
from grader.rubric.models import Epreuve

HEADER = ["candidate", "epreuve", "score"]


class ResultsError(GraderError):
    """A results file that cannot be used; names the file and the line."""

    def __init__(self, path: Path, line: int, problem: str, lang: Lang = "fr") -> None:
        self.path, self.line, self.problem = path, line, problem
        super().__init__(f"{path}:{line}: {problem} — {t('results.fix', lang)}")


@dataclass(frozen=True)
class ResultRow:
    line: int
    candidate: str
    epreuve: str
    score: float


def score_range(epreuve: str, rules: Rules, scored: dict[str, Epreuve]) -> tuple[float, float]:
    """The valid range of a score: its épreuve file's when it has one, else by unit."""
    if epreuve in scored:
        return scored[epreuve].min_score, scored[epreuve].max_score
    return 0.0, 100.0 if rules.epreuves[epreuve].unit == "percent" else rules.note_scale


def _parse_score(raw: str, delimiter: str) -> float | None:
    # A French spreadsheet saves "12,5" with ";" as the separator: accept its decimal comma.
    text = raw.strip().replace(",", ".") if delimiter == ";" else raw.strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_results(path: Path, rules: Rules, scored: dict[str, Epreuve], lang: Lang = "fr"
                 ) -> dict[str, dict[str, float]]:
    """Scores per candidate and épreuve; the first bad line stops with its line number."""
    try:
        text = read_csv_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(path, 0, str(exc), lang) from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    if header != HEADER:
        raise ResultsError(path, 1, t("results.header", lang, found=delimiter.join(header)), lang)
    results: dict[str, dict[str, float]] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        parsed = _parse_row(path, line, row, delimiter, rules, scored, lang)
        key = (parsed.candidate, parsed.epreuve)
        if key in seen:
            raise ResultsError(path, line, t("results.duplicate", lang, candidate=key[0],
                                             epreuve=key[1], first=seen[key]), lang)
        seen[key] = line
        results.setdefault(parsed.candidate, {})[parsed.epreuve] = parsed.score
    if not results:
        raise ResultsError(path, 1, t("results.empty", lang), lang)
    return results


def _parse_row(path: Path, line: int, row: list[str], delimiter: str, rules: Rules,
               scored: dict[str, Epreuve], lang: Lang) -> ResultRow:
    if len(row) != 3:
        raise ResultsError(path, line, t("results.columns", lang, found=len(row)), lang)
    candidate, epreuve, raw = (cell.strip() for cell in row)
    if not candidate:
        raise ResultsError(path, line, t("results.no_candidate", lang), lang)
    if epreuve not in rules.epreuves:
        known = ", ".join(rules.epreuves)
        raise ResultsError(path, line,
                           t("results.unknown_epreuve", lang, epreuve=epreuve, known=known), lang)
    score = _parse_score(raw, delimiter)
    if score is None:
        raise ResultsError(path, line, t("results.not_a_number", lang, score=raw), lang)
    low, high = score_range(epreuve, rules, scored)
    if not low <= score <= high:
        raise ResultsError(path, line, t("results.off_range", lang, score=raw, epreuve=epreuve,
                                         low=f"{low:g}", high=f"{high:g}"), lang)
    return ResultRow(line, candidate, epreuve, score)
