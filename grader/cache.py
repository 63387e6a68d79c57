"""The drafting cache: a rerun makes no model call for a criterion already drafted.

Keyed by document hash + rubric version + criterion + evidence + prompt version + backend and
model + language, in one SQLite file under the output folder (WAL, so a killed run loses
nothing that was committed).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

from grader.sheet.models import CriterionDraft

SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    key TEXT PRIMARY KEY,
    draft TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT (datetime('now'))
)"""


def draft_key(*parts: object) -> str:
    blob = json.dumps([str(p) for p in parts], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class DraftCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection, opened once: a cohort reads and writes the cache at every
        criterion, from its event loop. WAL with synchronous=NORMAL survives a killed process
        (only a power cut may lose the last drafts, which are then asked again)."""
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = sqlite3.connect(self.path, timeout=30)
            con.execute("PRAGMA synchronous=NORMAL")
        return con

    def get(self, key: str) -> CriterionDraft | None:
        with self._connect() as con:
            row = con.execute("SELECT draft FROM drafts WHERE key = ?", (key,)).fetchone()
        return CriterionDraft.model_validate_json(row[0]) if row else None

    def put(self, key: str, draft: CriterionDraft) -> None:
        with self._connect() as con:
            con.execute("INSERT OR REPLACE INTO drafts (key, draft) VALUES (?, ?)",
                        (key, draft.model_dump_json()))
