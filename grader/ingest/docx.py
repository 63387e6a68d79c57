"""DOCX deliverables, read from the package's XML (python-docx skips footnotes, comments, text
boxes and tracked changes, and would not bound decompression).

Pages: Word writes `w:lastRenderedPageBreak` where each page began when the file was last
laid out; when present they are the page numbers. Files written by other tools lack them, so
pages are then estimated between explicit breaks and flagged as approximate.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from grader.ingest.clean import clean, squash
from grader.ingest.document import Limits
from grader.ingest.docx_styles import Styles, W, hex_colour
from grader.ingest.docx_walk import Anchor, HiddenRun, Walker
from grader.ingest.errors import CorruptFileError
from grader.ingest.paginate import estimate_pages
from grader.ingest.parts import Deadline, Extraction, Hidden, RawBlock
from grader.ingest.safezip import SafeZip, parse_xml

_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DC = "{http://purl.org/dc/elements/1.1/}"


def read_docx(data: bytes, limits: Limits, deadline: Deadline) -> Extraction:
    package = SafeZip(data, limits)
    raw_document = package.read("word/document.xml") or b""
    root = _parse_document(raw_document)
    rendered = b"lastRenderedPageBreak" in raw_document
    styles = Styles(package.xml("word/styles.xml"))
    walker = Walker(styles, rendered, deadline, _page_colour(root))
    body = root.find(f"{W}body")
    if body is None:
        raise CorruptFileError("DOCX sans corps de document : enregistrez-le à nouveau depuis Word")
    walker.body(body)
    deadline.check()
    return _assemble(package, walker, styles, rendered, deadline)


def _parse_document(raw: bytes) -> etree._Element:
    if not raw:
        raise CorruptFileError("DOCX sans contenu (word/document.xml vide) : enregistrez-le à "
                               "nouveau depuis Word")
    return parse_xml(raw)


def _page_colour(root: etree._Element) -> str:
    background = root.find(f"{W}background")
    colour = hex_colour(background.get(f"{W}color")) if background is not None else None
    return colour or "FFFFFF"


def _assemble(package: SafeZip, walker: Walker, styles: Styles, rendered: bool,
              deadline: Deadline) -> Extraction:
    blocks = walker.blocks
    count = walker.page if rendered else estimate_pages(blocks)
    if blocks and blocks[-1].page > count:
        count = blocks[-1].page

    def page_of(at: Anchor) -> int:
        if rendered:
            return at.page
        return blocks[at.block].page if at.block < len(blocks) else count

    notes = _notes(package, walker, styles, deadline, page_of)
    title, author = _core(package)
    headers, footers = _running(package, walker, styles, deadline, count)
    return Extraction(
        page_count=max(1, count),
        blocks=_with_notes(blocks, notes),
        headers=headers,
        footers=footers,
        hidden=[Hidden(h.text, page_of(h.at), h.reason) for h in walker.hidden],
        comments=_comments(package, walker, page_of),
        approximate=not rendered,
        title=title,
        author=author,
    )


def _note_bodies(package: SafeZip, part: str) -> dict[str, etree._Element]:
    root = package.xml(part)
    if root is None:
        return {}
    tag = "footnote" if "footnotes" in part else "endnote"
    return {el.get(f"{W}id", ""): el for el in root.iterfind(f"{W}{tag}")
            if el.get(f"{W}type") in (None, "normal")}


def _notes(package: SafeZip, walker: Walker, styles: Styles, deadline: Deadline,
           page_of: Callable[[Anchor], int]) -> list[RawBlock]:
    """Footnotes at the foot of the page that calls them, numbered as in the body."""
    if not walker.note_refs:
        return []
    bodies = {"footnote": _note_bodies(package, "word/footnotes.xml"),
              "endnote": _note_bodies(package, "word/endnotes.xml")}
    out = []
    for number, (kind, note_id, at) in enumerate(walker.note_refs, start=1):
        element = bodies[kind].get(note_id)
        if element is None:
            continue
        text, hidden = _sub_text(element, styles, deadline)
        page = page_of(at)
        walker.hidden += [HiddenRun(h.text, h.reason, at) for h in hidden]
        if text:
            out.append(RawBlock(f"{number} {text}", page, 0, "footnote"))
    return out


def _sub_text(element: etree._Element, styles: Styles, deadline: Deadline,
              live_fields: bool = False) -> tuple[str, list[HiddenRun]]:
    """Visible text of a story outside the body (note, comment, header), and its hidden runs."""
    sub = Walker(styles, rendered=True, deadline=deadline, live_fields=live_fields)
    sub.body(element)
    return squash(" ".join(b.text for b in sub.blocks)), sub.hidden


def _with_notes(blocks: list[RawBlock], notes: list[RawBlock]) -> list[RawBlock]:
    """Each page's footnotes after its body, as on paper."""
    indexed = [(b.page, 0, i, b) for i, b in enumerate(blocks)]
    indexed += [(n.page, 1, i, n) for i, n in enumerate(notes)]
    return [item[3] for item in sorted(indexed, key=lambda item: item[:3])]


