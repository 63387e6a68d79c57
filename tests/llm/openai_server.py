"""A small OpenAI-compatible server on 127.0.0.1 for tests: scripted answers, injected faults.

`POST /v1/chat/completions` answers from a queue of `Reply` items (a tool call, plain content, an
HTTP error with headers, a delay longer than the client's timeout); when the queue is empty it
answers by itself with a valid draft built from the request (the middle level of the schema's
enum, quoting the first excerpt), so a whole sheet can be graded without scripting each
criterion. Every request is logged with its body, time and size, and the usage it was billed,
including a simulated prompt cache (the longest prefix shared with an earlier request, in
128-token blocks from 1,024 tokens on, like OpenAI's), so strategies can be measured.

For cohort runs (tests/batch, benchmarks): a fixed `latency` per answer, a `pause()`/`resume()`
gate that holds answers back (to kill a client while calls are in flight), counters of requests
in flight and per sliding window, the time each answer was fully sent (`Logged.done`), a rate
budget of its own (`budget(requests=5, seconds=1)`: OpenAI's `x-ratelimit-*` headers on every
answer, and a 429 to a request beyond it), and the Batch API: `/v1/files` (upload, metadata,
content) and `/v1/batches` (create, retrieve, list, cancel), whose lines are answered like live
requests after `batch_delay` seconds.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
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
    done: float | None = None
    """When the answer was fully written to the client (monotonic); None if it never was."""

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

    def __init__(self, reject_tools: bool = False, latency: float = 0.0,
                 batch_delay: float = 0.0) -> None:
        self.replies: deque[Reply] = deque()
        self.log: list[Logged] = []
        self.reject_tools = reject_tools
        """Answer 400 « tools not supported » to any request carrying tools (old servers)."""
        self.latency = latency
        """Seconds every chat answer takes (added to a reply's own delay)."""
        self.batch_delay = batch_delay
        """Seconds a Batch API job stays `in_progress` before its lines are answered."""
        self.in_flight = 0
        self.peak_in_flight = 0
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_log: list[dict[str, Any]] = []
        """Every Batch API line answered: {custom_id, body, status}."""
        self.simulate_cache = True
        """Compute the prompt-cache hits (quadratic in the requests: off for big benchmarks)."""
        self.rules: list[tuple[str, Reply]] = []
        """(text, reply): a request whose text contains `text` gets `reply`, every time."""
        self.limits: RateBudget | None = None
        """A rate budget of the server's own (see `budget`); None: unlimited, no headers."""
        self._gate = threading.Event()
        self._gate.set()
        self._lock = threading.Lock()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _handler(self))
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

    def budget(self, requests: int | None = None, tokens: int | None = None,
               seconds: float = 1.0) -> None:
        """Allow `requests` (and `tokens`: prompt estimate + answer budget) per fixed window of
        `seconds` starting at the window's first request; say what is left in OpenAI's
        headers on every answer; answer 429 (without Retry-After) to a request beyond it."""
        self.limits = RateBudget(requests, tokens, seconds)

    def pause(self) -> None:
        """Hold every chat answer (requests are still logged) until `resume()`."""
        self._gate.clear()

    def resume(self) -> None:
        self._gate.set()

    def max_in_window(self, seconds: float) -> int:
        """Most chat requests received within any `seconds`-long window."""
        times = sorted(r.time for r in self.chat_requests)
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def answer(self, logged: Logged, record: bool = True
               ) -> tuple[Reply, dict[str, Any] | None]:
        """The reply to a logged request and, for a 200, the completion body."""
        with self._lock:
            if record:
                self.log.append(logged)
            over, headers = (self.limits.count(_cost(logged)) if self.limits is not None
                             else (False, {}))
            if over:
                reply = error_reply(429, "rate limit reached", code="rate_limit_exceeded")
            elif self.reject_tools and logged.body.get("tools"):
                reply = error_reply(400, "tools are not supported by this server",
                                    code="tools_not_supported")
            elif rule := next((r for text, r in self.rules if text in logged.text), None):
                reply = rule
            else:
                reply = self.replies.popleft() if self.replies else _auto_reply(logged.body)
            if headers:
                reply = dataclasses.replace(reply, headers={**reply.headers, **headers})
            if reply.status != 200:
                return reply, None
            completion = _completion(logged, reply, self._cached_prefix(logged))
            logged.usage = completion["usage"]
            return reply, completion

    def _cached_prefix(self, logged: Logged) -> int:
        """Tokens of the longest prefix shared with an earlier request (OpenAI-like blocks)."""
        best = 0
        if not self.simulate_cache:
            return 0
        for earlier in self.log[:-1]:
            if earlier.status == 200:
                best = max(best, _common_prefix(earlier.text, logged.text))
        tokens = int(best / CHARS_PER_TOKEN)
        return 0 if tokens < 1024 else tokens - tokens % 128

    # --- Batch API ----------------------------------------------------------------------------

    def upload(self, filename: str, purpose: str, data: bytes) -> dict[str, Any]:
        meta = {"id": f"file-{uuid.uuid4().hex[:12]}", "object": "file", "bytes": len(data),
                "created_at": int(time.time()), "filename": filename, "purpose": purpose}
        with self._lock:
            self.files[meta["id"]] = {**meta, "_data": data}
        return meta

    def create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        batch = {"id": f"batch_{uuid.uuid4().hex[:12]}", "object": "batch",
                 "endpoint": body.get("endpoint"), "errors": None,
                 "input_file_id": body.get("input_file_id"),
                 "completion_window": body.get("completion_window", "24h"),
                 "status": "validating", "output_file_id": None, "error_file_id": None,
                 "created_at": now, "in_progress_at": None, "completed_at": None,
                 "metadata": body.get("metadata") or {},
                 "request_counts": {"total": 0, "completed": 0, "failed": 0}}
        if batch["input_file_id"] not in self.files:
            raise KeyError(batch["input_file_id"])
        with self._lock:
            self.batches[batch["id"]] = batch
        threading.Thread(target=self._run_batch, args=(batch["id"],), daemon=True).start()
        return batch

    def _run_batch(self, batch_id: str) -> None:
        batch = self.batches[batch_id]
        lines = [json.loads(line) for line in
                 self.files[batch["input_file_id"]]["_data"].decode("utf-8").splitlines()
                 if line.strip()]
        with self._lock:
            batch.update(status="in_progress", in_progress_at=int(time.time()))
            batch["request_counts"]["total"] = len(lines)
        time.sleep(self.batch_delay)
        if batch["status"] != "in_progress":  # cancelled meanwhile
            return
        out, errors = [], []
        for line in lines:
            logged = Logged(time=time.monotonic(), path=line.get("url", ""), headers={},
                            body=line.get("body", {}), raw=json.dumps(line.get("body", {})))
            reply, completion = self.answer(logged, record=False)
            self.batch_log.append({"custom_id": line["custom_id"], "body": logged.body,
                                   "status": reply.status})
            response = {"status_code": reply.status, "request_id": f"req_{len(out)}",
                        "body": completion or reply.body or {}}
            entry = {"id": f"batch_req_{uuid.uuid4().hex[:8]}", "custom_id": line["custom_id"],
                     "response": response, "error": None}
            (out if reply.status == 200 else errors).append(entry)
        self._finish(batch, out, errors)

    def _finish(self, batch: dict[str, Any], out: list[Any], errors: list[Any]) -> None:
        def jsonl(rows: list[Any]) -> bytes:
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()

        output = self.upload("batch_output.jsonl", "batch_output", jsonl(out)) if out else None
        failed = self.upload("batch_errors.jsonl", "batch_output", jsonl(errors)) \
            if errors else None
        with self._lock:
            batch.update(status="completed", completed_at=int(time.time()),
                         output_file_id=output and output["id"],
                         error_file_id=failed and failed["id"])
            batch["request_counts"].update(completed=len(out), failed=len(errors))

    def cancel_batch(self, batch_id: str) -> dict[str, Any]:
        with self._lock:
            self.batches[batch_id].update(status="cancelled")
        return self.batches[batch_id]


