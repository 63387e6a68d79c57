"""The call journal: every model answer is written down the moment it arrives.

Keyed by the exact request (its canonical JSON), so a run killed at any point and started
again gets, for a request it already sent and saw answered, the recorded answer instead of a
new paid call — first asks, re-asks and answers the drafting cache does not keep (unscored)
alike. Answers fetched from the provider's batch engine land here too, and the normal drafting
path replays them: one parser, one verification, whichever way the answers came.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any, Literal

Source = Literal["live", "batch"]


def call_key(body: bytes | str | dict[str, Any]) -> str:
    """The identity of a request: sha256 of its JSON with sorted keys."""
    data = json.loads(body) if isinstance(body, bytes | str) else body
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def usage_of(response: bytes | str | dict[str, Any]) -> tuple[int, int]:
    """(prompt, completion) tokens billed for a chat completion; (0, 0) when unknown."""
    try:
        data = json.loads(response) if isinstance(response, bytes | str) else response
        usage = data.get("usage") or {}
        return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    except (ValueError, AttributeError, TypeError):
        return 0, 0


class Journal:
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def get(self, key: str) -> bytes | None:
        row = self.con.execute("SELECT response FROM calls WHERE key = ?", (key,)).fetchone()
        return row[0].encode("utf-8") if row else None

    def put(self, key: str, request: bytes | str, response: bytes | str,
            submission: str | None, source: Source = "live") -> None:
        tokens_in, tokens_out = usage_of(response)
        self.con.execute(
            "INSERT OR REPLACE INTO calls (key, submission, request, response, input_tokens, "
            "output_tokens, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, submission, _text(request), _text(response), tokens_in, tokens_out, source))

    def tokens(self, source: Source) -> dict[str, tuple[int, int]]:
        """Per submission, the (in, out) tokens of the answers that came from `source`."""
        rows = self.con.execute("SELECT submission, SUM(input_tokens), SUM(output_tokens) "
                                "FROM calls WHERE source = ? GROUP BY submission", (source,))
        return {sub: (int(i or 0), int(o or 0)) for sub, i, o in rows if sub}

    def count(self, source: Source | None = None) -> int:
        if source is None:
            return int(self.con.execute("SELECT COUNT(*) FROM calls").fetchone()[0])
        return int(self.con.execute("SELECT COUNT(*) FROM calls WHERE source = ?",
                                    (source,)).fetchone()[0])


def _text(data: bytes | str) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


__all__ = ["Journal", "Source", "call_key", "usage_of"]
