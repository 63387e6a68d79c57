"""Per-criterion retrieval: rank passages by BM25 over the criterion's label, descriptors and
cues (French and English), keep the best within a token budget. Deterministic.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

from grader.backends.base import Passage
from grader.evidence.text import phrase_terms, terms
from grader.rubric.models import Criterion

K1, B = 1.2, 0.75
CUE_WEIGHT, LABEL_WEIGHT, DESCRIPTOR_WEIGHT = 2.0, 1.0, 0.3
CHARS_PER_TOKEN = 3.6
"""French prose averages ~3.6 characters per token with GPT-style tokenizers."""


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass
class Index:
    """Term statistics of a document's passages, built once and queried per criterion."""

    passages: list[Passage]
    terms: list[list[str]]
    counts: list[Counter[str]]
    df: Counter[str]
    avg_len: float

    @classmethod
    def build(cls, passages: list[Passage]) -> Index:
        seqs = [terms(p.text) for p in passages]
        counts = [Counter(s) for s in seqs]
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        avg = sum(map(len, seqs)) / len(seqs) if seqs else 1.0
        return cls(passages, seqs, counts, df, avg or 1.0)

    def idf(self, df: int) -> float:
        n = len(self.passages)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))


def query(criterion: Criterion) -> dict[tuple[str, ...], float]:
    """Weighted query: cue phrases first, then the label, then the level descriptors."""
    weights: dict[tuple[str, ...], float] = {}
    for cue in [*criterion.cues.fr, *criterion.cues.en]:
        phrase = phrase_terms(cue)
        if phrase:
            weights[phrase] = max(weights.get(phrase, 0.0), CUE_WEIGHT)
    for text, weight in [(criterion.label.fr, LABEL_WEIGHT), (criterion.label.en, LABEL_WEIGHT)]:
        for term in terms(text):
            weights[(term,)] = max(weights.get((term,), 0.0), weight)
    for desc in criterion.descriptors.values():
        for term in set(terms(desc.fr) + terms(desc.en)):
            weights[(term,)] = max(weights.get((term,), 0.0), DESCRIPTOR_WEIGHT)
    return dict(weights)


def phrase_count(seq: list[str], phrase: tuple[str, ...]) -> int:
    if len(phrase) == 1:
        return seq.count(phrase[0])
    n = len(phrase)
    return sum(1 for i in range(len(seq) - n + 1) if tuple(seq[i:i + n]) == phrase)


def score(index: Index, i: int, q: dict[tuple[str, ...], float],
          df_cache: dict[tuple[str, ...], int]) -> float:
    seq, length = index.terms[i], len(index.terms[i])
    total = 0.0
    for phrase, weight in q.items():
        tf = index.counts[i][phrase[0]] if len(phrase) == 1 else phrase_count(seq, phrase)
        if not tf:
            continue
        if phrase not in df_cache:
            df_cache[phrase] = (index.df[phrase[0]] if len(phrase) == 1 else
                                sum(1 for s in index.terms if phrase_count(s, phrase)))
        norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / index.avg_len))
        total += weight * index.idf(df_cache[phrase]) * norm
    return total


def retrieve(index: Index, criterion: Criterion, budget_tokens: int = 2500, top_k: int = 8,
             exclude: frozenset[int] = frozenset()) -> list[Passage]:
    """The best passages for a criterion, best first, within `budget_tokens`."""
    q = query(criterion)
    df_cache: dict[tuple[str, ...], int] = {}
    scored = [(score(index, i, q, df_cache), i) for i in range(len(index.passages))
              if i not in exclude]
    ranked = sorted((s, i) for s, i in scored if s > 0)
    ranked.sort(key=lambda si: (-si[0], si[1]))
    chosen: list[Passage] = []
    used = 0
    for s, i in ranked:
        cost = estimate_tokens(index.passages[i].text)
        if used + cost > budget_tokens and chosen:
            continue
        chosen.append(replace(index.passages[i], score=round(s, 4)))
        used += cost
        if len(chosen) >= top_k:
            break
    return chosen
