"""Verification: every quote must be found in the document; the level must be on the scale.

A quote that is not found is dropped and the criterion flagged `unverified_evidence`; the page of
a found quote is taken from the document, whatever the backend claimed. A quote that falls in a
flagged passage (hidden text, instruction to the grader) is dropped as well: flagged text is never
evidence.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.evidence.text import fold
from grader.rubric.models import Scale
from grader.sheet.models import CriterionDraft, Evidence

if TYPE_CHECKING:
    from grader.ingest import Document

MIN_QUOTE_CHARS = 12
_ELISION = re.compile(r"\s*(?:\.\.\.|…|\[\.\.\.\]|\[…\]|\(\.\.\.\)|\(…\))\s*")
_EDGES = "\"' .,;:-"


@dataclass(frozen=True)
class FoldedDocument:
    """The document's body text folded once, with the offset where each page starts."""

    text: str
    starts: list[int]
    numbers: list[int]
    flagged: list[tuple[int, int]]

    @classmethod
    def of(cls, doc: Document) -> FoldedDocument:
        parts, starts, offset = [], [], 0
        for page in doc.pages:
            folded = fold(page.text)
            starts.append(offset)
            parts.append(folded)
            offset += len(folded) + 1
        text = " ".join(parts)
        flagged = []
        for flag in doc.flags:
            for passage in flag.passages:
                needle = fold(passage)
                if len(needle) >= MIN_QUOTE_CHARS:
                    flagged += [(m.start(), m.end()) for m in re.finditer(re.escape(needle), text)]
        return cls(text, starts, [p.number for p in doc.pages], flagged)

    def page_at(self, offset: int) -> int:
        return self.numbers[bisect.bisect_right(self.starts, offset) - 1]

    def find(self, quote: str, near_page: int | None) -> tuple[int, int] | None:
        """Span of the quote (elisions allowed), preferring an occurrence on `near_page`."""
        fragments = [f.strip(_EDGES) for f in _ELISION.split(fold(quote))]
        fragments = [f for f in fragments if f]
        if not fragments or sum(map(len, fragments)) < MIN_QUOTE_CHARS:
            return None
        spans = []
        for m in re.finditer(re.escape(fragments[0]), self.text):
            end, ok = m.end(), True
            for frag in fragments[1:]:
                nxt = self.text.find(frag, end, end + 2000)
                if nxt < 0:
                    ok = False
                    break
                end = nxt + len(frag)
            if ok:
                spans.append((m.start(), end))
        if not spans:
            return None
        if near_page is not None:
            for span in spans:
                if self.page_at(span[0]) == near_page:
                    return span
        return spans[0]

    def in_flagged(self, span: tuple[int, int]) -> bool:
        return any(s < span[1] and span[0] < e for s, e in self.flagged)


def verify_draft(draft: CriterionDraft, doc: FoldedDocument, scale: Scale) -> CriterionDraft:
    """The draft with only verified quotes, true pages, and its level checked against the scale."""
    if draft.level is not None and draft.level not in scale.values:
        return draft.model_copy(update={
            "level": None, "flags": sorted({*draft.flags, "unscored", "off_scale"}),
            "unscored_reason": f"off-scale level {draft.level} (scale {scale.values})",
            "evidence": []})
    kept: list[Evidence] = []
    flags = set(draft.flags)
    for ev in draft.evidence:
        span = doc.find(ev.quote, ev.page)
        if span is None:
            flags.add("unverified_evidence")
        elif doc.in_flagged(span):
            flags.add("flagged_evidence_dropped")
        else:
            kept.append(Evidence(quote=ev.quote, page=doc.page_at(span[0]), verified=True))
    return draft.model_copy(update={"evidence": kept, "flags": sorted(flags)})
