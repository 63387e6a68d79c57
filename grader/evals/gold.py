"""Gold sets: deliverables scored by human jurors, read from `manifest.csv` files.

`evals/gold/<set>/manifest.csv`, long format, UTF-8, one row per (file, criterion, juror):

    file,deliverable,candidate,variant,criterion,juror,level,rationale

`file` is relative to the manifest's folder; `juror` is `juror1` or `juror2`; `level` is on the
deliverable's scale. `load_gold` accepts one set folder or a folder of sets. Every problem is
reported with the manifest, the line and what to fix, before any drafting starts.

The reference ("truth") of a criterion is juror 1's level, or juror 2's where juror 1 did not
score it; juror 2 against juror 1 is the human ceiling (docs/evals.md says why).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.csvtext import read_csv_text
from grader.evals.errors import GoldSetError
from grader.rubric.models import Rubric

MANIFEST = "manifest.csv"
REQUIRED = ("file", "deliverable", "candidate", "variant", "criterion", "juror", "level")
OPTIONAL = ("rationale",)
JURORS = ("juror1", "juror2")


@dataclass
class GoldDocument:
    set: str
    """Name of the set's folder (a deliverable id, or e.g. `memoires`)."""
    path: Path
    file: str
    """`<set>/<file as in the manifest>`: how reports name the document."""
    deliverable: str
    candidate: str
    variant: str
    levels: dict[str, dict[str, int]] = field(default_factory=dict)
    """criterion id → juror → level."""

    def reference(self, criterion: str) -> int | None:
        scores = self.levels.get(criterion, {})
        return scores.get("juror1", scores.get("juror2"))

    def juror(self, criterion: str, juror: str) -> int | None:
        return self.levels.get(criterion, {}).get(juror)

    def target(self, criterion: str) -> float | None:
        """Mean of the jurors' levels: a less noisy regression target for calibration."""
        scores = list(self.levels.get(criterion, {}).values())
        return sum(scores) / len(scores) if scores else None


@dataclass
class GoldSet:
    root: Path
    documents: list[GoldDocument]
    rubrics: dict[str, Rubric]

    @property
    def sets(self) -> list[str]:
        return sorted({d.set for d in self.documents})


def manifests(path: Path) -> list[Path]:
    """The manifest of a set folder, or every set's manifest under a gold folder."""
    path = Path(path)
    if path.is_file() and path.name == MANIFEST:
        return [path]
    if not path.is_dir():
        raise GoldSetError(f"{path}: gold folder not found (give evals/gold or one set folder)")
    if (path / MANIFEST).is_file():
        return [path / MANIFEST]
    found = sorted(path.glob(f"*/{MANIFEST}"))
    if not found:
        raise GoldSetError(f"{path}: no {MANIFEST} here nor in its sub-folders "
                           "(format: docs/evals.md, « Gold sets »)")
    return found


def load_gold(path: Path, rubric_loader=None) -> GoldSet:
    """Every document of the gold set(s) at `path`, with its jurors' levels, validated."""
    from grader.rubric.load import load_rubric

    loader = rubric_loader or load_rubric
    rubrics: dict[str, Rubric] = {}
    documents: list[GoldDocument] = []
    for manifest in manifests(path):
        documents += _read_manifest(manifest, rubrics, loader)
    if not documents:
        raise GoldSetError(f"{path}: the manifests list no document")
    return GoldSet(Path(path), documents, rubrics)


def _read_manifest(manifest: Path, rubrics: dict[str, Rubric], loader) -> list[GoldDocument]:
    set_name = manifest.parent.name
    docs: dict[str, GoldDocument] = {}
    for line, row in _rows(manifest):
        where = f"{manifest}:{line}"
        rubric = _rubric(row["deliverable"], rubrics, loader, where)
        doc = docs.get(row["file"])
        if doc is None:
            doc = docs[row["file"]] = _document(manifest, set_name, row, where)
        elif doc.deliverable != row["deliverable"]:
            raise GoldSetError(f"{where}: {row['file']} is listed as '{doc.deliverable}' above "
                               f"and '{row['deliverable']}' here: one deliverable per file")
        _add_level(doc, row, rubric, where)
    return list(docs.values())


def _rows(manifest: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = read_csv_text(manifest)
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldSetError(f"{manifest}: cannot be read ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        raise GoldSetError(f"{manifest}:1: header must be {','.join(REQUIRED + OPTIONAL)}"
                           + (f"; missing {', '.join(missing)}" if missing else "")
                           + (f"; unknown {', '.join(unknown)}" if unknown else ""))
    for number, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        empty = [c for c in REQUIRED if not row.get(c)]
        if empty:
            raise GoldSetError(f"{manifest}:{number}: empty {', '.join(empty)}")
        yield number, row


def _rubric(deliverable: str, rubrics: dict[str, Rubric], loader, where: str) -> Rubric:
    if deliverable not in rubrics:
        try:
            rubrics[deliverable] = loader(deliverable)
        except Exception as exc:  # noqa: BLE001 — any rubric problem is a manifest problem here
            raise GoldSetError(f"{where}: deliverable '{deliverable}': {exc}") from None
    return rubrics[deliverable]


def _document(manifest: Path, set_name: str, row: dict[str, str], where: str) -> GoldDocument:
    path = (manifest.parent / row["file"]).resolve()
    if not path.is_file():
        raise GoldSetError(f"{where}: file not found: {row['file']} (relative to "
                           f"{manifest.parent})")
    return GoldDocument(set=set_name, path=path, file=f"{set_name}/{row['file']}",
                        deliverable=row["deliverable"], candidate=row["candidate"],
                        variant=row["variant"])


def _add_level(doc: GoldDocument, row: dict[str, str], rubric: Rubric, where: str) -> None:
    criterion, juror = row["criterion"], row["juror"]
    if criterion not in {c.id for c in rubric.criteria}:
        raise GoldSetError(f"{where}: criterion '{criterion}' is not in the grid of "
                           f"'{rubric.id}' (grader rubrics show {rubric.id})")
    if juror not in JURORS:
        raise GoldSetError(f"{where}: juror '{juror}' must be one of {', '.join(JURORS)}")
    try:
        level = int(row["level"])
    except ValueError:
        raise GoldSetError(f"{where}: level '{row['level']}' is not a whole number") from None
    if level not in rubric.scale.values:
        raise GoldSetError(f"{where}: level {level} is off the scale {rubric.scale.values}")
    scores = doc.levels.setdefault(criterion, {})
    if juror in scores and scores[juror] != level:
        raise GoldSetError(f"{where}: {juror} already gave {doc.file} level {scores[juror]} "
                           f"on '{criterion}'")
    scores[juror] = level
