"""The flags a jury must see, each one French line with its pages and passages.

Flags inform the jury; they never change a score by themselves. Injection patterns are data
(`injection_patterns.yaml`), matched on accent-folded lower-case text so that one pattern covers
« Ignorez » and « IGNOREZ ».
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from grader import yamlio
from grader.ingest.clean import squash
from grader.ingest.document import Flag
from grader.ingest.parts import Hidden

_MAX_PASSAGE = 300


@dataclass(frozen=True, slots=True)
class Pattern:
    id: str
    regex: re.Pattern[str]
    keywords: tuple[str, ...]

    def finditer(self, folded: str) -> Iterable[re.Match[str]]:
        if any(word in folded for word in self.keywords):
            yield from self.regex.finditer(folded)


@cache
def injection_patterns() -> tuple[Pattern, ...]:
    raw = resources.files("grader.ingest").joinpath("injection_patterns.yaml").read_text("utf-8")
    return tuple(Pattern(p["id"], re.compile(p["regex"], re.I), tuple(p["keywords"]))
                 for p in yamlio.safe_load(raw)["patterns"])


def _fold_table() -> bytes:
    """Latin-1 byte -> its lower-case letter without accent (É -> e), one byte for one."""
    table = bytearray(range(256))
    for code in range(0x41, 0x100):
        base = unicodedata.normalize("NFKD", chr(code))[0].lower()
        if len(base) == 1 and ord(base) < 0x100:
            table[code] = ord(base)
    return bytes(table)


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower case without accents, one character for one, so a match's offsets are valid in
    the original text. Characters outside Latin-1 become "?" (no pattern needs them)."""
    text = text.replace("’", "'").replace("‘", "'")
    return text.encode("latin-1", "replace").translate(_FOLD).decode("latin-1")


def find_injections(texts: Iterable[tuple[int, str]]) -> Flag | None:
    """Scan (page, text) pairs; one flag listing every matching sentence."""
    pages: set[int] = set()
    passages: list[str] = []
    for page, text in texts:
        folded = fold(text)
        for pattern in injection_patterns():
            for match in pattern.finditer(folded):
                passage = _sentence(text, match.start(), match.end())
                if passage not in passages:
                    passages.append(passage)
                pages.add(page)
    if not passages:
        return None
    return Flag(code="possible_prompt_injection", pages=sorted(pages), passages=passages,
                message=f"Consignes adressées au correcteur ou à une IA ({len(passages)} "
                        f"passage(s), page(s) {_pages(pages)}) : à examiner par le jury.")


def _sentence(text: str, start: int, end: int) -> str:
    while start < end and text[start].isspace():
        start += 1
    left = max(text.rfind(stop, 0, start) for stop in (". ", "! ", "? ", "\n"))
    rights = [i for i in (text.find(stop, end) for stop in (". ", "! ", "? ", "\n")) if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    sentence = squash(text[left + 1: right])
    return sentence[:_MAX_PASSAGE]


def hidden_flag(hidden: list[Hidden]) -> Flag | None:
    if not hidden:
        return None
    pages = {h.page for h in hidden}
    reasons = ", ".join(dict.fromkeys(h.reason for h in hidden))
    return Flag(code="hidden_text", pages=sorted(pages), passages=[h.text for h in hidden],
                message=f"Texte invisible pour un lecteur ({reasons}) : {len(hidden)} "
                        f"passage(s), page(s) {_pages(pages)} ; exclu du texte noté.")


def scanned_flag(pages: list[int]) -> Flag | None:
    if not pages:
        return None
    return Flag(code="no_text_layer", pages=sorted(pages),
                message=f"Page(s) numérisée(s) sans couche texte ({_pages(pages)}) : "
                        "leur contenu n'est pas lu, le jury doit les lire lui-même.")


def length_flag(count: int, length: tuple[int, int] | None, approximate: bool) -> Flag | None:
    if length is None or length[0] <= count <= length[1]:
        return None
    about = "environ " if approximate else ""
    return Flag(code="length_out_of_rule",
                message=f"Longueur hors règle : {about}{count} pages pour "
                        f"{length[0]} à {length[1]} attendues.")


def encrypted_flag() -> Flag:
    return Flag(code="encrypted",
                message="PDF chiffré (mot de passe propriétaire seulement) : lu normalement, "
                        "mais ses restrictions ont été ignorées.")


def approximate_flag(count: int) -> Flag:
    return Flag(code="approximate_pages", pages=[],
                message=f"Numéros de page estimés ({count} page{'s' if count > 1 else ''} "
                        "environ) : le fichier ne "
                        "contient pas la pagination de Word ; vérifiez sur l'original.")


def extension_flag(suffix: str, fmt: str) -> Flag | None:
    expected = {"pdf": {".pdf"}, "docx": {".docx"}, "txt": {".txt", ".text", ""},
                "md": {".md", ".markdown", ".txt", ""}}[fmt]
    if suffix.lower() in expected or (fmt in ("txt", "md") and suffix.lower() in (".md", ".txt")):
        return None
    return Flag(code="extension_mismatch",
                message=f"L'extension « {suffix or '(aucune)'} » ne correspond pas au contenu "
                        f"({fmt.upper()}) : le fichier a été lu d'après son contenu.")


def _pages(pages: Iterable[int]) -> str:
    return ", ".join(map(str, sorted(pages))) or "—"
