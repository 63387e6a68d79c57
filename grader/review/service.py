"""The calls behind each review command: one function per command, nothing printed here."""

from __future__ import annotations

from pathlib import Path

from grader.review.decisions_csv import read_decisions
from grader.review.docx_decisions import docx_entries, read_anchor_sha
from grader.review.errors import InputError, NotFoundError, ReviewError
from grader.review.location import resolve_db
from grader.review.policy import Policy
from grader.review.store import ReviewStore
from grader.review.workflow import Result, Workflow, clean_name
from grader.sheet.store import read_sheet

DEFAULT_COHORT = "default"


def open_workflow(db: str | None, near: Path | None = None, create: bool = True,
                  policy: Policy | None = None) -> Workflow:
    """The workflow over the store that flag/env/config/default designate."""
    return Workflow(ReviewStore.open(resolve_db(db, near), create=create), policy)


def submission_for(flow: Workflow, target: str, cohort: str | None = None,
                   candidate: str | None = None) -> str:
    """The submission `target` names; a sheet not yet in the store is imported on the way
    (into `cohort`, default `default`), the juror taking a free seat at their first decision."""
    try:
        return flow.locate(target, cohort)
    except NotFoundError:
        path = Path(target)
        if not path.is_file():
            raise
    sheet = read_sheet(path)
    result = flow.import_sheet(sheet, cohort=cohort or DEFAULT_COHORT, candidate=candidate,
                               sheet_path=str(path.resolve()), stem=_stem(path))
    return result.state.key


def _stem(path: Path) -> str:
    name = path.name
    return name[: -len(".sheet.json")] if name.endswith(".sheet.json") else path.stem


def import_sheets(flow: Workflow, sheets: list[Path], cohort: str, jurors: list[str],
                  candidate: str | None = None) -> list[Result]:
    """Register draft sheets (a folder means its `*.sheet.json`) with their jurors."""
    paths = [p for s in sheets for p in (sorted(s.glob("*.sheet.json")) if s.is_dir() else [s])]
    if not paths:
        raise InputError("review.error.no_sheets", where=", ".join(map(str, sheets)))
    if candidate and len(paths) > 1:
        raise InputError("review.error.candidate_many")
    return [flow.import_sheet(read_sheet(p), cohort=cohort, candidate=candidate, jurors=jurors,
                              sheet_path=str(p.resolve()), stem=_stem(p)) for p in paths]


def review_csv(flow: Workflow, key: str, juror: str, csv_path: Path) -> Result:
    sheet = flow.sheet(flow.state(key).current)
    return flow.apply(key, juror, read_decisions(csv_path, sheet), "csv")


def review_docx(flow: Workflow, docx_path: Path, juror: str, target: str | None = None,
                cohort: str | None = None) -> Result:
    """Apply a filled Word sheet; without `target`, its anchor finds the submission."""
    key = flow.locate(target, cohort) if target else _key_from_docx(flow, docx_path, cohort)
    state = flow.state(key)
    already = {c for name, made in state.current.decisions.items()
               if name.casefold() == clean_name(juror).casefold() for c in made}
    entries = docx_entries(docx_path, flow.sheet(state.current), already)
    return flow.apply(key, juror, entries, "docx")


def _key_from_docx(flow: Workflow, path: Path, cohort: str | None) -> str:
    sha, deliverable = read_anchor_sha(path)
    keys = [e.submission or "" for e in flow.store.events(kinds=["import"])
            if e.payload.get("sha256") == sha and e.payload.get("deliverable") == deliverable
            and (cohort is None or e.cohort == cohort)]
    if not keys:
        raise InputError("review.docx.no_submission", at=path, sha=sha[:12],
                         where=flow.store.where, hint="review.hint.docx_no_submission")
    if len(keys) > 1:
        raise ReviewError("review.error.ambiguous", target=path, keys=", ".join(keys))
    return keys[0]


def parse_changes(values: list[str]) -> dict[str, int]:
    """`--set methodo-collecte=2` → {"methodo-collecte": 2}."""
    changes: dict[str, int] = {}
    for value in values:
        ident, _, level = value.partition("=")
        if not ident.strip() or not level.strip().isdigit():
            raise InputError("review.error.bad_set", value=value)
        changes[ident.strip()] = int(level)
    return changes


__all__ = ["DEFAULT_COHORT", "import_sheets", "open_workflow", "parse_changes", "review_csv",
           "review_docx", "submission_for"]
