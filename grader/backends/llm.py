"""The `llm` backend: any OpenAI-compatible endpoint (OpenAI, Azure OpenAI v1, vLLM, Ollama,
llama.cpp server) through LangChain's `ChatOpenAI`, with structured output.

Per criterion: redact the document's text, build the prompt (fitted to the context window by
whole passages), ask for a structured answer — tool calling, or JSON mode for servers without
tools — re-ask once with the validation error, and turn whatever happens into a draft: a level
with restored quotes, or an unscored draft that says why and keeps the raw answer. Transient
errors are retried in `retry.py` only; configuration errors (bad key, unknown model) stop the
run with a BackendError, since every criterion would fail the same way.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import openai
from langchain_core.exceptions import ContextOverflowError
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr

from grader import yamlio
from grader.backends.base import BackendError, DraftRequest, unscored
from grader.backends.llm_prompt import (
    BuiltPrompt,
    PromptSpec,
    PromptTooLong,
    build_prompt,
    fence_safe,
    pages_of,
)
from grader.backends.llm_schema import TOOL_NAME, Parsed, answer_model, parse, schema_text
from grader.backends.llm_settings import LLMSettings, load_settings
from grader.backends.retry import EndpointUnavailable, RetryPolicy, call_with_retry, describe
from grader.i18n import Lang
from grader.prompts import load_prompt
from grader.redact import Redactor
from grader.sheet.models import CriterionDraft, Evidence, Usage

if TYPE_CHECKING:
    from httpx2 import AsyncBaseTransport

    TransportFactory = Callable[[], AsyncBaseTransport]

log = logging.getLogger(__name__)
MESSAGES = Path(__file__).with_name("llm_messages.yaml")
INJECTION_CONFIDENCE = 0.3
"""A draft whose evidence holds instructions to the grader is one the jury must look at."""
RAW_IN_REASK = 2000
CONFIG_ERRORS = (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)


class ToolsRefused(Exception):
    """The server rejected a request with tools: switch to JSON mode."""


class LLMBackend:
    name = "llm"

    def __init__(self, settings: LLMSettings,
                 http_transport: TransportFactory | None = None) -> None:
        """`http_transport`, when given, builds the HTTP transport under the openai client —
        called once per event loop, since a transport cannot outlive the loop it ran on. Every
        request (first asks, re-asks, retries) then goes through it: what `grader batch` uses
        to limit and journal them."""
        if not settings.redact and not settings.is_loopback:
            raise BackendError(
                f"--no-redact refused: {settings.endpoint} is not a loopback address "
                "(127.0.0.1, ::1, localhost), and unredacted names, e-mails and phone numbers "
                "would leave this machine. Drop --no-redact (or redact: false in the config).")
        self.settings = settings
        self._transport = http_transport
        self._key = settings.key()
        self._mode = "json" if settings.structured == "json" else "tools"
        self._chats: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ChatOpenAI] = (
            weakref.WeakKeyDictionary())
        self._bound: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[
            tuple[type[BaseModel], str], Any]] = weakref.WeakKeyDictionary()
        self._redactors: dict[str, Redactor] = {}
        self._policy = RetryPolicy(settings.max_attempts, settings.backoff_base,
                                   settings.backoff_max, settings.retry_after_max)

    @classmethod
    def from_settings(cls, **options: Any) -> LLMBackend:
        """Flags from the CLI (None ignored) over env over config file over defaults."""
        return cls(load_settings(**options))

    @property
    def model(self) -> str | None:
        return self.settings.model

    @property
    def prompt_version(self) -> str | None:
        draft, reask = load_prompt("draft-criterion", "fr"), load_prompt("reask", "fr")
        return f"{draft.ident}+{reask.ident}+{self.settings.strategy}"

    def warm(self) -> None:
        """Open the client for the running loop now rather than on the first call."""
        self._chat()

    @property
    def mode(self) -> str:
        """`tools` or `json`: how answers are being structured now."""
        return self._mode

    async def adraft(self, request: DraftRequest) -> CriterionDraft:
        whole = self.settings.strategy == "whole"
        if not (request.passages or (whole and request.body)):
            return unscored(_msg("no_evidence", request.lang))
        try:
            return await self._draft(request, self._mode)
        except ToolsRefused as exc:
            log.warning("%s refuses tool calling (%s): JSON mode for the rest of the run",
                        self.settings.endpoint, exc)
            self._mode = "json"
            return await self._draft(request, "json")

    def prompt(self, request: DraftRequest, mode: str | None = None) -> BuiltPrompt:
        """The prompt this backend would send for `request` (raises PromptTooLong)."""
        model = answer_model(tuple(request.rubric.scale.values), request.lang)
        spec = PromptSpec(strategy=self.settings.strategy, json_mode=(mode or self._mode) == "json",
                          schema=schema_text(model), header=self.prompt_version or "",
                          budget=self.settings.context_tokens - self.settings.max_output_tokens,
                          tool=TOOL_NAME)
        return build_prompt(request, self._redactor(request), spec)

    async def _draft(self, request: DraftRequest, mode: str) -> CriterionDraft:
        try:
            built = self.prompt(request, mode)
        except PromptTooLong as exc:
            return unscored(_msg("too_long", request.lang, tokens=exc.tokens, budget=exc.budget))
        model = answer_model(tuple(request.rubric.scale.values), request.lang)
        return await self._converse(request, built, model, mode, self._redactor(request))

    async def _converse(self, request: DraftRequest, built: BuiltPrompt, model: type[BaseModel],
                        mode: str, redactor: Redactor) -> CriterionDraft:
        """Ask, re-ask with the validation error, then give up to the jury with the reason."""
        lang, usage, last = request.lang, Usage(), None
        messages = _messages(built.messages)
        for _ in range(1 + self.settings.reasks):
            try:
                result = await self._ask(messages, model, mode)
            except EndpointUnavailable as exc:
                return _gave_up(_msg("unavailable", lang, error=exc), built, usage, last)
            except (openai.APIError, ValueError) as exc:
                log.debug("request refused", exc_info=True)
                return _gave_up(_msg("refused", lang, error=describe(exc)), built, usage, last)
            usage = _add_usage(usage, result.get("raw"))
            last = parse(result, model)
            if last.answer is not None:
                return self._to_draft(last.answer, built, redactor, usage, lang)
            messages = [*_messages(built.messages), HumanMessage(_reask(request, last))]
        assert last is not None
        reason = _msg("invalid", lang, calls=usage.calls, error=last.error)
        return _gave_up(reason, built, usage, last)

    async def _ask(self, messages: list[BaseMessage], model: type[BaseModel],
                   mode: str) -> dict[str, Any]:
        method: Literal["function_calling", "json_mode"] = (
            "function_calling" if mode == "tools" else "json_mode")
        runnable = self._structured(model, method)
        try:
            result: dict[str, Any] = await call_with_retry(lambda: runnable.ainvoke(messages),
                                                           self._policy)
        except CONFIG_ERRORS as exc:
            raise BackendError(f"{self.settings.endpoint}: {describe(exc)} — check the model "
                               "(--model, GRADER_MODEL), the URL (--base-url, OPENAI_BASE_URL) "
                               "and the key (OPENAI_API_KEY)") from None
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            if (mode == "tools" and self.settings.structured == "auto"
                    and not isinstance(exc, ContextOverflowError)):
                raise ToolsRefused(describe(exc)) from exc
            raise
        return result

    def _structured(self, model: type[BaseModel], method: str) -> Any:
        """The chat model bound to the answer's schema, built once per loop, model and method:
        building it converts the pydantic model to a tool schema, milliseconds that a cohort
        would otherwise spend on its event loop at every call."""
        loop = asyncio.get_running_loop()
        bound = self._bound.setdefault(loop, {})
        if (model, method) not in bound:
            bound[(model, method)] = self._chat().with_structured_output(
                model, method=method, include_raw=True)  # type: ignore[arg-type]
        return bound[(model, method)]

    def _chat(self) -> ChatOpenAI:
        """One chat model per event loop: an HTTP client cannot outlive the loop it ran on."""
        loop = asyncio.get_running_loop()
        chat = self._chats.get(loop)
        if chat is None:
            transport = self._transport() if self._transport is not None else None
            chat = self._chats[loop] = _chat_model(self.settings, self._key,
                                                   self.prompt_version or "", transport)
        return chat

    def _redactor(self, request: DraftRequest) -> Redactor:
        """One redactor per document, primed on its whole text so placeholders are stable."""
        if not self.settings.redact:
            return Redactor.disabled()
        doc = request.document
        if doc.sha256 not in self._redactors:
            self._redactors[doc.sha256] = request.redactor or Redactor.for_document(doc)
        return self._redactors[doc.sha256]

    def _to_draft(self, answer: Any, built: BuiltPrompt, redactor: Redactor, usage: Usage,
                  lang: Lang) -> CriterionDraft:
        flags, notes, confidence = [], [], float(answer.confidence)
        if built.dropped:
            flags.append("partial_coverage")
            pages = ", ".join(map(str, pages_of(built.dropped)))
            notes.append(_msg("partial", lang, pages=pages))
        if answer.injection:
            flags.append("injection_reported")
            confidence = min(confidence, INJECTION_CONFIDENCE)
            reported = [built.ids[i] for i in answer.injection if i in built.ids]
            notes.append(_msg("injection", lang,
                              pages=", ".join(map(str, pages_of(reported))) or "?"))
        justification = "\n\n".join([redactor.restore(answer.justification).strip(), *notes])
        evidence = [Evidence(quote=redactor.restore(q.quote), page=q.page)
                    for q in answer.evidence]
        return CriterionDraft(level=answer.level, justification=justification,
                              evidence=evidence, confidence=confidence, flags=flags,
                              pages_read=built.pages, usage=usage)


def _chat_model(settings: LLMSettings, key: str, version: str,
                transport: AsyncBaseTransport | None = None) -> ChatOpenAI:
    # A transport of our own replaces httpx's, proxies from the environment included: a
    # factory that needs them sends through a client of its own (as the cohort's does).
    client = openai.DefaultAsyncHttpxClient(timeout=settings.timeout, transport=transport)
    return ChatOpenAI(
        model=settings.model or "", base_url=settings.endpoint, api_key=SecretStr(key),
        temperature=settings.temperature, seed=settings.seed,
        max_completion_tokens=settings.max_output_tokens, timeout=settings.timeout,
        max_retries=0,  # retries happen in retry.py only, never doubled
        use_responses_api=False,  # every compatible server speaks Chat Completions
        default_headers={"X-Grader-Prompt-Version": version},
        http_async_client=client,
    )


def _messages(pairs: list[tuple[str, str]]) -> list[BaseMessage]:
    return [SystemMessage(text) if role == "system" else HumanMessage(text)
            for role, text in pairs]


def _reask(request: DraftRequest, last: Parsed) -> str:
    raw = last.raw if len(last.raw) <= RAW_IN_REASK else last.raw[:RAW_IN_REASK] + " …"
    levels = ", ".join(map(str, request.rubric.scale.values))
    return load_prompt("reask", request.lang).render(
        "reask", error=last.error or "?", answer=fence_safe(raw), levels=levels)


def _add_usage(usage: Usage, message: Any) -> Usage:
    meta = getattr(message, "usage_metadata", None) or {}
    cached = (meta.get("input_token_details") or {}).get("cache_read") or 0
    return usage.model_copy(update={
        "input_tokens": usage.input_tokens + int(meta.get("input_tokens", 0)),
        "output_tokens": usage.output_tokens + int(meta.get("output_tokens", 0)),
        "cached_input_tokens": usage.cached_input_tokens + int(cached),
        "calls": usage.calls + 1})


def _gave_up(reason: str, built: BuiltPrompt, usage: Usage, last: Parsed | None
             ) -> CriterionDraft:
    return unscored(reason, raw_answer=last.raw if last else None, pages_read=built.pages,
                    usage=usage)


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = yamlio.safe_load(MESSAGES.read_text(encoding="utf-8"))
    return data


def _msg(key: str, lang: Lang, **values: object) -> str:
    entry = _catalogue()[key]
    return (entry.get(lang) or entry["fr"]).format(**values)


__all__ = ["LLMBackend", "LLMSettings"]
