"""Finding a cohort's submissions: PDF, DOCX, TXT and Markdown files, recursively, each once.

A file whose content (sha256) was already found for the same deliverable is a duplicate — the
same mémoire uploaded twice — reported, not graded twice. A manifest CSV (`file,candidate,
deliverable`) maps files to candidates and deliverables for mixed folders; with one, only the
files it lists are graded and the others are reported as ignored.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from grader.csvtext import read_csv_text
from grader.errors import GraderError
from grader.i18n import Lang, t

SUFFIXES = (".pdf", ".docx", ".txt", ".md")


class BatchError(GraderError):
    """A cohort run that cannot start or go on: the message names the file and the fix."""


@dataclass(frozen=True)
class Item:
    """One submission to grade."""

    path: Path
    rel: str
    """Path relative to the cohort folder, with forward slashes."""
    sha256: str
    deliverable: str
    candidate: str | None = None

    @property
    def key(self) -> str:
        return f"{self.sha256}:{self.deliverable}"

    @property
    def base_stem(self) -> str:
        """The sheet's name: the relative path without extension, folders joined by `__`."""
        return self.rel.rsplit(".", 1)[0].replace("/", "__")


@dataclass
class Discovery:
    items: list[Item] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    """(file, the file with the same content that is graded)."""
    ignored: list[tuple[str, str]] = field(default_factory=list)
    """(file, why it is not graded)."""


@dataclass(frozen=True)
class Entry:
    """One manifest row."""

    file: str
    candidate: str | None
    deliverable: str | None
    line: int


def discover(source: Path, deliverable: str | None, manifest: Path | None = None,
             exclude: tuple[Path, ...] = (), lang: Lang | None = None) -> Discovery:
    """The submissions under `source`, in path order, duplicates and ignored files apart."""
    if not source.is_dir():
        raise BatchError(t("batch.error.no_dir", lang, path=source))
    files = _walk(source, tuple(p.resolve() for p in exclude))
    entries = read_manifest(manifest, deliverable, lang) if manifest else None
    found = Discovery()
    wanted = _assign(source, files, deliverable, entries, found, lang)
    seen: dict[tuple[str, str], str] = {}
    for path, rel, ident, candidate in wanted:
        if not path.is_file() or path.stat().st_size == 0:
            # A manifest's file that is not there, or an empty upload: each is a failure of
            # its own to report (reading it says which), never a duplicate of another.
            digest = "missing-" if not path.is_file() else "empty-"
            digest += hashlib.sha256(rel.encode()).hexdigest()[:16]
            found.items.append(Item(path, rel, digest, ident, candidate))
            continue
        digest = file_sha256(path)
        if (digest, ident) in seen:
            found.duplicates.append((rel, seen[(digest, ident)]))
            continue
        seen[(digest, ident)] = rel
        found.items.append(Item(path, rel, digest, ident, candidate))
    return found


def _assign(source: Path, files: list[Path], deliverable: str | None,
            entries: list[Entry] | None, found: Discovery, lang: Lang | None
            ) -> list[tuple[Path, str, str, str | None]]:
    """Each file with its deliverable and candidate (from the manifest, else the option)."""
    rels = {_rel(source, p): p for p in files}
    if entries is None:
        if deliverable is None:
            raise BatchError(t("batch.error.no_deliverable", lang))
        return [(p, rel, deliverable, None) for rel, p in rels.items()]
    listed: list[tuple[Path, str, str, str | None]] = []
    for entry in entries:
        ident = entry.deliverable or deliverable
        assert ident is not None  # read_manifest refused a row without one
        rel = entry.file.replace("\\", "/")
        rel = rel[2:] if rel.startswith("./") else rel
        listed.append((source / rel, rel, ident, entry.candidate))
    named = {rel for _, rel, _, _ in listed}
    found.ignored += [(rel, t("batch.ignored.not_in_manifest", lang)) for rel in rels
                      if rel not in named]
    return listed


def _walk(source: Path, exclude: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for folder, dirs, names in os.walk(source):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and (here / d).resolve() not in exclude)
        for name in sorted(names):
            if name.startswith((".", "~$")) or not name.lower().endswith(SUFFIXES):
                continue
            if (here / name).is_file():
                out.append(here / name)
    return sorted(out, key=lambda p: _rel(source, p))


def _rel(source: Path, path: Path) -> str:
    return path.relative_to(source).as_posix()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return "unreadable-" + hashlib.sha256(str(path).encode()).hexdigest()[:16]
    return digest.hexdigest()


HEADERS = {"file": "file", "fichier": "file", "candidate": "candidate",
           "candidat": "candidate", "deliverable": "deliverable", "livrable": "deliverable"}
"""Column names of a manifest: the documented English ones, or the French a coordinator
naturally types in a spreadsheet."""


def read_manifest(path: Path, deliverable: str | None = None, lang: Lang | None = None
                  ) -> list[Entry]:
    """Rows of a `file,candidate,deliverable` CSV (`,` or `;`; UTF-8 with or without BOM, or
    Windows-1252 as Excel saves it). A row without a file, or with no deliverable (its own or
    `deliverable`), or with an unknown one, is refused with its line number."""
    from grader.batch.rubrics import check_deliverable

    try:
        text = read_csv_text(path)
    except FileNotFoundError:
        raise BatchError(t("batch.error.manifest_missing", lang, path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise BatchError(t("batch.error.manifest_unreadable", lang, path=path,
                           reason=reason)) from None
    lines = text.splitlines()
    delimiter = ";" if lines and lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "file" not in {HEADERS.get(f) for f in fields}:
        raise BatchError(t("batch.error.manifest_header", lang, path=path,
                           found=delimiter.join(fields)))
    entries = []
    for number, row in enumerate(reader, start=2):
        clean = {HEADERS.get((k or "").strip().lower(), ""): (v or "").strip()
                 for k, v in row.items()}
        if not any(clean.values()):
            continue  # a blank line (Excel leaves some at the end)
        if not clean.get("file"):
            raise BatchError(t("batch.error.manifest_file", lang, path=path, line=number))
        ident = clean.get("deliverable") or deliverable
        if ident is None:
            raise BatchError(t("batch.error.manifest_deliverable", lang, path=path,
                               line=number))
        check_deliverable(ident, lang, where=t("batch.error.where_line", lang, path=path,
                                              line=number))
        entries.append(Entry(clean["file"], clean.get("candidate") or None,
                             clean.get("deliverable") or None, number))
    return entries


def assign_stems(items: list[Item], known: dict[str, str]) -> dict[str, str]:
    """A unique sheet name per submission; one already given (in the state) never changes."""
    stems = dict(known)
    taken = set(stems.values())
    for item in items:
        if item.key in stems:
            continue
        stem = item.base_stem
        if stem in taken:
            stem = f"{stem}-{item.rel.rsplit('.', 1)[-1].lower()}"
        if stem in taken:
            stem = f"{item.base_stem}-{item.sha256[:8]}"
        stems[item.key] = stem
        taken.add(stem)
    return stems


__all__ = ["SUFFIXES", "BatchError", "Discovery", "Entry", "Item", "assign_stems", "discover",
           "file_sha256", "read_manifest"]
