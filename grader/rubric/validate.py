"""Check a rubrics folder (or one file) as a whole: each file, and rules.yaml against them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.rubric.certification import load_rules
from grader.rubric.load import RULES_FILE, RubricError, load_file, rubric_files, rubrics_dir


@dataclass(frozen=True)
class Check:
    path: Path
    error: str | None


def validate(path: Path | None = None) -> list[Check]:
    """One check per file; a folder is also checked for consistency with its rules.yaml."""
    path = path or rubrics_dir()
    if path.is_file():
        return [_check_rules(path, set()) if path.name == RULES_FILE else _check_file(path)]
    try:
        files = rubric_files(path)
    except GraderError as exc:
        return [Check(path, str(exc))]
    checks = [_check_file(f) for f in files]
    ids = {f.stem for f, c in zip(files, checks, strict=True) if c.error is None}
    rules = path / RULES_FILE
    if rules.exists() or files:
        checks.append(_check_rules(rules, ids))
    return checks


def _check_file(path: Path) -> Check:
    try:
        load_file(path)
    except GraderError as exc:
        return Check(path, str(exc))
    return Check(path, None)


def _check_rules(path: Path, known: set[str]) -> Check:
    try:
        rules = load_rules(path)
    except GraderError as exc:
        return Check(path, str(exc))
    if known:
        missing = sorted(set(rules.epreuves) - known)
        if missing:
            err = RubricError(path, "epreuves", f"no rubric file for {', '.join(missing)}")
            return Check(path, str(err))
    return Check(path, None)
