"""Where the cohort meets the network: one httpx transport under the llm backend's client.

Every chat request of the run goes through `CohortTransport`, which (1) answers from the call
journal a request already answered, (2) in capture mode keeps the request for the provider's
batch engine instead of sending it, (3) otherwise waits for the limiter, sends, and writes the
answer to the journal before anyone reads it. Being below the openai client and its retries,
it sees — and limits — every single request, retries and re-asks included.

The backend is the `llm` one, given this transport through its public `http_transport`
argument (`cohort_backend`); prompts, parsing and retries stay in llm.py. Every answer's
rate-limit headers go to the limiter, which holds new requests when the server says its budget
is spent.
"""

from __future__ import annotations

import asyncio
import json
from contextvars import ContextVar
from dataclasses import dataclass, field

import openai

from grader.backends.base import DraftRequest, unscored
from grader.backends.llm import LLMBackend
from grader.backends.llm_settings import LLMSettings
from grader.backends.retry import TRANSIENT_STATUS, retry_after
from grader.batch.journal import Journal, call_key
from grader.batch.limits import Limiter
from grader.batch.shared_window import scope_of
from grader.sheet.models import CriterionDraft

try:  # the HTTP library under the openai client: httpx2 from openai 3 on, httpx before
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]

CHARS_PER_TOKEN = 3.0
"""Conservative (French text is nearer 3.5–4): the token window must not be underestimated."""
DEFERRED = "deferred to the provider's batch engine"
YIELDS = 3
"""Loop turns a request just answered gives away before its answer is processed: enough for
a waiter to go from the freed slot to the socket."""
DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


@dataclass
class Tracker:
    """One submission's view of its calls; carried by a context variable into every task."""

    submission: str
    capture: dict[str, bytes] | None = None
    """In capture mode, the requests kept for the batch engine (key → body)."""
    errors: dict[str, str] = field(default_factory=dict)
    """Requests whose last attempt failed transiently (key → error): the backend gave up."""
    live: int = 0
    replayed: int = 0


@dataclass
class Capture:
    """One criterion's first request, caught on its way out (capture mode)."""

    key: str = ""
    body: bytes = b""
    event: asyncio.Event = field(default_factory=asyncio.Event)


CURRENT: ContextVar[Tracker | None] = ContextVar("grader_batch_tracker", default=None)
CAPTURE: ContextVar[Capture | None] = ContextVar("grader_batch_capture", default=None)


class CohortTransport(httpx.AsyncBaseTransport):
    def __init__(self, client: httpx.AsyncClient, journal: Journal | None,
                 limiter: Limiter) -> None:
        self.client, self.journal, self.limiter = client, journal, limiter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/chat/completions"):
            return await self._send(request)
        body = await request.aread()
        key, tracker = call_key(body), CURRENT.get()
        if (known := self._replay(request, key, tracker)) is not None:
            return known
        if (capture := CAPTURE.get()) is not None:
            capture.key, capture.body = key, body
            capture.event.set()
            await asyncio.Event().wait()  # parked until the drafting task is cancelled
        return await self._live(request, body, key, tracker)

    async def _live(self, request: httpx.Request, body: bytes, key: str,
                    tracker: Tracker | None) -> httpx.Response:
        async with self.limiter.call(_estimate(body)) as slot:
            # While this request waited for room, the same one (another submission's, with the
            # same passages) may have been answered: never pay for it twice.
            if (known := self._replay(request, key, tracker)) is not None:
                return known
            try:
                response = await self._send(request)
            except (TimeoutError, httpx.TransportError) as exc:
                if tracker is not None:
                    tracker.errors[key] = f"{type(exc).__name__}: {exc}"
                raise
            slot.settle(_used(response))
            slot.observe(response.headers)
            if response.status_code == 429 and (hinted := retry_after(openai.APIStatusError(
                    "rate limited", response=response, body=None))) is not None:
                slot.pause(hinted)
        # Answers come back in waves (the slots were filled at once). Processing each before
        # the requests waiting for the freed slots leave would hold every next request for
        # the whole wave's parsing: step aside, the waiters send first.
        for _ in range(YIELDS):
            await asyncio.sleep(0)
        status = response.status_code
        if status == 200 and self.journal is not None:
            self.journal.put(key, body, response.content,
                             tracker.submission if tracker else None)
        if tracker is not None:
            tracker.live += 1
            if status in TRANSIENT_STATUS or status >= 500:
                tracker.errors[key] = f"HTTP {status}"
            else:
                tracker.errors.pop(key, None)
        return response

    def _replay(self, request: httpx.Request, key: str, tracker: Tracker | None
                ) -> httpx.Response | None:
        known = self.journal.get(key) if self.journal is not None else None
        if known is None:
            return None
        if tracker is not None:
            tracker.replayed += 1
            tracker.errors.pop(key, None)
        return _response(request, 200, {"content-type": "application/json"}, known)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        sent = await self.client.send(request)
        headers = {k: v for k, v in sent.headers.items() if k.lower() not in DROPPED_HEADERS}
        return _response(request, sent.status_code, headers, sent.content)