def _comments(package: SafeZip, walker: Walker, page_of: Callable[[Anchor], int]) -> list[RawBlock]:
    root = package.xml("word/comments.xml") if walker.comment_refs else None
    if root is None:
        return []
    out = []
    for el in root.iterfind(f"{W}comment"):
        at = walker.comment_refs.get(el.get(f"{W}id", ""))
        text = squash(clean(" ".join(t.text or "" for t in el.iter(f"{W}t"))))
        if at is not None and text:
            author = el.get(f"{W}author") or "?"
            out.append(RawBlock(f"{author} : {text}", page_of(at), 0, "comment"))
    return out


def _core(package: SafeZip) -> tuple[str | None, str | None]:
    root = package.xml("docProps/core.xml")
    if root is None:
        return None, None

    def text(tag: str) -> str | None:
        el = root.find(f"{_DC}{tag}")
        value = squash(clean(el.text or "")) if el is not None else ""
        return value or None

    return text("title"), text("creator")


def _running(package: SafeZip, walker: Walker, styles: Styles, deadline: Deadline,
             count: int) -> tuple[dict[int, str], dict[int, str]]:
    """Default header and footer of each section, applied to the pages of that section; a
    section without its own inherits the previous one's, as in Word."""
    rels = _relationships(package)
    ends, effective, current = [], [], {"header": "", "footer": ""}
    for end, sect in walker.section_ends:
        current = {**current, **_section_texts(package, rels, sect, styles, deadline)}
        ends.append(end)
        effective.append(current)
    first_block: dict[int, int] = {}
    for index, block in enumerate(walker.blocks):
        first_block.setdefault(block.page, index)
    headers: dict[int, str] = {}
    footers: dict[int, str] = {}
    texts = effective[0] if effective else current
    for page in range(1, count + 1):
        if page in first_block and effective:
            k = next((k for k, end in enumerate(ends) if first_block[page] < end), len(ends) - 1)
            texts = effective[k]
        headers[page] = _fill_fields(texts["header"], page, count)
        footers[page] = _fill_fields(texts["footer"], page, count)
    return headers, footers


def _fill_fields(text: str, page: int, count: int) -> str:
    return text.replace("{PAGE}", str(page)).replace("{NUMPAGES}", str(count))


def _section_texts(package: SafeZip, rels: dict[str, str], sect: etree._Element,
                   styles: Styles, deadline: Deadline) -> dict[str, str]:
    found = {}
    for kind in ("header", "footer"):
        ref = next((el for el in sect.iterfind(f"{W}{kind}Reference")
                    if el.get(f"{W}type", "default") == "default"), None)
        target = rels.get(ref.get(_REL, "")) if ref is not None else None
        root = package.xml(f"word/{target}") if target else None
        if root is not None:
            found[kind] = _sub_text(root, styles, deadline, live_fields=True)[0]
    return found


def _relationships(package: SafeZip) -> dict[str, str]:
    root = package.xml("word/_rels/document.xml.rels")
    if root is None:
        return {}
    return {el.get("Id", ""): el.get("Target", "").lstrip("/").removeprefix("word/")
            for el in root.iter(_PKG_REL)}

