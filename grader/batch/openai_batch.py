"""`--via openai-batch`: a large cohort through the provider's Batch API (half price, ≤ 24 h).

1. Capture: the cohort is graded as usual, except that each criterion's request is kept
   instead of sent (transport.Deferring) — the exact body the llm backend would send.
2. The requests are written as JSONL (`OUT/openai-batch/requests-N.jsonl`), uploaded
   (`/v1/files`), and a batch is created (`/v1/batches`), tagged with the run and chunk.
3. Poll until the batch ends; download its output into the call journal (source `batch`).
4. The normal drafting path runs again: every request now finds its answer in the journal —
   same parsing, same re-ask, same verification as live calls. Requests without an answer
   (failed lines, an expired batch, re-asks) are sent live, within the limits.
Every step is recorded in the state before the next, so `grader batch --resume` carries on
from any interruption; a batch created but not yet recorded is found again by its tag rather
than paid twice.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any, Final

from grader.batch.cohort import Cohort
from grader.batch.discover import BatchError
from grader.batch.journal import Journal
from grader.batch.options import BatchOptions
from grader.batch.progress import Progress
from grader.batch.state import State
from grader.i18n import t
from grader.sheet.store import atomic_write_bytes

FOLDER = "openai-batch"
MAX_REQUESTS = 50_000
MAX_BYTES = 190 * 1024 * 1024
"""OpenAI's limits per batch file are 50,000 requests and 200 MB."""
ENDED = ("completed", "failed", "expired", "cancelled")
ENDPOINT: Final = "/v1/chat/completions"


