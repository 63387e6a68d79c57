"""Rules of the certification: épreuve notes → blocks → badges → title (rules.yaml)."""

from __future__ import annotations

from pathlib import Path

from grader.i18n import Lang
from grader.rubric.certification import Rules, load_rules
from grader.rubric.load import load_all
from grader.rubric.note import MissingLevels, epreuve_note
from grader.rules.outcomes import CandidateOutcome, Outcome, Status, certify
from grader.rules.results import ResultsError, read_results


def certify_results(results: Path, lang: Lang = "fr", rules_path: Path | None = None,
                    rubrics: Path | None = None) -> tuple[Rules, list[CandidateOutcome]]:
    """Every candidate of a results CSV, certified with the rules in force."""
    rules = load_rules(rules_path or ((rubrics / "rules.yaml") if rubrics else None))
    _, scored = load_all(rubrics)
    scores = read_results(results, rules, scored, lang)
    return rules, [certify(rules, cand, scores[cand], lang) for cand in sorted(scores)]


__all__ = [
    "CandidateOutcome", "MissingLevels", "Outcome", "ResultsError", "Rules", "Status",
    "certify", "certify_results", "epreuve_note", "load_rules",
]
