"""What `grader extract` prints: the JSON contract, or a summary a person can read.

JSON keys (stable): source, sha256, format, metadata{title,author}, pages[{number,text,header,
footer,approximate}], sections[{title,level,page,children}], words, language,
flags[{code,message,pages,passages}].
"""

from __future__ import annotations

from typing import Any

from grader.ingest.document import Document, Flag, Section

_MAX_SECTION_LINES = 40
_MAX_PASSAGES = 3

_LABELS = {
    "fr": {"pages": "pages", "words": "mots", "language": "langue", "title": "Titre",
           "author": "Auteur", "sections": "Sections", "flags": "Alertes",
           "no_flags": "Aucune alerte.", "no_sections": "Aucune section détectée.",
           "more": "… et {n} de plus", "approximate": "pagination estimée", "thousands": " ",
           "langs": {"fr": "français", "en": "anglais", "unknown": "inconnue"}},
    "en": {"pages": "pages", "words": "words", "language": "language", "title": "Title",
           "author": "Author", "sections": "Sections", "flags": "Warnings",
           "no_flags": "No warnings.", "no_sections": "No sections found.",
           "more": "… and {n} more", "approximate": "estimated page numbers", "thousands": ",",
           "langs": {"fr": "French", "en": "English", "unknown": "unknown"}},
}
_FLAG_EN = {
    "hidden_text": "text a reader cannot see",
    "no_text_layer": "scanned pages without a text layer",
    "possible_prompt_injection": "instructions addressed to the grader or an AI",
    "length_out_of_rule": "length outside the rule",
    "encrypted": "encrypted PDF (owner password only), read normally",
    "approximate_pages": "page numbers are estimated",
    "extension_mismatch": "file extension does not match its content",
}


def to_json(doc: Document) -> dict[str, Any]:
    return {
        "source": doc.source,
        "sha256": doc.sha256,
        "format": doc.format,
        "metadata": doc.metadata.model_dump(),
        "pages": [page.model_dump() for page in doc.pages],
        "sections": [section.model_dump() for section in doc.sections],
        "words": doc.words,
        "language": doc.language,
        "flags": [flag.model_dump() for flag in doc.flags],
    }


def summary(doc: Document, lang: str = "fr") -> str:
    labels = _LABELS.get(lang, _LABELS["fr"])
    lines = [_headline(doc, labels)]
    if doc.metadata.title or doc.metadata.author:
        lines.append(f"{labels['title']} : {doc.metadata.title or '—'} · "
                     f"{labels['author']} : {doc.metadata.author or '—'}")
    lines += _sections(doc.sections, labels)
    lines += _flags(doc.flags, labels, lang)
    return "\n".join(lines)


def _headline(doc: Document, labels: dict[str, Any]) -> str:
    approx = f" ({labels['approximate']})" if any(p.approximate for p in doc.pages) else ""
    language = labels["langs"].get(doc.language, doc.language)
    words = f"{doc.words:,}".replace(",", labels["thousands"])
    pages = labels["pages"] if len(doc.pages) > 1 else labels["pages"][:-1]
    return (f"{doc.source} — {doc.format.upper()}, {len(doc.pages)} {pages}{approx}, "
            f"{words} {labels['words']}, {labels['language']} : {language}")


def _sections(sections: list[Section], labels: dict[str, Any]) -> list[str]:
    flat = list(_walk(sections, 0))
    if not flat:
        return [labels["no_sections"]]
    lines = [f"{labels['sections']} ({len(flat)}) :"]
    for depth, section in flat[:_MAX_SECTION_LINES]:
        lines.append(f"{'  ' * (depth + 1)}{section.title} (p. {section.page})")
    if len(flat) > _MAX_SECTION_LINES:
        lines.append("  " + labels["more"].format(n=len(flat) - _MAX_SECTION_LINES))
    return lines


def _walk(sections: list[Section], depth: int) -> Any:
    for section in sections:
        yield depth, section
        yield from _walk(section.children, depth + 1)


def _flags(flags: list[Flag], labels: dict[str, Any], lang: str) -> list[str]:
    if not flags:
        return [labels["no_flags"]]
    lines = [f"{labels['flags']} ({len(flags)}) :"]
    for flag in flags:
        text = flag.message if lang == "fr" else _english(flag)
        lines.append(f"  ! [{flag.code}] {text}")
        for passage in flag.passages[:_MAX_PASSAGES]:
            lines.append(f"      « {passage[:160]} »")
        if len(flag.passages) > _MAX_PASSAGES:
            lines.append("      " + labels["more"].format(n=len(flag.passages) - _MAX_PASSAGES))
    return lines


def _english(flag: Flag) -> str:
    pages = f" (pages {', '.join(map(str, flag.pages))})" if flag.pages else ""
    return f"{_FLAG_EN.get(flag.code, flag.code)}{pages}"
