"""QCM/TOEIC results uploaded by the coordinator, kept in the review database for the PV.

The file is the same CSV `grader certify --results` reads (French spreadsheet exports included:
`;`, decimal comma, BOM), checked by the same function before anything is stored. Its bytes are
kept as uploaded, with its name, who uploaded it and when; every upload stays, the latest of a
cohort is the one the procès-verbal uses.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select

from grader.errors import GraderError
from grader.i18n import Lang, t
from grader.review.certify import CohortReport, certify_store
from grader.review.errors import describe
from grader.review.schema import WRITE_OPTION
from grader.review.workflow import Workflow
from grader.rules.results import ResultsError
from grader.web.imports import base_name
from grader.web.tables import results

MAX_RESULTS_BYTES = 2 * 1024 * 1024
"""A results CSV is a few kilobytes; anything this large is not one."""


class ResultsUploadError(GraderError):
    """A results file refused: the message names the file, the line and the reason."""


@dataclass(frozen=True)
class StoredResults:
    cohort: str
    name: str
    data: bytes
    uploader: str
    time: str


def safe_name(name: str) -> str:
    """A file name fit for a temporary file and for the PV's "source" line."""
    clean = re.sub(r"[^\w.\- ]+", "_", base_name(name)).strip(" .") or "resultats.csv"
    return clean if clean.lower().endswith(".csv") else clean + ".csv"


def certify_cohort(flow: Workflow, cohort: str, lang: Lang,
                   stored: StoredResults | None = None) -> CohortReport | None:
    """The cohort's report, with its latest results file (or `stored`) if there is one."""
    stored = stored or latest(flow.store.engine, cohort)
    if stored is None:
        reports = certify_store(flow.store, cohort=cohort, lang=lang, policy=flow.policy)
        return reports[0] if reports else None
    with tempfile.TemporaryDirectory(prefix="grader-results-") as tmp:
        path = Path(tmp) / stored.name
        path.write_bytes(stored.data)
        try:
            reports = certify_store(flow.store, results=path, cohort=cohort, lang=lang,
                                    policy=flow.policy)
        except ResultsError as exc:
            key = "web.results.bad_line" if exc.line else "web.results.bad_file"
            raise ResultsUploadError(t(key, lang, file=stored.name, line=exc.line,
                                       problem=exc.problem)) from None
        except GraderError as exc:
            # Other refusals (a note both in a locked sheet and in the CSV) name the temporary
            # path; the coordinator knows the file by its own name.
            problem = describe(exc, lang).replace(str(path), stored.name)
            raise ResultsUploadError(t("web.results.refused", lang, problem=problem)) from None
    if not reports:
        return None
    # The PV's "sources" line would name the temporary copy, gone by now: name the upload.
    reports[0].results = t("web.results.source", lang, file=stored.name,
                           uploader=stored.uploader,
                           time=stored.time[:16].replace("T", " "))
    return reports[0]


def upload(flow: Workflow, cohort: str, name: str, data: bytes, uploader: str,
           lang: Lang) -> CohortReport | None:
    """Check the file against the rules and the cohort's sheets, then keep it; a bad file
    raises `ResultsUploadError` and nothing is stored."""
    if len(data) > MAX_RESULTS_BYTES:
        raise ResultsUploadError(t("web.results.too_big", lang, kb=MAX_RESULTS_BYTES >> 10))
    stored = StoredResults(cohort, safe_name(name), data, uploader,
                           datetime.now(UTC).isoformat())
    report = certify_cohort(flow, cohort, lang, stored)
    engine = flow.store.engine
    with engine.connect() as conn, conn.execution_options(**{WRITE_OPTION: True}).begin():
        conn.execute(insert(results).values(cohort=cohort, name=stored.name, data=data,
                                            uploader=uploader, time=stored.time))
    return report


def history(engine: Engine, cohort: str) -> list[StoredResults]:
    """Every upload for the cohort, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(results).where(results.c.cohort == cohort)
                            .order_by(results.c.id.desc()))
        return [StoredResults(r.cohort, r.name, bytes(r.data), r.uploader, r.time)
                for r in rows]


def latest(engine: Engine, cohort: str) -> StoredResults | None:
    with engine.connect() as conn:
        row = conn.execute(select(results).where(results.c.cohort == cohort)
                           .order_by(results.c.id.desc()).limit(1)).first()
    return StoredResults(row.cohort, row.name, bytes(row.data), row.uploader, row.time) \
        if row is not None else None


__all__ = ["MAX_RESULTS_BYTES", "ResultsUploadError", "StoredResults", "certify_cohort",
           "history", "latest", "upload"]