@dataclass
class RateBudget:
    """A fixed window of the server's: `requests` and `tokens` at most per `seconds`."""

    requests: int | None
    tokens: int | None
    seconds: float
    clock: Callable[[], float] = time.monotonic
    start: float = -math.inf
    used_requests: int = 0
    used_tokens: int = 0
    refused: int = 0

    def count(self, cost: int = 0) -> tuple[bool, dict[str, str]]:
        """(over the budget, the x-ratelimit-* headers) for a request of `cost` tokens
        arriving now."""
        now = self.clock()
        if now >= self.start + self.seconds:
            self.start, self.used_requests, self.used_tokens = now, 0, 0
        over = ((self.requests is not None and self.used_requests + 1 > self.requests)
                or (self.tokens is not None and self.used_tokens + cost > self.tokens))
        if over:
            self.refused += 1
        else:
            self.used_requests += 1
            self.used_tokens += cost
        reset = go_duration(self.start + self.seconds - now)
        headers: dict[str, str] = {}
        for kind, limit, used in (("requests", self.requests, self.used_requests),
                                  ("tokens", self.tokens, self.used_tokens)):
            if limit is not None:
                headers.update({f"x-ratelimit-limit-{kind}": str(limit),
                                f"x-ratelimit-remaining-{kind}": str(max(0, limit - used)),
                                f"x-ratelimit-reset-{kind}": reset})
        return over, headers


