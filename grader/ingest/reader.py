"""`read(path)`: one deliverable in, one Document out, or one typed IngestError.

The only place that knows every format: it checks the file, sniffs its bytes, calls the right
reader under a deadline, and assembles pages, sections, word count, language and flags.
Anything unexpected a parser raises becomes an IngestError too, so a batch never dies on a file.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from grader.ingest import flags as flagging
from grader.ingest.detect import detect_format
from grader.ingest.document import Block, Document, Flag, Limits, Metadata, Page
from grader.ingest.errors import (
    EmptyFileError,
    FileMissingError,
    FileTooLargeError,
    IngestError,
    InternalIngestError,
    NoTextError,
)
from grader.ingest.parts import Deadline, Extraction, RawBlock
from grader.ingest.structure import (
    align_levels,
    build_sections,
    count_words,
    detect_language,
)

log = logging.getLogger(__name__)


def read(path: str | Path, *, limits: Limits | None = None,
         length: tuple[int, int] | None = None) -> Document:
    """Read a PDF, DOCX, TXT or Markdown deliverable; `length=(min, max)` pages enables the
    `length_out_of_rule` flag. Raises IngestError (and only that) when the file is unusable."""
    path = Path(path)
    limits = limits or Limits()
    try:
        data = _load(path, limits)
        fmt = detect_format(data, path.suffix)
        extraction = _extract(fmt, data, limits)
        return _assemble(path, data, fmt, extraction, length)
    except IngestError as exc:
        exc.with_source(path.name)
        raise
    except (MemoryError, RecursionError) as exc:
        raise InternalIngestError("fichier trop complexe pour être lu", source=path.name) from exc
    except Exception as exc:  # noqa: BLE001 — one bad file must never stop a batch
        log.exception("unexpected error while reading %s", path.name)
        raise InternalIngestError(
            f"erreur interne en lisant ce fichier ({type(exc).__name__}) : signalez-le avec "
            "le fichier à l'équipe grader", source=path.name) from exc


def _load(path: Path, limits: Limits) -> bytes:
    if not path.is_file():
        raise FileMissingError("fichier introuvable (vérifiez le chemin)")
    size = path.stat().st_size
    if size == 0:
        raise EmptyFileError("fichier vide (0 octet) : le dépôt a échoué, déposez-le à nouveau")
    if size > limits.max_bytes:
        raise FileTooLargeError(
            f"fichier de {size / 1e6:.1f} Mo, au-delà de la limite de "
            f"{limits.max_bytes / 1e6:.1f} Mo : compressez les images ou exportez en PDF")
    return path.read_bytes()


def _extract(fmt: str, data: bytes, limits: Limits) -> Extraction:
    deadline = Deadline(limits.max_seconds)
    if fmt == "pdf":
        from grader.ingest.pdf import read_pdf  # PDFium loads only when a PDF comes

        return read_pdf(data, limits, deadline)
    if fmt == "docx":
        from grader.ingest.docx import read_docx

        return read_docx(data, limits, deadline)
    from grader.ingest.text import read_text

    return read_text(data, fmt == "md", deadline)


def _assemble(path: Path, data: bytes, fmt: str, ext: Extraction,
              length: tuple[int, int] | None) -> Document:
    align_levels(ext.blocks, ext.outline)
    pages = _pages(ext)
    texts = [page.text for page in pages]
    if not any(text.strip() for text in texts):
        raise NoTextError(_no_text_reason(ext))
    return Document(
        source=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,  # type: ignore[arg-type]
        pages=pages,
        blocks=[_block(b) for b in ext.blocks if b.text],
        sections=build_sections(ext.blocks, ext.outline, texts),
        words=count_words(texts),
        language=detect_language("\n".join(texts)),  # type: ignore[arg-type]
        metadata=Metadata(title=ext.title, author=ext.author),
        flags=_flags(path, fmt, ext, pages, length),
        comments=[_block(b) for b in ext.comments if b.text],
    )


def _no_text_reason(ext: Extraction) -> str:
    if ext.scanned_pages:
        return ("document entièrement numérisé (images sans couche texte) : demandez le "
                "fichier d'origine ou une version PDF avec texte (OCR)")
    return "aucun texte lisible dans ce document : vérifiez qu'il s'agit du bon fichier"


def _pages(ext: Extraction) -> list[Page]:
    bodies: dict[int, list[str]] = {n: [] for n in range(1, ext.page_count + 1)}
    for block in ext.blocks:
        if block.text:
            bodies.setdefault(block.page, []).append(block.text)
    return [Page(number=n, text="\n\n".join(parts), header=ext.headers.get(n, ""),
                 footer=ext.footers.get(n, ""), approximate=ext.approximate)
            for n, parts in sorted(bodies.items())]


def _block(raw: RawBlock) -> Block:
    return Block(text=raw.text, page=raw.page, level=raw.level, kind=raw.kind)  # type: ignore[arg-type]


def _flags(path: Path, fmt: str, ext: Extraction, pages: list[Page],
           length: tuple[int, int] | None) -> list[Flag]:
    scanned = [(p.number, p.text) for p in pages]
    scanned += [(p.number, f"{p.header}\n{p.footer}") for p in pages if p.header or p.footer]
    scanned += [(h.page, h.text) for h in ext.hidden]
    scanned += [(c.page, c.text) for c in ext.comments]
    scanned += [(1, ext.title or "")]
    found = [
        flagging.hidden_flag(ext.hidden),
        flagging.scanned_flag(ext.scanned_pages),
        flagging.find_injections(scanned),
        flagging.length_flag(len(pages), length, ext.approximate),
        flagging.encrypted_flag() if ext.encrypted else None,
        flagging.approximate_flag(len(pages)) if ext.approximate else None,
        flagging.extension_flag(path.suffix, fmt),
    ]
    return [flag for flag in found if flag is not None]
