"""The offline default backend: no network, no model, deterministic, fast.

It scores each criterion from the indicators its rubric declares (cue strength and spread, a
dedicated section, cited sources, structure, sentence statistics, quantified content) and writes
a justification that quotes the passages it relied on, with pages. Its confidence is honest: low
where the criterion calls for a professional judgement. It is the baseline the evals measure.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from grader.backends import indicators as ind
from grader.backends.base import DraftRequest, Passage, unscored
from grader.backends.calibration import Calibration, apply_fit, load_calibration
from grader.evidence.text import fold, phrase_terms, terms
from grader.i18n import Lang, t
from grader.rubric.models import Criterion, Scale
from grader.sheet.models import CriterionDraft, Evidence

VERSION = "heuristic-1"
CUE_MIN, CUE_SHARE, SPREAD_TARGET = 4, 0.4, 6
"""The cue signal is full when 40 % of the criterion's cues (at least 4) are found, spread over
6 passages; absolute, not per page, so that padding with irrelevant pages never raises it."""
WEIGHTS = {"required": 0.0, "cues": 0.5, "section": 0.6, "sources": 0.8, "structure": 0.8,
           "expression": 0.9, "figures": 0.5}
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class Signal:
    name: str
    score: float
    note: str


class HeuristicBackend:
    name = "heuristic"

    def __init__(self, calibration: Calibration | None = None) -> None:
        self.calibration = calibration
        # Document statistics are computed once per document, not once per criterion.
        self._stats: dict[str, ind.DocStats] = {}

    @classmethod
    def from_settings(cls, calibration: str | Path | None = None, **_: object
                      ) -> HeuristicBackend:
        """`calibration` (or $GRADER_CALIBRATION): a file written by `grader calibrate`."""
        path = calibration or os.environ.get("GRADER_CALIBRATION")
        return cls(load_calibration(Path(path)) if path else None)

    @property
    def model(self) -> str | None:
        return f"calibrated-{self.calibration.digest()}" if self.calibration else None

    @property
    def prompt_version(self) -> str | None:
        return VERSION

    def stats(self, request: DraftRequest) -> ind.DocStats:
        key = f"{request.document.sha256}:{len(request.body)}"
        if key not in self._stats:
            if len(self._stats) >= 8:
                self._stats.pop(next(iter(self._stats)))
            self._stats[key] = ind.doc_stats(request.document, list(request.body))
        return self._stats[key]

    def features(self, request: DraftRequest) -> dict[str, float]:
        """The numbers a calibration can weigh: each signal's score and raw statistics."""
        stats = self.stats(request)
        signals = _signals(stats, request.criterion, request, request.lang)
        return {**{s.name: s.score for s in signals}, **_raw_features(stats)}

    async def adraft(self, request: DraftRequest) -> CriterionDraft:
        if not request.body:
            return unscored(t("heuristic.no_text", request.lang))
        fit = (self.calibration.fit_for(request.rubric.id, request.criterion.id)
               if self.calibration else None)
        return draft(request, self.stats(request), fit)


def _raw_features(stats: ind.DocStats) -> dict[str, float]:
    _, expr = ind.expression_score(stats)
    _, struct = ind.structure_score(stats)
    _, src = ind.sources_score(stats)
    words = sum(len(p.text.split()) for p in stats.passages)
    sources = sum(cast(int, src[k]) for k in ("footnotes", "bibliography", "citations"))
    raw = {"log_words": math.log1p(words), "headings": float(cast(int, struct["headings"])),
           "sources_n": float(sources)}
    raw.update({k: float(v) for k, v in expr.items() if isinstance(v, int | float)})
    return raw


def draft(request: DraftRequest, stats: ind.DocStats, fit=None) -> CriterionDraft:
    crit, lang = request.criterion, request.lang
    signals = _signals(stats, crit, request, lang)
    if fit is not None:
        feats = {**{s.name: s.score for s in signals}, **_raw_features(stats)}
        level, score = apply_fit(fit, feats, request.rubric.scale.values)
    else:
        total = sum(WEIGHTS[s.name] for s in signals)
        score = sum(WEIGHTS[s.name] * s.score for s in signals) / total
        level = _level(score, request.rubric.scale)
    gate = _required(stats, crit)
    if gate is not None:
        level = min(level, request.rubric.scale.values[1])
        signals.append(Signal("required", 0.0, t("heuristic.required_missing", lang, words=gate)))
    quotes = _quotes(request.passages, crit)
    confidence = _confidence(score, crit, len(quotes))
    label = getattr(request.rubric.scale.levels[request.rubric.scale.values.index(level)].label,
                    lang)
    lines = [t("heuristic.verdict", lang, level=level, label=label, score=f"{score:.2f}")]
    lines += [f"- {s.note}" for s in signals if s.name != "required" or gate]
    if crit.needs_judgement:
        lines.append(t("heuristic.judgement", lang))
    if not quotes:
        lines.append(t("heuristic.no_quote", lang))
    pages = sorted({pg for p in request.passages for pg in (p.pages or (p.page,))})
    flags = ["low_confidence"] if confidence < 0.4 else []
    return CriterionDraft(level=level, justification="\n".join(lines), evidence=quotes,
                          confidence=confidence, flags=flags, pages_read=pages)