def _cost(logged: Logged) -> int:
    """Tokens a request counts for, as OpenAI counts them: the prompt and the answer budget."""
    budget = logged.body.get("max_completion_tokens") or logged.body.get("max_tokens") or 0
    return estimate_tokens(logged.text) + int(budget)


def go_duration(seconds: float) -> str:
    """OpenAI's way of writing a reset (`20ms`, `1.5s`, `6m0s`), rounded up: never early."""
    millis = max(0, math.ceil(seconds * 1000))
    if millis < 1000:
        return f"{millis}ms"
    minutes, rest = divmod(millis, 60_000)
    text = f"{rest / 1000:g}s"
    return f"{minutes}m{text}" if minutes else text


class _HTTPServer(ThreadingHTTPServer):
    request_queue_size = 256  # a cohort opens dozens of connections at once (default: 5)


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
        # Headers and body leave in two writes: with Nagle's algorithm on, the body waited for
        # the client's delayed ACK of the headers (~40 ms on loopback) — a latency the server
        # would claim it does not have.
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:
            raw_bytes = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if "/files" in self.path:
                return self._upload(raw_bytes)
            raw = raw_bytes.decode("utf-8")
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            if "/batches" in self.path:
                return self._batches_post(body)
            logged = Logged(time=time.monotonic(), path=self.path,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body, raw=raw)
            if not self.path.endswith("/chat/completions"):
                return self._send(404, {"error": {"message": "not found"}}, {})
            server._enter()
            try:
                reply, completion = server.answer(logged)
                logged.status = reply.status
                server._gate.wait()
                if reply.delay or server.latency:
                    time.sleep(reply.delay + server.latency)
                if self._send(reply.status, completion or reply.body or {}, reply.headers):
                    logged.done = time.monotonic()
            finally:
                server._leave()

        def do_GET(self) -> None:
            parts = self.path.split("?")[0].rstrip("/").split("/")
            try:
                if parts[-2:-1] == ["files"]:
                    meta = server.files[parts[-1]]
                    return self._send(200, {k: v for k, v in meta.items() if k != "_data"}, {})
                if parts[-1] == "content" and parts[-3] == "files":
                    return self._send_bytes(200, server.files[parts[-2]]["_data"])
                if parts[-2:-1] == ["batches"]:
                    return self._send(200, server.batches[parts[-1]], {})
                if parts[-1] == "batches":
                    data = sorted(server.batches.values(), key=lambda b: -b["created_at"])
                    return self._send(200, {"object": "list", "data": data,
                                            "has_more": False}, {})
            except (KeyError, IndexError):
                pass
            self._send(404, {"error": {"message": f"not found: {self.path}"}}, {})

        def _batches_post(self, body: dict[str, Any]) -> None:
            try:
                if self.path.rstrip("/").endswith("/cancel"):
                    batch_id = self.path.rstrip("/").split("/")[-2]
                    return self._send(200, server.cancel_batch(batch_id), {})
                return self._send(200, server.create_batch(body), {})
            except KeyError as exc:
                self._send(404, {"error": {"message": f"no such file or batch: {exc}"}}, {})

        def _upload(self, raw: bytes) -> None:
            fields = _multipart(raw, self.headers.get("Content-Type", ""))
            name, data = fields.get("file", ("upload.jsonl", b""))
            purpose = fields.get("purpose", ("", b"batch"))[1].decode()
            self._send(200, server.upload(name or "upload.jsonl", purpose, data), {})

        def _send_bytes(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> bool:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
                return True
            except (BrokenPipeError, ConnectionResetError):
                return False  # the client gave up (timeout test) or was killed

    return Handler


def _multipart(raw: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    """The fields of a multipart/form-data body: name → (file name, bytes)."""
    match = re.search(r"boundary=\"?([^\";]+)", content_type)
    if not match:
        return {}
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in raw.split(b"--" + match.group(1).encode())[1:]:
        head, _, data = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        filename = re.search(rb'filename="([^"]*)"', head)
        if name:
            fields[name.group(1).decode()] = (filename.group(1).decode() if filename else None,
                                              data.removesuffix(b"\r\n"))
    return fields
