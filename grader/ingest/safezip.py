"""Reading a DOCX's zip and XML parts without trusting them.

A DOCX is a zip a candidate controls: sizes are checked as declared *and* as actually inflated
(a lying header cannot get past the cap), entries are counted, and XML is parsed with entity
expansion and network access off (no billion-laughs, no external entities). lxml parsers are not
shareable across threads, so each parse gets its own.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from lxml import etree

from grader.ingest.document import Limits
from grader.ingest.errors import ArchiveTooLargeError, CorruptFileError

_CHUNK = 1 << 20
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError, KeyError, IndexError, OverflowError)


def _bomb(limit: int) -> ArchiveTooLargeError:
    return ArchiveTooLargeError(
        f"DOCX dont le contenu décompressé dépasse {limit / 1e6:.0f} Mo (archive piégée ou "
        "images démesurées) : réduisez les images et enregistrez à nouveau")


def _corrupt() -> CorruptFileError:
    return CorruptFileError(
        "DOCX corrompu (archive ZIP invalide) : ouvrez-le dans Word et enregistrez-le à nouveau")


class SafeZip:
    """The parts of one archive, each read at most once, under a shared inflation budget."""

    def __init__(self, data: bytes, limits: Limits) -> None:
        self._limit = limits.max_unzipped_bytes
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except ZIP_ERRORS as exc:
            raise _corrupt() from exc
        if len(infos) > limits.max_zip_entries:
            raise ArchiveTooLargeError(
                f"DOCX de {len(infos)} fichiers internes (limite {limits.max_zip_entries}) : "
                "archive anormale, enregistrez à nouveau depuis Word")
        if sum(info.file_size for info in infos) > self._limit:
            raise _bomb(self._limit)
        # OPC part names are case-insensitive; keep the first of any duplicates.
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            self._infos.setdefault(info.filename.lower().lstrip("/"), info)
        self._budget = self._limit

    def has(self, name: str) -> bool:
        return name.lower().lstrip("/") in self._infos

    def read(self, name: str) -> bytes | None:
        info = self._infos.get(name.lower().lstrip("/"))
        if info is None:
            return None
        try:
            data = self._read_capped(info)
        except (ArchiveTooLargeError, CorruptFileError):
            raise
        except ZIP_ERRORS as exc:
            raise _corrupt() from exc
        self._budget -= len(data)
        return data

    def _read_capped(self, info: zipfile.ZipInfo) -> bytes:
        out = bytearray()
        with self._zip.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                out += chunk
                if len(out) > self._budget:
                    raise _bomb(self._limit)
        return bytes(out)

    def xml(self, name: str) -> etree._Element | None:
        data = self.read(name)
        return None if data is None else parse_xml(data)


def parse_xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise CorruptFileError(
            "DOCX corrompu (XML invalide) : ouvrez-le dans Word et enregistrez-le à nouveau"
        ) from exc
    if root is None:
        raise CorruptFileError("DOCX corrompu (partie XML vide) : enregistrez-le à nouveau")
    return root
