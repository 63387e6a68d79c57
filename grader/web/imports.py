"""A cohort imported from the browser: uploaded sheets (and ZIPs of a `grader batch` folder) go
through `Workflow.import_sheet`, exactly as `grader review import` does, and the submitted
documents through `store_document`, so the quote view works without the files on the server.

Uploads are untrusted. Their number and size are bounded; a ZIP member is read only up to what
is left of the budget (a zip bomb stops there), never written to disk under its own path, and
refused outright if that path tries to climb out (`..`, absolute). A document is kept only if its
SHA-256 is one a sheet records: a different file must never be shown as the candidate's.
One bad file never stops the others; each one comes back in the report with its reason.
"""

from __future__ import annotations

import hashlib
import io
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.errors import GraderError
from grader.i18n import Lang, t
from grader.ingest import IngestError
from grader.review.errors import ReviewError
from grader.review.workflow import Workflow, clean_name
from grader.sheet.models import ScoringSheet
from grader.sheet.store import SheetError, read_sheet
from grader.web.documents import has_pages, keep_file, store_document, stored_mismatch

MAX_FILES = 400
"""Files in one import, ZIP members counted: a cohort of 100 with sheet, renderings, document."""
MAX_UPLOAD_BYTES = 150 * 1024 * 1024
"""One import request, every file together (about 50 PDF mémoires); held in memory."""
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
"""What the ZIP members of one import may expand to, in total."""
MAX_COHORT_NAME = 100
SHEET_SUFFIX = ".sheet.json"
DOCUMENT_SUFFIXES = (".pdf", ".docx", ".md", ".txt")
RENDERING_SUFFIXES = (".md", ".docx")
"""What `grader grade`/`batch` writes beside each `<stem>.sheet.json`."""
BATCH_FILES = re.compile(r"^(cohort\.(csv|md|html)|\..*)$|(^|/)plots/", re.IGNORECASE)
"""A batch output folder's own files: the summary, its plots, its state and cache."""


class ImportLimitError(GraderError):
    """An upload over a bound: nothing of it is imported."""


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    shown: str = ""
    """How the report names it (`lot.zip:out/a.sheet.json` for a ZIP member)."""

    @property
    def label(self) -> str:
        return self.shown or self.name


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str
    expected: bool = False
    """A file a batch folder always holds beside its sheets (the sheets' own Markdown/Word
    renderings, cohort.csv, plots...): set aside as it should be, shown folded so that the
    files that need a look stand out."""


@dataclass(frozen=True)
class Imported:
    name: str
    key: str
    jurors: list[str]
    new: bool
    """False when the sheet was already there (re-importing changes nothing)."""


@dataclass
class ImportReport:
    cohort: str
    sheets: list[Imported] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    without_document: list[str] = field(default_factory=list)
    """Keys of the imported sheets whose document the store still lacks: jurors would see the
    sheet but not the pages."""
    mismatched: list[tuple[str, str]] = field(default_factory=list)
    """(key, what differs) for the imported sheets whose stored document has other page or
    word counts than the sheet says: the sheet may describe another document."""

    @property
    def to_check(self) -> list[Skipped]:
        return [s for s in self.skipped if not s.expected]

    @property
    def expected(self) -> list[Skipped]:
        return [s for s in self.skipped if s.expected]


def check_cohort(name: str, lang: Lang) -> str:
    """The cohort name, cleaned; one that cannot live in a submission key is refused."""
    clean = clean_name(name)
    if not clean or "/" in clean or len(clean) > MAX_COHORT_NAME:
        raise ImportLimitError(t("web.import.bad_cohort", lang, n=MAX_COHORT_NAME))
    return clean


def base_name(name: str) -> str:
    """The file's own name, whatever folders a browser or a ZIP puts before it."""
    return PurePosixPath((name or "").replace("\\", "/")).name


def import_uploads(flow: Workflow, cohort: str, jurors: list[str], uploads: list[Upload],
                   lang: Lang = "fr") -> ImportReport:
    """Import every sheet, then every document that belongs to an imported sheet."""
    report = ImportReport(cohort)
    sheets: list[Upload] = []
    documents: list[Upload] = []
    for upload in expand(uploads, report, lang):
        lower = upload.name.lower()
        if lower.endswith(SHEET_SUFFIX):
            sheets.append(upload)
        elif lower.endswith(DOCUMENT_SUFFIXES):
            documents.append(upload)
        else:
            report.skipped.append(_ignored(upload, lang))
    with tempfile.TemporaryDirectory(prefix="grader-import-") as tmp:
        for upload in sheets:
            _import_sheet(flow, cohort, jurors, upload, Path(tmp), report, lang)
        known = {e.payload.get("sha256") for e in flow.store.events(kinds=["import"])}
        # `<stem>.md`/`.docx` beside `<stem>.sheet.json` is the sheet's rendering — unless it
        # bears the submission's own name (`velocite.md` graded into `velocite.sheet.json`):
        # then it is the candidate's file in another version, which the coordinator must see.
        submitted = {base_name(flow.state(s.key).file).lower() for s in report.sheets}
        renderings = {_stem(u.name).lower() + suffix for u in sheets
                      for suffix in RENDERING_SUFFIXES} - submitted
        for upload in documents:
            _import_document(flow, upload, known, renderings, Path(tmp), report, lang)
    report.without_document = [
        s.key for s in report.sheets
        if not has_pages(flow.store.engine, flow.state(s.key).sha256)]
    for imported in report.sheets:
        found = stored_mismatch(flow.store.engine,
                                flow.sheet(flow.state(imported.key).current).submission)
        if found is not None:
            report.mismatched.append((imported.key, found.message(lang)))
    return report


