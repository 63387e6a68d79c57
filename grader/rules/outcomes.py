"""From confirmed results to épreuves, blocks, badges and the title — pure functions.

Each outcome says why. A missing result is `incomplete`, never `failed`: the jury may not have
confirmed it yet, and a candidate must not lose a badge to a paperwork delay.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from grader.i18n import Lang, t
from grader.rubric.certification import Group, Rules


class Status(StrEnum):
    validated = "validated"
    failed = "failed"
    incomplete = "incomplete"


class EpreuveOutcome(BaseModel):
    epreuve: str
    status: Status
    score: float | None
    threshold: float
    inclusive: bool
    reason: str


class Outcome(BaseModel):
    status: Status
    reasons: list[str]


class CandidateOutcome(BaseModel):
    candidate: str
    epreuves: dict[str, EpreuveOutcome]
    blocks: dict[str, Outcome]
    badges: dict[str, Outcome]
    title: Outcome


def _fmt(value: float, lang: Lang) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "fr" else text


def epreuve_outcome(rules: Rules, epreuve: str, score: float | None, lang: Lang
                    ) -> EpreuveOutcome:
    rule = rules.epreuves[epreuve]
    mark = rule.pass_mark
    words = {
        "epreuve": epreuve,
        "unit": t(f"unit.{rule.unit}", lang),
        "op": t("op.ge" if mark.inclusive else "op.gt", lang),
        "threshold": _fmt(mark.threshold, lang),
    }
    if score is None:
        status, reason = Status.incomplete, t("epreuve.missing", lang, **words)
    else:
        status = Status.validated if mark.passes(score) else Status.failed
        key = "epreuve.passed" if status is Status.validated else "epreuve.failed"
        reason = t(key, lang, score=_fmt(score, lang), **words)
    return EpreuveOutcome(epreuve=epreuve, status=status, score=score, threshold=mark.threshold,
                          inclusive=mark.inclusive, reason=reason)


def _combine(name: str, parts: list[tuple[Status, str, str]], lang: Lang) -> Outcome:
    """One outcome from its parts `(status, short name, detailed reason)`.

    Failed wins over incomplete: a failed part is a fact, a missing one may still come.
    """
    failed = [detail for status, _, detail in parts if status is Status.failed]
    missing = [detail for status, _, detail in parts if status is Status.incomplete]
    if failed:
        return Outcome(status=Status.failed,
                       reasons=[t("group.failed", lang, name=name, parts="; ".join(failed)),
                                *([t("group.also_missing", lang, parts="; ".join(missing))]
                                  if missing else [])])
    if missing:
        return Outcome(status=Status.incomplete,
                       reasons=[t("group.incomplete", lang, name=name, parts="; ".join(missing))])
    names = ", ".join(short for _, short, _ in parts)
    return Outcome(status=Status.validated,
                   reasons=[t("group.validated", lang, name=name, parts=names)])


def _group_outcome(group: Group, blocks: dict[str, Outcome],
                   epreuves: dict[str, EpreuveOutcome], lang: Lang) -> Outcome:
    parts: list[tuple[Status, str, str]] = []
    for blk in group.blocks:
        status = blocks[blk].status
        key = {"failed": "group.block_failed", "incomplete": "group.block_incomplete"}
        detail = t(key[status.value], lang, block=blk) if status is not Status.validated else blk
        parts.append((status, blk, detail))
    for ep in group.epreuves:
        parts.append((epreuves[ep].status, ep, epreuves[ep].reason))
    return _combine(getattr(group.label, lang), parts, lang)


def certify(rules: Rules, candidate: str, scores: dict[str, float], lang: Lang = "fr"
            ) -> CandidateOutcome:
    """The full outcome of one candidate from their confirmed scores, keyed by épreuve id."""
    epreuves = {ep: epreuve_outcome(rules, ep, scores.get(ep), lang) for ep in rules.epreuves}
    blocks = {
        name: _combine(name, [(epreuves[ep].status, ep, epreuves[ep].reason)
                              for ep in block.epreuves], lang)
        for name, block in rules.blocks.items()
    }
    badges = {name: _group_outcome(badge, blocks, epreuves, lang)
              for name, badge in rules.badges.items()}
    title = _group_outcome(rules.title, blocks, epreuves, lang)
    return CandidateOutcome(candidate=candidate, epreuves=epreuves, blocks=blocks,
                            badges=badges, title=title)
