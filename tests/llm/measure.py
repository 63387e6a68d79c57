"""Tokens sent per document by drafting strategy, measured on the local server's request log.

    python -m tests.llm.measure [FILE] [--deliverable memoire] [--budget 2500]

Without FILE: `samples/memoire.pdf` if it exists, else the synthetic 45-page mémoire. For each
strategy the whole grid is drafted through the real backend and the real client; the server
counts what it received (characters, tokens at 3.5 characters each, and the prefix an
OpenAI-style prompt cache would have served). Criteria are drafted one at a time, as a cache
needs the first request to finish before the next can reuse its prefix.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.llm.memoire import write_memoire
from tests.llm.openai_server import CHARS_PER_TOKEN, OpenAIServer

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Row:
    label: str
    requests: int
    chars: int
    tokens: int
    cached: int
    pages_avg: float
    pages_min: int
    doc_pages: int
    output: int

    def billed(self, discount: float) -> int:
        """Input tokens billed when cached tokens cost (1 - discount) of the price."""
        return round(self.tokens - self.cached * discount)


def measure(path: Path, deliverable: str, label: str, budget: int = 2500,
            **settings: object) -> Row:
    from grader.backends.llm import LLMBackend
    from grader.grade import GradeOptions, grade_document
    from grader.ingest import read
    from grader.rubric.load import load_rubric

    doc = read(path)
    rubric = load_rubric(deliverable)
    with OpenAIServer() as srv:
        backend = LLMBackend.from_settings(base_url=srv.base_url, model="measure", api_key="x",
                                           **settings)
        options = GradeOptions(backend="llm", budget_tokens=budget, concurrency=1,
                               use_cache=False)
        sheet, _ = asyncio.run(grade_document(doc, rubric, backend, options))
        log = srv.chat_requests
    drafts = [c.draft for c in sheet.criteria if c.draft is not None]
    pages = [len(d.pages_read) for d in drafts]
    chars = sum(r.prompt_chars for r in log)
    return Row(label, len(log), chars, math.ceil(chars / CHARS_PER_TOKEN),
               sum(r.usage["prompt_tokens_details"]["cached_tokens"] for r in log),
               sum(pages) / max(1, len(pages)), min(pages, default=0), len(doc.pages),
               sum(r.usage["completion_tokens"] for r in log))


def report(rows: list[Row]) -> str:
    head = ("| strategy | requests | chars sent | tokens sent (≈chars/3.5) | of which cacheable "
            "prefix | billed-equivalent, cache −50 % | billed-equivalent, cache −90 % | "
            "pages read per criterion (avg / min) |\n|---|---|---|---|---|---|---|---|")
    lines = [f"| {r.label} | {r.requests} | {r.chars:,} | {r.tokens:,} | {r.cached:,} | "
             f"{r.billed(0.5):,} | {r.billed(0.9):,} | {r.pages_avg:.1f} / {r.pages_min} of "
             f"{r.doc_pages} |" for r in rows]
    return "\n".join([head, *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--deliverable", default="memoire")
    parser.add_argument("--budget", type=int, default=2500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or REPO / "samples" / "memoire.pdf"
        if not path.is_file():
            path = write_memoire(Path(tmp) / "memoire-synthetique.txt")
        print(f"{path.name}, deliverable {args.deliverable}, evidence budget {args.budget}\n")
        rows = [
            measure(path, args.deliverable, "evidence (default)", args.budget),
            measure(path, args.deliverable, "whole, 128k window", args.budget,
                    strategy="whole", context_tokens=128_000),
            measure(path, args.deliverable, "whole, 32k window (default)", args.budget,
                    strategy="whole"),
        ]
    print(report(rows))


if __name__ == "__main__":
    main()
