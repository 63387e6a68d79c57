"""ASAP-AES adapter: one essay set → a rubric, documents and the human scores.

The data are read where the user keeps them (`--data`, $GRADER_DATA, or the `shared/data`
folder beside the repository for tests) and never copied: their licences are non-commercial.
Essays become `Document`s directly (one page, one block: the essays carry no reliable paragraph
breaks), which is what `grader.ingest` would make of a TXT file, without 12,977 temporary files.

Truth is the resolved `domain1_score`, as in the competition; the human ceiling is rater 1
against rater 2 on the raters' own scale.
"""

from __future__ import annotations

import csv
import hashlib
import io
import lzma
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grader.evals.errors import DataMissingError
from grader.ingest.document import Block, Document, Page
from grader.rubric.models import (
    Bilingual,
    Criterion,
    Cues,
    Indicators,
    Level,
    Mode,
    Rubric,
    Scale,
)

ESSAYS = Path("asap_aes") / "training_set_rel3_reconstructed.tsv.xz"
DESCRIPTIONS = Path("asap_aes") / "Essay_Set_Descriptions.zip"
SETS = tuple(range(1, 9))
SCORE_RANGE = {1: (2, 12), 2: (1, 6), 3: (0, 3), 4: (0, 3), 5: (0, 4), 6: (0, 4), 7: (2, 24),
               8: (10, 60)}
"""Resolved `domain1_score` range per set (the competition's target)."""
RATER_RANGE = {1: (1, 6), 2: (1, 6), 3: (0, 3), 4: (0, 3), 5: (0, 4), 6: (0, 4), 7: (0, 12),
               8: (5, 30)}
HUMAN_QWK = {1: 0.72, 2: 0.81, 3: 0.77, 4: 0.85, 5: 0.75, 6: 0.78, 7: 0.72, 8: 0.63}
"""Rater 1 vs rater 2 QWK as published with the data (recomputed by the eval, not trusted)."""
KAGGLE_WINNER = 0.814
"""Mean QWK of the competition's winner on the hidden test set (not the same essays)."""
MAX_LEVELS = 11
"""A rubric scale holds at most 11 levels (0–10): wider score ranges are binned for drafting."""
_GENERIC = {"write", "essay", "response", "explain", "support", "details", "example",
            "examples", "paragraph", "author", "reader", "readers", "conclude", "include",
            "score", "point", "prompt", "would", "could", "think", "some", "your", "about",
            "there", "their", "which", "other", "people", "like", "just", "into", "very"}


@dataclass(frozen=True)
class Essay:
    id: int
    set: int
    text: str
    score: int
    """Resolved domain 1 score."""
    rater1: int
    rater2: int
    fold: int
    """The fold of the standard 5-fold split (Taghipour & Ng, 2016) this essay is tested in."""


def data_dir(explicit: Path | None = None) -> Path:
    """The public data folder: the argument, else $GRADER_DATA; it must hold ASAP."""
    path = explicit or (Path(os.environ["GRADER_DATA"]) if os.environ.get("GRADER_DATA")
                        else None)
    if path is None:
        raise DataMissingError("no data folder: give it (e.g. ../shared/data) or set "
                               "GRADER_DATA")
    if not (Path(path) / ESSAYS).is_file():
        raise DataMissingError(f"{path}: {ESSAYS} not found; point to the folder that holds "
                               "asap_aes/ (e.g. ../shared/data)")
    return Path(path)


def read_essays(data: Path, sets: tuple[int, ...] = SETS, limit: int | None = None
                ) -> dict[int, list[Essay]]:
    """Essays of `sets`, in file order; `limit` keeps the first N of each set (a CI slice).

    The file concatenates the five test folds of the standard split, each fold listing the
    sets in turn, so the k-th run of a set's rows is its fold k."""
    out: dict[int, list[Essay]] = {s: [] for s in sets}
    runs: Counter[int] = Counter()
    previous = None
    with lzma.open(data / ESSAYS, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            essay_set = int(row["essay_set"])
            if essay_set != previous:
                runs[essay_set] += 1
                previous = essay_set
            if essay_set not in out or (limit is not None and len(out[essay_set]) >= limit):
                continue
            out[essay_set].append(Essay(
                id=int(row["essay_id"]), set=essay_set, text=row["essay"].strip(),
                score=int(row["domain1_score"]), rater1=int(row["rater1_domain1"]),
                rater2=int(row["rater2_domain1"]), fold=runs[essay_set] - 1))
    return out


def prompt_text(data: Path, essay_set: int) -> str:
    """The set's prompt (and source text, sets 3–6) from the competition's description."""
    import docx

    name = f"Essay_Set_Descriptions/Essay Set #{essay_set}--ReadMeFirst.docx"
    try:
        with zipfile.ZipFile(data / DESCRIPTIONS) as archive:
            blob = archive.read(name)
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""
    paragraphs = [p.text for p in docx.Document(io.BytesIO(blob)).paragraphs]
    text = "\n".join(paragraphs)
    return text.split("Rubric Guidelines")[0]


def prompt_cues(text: str, limit: int = 25) -> list[str]:
    """The prompt's most frequent content words: what an on-topic essay talks about."""
    from grader.evidence.text import fold, stopwords

    words = re.findall(r"[a-z]{4,}", fold(text))
    counts = Counter(w for w in words if w not in stopwords() and w not in _GENERIC)
    return [w for w, _ in counts.most_common(limit)]


def score_levels(essay_set: int) -> tuple[list[int], dict[int, int]]:
    """Rubric levels for a set and the score each level stands for (binned if > 11 scores)."""
    lo, hi = SCORE_RANGE[essay_set]
    if hi - lo + 1 <= MAX_LEVELS:
        return list(range(hi - lo + 1)), {i: lo + i for i in range(hi - lo + 1)}
    top = MAX_LEVELS - 1
    return list(range(MAX_LEVELS)), {i: lo + round(i * (hi - lo) / top) for i in range(top + 1)}


def rubric_for(essay_set: int, cues: list[str]) -> Rubric:
    """One holistic criterion on the set's score scale; the offline backend measures the
    essay's expression and its use of the prompt's words."""
    values, scores = score_levels(essay_set)
    levels = [Level(value=v, label=Bilingual(fr=f"score {scores[v]}", en=f"score {scores[v]}"))
              for v in values]
    label = Bilingual(fr=f"Note globale (ASAP, sujet {essay_set})",
                      en=f"Holistic score (ASAP, prompt {essay_set})")
    criterion = Criterion(
        id="holistic", label=label, mode=Mode.draft, weight=1,
        descriptors={v: Bilingual(fr=f"Score {scores[v]}", en=f"Score {scores[v]}")
                     for v in values},
        cues=Cues(en=cues), indicators=Indicators(expression=True))
    # `block` has no meaning for a public essay set; "title" is only a valid placeholder.
    return Rubric(id=f"asap-{essay_set}", version="asap-1", block="title",
                  title=Bilingual(fr=f"ASAP sujet {essay_set}", en=f"ASAP prompt {essay_set}"),
                  scale=Scale(levels=levels), criteria=[criterion])


def to_document(essay: Essay) -> Document:
    text = " ".join(essay.text.split())
    return Document(source=f"asap-{essay.set}-{essay.id}.txt",
                    sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), format="txt",
                    pages=[Page(number=1, text=text)], blocks=[Block(text=text, page=1)],
                    sections=[], words=len(text.split()), language="en")