def _response(request: httpx.Request, status: int, headers: dict[str, str],
              content: bytes) -> httpx.Response:
    return httpx.Response(status, headers=headers, content=content, request=request)


def _estimate(body: bytes) -> int:
    """Tokens a request may cost before its answer: the prompt's estimate + the answer budget."""
    try:
        data = json.loads(body)
    except ValueError:
        return int(len(body) / CHARS_PER_TOKEN)
    budget = data.get("max_completion_tokens") or data.get("max_tokens") or 0
    text = json.dumps(data.get("messages", []), ensure_ascii=False) + json.dumps(
        data.get("tools", []), ensure_ascii=False)
    return int(len(text) / CHARS_PER_TOKEN) + int(budget)


def _used(response: httpx.Response) -> int | None:
    try:
        usage = response.json().get("usage") or {}
        return int(usage["prompt_tokens"]) + int(usage["completion_tokens"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def cohort_backend(settings: LLMSettings, journal: Journal | None,
                   limiter: Limiter) -> LLMBackend:
    """The llm backend with the cohort's transport under its HTTP client, its rate windows
    shared with the other runs calling the same endpoint, model and key."""
    limiter.share(scope_of(settings.endpoint, settings.model, settings.key()), settings.timeout)

    def transport() -> CohortTransport:
        # The inner client is the one llm.py would use (timeouts, proxies from the
        # environment); the backend's own only routes its requests through ours.
        inner = openai.DefaultAsyncHttpxClient(timeout=settings.timeout)
        return CohortTransport(inner, journal, limiter)

    return LLMBackend(settings, http_transport=transport)


class Deferring:
    """Capture mode: the backend's first request for each criterion is kept for the batch
    engine, and the criterion comes back unscored (never cached, never written)."""

    def __init__(self, inner: LLMBackend) -> None:
        self.inner, self.name = inner, inner.name

    @property
    def model(self) -> str | None:
        return self.inner.model

    def warm(self) -> None:
        self.inner.warm()

    @property
    def prompt_version(self) -> str | None:
        return self.inner.prompt_version

    async def adraft(self, request: DraftRequest) -> CriterionDraft:
        tracker = CURRENT.get()
        assert tracker is not None and tracker.capture is not None
        capture = Capture()
        token = CAPTURE.set(capture)
        try:
            task = asyncio.ensure_future(self.inner.adraft(request))  # copies the context
        finally:
            CAPTURE.reset(token)
        caught = asyncio.ensure_future(capture.event.wait())
        await asyncio.wait({task, caught}, return_when=asyncio.FIRST_COMPLETED)
        caught.cancel()
        if task.done():
            return task.result()  # answered without the network (journal, no evidence)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        tracker.capture[capture.key] = capture.body
        return unscored(DEFERRED)


__all__ = ["CAPTURE", "CURRENT", "DEFERRED", "Capture", "CohortTransport", "Deferring",
           "Tracker", "cohort_backend"]
