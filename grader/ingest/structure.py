"""Document-wide facts: the section tree, the word count, the language.

Sections come from the PDF's bookmarks when it has them (the author's own outline), otherwise
from the headings found, otherwise from the table of contents' entries.
"""

from __future__ import annotations

import re
import unicodedata

from grader.ingest.document import Section
from grader.ingest.parts import OutlineEntry, RawBlock

_NO_LETTER_TOKEN = re.compile(r"(?<!\S)(?:[^\w\s]|_)+(?!\S)")
_TOKEN = re.compile(r"[^\W\d_]+")
_TOC_TAIL = re.compile(r"\s*(?:(?:\.\s?){2,}|…+|_{2,}|\t)?\s*(\d{1,4})$")
_TOC_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,5})[.)]?\s")

_FR = frozenset(
    "le la les des du de et est une un pour dans que qui sur pas par avec ce cette au aux "
    "sont nous vous il elle ou en ne se leur leurs mais comme plus été être sa son ses".split())
_EN = frozenset(
    "the of and to in is that for it with as on are this be by was from at an which not or "
    "have has were their its but can will would been these more".split())


def count_words(texts: list[str]) -> int:
    """Words as Word counts them: runs of non-spaces holding at least one letter or digit."""
    return sum(len(text.split()) - len(_NO_LETTER_TOKEN.findall(text)) for text in texts)


def detect_language(text: str) -> str:
    """fr, en or unknown, from the share of each language's commonest words."""
    tokens = _TOKEN.findall(text[:60_000].lower())  # a sample is enough to tell fr from en
    if len(tokens) < 20:
        return "unknown"
    fr = sum(token in _FR for token in tokens)
    en = sum(token in _EN for token in tokens)
    if max(fr, en) < 0.05 * len(tokens):
        return "unknown"
    if fr >= 1.5 * en:
        return "fr"
    return "en" if en >= 1.5 * fr else "unknown"


def align_levels(blocks: list[RawBlock], outline: list[OutlineEntry]) -> None:
    """Give each heading block the level the document's own outline (PDF bookmarks) gives it.

    Levels read from font sizes fail when a part and its sub-headings share a size (« Partie 6 »
    and « 1. Aller sur TikTok », both 14 pt): every sub-heading then ends the part, which looks
    36 words long instead of 1,800 — and the same document read from its DOCX, whose styles say
    the truth, drafts differently. The outline is the author's structure; a heading it does not
    list keeps its measured level."""
    if not outline:
        return
    levels: dict[tuple[str, int], int] = {}
    for entry in outline:
        levels.setdefault((_title_key(entry.title), entry.page), entry.level)
    for block in blocks:
        if block.kind != "heading" or not block.level:
            continue
        key = _title_key(block.text)
        for page in (block.page, block.page - 1, block.page + 1):
            if (key, page) in levels:
                block.level = max(1, min(levels[(key, page)], 6))
                break


def _title_key(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).replace("\u2019", "'").replace("\u02bc", "'")
    return " ".join(text.casefold().split())


def build_sections(blocks: list[RawBlock], outline: list[OutlineEntry],
                   page_texts: list[str]) -> list[Section]:
    entries = outline or [OutlineEntry(b.text, b.level, b.page)
                          for b in blocks if b.kind == "heading" and b.level]
    if not entries:
        entries = _toc_entries(blocks, page_texts)
    return _tree(entries)


def _toc_entries(blocks: list[RawBlock], page_texts: list[str]) -> list[OutlineEntry]:
    entries = []
    for block in blocks:
        if block.kind != "toc":
            continue
        tail = _TOC_TAIL.search(block.text)
        title = block.text[: tail.start()].strip() if tail else block.text.strip()
        if not title:
            continue
        number = _TOC_NUMBER.match(title)
        level = number.group(1).count(".") + 1 if number else 1
        found = _find_page(title, block.page, page_texts)
        page = found or (int(tail.group(1)) if tail else block.page)
        entries.append(OutlineEntry(title, min(level, 6), max(1, page)))
    return entries


def _find_page(title: str, after: int, page_texts: list[str]) -> int | None:
    """The printed page in a TOC is a folio, not the file's page: look for the title instead."""
    for index in range(after, len(page_texts)):
        if title in page_texts[index]:
            return index + 1
    return None


def _tree(entries: list[OutlineEntry]) -> list[Section]:
    """Nest by level with a stack; a level jump (1 -> 3) nests under the nearest parent."""
    roots: list[dict] = []
    stack: list[dict] = []
    for entry in entries:
        node = {"title": entry.title, "level": max(1, min(entry.level, 6)),
                "page": entry.page, "children": []}
        while stack and stack[-1]["level"] >= node["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else roots).append(node)
        stack.append(node)
    return [Section.model_validate(node) for node in roots]
