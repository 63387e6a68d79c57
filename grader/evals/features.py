"""Generic essay features, added to the offline backend's own for calibration on essay data.

For ASAP-style school essays only. Length is the strongest single predictor of a holistic
essay score (raters reward development), so these features measure it several ways, with
sentence statistics, lexical variety and spelling-like signals. They are NOT used to calibrate
on a jury's deliverables: there, a padded document must never score higher (docs/evals.md).

The "rare word" share needs a vocabulary: it is learnt from the training essays of each fold
only (`Vocabulary.fit`), never from the essays being scored.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from grader.backends.indicators import mattr

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_PLACEHOLDER = re.compile(r"@[A-Z]+\d*")
LENGTH_FEATURES = ("e_log_words", "e_sqrt_words", "e_words", "e_log_unique", "e_sentences")
"""Raw-length features: excluded from any jury calibration."""


@dataclass(frozen=True)
class EssayText:
    """The tokens of an essay, computed once and reused across folds."""

    words: list[str]
    sentences: list[str]
    text: str

    @classmethod
    def of(cls, text: str) -> EssayText:
        clean = _PLACEHOLDER.sub("Name", text)
        sentences = [s for s in _SENTENCE.split(clean) if s.strip()]
        return cls(_WORD.findall(clean), sentences, clean)


@dataclass(frozen=True)
class Vocabulary:
    """Words seen at least `min_count` times in the training essays."""

    words: frozenset[str]

    @classmethod
    def fit(cls, essays: Iterable[EssayText], min_count: int = 3) -> Vocabulary:
        counts = Counter(w.lower() for e in essays for w in e.words)
        return cls(frozenset(w for w, c in counts.items() if c >= min_count))


def essay_features(essay: EssayText, vocabulary: Vocabulary | None = None,
                   topic: frozenset[str] = frozenset()) -> dict[str, float]:
    """`topic`: the prompt's content words (lower case); an on-topic essay uses them."""
    words = essay.words
    n = len(words)
    lower = [w.lower() for w in words]
    lengths = [len(s.split()) for s in essay.sentences] or [0]
    feats = {
        "e_log_words": math.log1p(n),
        "e_sqrt_words": math.sqrt(n),
        "e_words": n / 100,
        "e_log_unique": math.log1p(len(set(lower))),
        "e_sentences": math.log1p(len(essay.sentences)),
        "e_mean_sentence": statistics.fmean(lengths),
        "e_sd_sentence": statistics.pstdev(lengths),
        "e_word_length": statistics.fmean(len(w) for w in words) if words else 0.0,
        "e_long_words": sum(len(w) >= 7 for w in words) / n if n else 0.0,
        "e_mattr": mattr(lower, window=50, samples=40),
        "e_commas": essay.text.count(",") / max(1, len(essay.sentences)),
        "e_punctuation": float(len(set(re.findall(r"[;:!?\"'()-]", essay.text)))),
        "e_lower_i": _lower_i(words),
        "e_lower_start": _lower_starts(essay.sentences),
    }
    if topic:
        used = [w for w in lower if w in topic]
        feats["e_topic_distinct"] = math.log1p(len(set(used)))
        feats["e_topic_share"] = len(used) / n if n else 0.0
    if vocabulary is not None:
        feats["e_rare"] = sum(w not in vocabulary.words for w in lower) / n if n else 0.0
    return feats


def _lower_i(words: list[str]) -> float:
    """Share of the pronoun I written in lower case: a cheap sign of careless spelling."""
    pronouns = [w for w in words if w in ("i", "I", "i'm", "I'm")]
    return sum(w[0] == "i" for w in pronouns) / len(pronouns) if pronouns else 0.0


def _lower_starts(sentences: list[str]) -> float:
    starts = [s.lstrip("\"'( ")[:1] for s in sentences]
    letters = [c for c in starts if c.isalpha()]
    return sum(c.islower() for c in letters) / len(letters) if letters else 0.0
