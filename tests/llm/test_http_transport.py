"""The llm backend's public seam for its HTTP layer: a transport factory, called once per
event loop, that every request — first asks, re-asks, retries — goes through."""

from __future__ import annotations

import asyncio
from typing import Any

from grader.backends.llm import LLMBackend
from grader.backends.llm_settings import LLMSettings
from tests.llm.conftest import make_request
from tests.llm.openai_server import OpenAIServer, Reply, error_reply

try:
    import httpx2 as httpx
except ImportError:  # openai before 3
    import httpx  # type: ignore[no-redef]


class Recording(httpx.AsyncBaseTransport):
    """Passes every request on to the real network layer, noting its path and status."""

    def __init__(self, seen: list[tuple[str, int]]) -> None:
        self.inner, self.seen = httpx.AsyncHTTPTransport(), seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.seen.append((request.url.path, response.status_code))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def _backend(srv: OpenAIServer, seen: list[tuple[str, int]], built: list[int]) -> LLMBackend:
    def factory() -> Recording:
        built.append(1)
        return Recording(seen)

    settings = LLMSettings(base_url=srv.base_url, model="test-model", timeout=2.0,
                           backoff_base=0.01, backoff_max=0.02, max_attempts=3)
    return LLMBackend(settings, http_transport=factory)


def test_every_request_goes_through_the_given_transport(server: OpenAIServer,
                                                        doc: Any) -> None:
    seen: list[tuple[str, int]] = []
    built: list[int] = []
    backend = _backend(server, seen, built)
    server.enqueue(error_reply(500, "oops"), Reply(args="{not json"))  # a retry, a re-ask

    async def main() -> Any:
        backend.warm()  # the client for this loop is opened before the first call
        assert built == [1] and not seen
        return await backend.adraft(make_request(doc))

    draft = asyncio.run(main())
    assert draft.level is not None
    assert [status for _, status in seen] == [500, 200, 200]
    assert all(path.endswith("/chat/completions") for path, _ in seen)
    assert len(server.chat_requests) == 3 and built == [1]


def test_a_new_event_loop_gets_a_transport_of_its_own(server: OpenAIServer, doc: Any) -> None:
    seen: list[tuple[str, int]] = []
    built: list[int] = []
    backend = _backend(server, seen, built)
    for _ in range(2):  # asyncio.run twice: a transport cannot outlive its loop
        assert asyncio.run(backend.adraft(make_request(doc))).level is not None
    assert built == [1, 1] and len(seen) == 2