def _ignored(upload: Upload, lang: Lang) -> Skipped:
    if BATCH_FILES.search(upload.label.split(":", 1)[-1]) or BATCH_FILES.search(upload.name):
        return Skipped(upload.label, t("web.import.batch_file", lang), expected=True)
    return Skipped(upload.label, t("web.import.ignored", lang))


def expand(uploads: list[Upload], report: ImportReport, lang: Lang) -> list[Upload]:
    """The uploaded files with every ZIP replaced by its members, within the bounds."""
    budget = [MAX_UNZIPPED_BYTES]
    out: list[Upload] = []
    for upload in uploads:
        name = base_name(upload.name)
        if name.lower().endswith(".zip"):
            out += _members(Upload(name, upload.data), budget, report, lang)
        else:
            out.append(Upload(name, upload.data))
        if len(out) > MAX_FILES:
            raise ImportLimitError(t("web.import.too_many", lang, n=MAX_FILES))
    return out


def _unsafe(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return (path.startswith(("/", "\\")) or ".." in parts or "\0" in path
            or bool(re.match(r"^[A-Za-z]:", path)))


def _members(upload: Upload, budget: list[int], report: ImportReport, lang: Lang
             ) -> list[Upload]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(upload.data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        report.skipped.append(Skipped(upload.name, t("web.import.bad_zip", lang)))
        return []
    if len(infos) > MAX_FILES:
        raise ImportLimitError(t("web.import.too_many", lang, n=MAX_FILES))
    out: list[Upload] = []
    with archive:
        for info in infos:
            shown = f"{upload.name}:{info.filename}"
            name = base_name(info.filename)
            if info.is_dir():
                continue
            if _unsafe(info.filename):
                report.skipped.append(Skipped(shown, t("web.import.unsafe_path", lang)))
            elif info.filename.startswith("__MACOSX/") or name.startswith("._"):
                report.skipped.append(Skipped(shown, t("web.import.ignored", lang), True))
            elif not name.lower().endswith((SHEET_SUFFIX, *DOCUMENT_SUFFIXES)):
                report.skipped.append(_ignored(Upload(name, b"", shown), lang))
            elif info.flag_bits & 0x1:
                report.skipped.append(Skipped(shown, t("web.import.encrypted", lang)))
            else:
                try:
                    data = _read_member(archive, info, budget, lang)
                except _Damaged:  # one bad member never costs the others
                    report.skipped.append(Skipped(shown, t("web.import.bad_member", lang)))
                    continue
                out.append(Upload(name, data, shown))
    return out


class _Damaged(Exception):
    """A member whose bytes cannot be read back (CRC mismatch, unknown compression…)."""


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int],
                 lang: Lang) -> bytes:
    # The declared size may lie: read at most one byte past what is left, then judge.
    too_big = ImportLimitError(t("web.import.unzipped", lang, mb=MAX_UNZIPPED_BYTES >> 20))
    if info.file_size > budget[0]:
        raise too_big
    try:
        with archive.open(info) as member:
            data = member.read(budget[0] + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error):
        raise _Damaged from None
    if len(data) > budget[0]:
        raise too_big
    budget[0] -= len(data)
    return data


def _temp(folder: Path, upload: Upload) -> Path:
    # A fresh sub-folder per file: two uploads of one name never overwrite each other.
    place = Path(tempfile.mkdtemp(dir=folder)) / upload.name
    place.write_bytes(upload.data)
    return place


def _stem(name: str) -> str:
    return name[: -len(SHEET_SUFFIX)] if name.lower().endswith(SHEET_SUFFIX) else name


def _import_sheet(flow: Workflow, cohort: str, jurors: list[str], upload: Upload,
                  tmp: Path, report: ImportReport, lang: Lang) -> None:
    try:
        sheet: ScoringSheet = read_sheet(_temp(tmp, upload))
    except SheetError as exc:
        report.skipped.append(Skipped(upload.label, t("web.import.bad_sheet", lang,
                                                     problem=exc.problem)))
        return
    try:
        result = flow.import_sheet(sheet, cohort=cohort, jurors=jurors,
                                   stem=_stem(upload.name))
    except ReviewError as exc:
        report.skipped.append(Skipped(upload.label, exc.render(lang)))
        return
    report.sheets.append(Imported(upload.label, result.state.key, list(result.state.jurors),
                                  result.recorded > 0))


def _import_document(flow: Workflow, upload: Upload, known: set[object], renderings: set[str],
                     tmp: Path, report: ImportReport, lang: Lang) -> None:
    digest = hashlib.sha256(upload.data).hexdigest()
    if digest not in known:
        if upload.name.lower() in renderings:
            report.skipped.append(Skipped(upload.label, t("web.import.rendering", lang), True))
        elif BATCH_FILES.search(upload.name):
            report.skipped.append(Skipped(upload.label, t("web.import.batch_file", lang), True))
        else:
            report.skipped.append(Skipped(upload.label, t("web.import.no_sheet", lang)))
        return
    engine = flow.store.engine
    if not has_pages(engine, digest):
        try:
            store_document(engine, _temp(tmp, upload))
        except IngestError as exc:
            report.skipped.append(Skipped(upload.label, str(exc)))
            return
    if upload.name.lower().endswith(".pdf"):
        keep_file(engine, digest, upload.name, upload.data)
    report.documents.append(upload.label)


__all__ = ["DOCUMENT_SUFFIXES", "MAX_FILES", "MAX_UNZIPPED_BYTES", "MAX_UPLOAD_BYTES",
           "ImportLimitError", "ImportReport", "Imported", "Skipped", "Upload", "base_name",
           "check_cohort", "expand", "import_uploads"]
