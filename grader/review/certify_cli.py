"""What `grader certify` prints: the CSV-only call as before, or a store's cohorts + their PV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.i18n import Lang, t
from grader.review.location import is_sqlite_file, resolve_db, sqlite_path


def is_results_csv(source: str | None) -> bool:
    """The historical call `grader certify RESULTS.csv`: a file that is not a SQLite store."""
    if source is None or "://" in source:
        return False
    path = Path(source)
    if path.is_dir():
        return False
    return not is_sqlite_file(path) if path.exists() else path.suffix.lower() == ".csv"


def certify_command(source: str | None, results: Path | None, cohort: str | None,
                    out: Path | None, as_json: bool, rules: Path | None, lang: Lang) -> str:
    if results is None and is_results_csv(source):
        return _results_only(Path(str(source)), as_json, rules, lang)
    from grader.review.certify import certify_store
    from grader.review.pv import write_pv
    from grader.review.store import ReviewStore

    url = resolve_db(source)
    with ReviewStore.open(url, create=False) as store:
        reports = certify_store(store, results, cohort, lang, rules)
    folder = out or (sqlite_path(url) or Path.cwd() / "x").parent
    written = [(report, write_pv(report, folder, lang)) for report in reports]
    if as_json:
        return json.dumps(_as_json(written), ensure_ascii=False, indent=2) + "\n"
    return _as_text(written, lang)


def _results_only(results: Path, as_json: bool, rules: Path | None, lang: Lang) -> str:
    from grader.rules import certify_results
    from grader.rules.render import to_json, to_text

    rule_set, outcomes = certify_results(results, lang, rules)
    if as_json:
        return json.dumps(to_json(outcomes), ensure_ascii=False, indent=2) + "\n"
    return to_text(outcomes, rule_set, lang)


def _as_json(written: list[Any]) -> dict[str, Any]:
    return {"cohorts": [{
        "cohort": report.cohort, "pv": {"md": str(paths.md), "docx": str(paths.docx)},
        "audit": {"events": report.events, "head": report.head},
        "candidates": [{**c.outcome.model_dump(mode="json"), "sources": c.sources,
                        "missing": c.missing} for c in report.candidates]}
        for report, paths in written]}


def _as_text(written: list[Any], lang: Lang) -> str:
    from grader.rules.render import to_text

    if not written:
        return t("review.pv.none", lang) + "\n"
    parts = []
    for report, paths in written:
        parts.append(t("review.cli.pv", lang, cohort=report.cohort, md=paths.md,
                       docx=paths.docx))
        parts.append(to_text([c.outcome for c in report.candidates], report.rules, lang))
        for cand in report.candidates:
            parts += [t("review.cli.missing", lang, candidate=cand.candidate, epreuve=ep,
                        reason=why) for ep, why in cand.missing.items()]
        parts.append("")
    return "\n".join(parts)
