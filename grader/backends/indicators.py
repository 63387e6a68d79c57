"""Document indicators the offline backend scores from: cues, sections, sources, structure,
expression, figures. Plain functions over the ingested Document; computed once per document.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from grader import yamlio
from grader.backends.base import Passage
from grader.evidence.passages import evidence_blocks
from grader.evidence.retrieve import phrase_count
from grader.evidence.text import fold, phrase_terms, terms

if TYPE_CHECKING:
    from grader.ingest import Document

_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_NUMBERED = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[A-Z]\.)\s+\S")
_CITATION = re.compile(r"\((?:[A-ZÀ-Ý][\w’'\- ]+,?\s)?(?:19|20)\d{2}\)|\bsources?\s*:|"
                       r"\bselon (?:l[ae] |les )?[A-ZÀ-Ý]|\bhttps?://|\bwww\.", re.IGNORECASE)
_FIGURE = re.compile(r"\d[\d\s.,]*\s?(?:€|k€|M€|euros?|%|EUR\b)|\b(?:19|20)\d{2}\b|"
                     r"\b(?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
                     r"novembre|décembre|january|february|march|april|june|july|august|"
                     r"september|october|november|december|T[1-4]|Q[1-4]|S\d{1,2})\b",
                     re.IGNORECASE)
MARKERS = Path(__file__).with_name("writing_markers.yaml")
BIBLIO_HEADINGS = ("bibliographie", "sources", "references", "webographie", "bibliography")


@dataclass
class Heading:
    text: str
    level: int
    page: int
    words: int = 0
    """Body words until the next heading of the same or a higher level."""


@dataclass
class DocStats:
    passages: list[Passage]
    seqs: list[list[str]]
    headings: list[Heading]
    has_toc: bool
    footnotes: int
    bibliography: int
    citations: int
    sentences: list[str] = field(default_factory=list)


def doc_stats(doc: Document, passages: list[Passage]) -> DocStats:
    blocks = evidence_blocks(doc)
    headings = _headings(blocks)
    bib = next((h for h in headings if fold(h.text).lstrip("0123456789. ").startswith(
        BIBLIO_HEADINGS)), None)
    bibliography = _entries_after(blocks, bib) if bib else 0
    body = "\n".join(p.text for p in passages)
    return DocStats(
        passages=passages,
        seqs=[terms(p.text) for p in passages],
        headings=headings,
        has_toc=any(b.kind == "toc" for b in blocks) or any(
            fold(h.text).startswith(("sommaire", "table des matieres", "contents",
                                     "table of contents")) for h in headings),
        footnotes=sum(1 for b in blocks if b.kind == "footnote"),
        bibliography=bibliography,
        citations=len(_CITATION.findall(body)),
        sentences=_sentences(passages),
    )


_CAPTION = re.compile(r"^\s*(?:tableau|table|figure|graphique|source|sources)\b", re.IGNORECASE)


def _is_prose(line: str) -> bool:
    """Running text, not a table row, caption or list of figures: only prose says how a
    candidate writes."""
    tokens = line.split()
    if len(tokens) < 5 or _CAPTION.match(line):
        return False
    wordy = sum(1 for tok in tokens if sum(c.isalpha() for c in tok) >= 3)
    return wordy / len(tokens) >= 0.7


def _sentences(passages: list[Passage]) -> list[str]:
    """Complete sentences of the running text; a fragment with no final stop (a table row, a
    heading glued to a cell) is left out."""
    out = []
    for passage in passages:
        for line in passage.text.split("\n"):
            if not _is_prose(line):
                continue
            for sentence in _SENTENCE.split(re.sub(r"\s+", " ", line).strip()):
                if len(sentence.split()) >= 3 and sentence.rstrip("»\")' ").endswith(
                        (".", "!", "?", "…")):
                    out.append(sentence)
    return out


def _headings(blocks: list) -> list[Heading]:
    heads: list[Heading] = []
    own: list[int] = []
    for block in blocks:
        if block.level:
            heads.append(Heading(block.text.strip(), block.level, block.page))
            own.append(0)
        elif heads and block.kind != "toc":
            own[-1] += len(block.text.split())
    # A section's size includes its subsections: « 7. Limites » is the whole of 7.1–7.3.
    for i, head in enumerate(heads):
        j, total = i + 1, own[i]
        while j < len(heads) and heads[j].level > head.level:
            total += own[j]
            j += 1
        head.words = total
    return heads


def _plain_words(text: str) -> set[str]:
    # No stemming here: « référencement » must not pass for « références ».
    return {w.rstrip("sx") for w in re.findall(r"[a-z]+", fold(text)) if len(w) > 2}


def required_section(stats: DocStats, phrases: list[str], min_words: int = 30,
                     max_heading_words: int = 14) -> Heading | None:
    """The largest real section (a short heading over 30+ words) whose heading holds every word
    of one of `phrases`; a numbered sentence mistaken for a heading does not count."""
    wanted = [w for w in (_plain_words(p) for p in phrases) if w]
    matches = [h for h in stats.headings
               if h.words >= min_words and len(h.text.split()) <= max_heading_words
               and any(w <= _plain_words(h.text) for w in wanted)]
    return max(matches, key=lambda h: (h.words, -h.page), default=None)


def _entries_after(blocks: list, heading: Heading) -> int:
    started, count = False, 0
    for block in blocks:
        if block.level and started and block.level <= heading.level:
            break
        if block.level and block.text.strip() == heading.text and block.page == heading.page:
            started = True
            continue
        if started and block.kind != "toc":
            count += sum(1 for line in block.text.splitlines() if _is_reference(line))
    return count


_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_URL_ONLY = re.compile(r"^\W*(?:https?://|www\.)\S+\W*$")


def _is_reference(line: str) -> bool:
    """A bibliography entry worth the name: an author or body, a title and a year — not a bare
    link to a search engine or an encyclopaedia."""
    text = line.strip()
    if len(text.split()) < 4 or _URL_ONLY.match(text) or not _YEAR.search(text):
        return False
    return not re.search(r"wikip[eé]dia|google\.|youtube\.", text, re.IGNORECASE)


def cue_hits(stats: DocStats, cues: list[str]) -> tuple[list[str], list[int]]:
    """The distinct cues found in the body, and the passages (by index) where any occurs.

    Spread is counted in passages, not pages: the same text laid out over more pages (or padded
    with stock sentences, which are not passages) must not look more thorough."""
    found: list[str] = []
    pages: set[int] = set()
    for cue in dict.fromkeys(cues):
        phrase = phrase_terms(cue)
        if not phrase:
            continue
        hit = [p for p, seq in zip(stats.passages, stats.seqs, strict=True)
               if phrase_count(seq, phrase)]
        if hit:
            found.append(cue)
            pages.update(p.index for p in hit)
    return found, sorted(pages)


def section_for(stats: DocStats, words: list[str]) -> Heading | None:
    """The largest section whose heading carries one of `words` (accents and case folded)."""
    wanted = [phrase_terms(w) for w in words if phrase_terms(w)]
    matches = [h for h in stats.headings
               if any(phrase_count(terms(h.text), w) for w in wanted)]
    return max(matches, key=lambda h: (h.words, -h.page), default=None)


def structure_score(stats: DocStats) -> tuple[float, dict[str, object]]:
    heads = [h for h in stats.headings if not fold(h.text).startswith("sommaire")]
    numbered = sum(1 for h in heads if _NUMBERED.match(h.text))
    levels = {h.level for h in heads}
    score = (0.4 * stats.has_toc + 0.3 * min(1.0, len(heads) / 8)
             + 0.2 * (numbered / len(heads) if heads else 0) + 0.1 * (len(levels) >= 2))
    return score, {"toc": stats.has_toc, "headings": len(heads), "numbered": numbered,
                   "depth": len(levels)}


def sources_score(stats: DocStats) -> tuple[float, dict[str, object]]:
    n = stats.footnotes + stats.bibliography + stats.citations
    score = 0.0 if n == 0 else min(1.0, 0.25 + 0.75 * min(n, 12) / 12)
    if stats.bibliography == 0:
        score = min(score, 0.6)  # sources without a bibliography stay « à consolider »
    return score, {"footnotes": stats.footnotes, "bibliography": stats.bibliography,
                   "citations": stats.citations}


def expression_score(stats: DocStats) -> tuple[float, dict[str, object]]:
    sentences = stats.sentences
    if len(sentences) < 5:
        return 0.0, {"sentences": len(sentences)}
    lengths = [len(s.split()) for s in sentences]
    mean = statistics.fmean(lengths)
    long_share = sum(1 for n in lengths if n > 45) / len(lengths)
    words = [w for s in sentences for w in fold(s).split()]
    variety = mattr(words)
    repeated = _repetition(sentences)
    loose = _loose_share(sentences)
    score = 1.0 - min(0.5, loose * 2.0)
    score -= min(0.4, max(0.0, (mean - 26) / 30)) + min(0.2, max(0.0, (10 - mean) / 20))
    score -= min(0.35, long_share * 2.5)
    score -= min(0.3, max(0.0, (0.72 - variety) * 3))
    score -= min(0.4, repeated * 1.5)
    return max(0.0, score), {"sentences": len(sentences), "mean_words": round(mean, 1),
                             "long_share": round(long_share, 3), "variety": round(variety, 3),
                             "repetition": round(repeated, 3), "loose": round(loose, 3)}


@cache
def _markers() -> tuple[str, ...]:
    data = yamlio.safe_load(MARKERS.read_text(encoding="utf-8"))
    return tuple(fold(m) for lang in ("fr", "en") for m in data[lang])


def _loose_share(sentences: list[str]) -> float:
    """Share of sentences opening (or resuming after a comma) with a loose, spoken turn."""
    markers = _markers()
    hits = 0
    for sentence in sentences:
        text = fold(sentence)
        heads = [text] + [part.strip() for part in text.split(",")[1:]]
        hits += any(h.startswith(m) for h in heads for m in markers)
    return hits / len(sentences)


def mattr(words: list[str], window: int = 200, samples: int = 50) -> float:
    """Moving-average type/token ratio: lexical variety independent of length."""
    if len(words) <= window:
        return len(set(words)) / max(1, len(words))
    step = max(1, (len(words) - window) // samples)
    ratios = [len(set(words[i:i + window])) / window
              for i in range(0, len(words) - window + 1, step)]
    return statistics.fmean(ratios)


def _repetition(sentences: list[str]) -> float:
    """Share of sentence openings (first three words) that repeat: a sign of weak writing."""
    openings = Counter(" ".join(fold(s).split()[:3]) for s in sentences)
    return sum(c - 1 for c in openings.values() if c > 1) / len(sentences)


def figures_score(passages: list[Passage]) -> tuple[float, dict[str, object]]:
    text = "\n".join(p.text for p in passages)
    money = len(re.findall(r"\d[\d\s.,]*\s?(?:€|k€|M€|euros?)", text, re.IGNORECASE))
    n = len(_FIGURE.findall(text))
    score = min(1.0, n / 12) * (1.0 if money else 0.6)
    return score, {"figures": n, "amounts": money}
