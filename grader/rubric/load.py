"""Read rubrics/*.yaml into validated models; every error names the file and the field."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from grader import yamlio
from grader.errors import GraderError
from grader.i18n import t
from grader.rubric.models import Epreuve, Rubric

RULES_FILE = "rules.yaml"
M = TypeVar("M", bound=BaseModel)


class RubricError(GraderError):
    """A rubric file that cannot be used: says which file, which field and what is wrong."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        self.path, self.field, self.problem = path, field, problem
        where = f"{path}: {field}: " if field else f"{path}: "
        super().__init__(f"{where}{problem}")


class UnknownDeliverable(RubricError):
    """An id that names no rubric: what a coordinator mistypes, so it is said in their language,
    without the installation's path."""

    def __init__(self, path: Path, ident: str, known: str) -> None:
        super().__init__(path, "", t("rubric.unknown_deliverable", ident=ident, known=known))
        self.args = (self.problem,)

    def __str__(self) -> str:
        return self.problem


def rubrics_dir() -> Path:
    """The folder of the référentiel: $GRADER_RUBRICS, else the one shipped with grader."""
    override = os.environ.get("GRADER_RUBRICS")
    if override:
        return Path(override)
    packaged = Path(__file__).resolve().parent.parent / "_data" / "rubrics"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rubrics"


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RubricError(path, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(path, "", f"cannot be read ({exc})") from None
    try:
        data = yamlio.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else ""
        raise RubricError(path, line, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise RubricError(path, "", "expected a mapping at the top of the file")
    return data


def validate_model(model: type[M], data: dict[str, Any], path: Path) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # A misspelt field also shows up as a missing one: name the misspelling first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        problem = err["msg"]
        if err["type"] == "extra_forbidden":
            problem = "unknown field (check the spelling against the documented fields)"
        elif err["type"] == "missing":
            problem = "required field is missing"
        more = len(exc.errors()) - 1
        if more:
            problem += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise RubricError(path, field, problem) from None


def load_file(path: Path) -> Rubric | Epreuve:
    """One rubric file: a written deliverable's grid, or a non-text épreuve (QCM, TOEIC)."""
    data = read_yaml(path)
    model: type[Rubric] | type[Epreuve] = Epreuve if "unit" in data else Rubric
    item = validate_model(model, data, path)
    if item.id != path.stem:
        raise RubricError(path, "id", f"'{item.id}' does not match the file name '{path.stem}'")
    return item


def rubric_files(folder: Path | None = None) -> list[Path]:
    folder = folder or rubrics_dir()
    if not folder.is_dir():
        raise RubricError(folder, "", "rubrics folder not found (set GRADER_RUBRICS)")
    return sorted(p for p in folder.glob("*.yaml") if p.name != RULES_FILE)


def load_all(folder: Path | None = None) -> tuple[dict[str, Rubric], dict[str, Epreuve]]:
    """Every grid and épreuve of the référentiel, keyed by id."""
    rubrics: dict[str, Rubric] = {}
    epreuves: dict[str, Epreuve] = {}
    for path in rubric_files(folder):
        item = load_file(path)
        if isinstance(item, Rubric):
            rubrics[item.id] = item
        else:
            epreuves[item.id] = item
    return rubrics, epreuves


def load_rubric(deliverable: str, folder: Path | None = None) -> Rubric:
    """The grid of one deliverable, by id."""
    path = (folder or rubrics_dir()) / f"{deliverable}.yaml"
    if not path.is_file():
        known = ", ".join(r for r in sorted(load_all(folder)[0]))
        raise UnknownDeliverable(path, deliverable, known)
    item = load_file(path)
    if not isinstance(item, Rubric):
        raise RubricError(path, "", f"'{deliverable}' is an épreuve without a written text")
    return item
