"""Certification outcomes as text for a coordinator, or as JSON for tools."""

from __future__ import annotations

from typing import Any

from grader.i18n import Lang, t
from grader.rubric.certification import Rules
from grader.rules.outcomes import CandidateOutcome, Outcome

MARKS = {"validated": "✔", "failed": "✘", "incomplete": "…"}


def to_json(outcomes: list[CandidateOutcome]) -> dict[str, Any]:
    return {"candidates": [o.model_dump(mode="json") for o in outcomes]}


def _line(name: str, outcome: Outcome, lang: Lang) -> list[str]:
    status = outcome.status.value
    head = f"  {MARKS[status]} {name} — {t(f'status.{status}', lang)}"
    return [head, *(f"      {reason}" for reason in outcome.reasons)]


def to_text(outcomes: list[CandidateOutcome], rules: Rules, lang: Lang = "fr") -> str:
    lines: list[str] = []
    for cand in outcomes:
        lines += [t("certify.candidate", lang, candidate=cand.candidate),
                  t("certify.epreuves", lang)]
        for ep in cand.epreuves.values():
            lines.append(f"  {MARKS[ep.status.value]} {ep.reason}")
        lines.append(t("certify.blocks", lang))
        for name, outcome in cand.blocks.items():
            lines += _line(getattr(rules.blocks[name].label, lang), outcome, lang)
        lines.append(t("certify.badges", lang))
        for name, outcome in cand.badges.items():
            lines += _line(getattr(rules.badges[name].label, lang), outcome, lang)
        lines.append(t("certify.title", lang))
        lines += _line(getattr(rules.title.label, lang), cand.title, lang)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