class Deferred:
    """The requests kept for the batch engine and the batches made of them."""

    def __init__(self, state: State) -> None:
        self.con = state.con
        self.state = state

    def add(self, submission: str, requests: dict[str, bytes]) -> None:
        self.con.executemany("INSERT OR IGNORE INTO deferred (key, submission, body) "
                             "VALUES (?, ?, ?)",
                             [(k, submission, b.decode("utf-8")) for k, b in requests.items()])

    def write_chunks(self, folder: Path) -> None:
        """Requests not yet in a batch → JSONL files of at most MAX_REQUESTS / MAX_BYTES."""
        rows = list(self.con.execute("SELECT key, body FROM deferred WHERE chunk IS NULL "
                                     "ORDER BY submission, key"))
        chunk: list[tuple[str, bytes]] = []
        size = 0
        for key, body in rows:
            line = (json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT,
                                "body": json.loads(body)}, ensure_ascii=False) + "\n").encode()
            if chunk and (len(chunk) >= MAX_REQUESTS or size + len(line) > MAX_BYTES):
                self._write(folder, chunk)
                chunk, size = [], 0
            chunk.append((key, line))
            size += len(line)
        if chunk:
            self._write(folder, chunk)

    def _write(self, folder: Path, chunk: list[tuple[str, bytes]]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        with self.state.transaction() as con:
            cur = con.execute("INSERT INTO remote_batches (input_path, requests, status) "
                              "VALUES ('', ?, 'written')", (len(chunk),))
            ident = cur.lastrowid
            path = folder / f"requests-{ident}.jsonl"
            atomic_write_bytes(path, b"".join(line for _, line in chunk))
            con.execute("UPDATE remote_batches SET input_path = ? WHERE id = ?",
                        (str(path), ident))
            con.executemany("UPDATE deferred SET chunk = ? WHERE key = ?",
                            [(ident, key) for key, _ in chunk])

    def open_chunks(self) -> list[dict[str, Any]]:
        cur = self.con.execute("SELECT * FROM remote_batches WHERE collected = 0 ORDER BY id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def update(self, ident: int, **values: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in values)
        self.con.execute(f"UPDATE remote_batches SET {sets}, updated = datetime('now') "
                         "WHERE id = ?", (*values.values(), ident))

    def body(self, key: str) -> str | None:
        row = self.con.execute("SELECT body FROM deferred WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def submission(self, key: str) -> str | None:
        row = self.con.execute("SELECT submission FROM deferred WHERE key = ?",
                               (key,)).fetchone()
        return row[0] if row else None


def via_openai_batch(options: BatchOptions, state: State, keys: list[str],
                     progress: Progress) -> str | None:
    """Run the batch phases; None when every batch has ended and its answers are in the
    journal (the caller then builds the sheets), else the message telling to resume later."""
    store = Deferred(state)
    if not store.open_chunks():
        _capture(options, state, keys, progress, store)
        store.write_chunks(options.out / FOLDER)
    chunks = store.open_chunks()
    if not chunks:
        return None
    remote = Remote(options)
    run_id = state.get_meta("run_id") or uuid.uuid4().hex[:12]
    state.set_meta("run_id", run_id)
    for chunk in chunks:
        remote.submit(store, chunk, run_id, progress)
    while True:
        waiting = [c for c in store.open_chunks() if not remote.poll(store, c, progress)]
        if not waiting:
            return None
        if not options.wait:
            return t("batch.remote.waiting", options.lang, n=len(waiting), out=options.out)
        time.sleep(options.poll_interval)


def _capture(options: BatchOptions, state: State, keys: list[str], progress: Progress,
             store: Deferred) -> None:
    pending = state.rows("pending", keys)
    if not pending:
        return
    progress.start(t("batch.progress.capturing", options.lang), len(pending))
    try:
        asyncio.run(Cohort(options, state, progress, on_captured=store.add).run(pending))
    finally:
        progress.stop()


class Remote:
    """The provider's Files and Batches endpoints, through the openai client."""

    def __init__(self, options: BatchOptions) -> None:
        import openai

        from grader.backends.llm_settings import load_settings

        opts = {k: v for k, v in options.backend_options.items() if v is not None}
        settings = load_settings(**opts)
        self.url = settings.endpoint
        self.client = openai.OpenAI(base_url=settings.endpoint, api_key=settings.key(),
                                    timeout=settings.timeout, max_retries=3)
        self.lang = options.lang

    def _fail(self, exc: Exception) -> BatchError:
        from grader.backends.retry import describe

        return BatchError(t("batch.error.remote", self.lang, url=self.url, reason=describe(exc)))

    def submit(self, store: Deferred, chunk: dict[str, Any], run_id: str,
               progress: Progress) -> None:
        """Upload the chunk's file and create its batch, unless done already."""
        import openai

        tag = {"grader_run": run_id, "grader_chunk": str(chunk["id"])}
        try:
            if not chunk["input_file_id"]:
                path = Path(chunk["input_path"])
                with path.open("rb") as fh:
                    uploaded = self.client.files.create(file=(path.name, fh), purpose="batch")
                chunk["input_file_id"] = uploaded.id
                store.update(chunk["id"], input_file_id=uploaded.id, status="uploaded")
            if not chunk["batch_id"]:
                found = self._adopt(tag) or self.client.batches.create(
                    input_file_id=chunk["input_file_id"], endpoint=ENDPOINT,
                    completion_window="24h", metadata=tag)
                chunk["batch_id"] = found.id
                store.update(chunk["id"], batch_id=found.id, status=found.status)
                progress.note(t("batch.remote.submitted", self.lang, batch=found.id,
                                requests=chunk["requests"], file=chunk["input_file_id"]))
        except openai.APIError as exc:
            raise self._fail(exc) from None

    def _adopt(self, tag: dict[str, str]) -> Any:
        """A batch created for this chunk by an interrupted run (never pay twice)."""
        for batch in self.client.batches.list(limit=100):
            if (batch.metadata or {}).get("grader_run") == tag["grader_run"] and \
                    (batch.metadata or {}).get("grader_chunk") == tag["grader_chunk"]:
                return batch
        return None

    def poll(self, store: Deferred, chunk: dict[str, Any], progress: Progress) -> bool:
        """Look at the chunk's batch; collect its answers once it has ended. True if done."""
        import openai

        try:
            batch = self.client.batches.retrieve(chunk["batch_id"])
        except openai.APIError as exc:
            raise self._fail(exc) from None
        if batch.status != chunk["status"]:
            counts = batch.request_counts
            progress.note(t("batch.remote.status", self.lang, batch=batch.id,
                            status=batch.status, completed=counts.completed if counts else 0,
                            total=counts.total if counts else chunk["requests"]))
        store.update(chunk["id"], status=batch.status, output_file_id=batch.output_file_id,
                     error_file_id=batch.error_file_id)
        if batch.status not in ENDED:
            return False
        if batch.status != "completed":
            progress.note(t("batch.remote.ended", self.lang, batch=batch.id,
                            status=batch.status))
        self._collect(store, batch.output_file_id)
        store.update(chunk["id"], collected=1)
        return True

    def _collect(self, store: Deferred, file_id: str | None) -> None:
        """The batch's answers into the journal, each under its request's key."""
        import openai

        if not file_id:
            return
        try:
            content = self.client.files.content(file_id).content
        except openai.APIError as exc:
            raise self._fail(exc) from None
        journal = Journal(store.con)
        for line in content.decode("utf-8").splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            response = entry.get("response") or {}
            key = entry.get("custom_id", "")
            body = store.body(key)
            if response.get("status_code") == 200 and body is not None:
                journal.put(key, body, json.dumps(response.get("body"), ensure_ascii=False),
                            store.submission(key), source="batch")


__all__ = ["Deferred", "Remote", "via_openai_batch"]
