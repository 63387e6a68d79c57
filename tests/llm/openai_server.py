"""A small OpenAI-compatible server on 127.0.0.1 for tests: scripted answers, injected faults.

`POST /v1/chat/completions` answers from a queue of `Reply` items (a tool call, plain content, an
HTTP error with headers, a delay longer than the client's timeout); when the queue is empty it
answers by itself with a valid draft built from the request (the middle level of the schema's
enum, quoting the first excerpt), so a whole sheet can be graded without scripting each
criterion. Every request is logged with its body, time and size, and the usage it was billed,
including a simulated prompt cache (the longest prefix shared with an earlier request, in
128-token blocks from 1,024 tokens on, like OpenAI's), so strategies can be measured.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHARS_PER_TOKEN = 3.5
_EXCERPT = re.compile(r"<document_excerpt id=\"?([^\" >]+)\"? page=\"?(\d+)[\d-]*\"?>\n(.*?)\n"
                      r"</document_excerpt>", re.S)


def estimate_tokens(text: str) -> int:
    return max(1, round(len(text) / CHARS_PER_TOKEN))


@dataclass
class Reply:
    """One scripted answer: a tool call (`args`), plain `content`, or an error `status`."""

    args: dict[str, Any] | str | None = None
    """Tool-call arguments (a dict, or a raw string to send malformed JSON)."""
    content: str | None = None
    status: int = 200
    body: dict[str, Any] | None = None
    """Body of an error answer."""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (longer than the client timeout → a timeout)."""
    usage: tuple[int, int] | None = None
    """(prompt, completion) tokens to report; estimated from the request when None."""


@dataclass
class Logged:
    time: float
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: str
    status: int = 0
    usage: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Every message's text joined: what the model was shown."""
        return "\n".join(_content_text(m.get("content")) for m in self.body.get("messages", []))

    @property
    def prompt_chars(self) -> int:
        return len(self.text) + len(json.dumps(self.body.get("tools", []), ensure_ascii=False))


def _content_text(content: Any) -> str:
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def tool_reply(level: int, justification: str = "Justification.", quotes: list[tuple[str, int]]
               | None = None, confidence: float = 0.7, **extra: Any) -> Reply:
    """A well-formed tool-call answer."""
    evidence = [{"quote": q, "page": p} for q, p in (quotes or [])]
    return Reply(args={"justification": justification, "evidence": evidence, "level": level,
                       "confidence": confidence, **extra})


def error_reply(status: int, message: str = "error", retry_after: str | None = None,
                code: str | None = None) -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(status=status, headers=headers,
                 body={"error": {"message": message, "type": "server_error", "code": code}})


class OpenAIServer:
    """The server, its queue of replies and its request log. Use as a context manager."""

    def __init__(self, reject_tools: bool = False) -> None:
        self.replies: deque[Reply] = deque()
        self.log: list[Logged] = []
        self.reject_tools = reject_tools
        """Answer 400 « tools not supported » to any request carrying tools (old servers)."""
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> OpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def enqueue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    @property
    def chat_requests(self) -> list[Logged]:
        return [r for r in self.log if r.path.endswith("/chat/completions")]

    def answer(self, logged: Logged) -> tuple[Reply, dict[str, Any] | None]:
        """The reply to a logged request and, for a 200, the completion body."""
        with self._lock:
            self.log.append(logged)
            if self.reject_tools and logged.body.get("tools"):
                reply = error_reply(400, "tools are not supported by this server",
                                    code="tools_not_supported")
            else:
                reply = self.replies.popleft() if self.replies else _auto_reply(logged.body)
            if reply.status != 200:
                return reply, None
            completion = _completion(logged, reply, self._cached_prefix(logged))
            logged.usage = completion["usage"]
            return reply, completion

    def _cached_prefix(self, logged: Logged) -> int:
        """Tokens of the longest prefix shared with an earlier request (OpenAI-like blocks)."""
        best = 0
        for earlier in self.log[:-1]:
            if earlier.status == 200:
                best = max(best, _common_prefix(earlier.text, logged.text))
        tokens = int(best / CHARS_PER_TOKEN)
        return 0 if tokens < 1024 else tokens - tokens % 128


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _completion(logged: Logged, reply: Reply, cached: int) -> dict[str, Any]:
    body = logged.body
    prompt, completion = reply.usage or (estimate_tokens(logged.text), 0)
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.args is not None:
        args = reply.args if isinstance(reply.args, str) else json.dumps(reply.args,
                                                                        ensure_ascii=False)
        name = body.get("tools", [{}])[0].get("function", {}).get("name", "answer")
        message["tool_calls"] = [{"id": f"call_{len(args)}", "type": "function",
                                  "function": {"name": name, "arguments": args}}]
        completion = completion or estimate_tokens(args)
    else:
        completion = completion or estimate_tokens(reply.content or "")
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", "test-model"),
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if reply.args is not None else "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                  "total_tokens": prompt + completion,
                  "prompt_tokens_details": {"cached_tokens": min(cached, prompt)}},
    }


def _auto_reply(body: dict[str, Any]) -> Reply:
    """A valid answer built from the request: middle level, first excerpt's first sentence."""
    text = "\n".join(_content_text(m.get("content")) for m in body.get("messages", []))
    levels = _levels(body, text)
    excerpts = _EXCERPT.findall(text)
    quotes = []
    if excerpts:
        _, page, passage = excerpts[0]
        quotes = [(re.split(r"(?<=[.!?])\s", passage.strip())[0][:200], int(page))]
    draft = {"justification": "Réponse automatique du serveur de test.",
             "evidence": [{"quote": q, "page": p} for q, p in quotes],
             "level": levels[len(levels) // 2] if levels else 1, "confidence": 0.6}
    if body.get("tools"):
        return Reply(args=draft)
    return Reply(content=json.dumps(draft, ensure_ascii=False))


def _levels(body: dict[str, Any], text: str) -> list[int]:
    for tool in body.get("tools", []):
        props = tool.get("function", {}).get("parameters", {}).get("properties", {})
        enum = props.get("level", {}).get("enum")
        if enum:
            return sorted(enum)
    match = re.search(r'"level":\s*\{[^{}]*"enum":\s*\[([\d,\s]+)\]', text)
    return sorted(int(v) for v in match.group(1).split(",")) if match else []


def _handler(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

        def log_message(self, *args: object) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            logged = Logged(time=time.monotonic(), path=self.path,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body, raw=raw)
            if not self.path.endswith("/chat/completions"):
                return self._send(404, {"error": {"message": "not found"}}, {})
            reply, completion = server.answer(logged)
            logged.status = reply.status
            if reply.delay:
                time.sleep(reply.delay)
            self._send(reply.status, completion or reply.body or {}, reply.headers)

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    return Handler
