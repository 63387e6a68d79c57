"""`grader audit verify`: recompute the hash chain of the review log and report any tampering.

Each event's hash covers its own columns and the previous event's hash, so editing, deleting or
reordering any row breaks the chain at that row. The head (event count and last hash) is kept in
the store and printed by `verify` and on every procès-verbal: a chain rewritten from scratch
after an edit is caught by comparing it with a head recorded earlier.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from grader.i18n import Lang, t
from grader.review import schema
from grader.review.store import ReviewStore, event_digest


@dataclass(frozen=True)
class Problem:
    seq: int | None
    """The event where the chain breaks (None for a problem with the store as a whole)."""
    message: str


@dataclass
class AuditReport:
    where: str
    events: int = 0
    head: str = schema.GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store: ReviewStore, lang: Lang | None = None) -> AuditReport:
    """Every event and every stored sheet checked; the report lists each break found."""
    report = AuditReport(store.where)
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(
            select(schema.events).order_by(schema.events.c.seq))]
        head = conn.execute(select(schema.chain).where(schema.chain.c.id == 1)).one()
    prev, expected = schema.GENESIS, 1
    for row in rows:
        report.problems += _check_row(row, prev, expected, lang)
        prev, expected = row["hash"], row["seq"] + 1
    report.events, report.head = len(rows), prev
    last = rows[-1]["seq"] if rows else 0
    if (head.length, head.head) != (last, prev):
        report.problems.append(Problem(None, t("review.audit.head", lang, count=head.length,
                                               found=len(rows))))
    report.problems += _check_sheets(store, rows, lang)
    return report


def _check_row(row: dict[str, Any], prev: str, expected: int, lang: Lang | None
               ) -> list[Problem]:
    seq, found = row["seq"], []
    if seq != expected:
        found.append(Problem(seq, t("review.audit.gap", lang, expected=expected, seq=seq)))
    if row["prev_hash"] != prev:
        found.append(Problem(seq, t("review.audit.link", lang, seq=seq)))
    if event_digest(row) != row["hash"]:
        found.append(Problem(seq, t("review.audit.altered", lang, seq=seq, kind=row["kind"],
                                    what=_describe(row))))
    try:
        json.loads(row["payload"])
    except (TypeError, ValueError):
        found.append(Problem(seq, t("review.audit.payload", lang, seq=seq)))
    return found


def _describe(row: dict[str, Any]) -> str:
    parts = [row.get("submission"), row.get("juror"), row.get("criterion")]
    return " / ".join(str(p) for p in parts if p) or "—"


def _check_sheets(store: ReviewStore, rows: list[dict[str, Any]], lang: Lang | None
                  ) -> list[Problem]:
    found, stored = [], dict(store.sheet_bodies())
    for digest, body in stored.items():
        if hashlib.sha256(body.encode("utf-8")).hexdigest() != digest:
            found.append(Problem(None, t("review.audit.sheet_altered", lang, digest=digest[:12])))
    for row in rows:
        try:
            digest = json.loads(row["payload"]).get("sheet")
        except (TypeError, ValueError, AttributeError):
            continue
        if digest and digest not in stored:
            found.append(Problem(row["seq"], t("review.audit.sheet_missing", lang,
                                               seq=row["seq"], digest=digest[:12])))
    return found


def render(report: AuditReport, lang: Lang | None = None) -> str:
    lines = [t("review.audit.summary", lang, where=report.where, events=report.events,
               head=report.head)]
    if report.ok:
        lines.append(t("review.audit.ok", lang))
    else:
        lines.append(t("review.audit.broken", lang, n=len(report.problems)))
        lines += [f"  ✘ {p.message}" for p in report.problems]
    return "\n".join(lines) + "\n"


__all__ = ["AuditReport", "Problem", "render", "verify"]
