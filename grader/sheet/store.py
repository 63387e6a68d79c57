"""Writing and reading scoring sheets on disk: every write is atomic, every bad file is named.

A sheet is written as `<stem>.sheet.json` (canonical), `<stem>.md` and `<stem>.docx`. Each file
goes to a temporary file in the same folder, is flushed to disk, then renamed over the target: a
crash leaves either the old file or the new one, never half of one, and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from grader.errors import GraderError
from grader.i18n import Lang, t
from grader.sheet.models import SCHEMA_VERSION, ScoringSheet

SHEET_SUFFIX = ".sheet.json"
ANCHOR_PREFIX = "grader-sheet:v1:"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


class SheetError(GraderError):
    """A scoring sheet that cannot be read or written: names the file and what is wrong."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class SheetPaths:
    """Where one sheet was written."""

    json: Path
    md: Path
    docx: Path

    @property
    def all(self) -> list[Path]:
        return [self.json, self.md, self.docx]


@dataclass(frozen=True)
class SheetAnchor:
    """The identity of a sheet, carried by its renderings so they can be traced back to it."""

    schema_version: str
    sha256: str
    deliverable: str
    rubric_version: str

    @classmethod
    def parse(cls, value: str | None) -> SheetAnchor | None:
        """The anchor found in `value` (`grader-sheet:v1:...`), else None."""
        found = re.search(re.escape(ANCHOR_PREFIX) + r"(\S+)", value or "")
        parts = found.group(1).split(":", 3) if found else []
        return cls(*parts) if len(parts) == 4 else None


def sheet_anchor(sheet: ScoringSheet) -> str:
    """`grader-sheet:v1:<schema_version>:<sha256>:<deliverable>:<rubric_version>`."""
    return (f"{ANCHOR_PREFIX}{sheet.schema_version}:{sheet.submission.sha256}:"
            f"{sheet.deliverable}:{sheet.rubric_version}")


# --- atomic writes --------------------------------------------------------------------------

def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Replace `path` with `data` in one step: readers see the old file or the new, never half."""
    target = Path(path)
    mode = _mode_for(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def atomic_write_text(path: Path | str, text: str) -> None:
    """`atomic_write_bytes` for UTF-8 text (newlines written as given)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual ones (not mkstemp's 0600)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_UMASK


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where directories cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def pin_zip_dates(data: bytes, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The zip archive (DOCX, XLSX...) with every entry dated `date_time`: same content, same
    bytes, whatever the clock said when it was built."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=date_time), src.read(info),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --- the sheet ------------------------------------------------------------------------------

def sheet_json(sheet: ScoringSheet) -> str:
    """The canonical text of a sheet: UTF-8, indent 2, fields in the model's order."""
    data = sheet.model_dump(mode="json")
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def sheet_paths(out_dir: Path | str, stem: str) -> SheetPaths:
    folder = Path(out_dir)
    return SheetPaths(json=folder / f"{stem}{SHEET_SUFFIX}", md=folder / f"{stem}.md",
                      docx=folder / f"{stem}.docx")


def write_sheet(sheet: ScoringSheet, out_dir: Path | str, stem: str,
                lang: Lang | None = None) -> SheetPaths:
    """Write the sheet's JSON, Markdown and DOCX into `out_dir`; returns their paths.

    Everything is rendered before anything is written, and the JSON (which a resumed batch looks
    for) is written last, so its presence means the renderings are there too.
    """
    from grader.sheet.render_docx import render_docx
    from grader.sheet.render_md import render_md

    lang = lang or sheet.language
    paths = sheet_paths(out_dir, stem)
    paths.json.parent.mkdir(parents=True, exist_ok=True)
    contents = [(paths.md, render_md(sheet, lang).encode("utf-8")),
                (paths.docx, render_docx(sheet, lang)),
                (paths.json, sheet_json(sheet).encode("utf-8"))]
    for target, _ in contents:
        _refuse_submission(target, sheet.submission.sha256)
    for target, data in contents:
        atomic_write_bytes(target, data)
    return paths


def _refuse_submission(target: Path, sha256: str) -> None:
    """Never overwrite the graded file itself (e.g. `memoire.md` graded with `--out` its folder)."""
    if not target.is_file():
        return
    digest = hashlib.sha256()
    with target.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() == sha256:
        raise SheetError(target, t("sheet.error.submission"))


def read_sheet(path: Path | str) -> ScoringSheet:
    """Load a `.sheet.json`; raises `SheetError` naming the file and the problem."""
    source = Path(path)
    data = _load_json(source)
    version = data.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise SheetError(source, t("sheet.error.version", found=repr(version),
                                   expected=SCHEMA_VERSION))
    try:
        return ScoringSheet.model_validate(data)
    except ValidationError as exc:
        raise SheetError(source, _first_problem(exc)) from None


def _load_json(source: Path) -> dict[str, object]:
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SheetError(source, t("sheet.error.not_found")) from None
    except UnicodeDecodeError:
        raise SheetError(source, t("sheet.error.not_text")) from None
    except OSError as exc:
        raise SheetError(source, t("sheet.error.unreadable", reason=exc.strerror or exc)
                         ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SheetError(source, t("sheet.error.json", line=exc.lineno, col=exc.colno,
                                   msg=exc.msg)) from None
    if not isinstance(data, dict):
        raise SheetError(source, t("sheet.error.not_object"))
    return data


def _first_problem(exc: ValidationError) -> str:
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    field = ".".join(str(p) for p in err["loc"]) or "(top level)"
    more = len(errors) - 1
    return t("sheet.error.invalid", field=field, problem=err["msg"],
             more=t("sheet.error.more", n=more) if more else "")


__all__ = ["ANCHOR_PREFIX", "SHEET_SUFFIX", "SheetAnchor", "SheetError", "SheetPaths",
           "atomic_write_bytes", "atomic_write_text", "pin_zip_dates", "read_sheet",
           "sheet_anchor", "sheet_json", "sheet_paths", "write_sheet"]