def _signals(stats: ind.DocStats, crit: Criterion, request: DraftRequest, lang: Lang
             ) -> list[Signal]:
    cues = crit.cues.fr + crit.cues.en
    found, pages = ind.cue_hits(stats, cues)
    # The target grows with the cues the criterion declares in the document's language: a
    # thorough document shows most of them, a thin one a few.
    own = crit.cues.en if request.document.language == "en" else crit.cues.fr
    target = max(CUE_MIN, round(CUE_SHARE * len(set(own or cues))))
    cue_score = 0.6 * min(1.0, len(found) / target)
    cue_score += 0.4 * min(1.0, len(pages) / SPREAD_TARGET)
    shown = ", ".join(found[:8]) or "—"
    signals = [Signal("cues", cue_score, t("heuristic.cues", lang, n=len(found), cues=shown,
                                           pages=len(pages)))]
    spec = crit.indicators
    section_words = spec.sections.fr + spec.sections.en
    if section_words:
        head = ind.section_for(stats, section_words)
        if head is None:
            signals.append(Signal("section", 0.0, t("heuristic.no_section", lang)))
        else:
            score = 0.5 + 0.5 * min(1.0, head.words / 150)
            signals.append(Signal("section", score, t("heuristic.section", lang, title=head.text,
                                                      page=head.page, words=head.words)))
    if spec.sources:
        score, d = ind.sources_score(stats)
        signals.append(Signal("sources", score, t("heuristic.sources", lang, **d)))
    if spec.structure:
        score, d = ind.structure_score(stats)
        toc = t("heuristic.yes" if d["toc"] else "heuristic.no", lang)
        signals.append(Signal("structure", score, t("heuristic.structure", lang,
                                                    toc=toc, **{k: v for k, v in d.items()
                                                                if k != "toc"})))
    if spec.expression:
        score, d = ind.expression_score(stats)
        key = "heuristic.expression" if "mean_words" in d else "heuristic.expression_short"
        signals.append(Signal("expression", score, t(key, lang, **d)))
    if spec.figures:
        score, d = ind.figures_score(request.passages)
        signals.append(Signal("figures", score, t("heuristic.figures", lang, **d)))
    return signals


def _required(stats: ind.DocStats, crit: Criterion) -> str | None:
    """The headings a criterion needs when none is found, else None."""
    phrases = crit.indicators.required.fr + crit.indicators.required.en
    if not phrases or ind.required_section(stats, phrases) is not None:
        return None
    return ", ".join(f"« {p} »" for p in crit.indicators.required.fr or phrases)


def _level(score: float, scale: Scale) -> int:
    """Equal bands of the 0–1 score over the scale's levels, lowest first."""
    values = scale.values
    index = min(len(values) - 1, int(score * len(values)))
    return values[index]


def _confidence(score: float, crit: Criterion, n_quotes: int) -> float:
    base = 0.3 if crit.needs_judgement else 0.6
    band = 1 / 4
    distance = min(score % band, band - score % band) / (band / 2)  # 0 at a boundary, 1 mid-band
    conf = base * (0.6 + 0.4 * distance) * (1.0 if n_quotes else 0.7)
    return round(min(conf, 0.8), 2)


def _quotes(passages: list[Passage], crit: Criterion, limit: int = 3) -> list[Evidence]:
    """The sentence of each top passage that carries the most cues, verbatim, with its page."""
    phrases = [p for p in (phrase_terms(c) for c in crit.cues.fr + crit.cues.en) if p]
    chosen: list[Evidence] = []
    for passage in passages:
        best, best_hits = None, 0
        sentences = [s for line in passage.text.split("\n") for s in _SENTENCE.split(line)]
        for sentence in sentences:
            words = len(sentence.split())
            if not 5 <= words <= 60:
                continue
            seq = terms(sentence)
            hits = sum(1 for ph in phrases if _contains(seq, ph))
            if hits > best_hits:
                best, best_hits = sentence.strip(), hits
        if best and all(fold(best) != fold(e.quote) for e in chosen):
            chosen.append(Evidence(quote=best, page=passage.page))
        if len(chosen) >= limit:
            break
    return chosen


def _contains(seq: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(seq[i:i + n]) == phrase for i in range(len(seq) - n + 1))
