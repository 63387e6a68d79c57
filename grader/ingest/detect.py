"""Which reader a file needs, decided by its bytes (an extension is only a tie-break for MD/TXT).

Candidates rename files freely (`memoire.pdf` that is really a DOCX, a scan saved as `.docx`):
the content decides, and a mismatch is reported to the jury rather than trusted.
"""

from __future__ import annotations

import io
import re
import zipfile

from grader.ingest.errors import CorruptFileError, UnsupportedFormatError
from grader.ingest.safezip import ZIP_ERRORS

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_MD_HEADING = re.compile(r"^#{1,6} \S", re.M)
_MD_EXTENSIONS = {".md", ".markdown", ".mdown", ".mkd"}

_UNSUPPORTED_HINT = "déposez un PDF, un DOCX, un TXT ou un Markdown"


def detect_format(data: bytes, suffix: str = "") -> str:
    """Return "pdf", "docx", "txt" or "md" for these bytes, or raise UnsupportedFormatError."""
    if _PDF_MAGIC in data[:1024]:
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        return _zip_kind(data)
    if data.startswith(_OLE_MAGIC):
        raise UnsupportedFormatError(
            "document Word 97-2003 (.doc) ou DOCX protégé par mot de passe : "
            "enregistrez-le en .docx sans mot de passe ou exportez-le en PDF"
        )
    if data.lstrip()[:5].lower() == b"{\\rtf":
        raise UnsupportedFormatError(f"format RTF non pris en charge : {_UNSUPPORTED_HINT}")
    if looks_like_text(data):
        return "md" if _is_markdown(data, suffix) else "txt"
    raise UnsupportedFormatError(f"ce n'est ni un PDF ni un DOCX ni un texte : {_UNSUPPORTED_HINT}")


def _zip_kind(data: bytes) -> str:
    """A DOCX is a zip with `word/document.xml`; anything else zipped is refused by name."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except ZIP_ERRORS as exc:
        raise CorruptFileError(
            "archive ZIP/DOCX illisible (fichier corrompu ou tronqué) : "
            "enregistrez à nouveau le document depuis Word"
        ) from exc
    if "word/document.xml" in names:
        return "docx"
    if "content.xml" in names:
        raise UnsupportedFormatError(f"document OpenDocument (.odt) : {_UNSUPPORTED_HINT}")
    raise UnsupportedFormatError(f"archive ZIP qui n'est pas un DOCX : {_UNSUPPORTED_HINT}")


def looks_like_text(data: bytes) -> bool:
    """Text if it has a Unicode BOM, or few control bytes (binary files are full of them)."""
    if data.startswith(_BOMS):
        return True
    sample = data[:65536]
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls <= max(1, len(sample) // 200)


def _is_markdown(data: bytes, suffix: str) -> bool:
    # Content first (a `# Titre` line); the extension only decides when content is silent.
    head = data[:65536].decode("utf-8", errors="ignore")
    return bool(_MD_HEADING.search(head)) or suffix.lower() in _MD_EXTENSIONS
