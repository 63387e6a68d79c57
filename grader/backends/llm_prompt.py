"""The messages sent for one criterion, fitted to the context window by whole passages.

Two strategies. `evidence` (default): the passages retrieved for the criterion, fenced as
untrusted data. `whole`: the whole document in a first message that is identical for every
criterion of a submission (a prefix the endpoint can cache), the criterion last. Either way the
document's text is redacted first, and nothing is ever cut mid-passage: when the prompt would not
fit, the lowest-ranked passages are dropped (and reported), and when even the best passage does
not fit the criterion goes to the jury.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from grader.backends.base import DraftRequest, Passage
from grader.prompts import Prompt, load_prompt
from grader.redact import Redactor

log = logging.getLogger(__name__)
CHARS_PER_TOKEN = 3.5
"""French prose runs at ~3.5–4 characters per token: 3.5 errs on the safe side."""
MESSAGE_OVERHEAD = 8
"""Tokens a chat template adds around each message."""
_FENCE = re.compile(r"<(\s*/?\s*(?:document_excerpt|previous_answer))", re.I)


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


class PromptTooLong(Exception):
    """Even the best passage alone does not fit in the context window."""

    def __init__(self, tokens: int, budget: int) -> None:
        self.tokens, self.budget = tokens, budget
        super().__init__(f"{tokens} > {budget}")


@dataclass
class BuiltPrompt:
    messages: list[tuple[str, str]]
    """(role, text) pairs: system, then user message(s)."""
    sent: list[Passage]
    """The passages whose text is in the prompt."""
    dropped: list[Passage] = field(default_factory=list)
    """Retrieved passages left out so that the prompt fits the window (lowest-ranked first)."""
    tokens: int = 0
    """Estimated input tokens, tool schema included."""
    ids: dict[str, Passage] = field(default_factory=dict)
    """Excerpt id → passage, to locate what the model reports."""

    @property
    def pages(self) -> list[int]:
        return pages_of(self.sent)

    @property
    def dropped_pages(self) -> list[int]:
        return sorted(set(pages_of(self.dropped)) - set(self.pages))


def pages_of(passages: Sequence[Passage]) -> list[int]:
    return sorted({page for p in passages for page in (p.pages or (p.page,))})


@dataclass(frozen=True)
class PromptSpec:
    strategy: str
    """`evidence` or `whole`."""
    json_mode: bool
    """True when the schema must be described in the prompt (no tool calling)."""
    schema: str
    """The answer's JSON schema (in the prompt in JSON mode; counted as tool tokens otherwise)."""
    header: str
    """Prompt version, written at the top of the system prompt."""
    budget: int
    """Input tokens allowed: context window minus the answer's reserve."""
    tool: str


def build_prompt(request: DraftRequest, redactor: Redactor, spec: PromptSpec) -> BuiltPrompt:
    """The prompt for a criterion; raises PromptTooLong when nothing useful fits."""
    prompt = load_prompt("draft-criterion", request.lang)
    if spec.strategy == "whole":
        whole = _whole(request, redactor, spec, prompt)
        if whole.tokens <= spec.budget:
            return whole
        log.warning("whole document (~%d tokens) exceeds the context window (%d): "
                    "sending the retrieved passages instead", whole.tokens, spec.budget)
    ranked = list(request.passages)
    while True:
        built = _evidence(request, redactor, spec, prompt, ranked)
        if built.tokens <= spec.budget:
            built.dropped = list(request.passages[len(ranked):])
            return built
        if len(ranked) <= 1:
            raise PromptTooLong(built.tokens, spec.budget)
        ranked = ranked[:-1]


def _evidence(request: DraftRequest, redactor: Redactor, spec: PromptSpec, prompt: Prompt,
              ranked: list[Passage]) -> BuiltPrompt:
    in_order = sorted(ranked, key=lambda p: p.index)
    excerpts, ids = _excerpts(in_order, redactor, prompt)
    evidence = prompt.render("evidence", count=len(in_order), pages=_pages(in_order),
                             excerpts=excerpts)
    messages = [("system", _system(request, spec, prompt)),
                ("user", _criterion(request, spec, prompt, evidence))]
    return BuiltPrompt(messages, in_order, tokens=_tokens(messages, spec), ids=ids)


def _whole(request: DraftRequest, redactor: Redactor, spec: PromptSpec,
           prompt: Prompt) -> BuiltPrompt:
    body = sorted(request.body or request.passages, key=lambda p: p.index)
    excerpts, ids = _excerpts(body, redactor, prompt)
    evidence = prompt.render("evidence_whole", pages=_pages(body))
    messages = [("system", _system(request, spec, prompt)),
                ("user", prompt.render("document", excerpts=excerpts)),
                ("user", _criterion(request, spec, prompt, evidence))]
    return BuiltPrompt(messages, body, tokens=_tokens(messages, spec), ids=ids)


def _system(request: DraftRequest, spec: PromptSpec, prompt: Prompt) -> str:
    return prompt.render("system", prompt_id=spec.header, lang=request.lang,
                         deliverable=getattr(request.rubric.title, request.lang))


def _criterion(request: DraftRequest, spec: PromptSpec, prompt: Prompt, evidence: str) -> str:
    lang, crit, rubric = request.lang, request.criterion, request.rubric
    scale = "\n".join(
        prompt.render("scale_line", value=lv.value, label=getattr(lv.label, lang),
                      descriptor=getattr(crit.descriptors[lv.value], lang))
        for lv in rubric.scale.levels)
    group = getattr(rubric.group(crit.group).label, lang) if crit.group else "—"
    answer = (prompt.render("answer_json", schema=spec.schema) if spec.json_mode
              else prompt.render("answer_tools", tool=spec.tool))
    return prompt.render("criterion", label=getattr(crit.label, lang), group=group, scale=scale,
                         evidence=evidence, answer=answer)


def _excerpts(passages: Sequence[Passage], redactor: Redactor,
              prompt: Prompt) -> tuple[str, dict[str, Passage]]:
    ids: dict[str, Passage] = {}
    blocks = []
    for passage in passages:
        ident = f"E{passage.index + 1}"
        ids[ident] = passage
        pages = passage.pages or (passage.page,)
        page = str(pages[0]) if len(pages) == 1 else f"{pages[0]}-{pages[-1]}"
        blocks.append(prompt.render("excerpt", id=ident, page=page,
                                    text=fence_safe(redactor.redact(passage.text))))
    return "\n\n".join(blocks), ids


def fence_safe(text: str) -> str:
    """A passage cannot close its own fence: `<` of a fence tag becomes `‹`."""
    return _FENCE.sub(r"‹\1", text)


def _pages(passages: Sequence[Passage]) -> str:
    return ", ".join(map(str, pages_of(passages))) or "—"


def _tokens(messages: list[tuple[str, str]], spec: PromptSpec) -> int:
    text = sum(estimate_tokens(m) + MESSAGE_OVERHEAD for _, m in messages)
    return text + (0 if spec.json_mode else estimate_tokens(spec.schema))


__all__ = ["BuiltPrompt", "PromptSpec", "PromptTooLong", "build_prompt", "estimate_tokens",
           "fence_safe", "pages_of"]
