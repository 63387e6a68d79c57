#!/usr/bin/env python3
"""Build the sample deliverables (PDF and DOCX) from their Markdown sources.

Usage:
    python samples/build.py [--src DIR] [--out DIR] [--format pdf,docx] [FILES...]

Without FILES, every ``*.md`` in ``--src`` (default ``samples/src``) is built into
``--out`` (default ``samples``) as ``<stem>.pdf`` and ``<stem>.docx``.

Importable API (used by ``evals/gold/build.py``)::

    parse(md_text) -> DocModel
    build_pdf(md_path_or_model, out_path) -> BuildInfo   (pages, heading pages)
    build_docx(md_path_or_model, out_path, heading_pages=None)

The Markdown convention is documented in ``samples/README.md``.  Output is
deterministic: rebuilding an unchanged source gives byte-identical files.
"""
from __future__ import annotations

import argparse
import copy
import datetime as _dt
import io
import os
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------
# Document model
# ---------------------------------------------------------------------------


@dataclass
class Span:
    text: str = ""
    bold: bool = False
    italic: bool = False
    code: bool = False
    fn: Optional[int] = None  # footnote number (1-based) for a reference mark
    href: Optional[str] = None
    br: bool = False  # hard line break


@dataclass
class Heading:
    level: int
    spans: list
    key: str = ""

    @property
    def text(self) -> str:
        return spans_text(self.spans)


@dataclass
class Para:
    spans: list

    @property
    def text(self) -> str:
        return spans_text(self.spans)

    @property
    def role(self) -> str:
        """'caption' (Tableau 3 — ...), 'source' (italic Source : ... line) or 'body'."""
        t = self.text.strip()
        if len(t) < 260 and re.match(r"^(Tableau|Table|Figure|Graphique|Schéma|Exhibit|Chart)\s+\d+", t):
            return "caption"
        words = [s for s in self.spans if s.text.strip() and s.fn is None]
        if words and all(s.italic for s in words) and re.match(
            r"^(Sources?|Lecture|Note|Champ|Base|Reading)\b", t
        ):
            return "source"
        return "body"


@dataclass
class ListBlock:
    ordered: bool
    start: int = 1
    items: list = field(default_factory=list)  # list[list[block]]


@dataclass
class Table:
    header: list  # list[list[Span]]
    rows: list  # list[list[list[Span]]]
    aligns: list  # 'left' | 'center' | 'right' | None


@dataclass
class Quote:
    blocks: list


@dataclass
class PageBreak:
    pass


@dataclass
class Toc:
    pass


@dataclass
class Marker:
    name: str
    end: bool = False


@dataclass
class Hidden:
    """Text invisible to a human reader (gold-set probes): white 1 pt in PDF, w:vanish in DOCX."""

    text: str


Block = Union[Heading, Para, ListBlock, Table, Quote, PageBreak, Toc, Marker, Hidden]


@dataclass
class DocModel:
    meta: dict
    blocks: list
    footnotes: dict  # int -> list[Span]

    @property
    def lang(self) -> str:
        return str(self.meta.get("language", "fr")).lower()[:2]

    def headings(self) -> list:
        out = []

        def walk(blocks):
            for b in blocks:
                if isinstance(b, Heading):
                    out.append(b)
                elif isinstance(b, Quote):
                    walk(b.blocks)

        walk(self.blocks)
        return out


def spans_text(spans) -> str:
    parts = []
    for s in spans:
        if s.br:
            parts.append("\n")
        elif s.fn is not None:
            parts.append(str(s.fn))
        else:
            parts.append(s.text)
    return "".join(parts)


# ---------------------------------------------------------------------------
# Parsing (markdown-it-py + footnote + front matter plugins)
# ---------------------------------------------------------------------------

_MD = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
_MD.use(front_matter_plugin).use(footnote_plugin)

_COMMENT_RE = re.compile(r"<!--\s*(.*?)\s*-->", re.S)


def _inline(children, fn_ids) -> list:
    spans = []
    bold = italic = 0
    href = None
    for t in children or []:
        ty = t.type
        if ty == "text":
            if t.content:
                spans.append(Span(t.content, bold > 0, italic > 0, href=href))
        elif ty == "softbreak":
            spans.append(Span(" ", bold > 0, italic > 0, href=href))
        elif ty == "hardbreak":
            spans.append(Span(br=True))
        elif ty == "strong_open":
            bold += 1
        elif ty == "strong_close":
            bold -= 1
        elif ty == "em_open":
            italic += 1
        elif ty == "em_close":
            italic -= 1
        elif ty == "code_inline":
            spans.append(Span(t.content, bold > 0, italic > 0, code=True))
        elif ty == "link_open":
            href = t.attrs.get("href")
        elif ty == "link_close":
            href = None
        elif ty == "footnote_ref":
            spans.append(Span(fn=fn_ids(t.meta["id"])))
        elif ty in ("footnote_anchor", "html_inline", "s_open", "s_close"):
            continue
        elif ty == "image":
            spans.append(Span(t.content or "", italic=True))
        else:  # unknown inline: keep its text
            if t.content:
                spans.append(Span(t.content, bold > 0, italic > 0))
    # merge adjacent spans with identical formatting
    merged = []
    for s in spans:
        if (
            merged
            and s.fn is None
            and not s.br
            and merged[-1].fn is None
            and not merged[-1].br
            and (merged[-1].bold, merged[-1].italic, merged[-1].code, merged[-1].href)
            == (s.bold, s.italic, s.code, s.href)
        ):
            merged[-1].text += s.text
        else:
            merged.append(s)
    return merged


def parse(md_text: str) -> DocModel:
    """Parse the Markdown convention into a DocModel."""
    env: dict = {}
    tokens = _MD.parse(md_text, env)
    meta: dict = {}
    fn_order: dict = {}

    def fn_ids(mid):  # markdown-it footnote id (0-based, order of first reference)
        return mid + 1

    pos = 0
    n = len(tokens)
    heading_count = [0]

    def parse_blocks(stop_type=None):
        nonlocal pos, meta
        blocks = []
        while pos < n:
            t = tokens[pos]
            ty = t.type
            if stop_type and ty == stop_type:
                pos += 1
                return blocks
            if ty == "front_matter":
                meta = yaml.safe_load(t.content) or {}
                pos += 1
            elif ty == "heading_open":
                level = int(t.tag[1])
                spans = _inline(tokens[pos + 1].children, fn_ids)
                heading_count[0] += 1
                blocks.append(Heading(level, spans, key=f"h{heading_count[0]:03d}"))
                pos += 3
            elif ty == "paragraph_open":
                inl = tokens[pos + 1]
                pos += 3
                if inl.content.strip() == "[[TOC]]":
                    blocks.append(Toc())
                else:
                    blocks.append(Para(_inline(inl.children, fn_ids)))
            elif ty in ("bullet_list_open", "ordered_list_open"):
                ordered = ty == "ordered_list_open"
                start = int(t.attrs.get("start", 1)) if ordered else 1
                close = "ordered_list_close" if ordered else "bullet_list_close"
                lb = ListBlock(ordered, start)
                pos += 1
                while tokens[pos].type != close:
                    assert tokens[pos].type == "list_item_open", tokens[pos]
                    pos += 1
                    lb.items.append(parse_blocks("list_item_close"))
                pos += 1
                blocks.append(lb)
            elif ty == "blockquote_open":
                pos += 1
                blocks.append(Quote(parse_blocks("blockquote_close")))
            elif ty == "table_open":
                pos += 1
                header, rows, aligns = [], [], []
                cur = None
                while tokens[pos].type != "table_close":
                    tt = tokens[pos]
                    if tt.type == "tr_open":
                        cur = []
                    elif tt.type in ("th_open", "td_open"):
                        style = tt.attrs.get("style", "") or ""
                        m = re.search(r"text-align:(\w+)", style)
                        if tt.type == "th_open":
                            aligns.append(m.group(1) if m else None)
                        cur.append(_inline(tokens[pos + 1].children, fn_ids))
                        pos += 2
                    elif tt.type == "tr_close":
                        if not header and not rows and cur is not None and tokens[pos - 1].type == "th_close":
                            header = cur
                        else:
                            rows.append(cur)
                    pos += 1
                pos += 1
                blocks.append(Table(header, rows, aligns))
            elif ty == "html_block":
                for m in _COMMENT_RE.finditer(t.content):
                    c = m.group(1).strip()
                    if re.fullmatch(r"page-?break|newpage", c, re.I):
                        blocks.append(PageBreak())
                    elif c.lower().startswith("hidden:"):
                        blocks.append(Hidden(c.split(":", 1)[1].strip()))
                    else:
                        pm = re.fullmatch(r"(/)?\s*part:\s*([\w\-]+)", c)
                        if pm:
                            blocks.append(Marker(pm.group(2), end=bool(pm.group(1))))
                pos += 1
            elif ty == "hr":
                pos += 1
            elif ty == "footnote_block_open":
                pos += 1
                while tokens[pos].type != "footnote_block_close":
                    ft = tokens[pos]
                    if ft.type == "footnote_open":
                        fid = ft.meta["id"]
                        pos += 1
                        inner = parse_blocks("footnote_close")
                        spans = []
                        for b in inner:
                            if isinstance(b, Para):
                                if spans:
                                    spans.append(Span(" "))
                                spans.extend(b.spans)
                        fn_order[fid + 1] = spans
                    else:
                        pos += 1
                pos += 1
            elif ty in ("code_block", "fence"):
                blocks.append(Para([Span(t.content.rstrip("\n"), code=True)]))
                pos += 1
            else:
                pos += 1
        return blocks

    blocks = parse_blocks()
    return DocModel(meta=meta, blocks=blocks, footnotes=fn_order)


def load(md: Union[str, Path, DocModel]) -> DocModel:
    if isinstance(md, DocModel):
        return md
    return parse(Path(md).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------

DELIVERABLE_LABELS = {
    "fr": {
        "a1-plan-marketing": "Plan marketing",
        "a1-cas-entreprise": "Cas d'entreprise — épreuve individuelle écrite (bloc A1)",
        "a2-plan-action-commerciale": "Plan d'action commerciale",
        "a2-cas-collectif": "Cas d'entreprise — rapport écrit collectif (bloc A2)",
        "a3-plan-communication": "Plan de communication",
        "a4-cas-collectif": "Cas d'entreprise — synthèse collective (bloc A4)",
        "memoire": "Mémoire professionnel",
    },
    "en": {
        "a1-plan-marketing": "Marketing plan",
        "a1-cas-entreprise": "Company case — individual written exam (block A1)",
        "a2-plan-action-commerciale": "Sales action plan",
        "a2-cas-collectif": "Company case — group written report (block A2)",
        "a3-plan-communication": "Communication plan",
        "a4-cas-collectif": "Company case — group synthesis (block A4)",
        "memoire": "Professional thesis",
    },
}

LABELS = {
    "fr": {
        "toc": "Sommaire",
        "author": "Présenté par",
        "authors": "Présenté par",
        "company": "Entreprise",
        "tutor": "Tuteur",
        "date": "Date",
        "page": "Page",
    },
    "en": {
        "toc": "Contents",
        "author": "Submitted by",
        "authors": "Submitted by",
        "company": "Company",
        "tutor": "Mentor",
        "date": "Date",
        "page": "Page",
    },
}

_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12, "january": 1, "february": 2, "march": 3, "april": 4,
    "may": 5, "june": 6, "july": 7, "august": 8, "september": 9, "october": 10,
    "november": 11, "december": 12,
}


def fixed_datetime(meta: dict) -> _dt.datetime:
    """A deterministic document date derived from the front matter (default 2026-01-05)."""
    s = str(meta.get("date", "")).strip().lower()
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        return _dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), 9, 0, 0)
    day = re.search(r"\b(\d{1,2})\b", s)
    year = re.search(r"\b(20\d\d|19\d\d)\b", s)
    month = next((v for k, v in _MONTHS.items() if k in s), None)
    if year and month:
        d = int(day.group(1)) if day and int(day.group(1)) <= 28 else 1
        return _dt.datetime(int(year.group(1)), month, d, 9, 0, 0)
    return _dt.datetime(2026, 1, 5, 9, 0, 0)


def labels(model: DocModel) -> dict:
    return LABELS.get(model.lang, LABELS["fr"])


def deliverable_label(model: DocModel) -> str:
    d = str(model.meta.get("deliverable", ""))
    return DELIVERABLE_LABELS.get(model.lang, DELIVERABLE_LABELS["fr"]).get(d, "")


def french_typo(text: str) -> str:
    """Non-breaking spaces as a French word processor inserts them."""
    text = re.sub(r" ([:;?!»%€])", "\u00a0\\1", text)
    text = re.sub(r"« ", "«\u00a0", text)
    text = re.sub(r"(?<=\d) (?=\d{3}\b)", "\u00a0", text)
    text = re.sub(r"(?<=\d) (?=(k€|M€|Md€|€|%|pts?|points?)\b)", "\u00a0", text)
    return text


def smart_quotes(text: str, lang: str) -> str:
    """Typographic apostrophes and quotes, as a word processor's autocorrect would do."""
    text = text.replace("'", "\u2019")
    if '"' in text:
        if lang == "fr":
            text = re.sub(r'(^|(?<=[\s(\[]))"', "\u201c", text)
        else:
            text = re.sub(r'(^|(?<=[\s(\[]))"', "\u201c", text)
        text = text.replace('"', "\u201d")
    return text


def typo(text: str, lang: str) -> str:
    text = smart_quotes(text, lang)
    return french_typo(text) if lang == "fr" else text


def header_text(model: DocModel) -> str:
    m = model.meta
    return str(m.get("header") or m.get("title") or "")


def is_numeric_cell(t: str) -> bool:
    t = t.strip().replace("\u00a0", " ")
    return bool(t) and bool(
        re.fullmatch(r"[+\-−–]?\s?[\d\s.,]+\s?(%|k€|M€|Md€|€|pts?|points?|x|h|j|ETP)?\s?\*?|[—–-]|n\.?\s?s\.?|n/a", t)
    )


def column_aligns(table: Table) -> list:
    ncols = max([len(table.header)] + [len(r) for r in table.rows])
    out = []
    for c in range(ncols):
        a = table.aligns[c] if c < len(table.aligns) else None
        if a is None and c > 0:
            cells = [spans_text(r[c]) for r in table.rows if c < len(r)]
            cells = [x for x in cells if x.strip()]
            if cells and all(is_numeric_cell(x) for x in cells):
                a = "right"
        out.append(a or "left")
    return out


# ---------------------------------------------------------------------------
# PDF (reportlab platypus)
# ---------------------------------------------------------------------------

FONT_DIRS = [
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    str(Path.home() / ".fonts"),
]

_FONTS: Optional[dict] = None


def _find_font(fname: str) -> Optional[str]:
    for d in FONT_DIRS:
        p = Path(d) / fname
        if p.exists():
            return str(p)
    return None


def register_fonts() -> dict:
    """Register DejaVu Serif/Sans when available; fall back to the standard Type 1 fonts."""
    global _FONTS
    if _FONTS is not None:
        return _FONTS
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    families = {
        "Serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf"),
        "Sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf"),
        "SansCond": (
            "DejaVuSansCondensed.ttf",
            "DejaVuSansCondensed-Bold.ttf",
            "DejaVuSansCondensed-Oblique.ttf",
            "DejaVuSansCondensed-BoldOblique.ttf",
        ),
        "Mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf", "DejaVuSansMono-BoldOblique.ttf"),
    }
    fallback = {
        "Serif": ("Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic"),
        "Sans": ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique"),
        "SansCond": ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique"),
        "Mono": ("Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique"),
    }
    fonts = {"ttf": True}
    for fam, files in families.items():
        paths = [_find_font(f) for f in files]
        if all(paths):
            names = [f"DV{fam}", f"DV{fam}-Bold", f"DV{fam}-Italic", f"DV{fam}-BoldItalic"]
            for nm, p in zip(names, paths):
                pdfmetrics.registerFont(TTFont(nm, p))
            for (b, i), nm in zip([(0, 0), (1, 0), (0, 1), (1, 1)], names):
                addMapping(names[0], b, i, nm)
            fonts[fam] = names
        else:
            fonts[fam] = list(fallback[fam])
            fonts["ttf"] = False
    if not fonts["ttf"]:
        print("build.py: DejaVu fonts not found, falling back to Times/Helvetica "
              "(install fonts-dejavu-core for full Unicode coverage)", file=sys.stderr)
    _FONTS = fonts
    return fonts


def _pdf_safe(text: str, fonts: dict) -> str:
    if fonts.get("ttf"):
        return text
    # Standard fonts (WinAnsi) have œ ’ « » € – but not these:
    return text.replace("\u202f", "\u00a0").replace("\u2212", "-").replace("\u2192", "->").replace("\u2011", "-")


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def spans_markup(spans, lang, fonts, fn_size=7) -> str:
    out = []
    for s in spans:
        if s.br:
            out.append("<br/>")
            continue
        if s.fn is not None:
            out.append(f'<super><font size="{fn_size}">{s.fn}</font></super><onDraw name="fnref" label="{s.fn}"/>')
            continue
        t = _esc(_pdf_safe(typo(s.text, lang) if not s.code else s.text, fonts))
        if s.code:
            t = f'<font name="{fonts["Mono"][0]}" size="9">{t}</font>'
        if s.italic:
            t = f"<i>{t}</i>"
        if s.bold:
            t = f"<b>{t}</b>"
        if s.href:
            t = f'<link href="{_esc(s.href)}" color="#1F4E79">{t}</link>'
        out.append(t)
    return "".join(out)


@dataclass
class BuildInfo:
    pages: int
    heading_pages: dict  # heading key -> page number
    passes: int = 0


def _styles(fonts):
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle

    serif, sans, cond = fonts["Serif"], fonts["Sans"], fonts["SansCond"]
    navy = colors.HexColor("#1F3A5F")
    S = {}
    S["body"] = ParagraphStyle(
        "body", fontName=serif[0], fontSize=11, leading=14.6, alignment=TA_JUSTIFY, spaceAfter=6,
        hyphenationLang=None,
    )
    S["h1"] = ParagraphStyle("h1", fontName=sans[1], fontSize=16, leading=20, textColor=navy,
                             spaceBefore=14, spaceAfter=10, keepWithNext=1)
    S["h2"] = ParagraphStyle("h2", fontName=sans[1], fontSize=12.5, leading=16, textColor=navy,
                             spaceBefore=12, spaceAfter=6, keepWithNext=1)
    S["h3"] = ParagraphStyle("h3", fontName=serif[3], fontSize=11, leading=14.5, textColor=colors.HexColor("#2B2B2B"),
                             spaceBefore=9, spaceAfter=4, keepWithNext=1)
    S["h4"] = ParagraphStyle("h4", parent=S["h3"], fontName=serif[2])
    S["caption"] = ParagraphStyle("caption", fontName=sans[1], fontSize=9.5, leading=12.5, textColor=navy,
                                  spaceBefore=6, spaceAfter=4, keepWithNext=1)
    S["source"] = ParagraphStyle("source", fontName=serif[2], fontSize=8.8, leading=11.5,
                                 textColor=colors.HexColor("#444444"), spaceBefore=3, spaceAfter=8)
    S["cell"] = ParagraphStyle("cell", fontName=cond[0], fontSize=9, leading=11.2, alignment=TA_LEFT)
    S["cellh"] = ParagraphStyle("cellh", parent=S["cell"], fontName=cond[1], textColor=colors.white)
    S["quote"] = ParagraphStyle("quote", fontName=serif[0], fontSize=10.5, leading=14.5, alignment=TA_JUSTIFY,
                                textColor=colors.HexColor("#222222"))
    S["list"] = ParagraphStyle("list", parent=S["body"], spaceAfter=3)
    S["fn"] = ParagraphStyle("fn", fontName=serif[0], fontSize=8, leading=10, alignment=TA_LEFT,
                             leftIndent=10, firstLineIndent=-10)
    S["toctitle"] = ParagraphStyle("toctitle", parent=S["h1"], spaceBefore=0, spaceAfter=12)
    S["toc1"] = ParagraphStyle("toc1", fontName=sans[1], fontSize=10, leading=12.8, leftIndent=0,
                               firstLineIndent=0, spaceBefore=3.5, rightIndent=24)
    S["toc2"] = ParagraphStyle("toc2", fontName=serif[0], fontSize=9.8, leading=12.2, leftIndent=16,
                               firstLineIndent=0, spaceBefore=0.5, rightIndent=24)
    S["toc3"] = ParagraphStyle("toc3", fontName=serif[2], fontSize=9.5, leading=12.5, leftIndent=32,
                               firstLineIndent=0, spaceBefore=0, rightIndent=24)
    S["tp_prog"] = ParagraphStyle("tp_prog", fontName=sans[1], fontSize=11, leading=15, alignment=TA_CENTER,
                                  textColor=navy)
    S["tp_deliv"] = ParagraphStyle("tp_deliv", fontName=sans[0], fontSize=11, leading=15, alignment=TA_CENTER,
                                   textColor=colors.HexColor("#555555"))
    S["tp_title"] = ParagraphStyle("tp_title", fontName=sans[1], fontSize=21, leading=27, alignment=TA_CENTER,
                                   textColor=navy)
    S["tp_sub"] = ParagraphStyle("tp_sub", fontName=serif[2], fontSize=12.5, leading=17, alignment=TA_CENTER,
                                 textColor=colors.HexColor("#333333"))
    S["tp_info"] = ParagraphStyle("tp_info", fontName=serif[0], fontSize=11, leading=17, alignment=TA_CENTER)
    S["hidden"] = ParagraphStyle("hidden", fontName=serif[0], fontSize=1, leading=1.2, textColor=colors.white)
    return S


def _col_widths(table: Table, avail: float, S, lang, fonts) -> list:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    ncols = max([len(table.header)] + [len(r) for r in table.rows])
    nat = [0.0] * ncols
    mn = [0.0] * ncols
    pad = 10.5
    for ri, row in enumerate([table.header] + table.rows):
        for c in range(ncols):
            spans = row[c] if c < len(row) else []
            t = typo(spans_text(spans), lang)
            fnt = S["cellh"].fontName if ri == 0 else S["cell"].fontName
            w = stringWidth(t, fnt, 9) + pad
            nat[c] = max(nat[c], w)
            for word in re.split(r"[ \n]", t):
                mn[c] = max(mn[c], stringWidth(word, fnt, 9) + pad)
    mn = [min(m, avail / ncols * 1.6) for m in mn]
    if sum(nat) <= avail:
        extra = avail - sum(nat)
        return [n + extra * n / sum(nat) for n in nat]
    if sum(mn) >= avail:
        return [avail * m / sum(mn) for m in mn]
    rest = avail - sum(mn)
    want = [max(n - m, 0.0) for n, m in zip(nat, mn)]
    # dampen very long columns so that short ones keep a readable width
    want = [w ** 0.85 for w in want]
    tw = sum(want) or 1.0
    return [m + rest * w / tw for m, w in zip(mn, want)]


def build_pdf(md, out_path, *, max_passes: int = 25) -> BuildInfo:
    """Build one PDF. ``md`` is a path to a Markdown file or a DocModel."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        BaseDocTemplate, Frame, ListFlowable, ListItem, NextPageTemplate,
        PageBreak as RLPageBreak, PageTemplate, Paragraph, Spacer, Table as RLTable, TableStyle,
    )
    from reportlab.platypus.tableofcontents import TableOfContents

    model = load(md)
    fonts = register_fonts()
    S = _styles(fonts)
    lang = model.lang
    L = labels(model)
    meta = model.meta
    toc_depth = int(meta.get("toc_depth", 2))
    W, H = A4
    lm = rm = 2.5 * cm
    tm, bm = 2.6 * cm, 2.4 * cm
    fw, fh = W - lm - rm, H - tm - bm
    navy = colors.HexColor("#1F3A5F")

    fn_paras = {
        n: Paragraph(f"<super>{n}</super>\u00a0" + spans_markup(sp, lang, fonts), S["fn"])
        for n, sp in model.footnotes.items()
    }

    def fn_block_height(nums) -> float:
        if not nums:
            return 0.0
        h = 10.0  # separator + gap
        for n in sorted(nums):
            p = fn_paras.get(n)
            if p is not None:
                h += p.wrap(fw, H)[1] + 1.5
        return h

    class HeadingPara(Paragraph):
        def __init__(self, text, style, level, key, plain):
            super().__init__(text, style)
            self._h = (level, key, plain)

    class Doc(BaseDocTemplate):
        def __init__(self, filename, **kw):
            super().__init__(filename, **kw)
            self.fn_reserved: dict = {}
            self.fn_now: dict = {}
            self.npages_prev = None
            self.npages = None
            self.heading_pages: dict = {}
            self._outline_level = -1

        def build(self, flowables, **kw):
            self.fn_now = {}
            self.heading_pages = {}
            self._outline_level = -1
            super().build(flowables, **kw)
            self.npages_prev, self.npages = self.npages, self.page

        def _startBuild(self, *a, **kw):
            super()._startBuild(*a, **kw)
            self.canv.setNamedCB("fnref", self._fnref)

        def _fnref(self, canv, kind, label):
            lst = self.fn_now.setdefault(canv.getPageNumber(), [])
            n = int(label)
            if n not in lst:
                lst.append(n)

        def handle_frameBegin(self, *a, **kw):
            super().handle_frameBegin(*a, **kw)
            f = self.frame
            f._y1p = f._y1 + f._bottomPadding + fn_block_height(self.fn_reserved.get(self.page, ()))

        def afterFlowable(self, flowable):
            h = getattr(flowable, "_h", None)
            if h:
                level, key, plain = h
                pg = self.page
                self.heading_pages[key] = pg
                self.canv.bookmarkPage(key)
                lvl = min(level - 1, self._outline_level + 1)
                self._outline_level = lvl
                self.canv.addOutlineEntry(plain, key, lvl, closed=lvl >= 1)
                if level <= toc_depth:
                    self.notify("TOCEntry", (level - 1, _esc(_pdf_safe(typo(plain, lang), fonts)), pg, key))

        def _allSatisfied(self):
            ok = super()._allSatisfied()
            for pg, nums in self.fn_now.items():
                res = self.fn_reserved.setdefault(pg, set())
                if not set(nums) <= res:
                    res.update(nums)
                    ok = False
            if self.npages != self.npages_prev:
                ok = False
            return ok

    def on_body_page(canv, doc):
        canv.saveState()
        canv.setFont(fonts["Sans"][0], 8)
        canv.setFillColor(colors.HexColor("#555555"))
        left = _pdf_safe(str(meta.get("author", "")), fonts)
        right = _pdf_safe(header_text(model), fonts)
        canv.drawString(lm, H - tm + 22, left)
        canv.drawRightString(W - rm, H - tm + 22, right)
        canv.setStrokeColor(colors.HexColor("#9AA8B8"))
        canv.setLineWidth(0.5)
        canv.line(lm, H - tm + 17, W - rm, H - tm + 17)
        total = doc.npages if doc.npages else "?"
        canv.setFont(fonts["Sans"][0], 8.5)
        canv.drawCentredString(W / 2, bm - 28, f"{L['page']} {doc.page} / {total}")
        canv.restoreState()

    def on_body_page_end(canv, doc):
        nums = doc.fn_now.get(canv.getPageNumber())
        if not nums:
            return
        y = bm
        paras = [fn_paras[n] for n in sorted(nums) if n in fn_paras]
        heights = [p.wrap(fw, H)[1] for p in paras]
        top = y + sum(heights) + 1.5 * len(paras) + 4
        canv.saveState()
        canv.setStrokeColor(colors.black)
        canv.setLineWidth(0.5)
        canv.line(lm, top + 2, lm + 4.5 * cm, top + 2)
        canv.restoreState()
        cur = top - 2
        for p, h in zip(paras, heights):
            cur -= h
            p.drawOn(canv, lm, cur)
            cur -= 1.5

    def make(reserved):
        doc = Doc(
            io.BytesIO(), pagesize=A4, leftMargin=lm, rightMargin=rm, topMargin=tm, bottomMargin=bm,
            title=_pdf_safe(str(meta.get("title", "")), fonts), author=_pdf_safe(str(meta.get("author", "")), fonts),
            subject=_pdf_safe(f"{meta.get('programme', '')} — {deliverable_label(model)}", fonts),
            creator="grader samples/build.py", producer="ReportLab", keywords=str(meta.get("deliverable", "")),
            invariant=1, lang="fr-FR" if lang == "fr" else "en-GB",
        )
        frame = Frame(lm, bm, fw, fh, id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        tframe = Frame(lm, bm, fw, fh, id="title", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        doc.addPageTemplates([
            PageTemplate("title", [tframe]),
            PageTemplate("body", [frame], onPage=on_body_page, onPageEnd=on_body_page_end),
        ])

        story = []
        # Title page
        story.append(NextPageTemplate("body"))
        P = lambda txt, st: Paragraph(_esc(_pdf_safe(typo(str(txt), lang), fonts)), st)  # noqa: E731
        story.append(Spacer(1, 1.2 * cm))
        story.append(P(meta.get("programme", ""), S["tp_prog"]))
        if deliverable_label(model):
            story.append(Spacer(1, 4))
            story.append(P(deliverable_label(model), S["tp_deliv"]))
        story.append(Spacer(1, 4.2 * cm))

        class Rule(Spacer):
            def __init__(self, width, color):
                super().__init__(width, 14)
                self._w, self._c = width, color

            def draw(self):
                self.canv.setStrokeColor(self._c)
                self.canv.setLineWidth(1.2)
                x0 = (fw - self._w) / 2
                self.canv.line(x0, 7, x0 + self._w, 7)

        story.append(Rule(6 * cm, navy))
        story.append(Spacer(1, 10))
        story.append(P(meta.get("title", ""), S["tp_title"]))
        if meta.get("subtitle"):
            story.append(Spacer(1, 12))
            story.append(P(meta["subtitle"], S["tp_sub"]))
        story.append(Spacer(1, 10))
        story.append(Rule(6 * cm, navy))
        story.append(Spacer(1, 3.2 * cm))
        info = []
        if meta.get("author"):
            info.append(f"{L['author']} : <b>{_esc(_pdf_safe(str(meta['author']), fonts))}</b>" if lang == "fr"
                        else f"{L['author']}: <b>{_esc(_pdf_safe(str(meta['author']), fonts))}</b>")
        for k in ("company", "tutor"):
            if meta.get(k):
                sep = "\u00a0:" if lang == "fr" else ":"
                info.append(f"{L[k]}{sep} {_esc(_pdf_safe(str(meta[k]), fonts))}")
        for line in info:
            story.append(Paragraph(line, S["tp_info"]))
        if meta.get("date"):
            story.append(Spacer(1, 1.2 * cm))
            story.append(P(meta["date"], S["tp_info"]))
        story.append(RLPageBreak())

        # Body
        def mk_para(spans, style):
            return Paragraph(spans_markup(spans, lang, fonts), style)

        def render(blocks, out, list_depth=0):
            prev = None
            for b in blocks:
                if isinstance(b, Heading):
                    st = S.get(f"h{min(b.level, 4)}")
                    out.append(HeadingPara(spans_markup(b.spans, lang, fonts), st, b.level, b.key, b.text))
                elif isinstance(b, Para):
                    role = b.role
                    style = S["list"] if list_depth else S.get(role, S["body"])
                    out.append(mk_para(b.spans, style))
                elif isinstance(b, ListBlock):
                    items = []
                    for it in b.items:
                        sub = []
                        render(it, sub, list_depth + 1)
                        items.append(ListItem(sub if len(sub) != 1 else sub[0]))
                    kw = dict(leftIndent=16 if list_depth == 0 else 14, bulletFontName=fonts["Serif"][0],
                              bulletFontSize=10, spaceAfter=4)
                    if b.ordered:
                        lf = ListFlowable(items, bulletType="1", start=b.start, bulletFormat="%s.", **kw)
                    else:
                        lf = ListFlowable(items, bulletType="bullet", start="•" if list_depth == 0 else "–", **kw)
                    out.append(lf)
                    if not list_depth:
                        out.append(Spacer(1, 3))
                elif isinstance(b, Table):
                    aligns = column_aligns(b)
                    widths = _col_widths(b, fw, S, lang, fonts)
                    ncols = len(widths)
                    data = []
                    for ri, row in enumerate([b.header] + b.rows):
                        cells = []
                        for c in range(ncols):
                            spans = row[c] if c < len(row) else []
                            st = copy.copy(S["cellh"] if ri == 0 else S["cell"])
                            st.alignment = {"left": 0, "center": 1, "right": 2}[aligns[c]]
                            cells.append(Paragraph(spans_markup(spans, lang, fonts, fn_size=6.5), st))
                        data.append(cells)
                    t = RLTable(data, colWidths=widths, repeatRows=1, hAlign="CENTER")
                    ts = [
                        ("BACKGROUND", (0, 0), (-1, 0), navy),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#B8C2CE")),
                        ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#7F8FA3")),
                        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                        ("LEFTPADDING", (0, 0), (-1, -1), 4),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                    ]
                    for r in range(2, len(data), 2):
                        ts.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#EEF2F7")))
                    # bold 'Total' rows
                    for r, row in enumerate(b.rows, start=1):
                        if row and re.match(r"^\s*(\*\*)?(Total|TOTAL|Sous-total|Subtotal)", spans_text(row[0])):
                            ts.append(("LINEABOVE", (0, r), (-1, r), 0.8, navy))
                    t.setStyle(TableStyle(ts))
                    out.append(Spacer(1, 2))
                    out.append(t)
                    out.append(Spacer(1, 7))
                elif isinstance(b, Quote):
                    inner = []
                    render(b.blocks, inner, list_depth)
                    rows = [[x] for x in inner if isinstance(x, Paragraph)] or [[Spacer(1, 1)]]
                    for r in rows:
                        r[0].style = copy.copy(S["quote"]) if not getattr(r[0], "_h", None) else r[0].style
                    qt = RLTable(rows, colWidths=[fw - 1.2 * cm], hAlign="RIGHT")
                    qt.setStyle(TableStyle([
                        ("LINEBEFORE", (0, 0), (0, -1), 2.2, colors.HexColor("#7F8FA3")),
                        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F4F6F9")),
                        ("LEFTPADDING", (0, 0), (-1, -1), 9), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ]))
                    out.append(Spacer(1, 3))
                    out.append(qt)
                    out.append(Spacer(1, 8))
                elif isinstance(b, Toc):
                    out.append(Paragraph(_esc(L["toc"]), S["toctitle"]))
                    toc = TableOfContents(dotsMinLevel=0, tableStyle=TableStyle([
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]))
                    toc.levelStyles = [S["toc1"], S["toc2"], S["toc3"]]
                    out.append(toc)
                    out.append(RLPageBreak())
                elif isinstance(b, PageBreak):
                    if isinstance(prev, (Toc, PageBreak)) or not out:
                        pass
                    else:
                        out.append(RLPageBreak())
                elif isinstance(b, Hidden):
                    out.append(Paragraph(_esc(_pdf_safe(b.text, fonts)), S["hidden"]))
                if not isinstance(b, Marker):
                    prev = b

        body = []
        render(model.blocks, body)
        # avoid a blank page when the body starts with a page break
        while body and isinstance(body[0], RLPageBreak):
            body.pop(0)
        story.extend(body)
        doc.fn_reserved = reserved
        return doc, story

    doc, story = make({})
    passes = doc.multiBuild(story, maxPasses=max_passes)
    # Footnote space is reserved page by page and only ever grows during the passes; try once
    # to drop reservations that ended up unused (blank gaps), keeping the result if it converges.
    tight = {p: set(n) for p, n in doc.fn_now.items()}
    if tight != {p: r for p, r in doc.fn_reserved.items() if r}:
        try:
            doc2, story2 = make(tight)
            passes += doc2.multiBuild(story2, maxPasses=max_passes)
            doc = doc2
        except Exception:  # keep the first, converged layout
            pass
    data = doc.filename.getvalue()
    if hasattr(out_path, "write"):
        out_path.write(data)
    else:
        Path(out_path).write_bytes(data)
    return BuildInfo(pages=doc.page, heading_pages=dict(doc.heading_pages), passes=passes)


# ---------------------------------------------------------------------------
# DOCX (python-docx + raw OOXML for TOC field, footnotes, fields)
# ---------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"

DOCX_BODY_FONT = "Cambria"
DOCX_HEAD_FONT = "Calibri"
NAVY = "1F3A5F"


def _w(tag):
    from docx.oxml.ns import qn

    return qn(f"w:{tag}")


def _el(tag, **attrs):
    from docx.oxml import OxmlElement

    e = OxmlElement(f"w:{tag}")
    for k, v in attrs.items():
        e.set(_w(k), str(v))
    return e


def _style_fonts(style, name):
    style.font.name = name
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(_w("rFonts"))
    if rfonts is None:
        rfonts = _el("rFonts")
        rpr.insert(0, rfonts)
    for a in ("ascii", "hAnsi", "cs", "eastAsia"):
        rfonts.set(_w(a), name)
    for a in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
        if rfonts.get(_w(a)) is not None:
            del rfonts.attrib[_w(a)]


def _field_runs(paragraph, instr, cached, rpr_xml=None):
    """Append a complex field (begin/instr/separate/cached/end) to a paragraph."""
    p = paragraph._p if hasattr(paragraph, "_p") else paragraph

    def run(*children):
        r = _el("r")
        if rpr_xml is not None:
            r.append(copy.deepcopy(rpr_xml))
        for c in children:
            r.append(c)
        p.append(r)
        return r

    run(_el("fldChar", fldCharType="begin"))
    it = _el("instrText")
    it.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    it.text = f" {instr} "
    run(it)
    run(_el("fldChar", fldCharType="separate"))
    t = _el("t")
    t.text = str(cached)
    run(t)
    run(_el("fldChar", fldCharType="end"))


def build_docx(md, out_path, heading_pages: Optional[dict] = None, total_pages: Optional[int] = None):
    """Build one DOCX. ``heading_pages`` (key -> page, from build_pdf) fills the cached TOC page numbers."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from docx.shared import Cm, Pt, RGBColor

    model = load(md)
    lang = model.lang
    L = labels(model)
    meta = model.meta
    toc_depth = int(meta.get("toc_depth", 2))
    heading_pages = heading_pages or {}

    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.top_margin, sec.bottom_margin = Cm(2.6), Cm(2.4)
    sec.header_distance, sec.footer_distance = Cm(1.25), Cm(1.2)
    text_width = Cm(16)

    styles = d.styles
    normal = styles["Normal"]
    _style_fonts(normal, DOCX_BODY_FONT)
    normal.font.size = Pt(11)
    pf = normal.paragraph_format
    pf.space_after = Pt(6)
    pf.line_spacing = 1.15
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    # document language
    rpr = normal.element.get_or_add_rPr()
    lang_el = _el("lang", val="fr-FR" if lang == "fr" else "en-GB")
    rpr.append(lang_el)

    navy = RGBColor.from_string(NAVY)
    for lvl, size in ((1, 16), (2, 13), (3, 11.5)):
        st = styles[f"Heading {lvl}"]
        _style_fonts(st, DOCX_HEAD_FONT if lvl < 3 else DOCX_BODY_FONT)
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.italic = lvl == 3
        st.font.color.rgb = navy if lvl < 3 else RGBColor(0x2B, 0x2B, 0x2B)
        st.paragraph_format.space_before = Pt(16 if lvl == 1 else 10)
        st.paragraph_format.space_after = Pt(8 if lvl == 1 else 4)
        st.paragraph_format.keep_with_next = True
        st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    for nm in ("Title", "Subtitle", "Caption", "Quote", "TOC Heading", "Header", "Footer"):
        _style_fonts(styles[nm], DOCX_HEAD_FONT if nm in ("Title", "Caption", "TOC Heading", "Header", "Footer")
                     else DOCX_BODY_FONT)
    cap = styles["Caption"]
    cap.font.size = Pt(9.5)
    cap.font.bold = True
    cap.font.italic = False
    cap.font.color.rgb = navy
    cap.paragraph_format.keep_with_next = True
    cap.paragraph_format.space_before = Pt(6)
    cap.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    src = styles.add_style("Source", WD_STYLE_TYPE.PARAGRAPH)
    src.base_style = normal
    src.font.size = Pt(9)
    src.font.italic = True
    src.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    src.paragraph_format.space_after = Pt(10)
    src.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    q = styles["Quote"]
    q.font.italic = False
    q.font.size = Pt(10.5)
    q.font.color.rgb = RGBColor(0x22, 0x22, 0x22)
    q.paragraph_format.left_indent = Cm(1.2)
    q.paragraph_format.right_indent = Cm(0.5)
    ppr = q.element.get_or_add_pPr()
    pbdr = parse_xml(
        f'<w:pBdr xmlns:w="{W_NS}"><w:left w:val="single" w:sz="18" w:space="8" w:color="7F8FA3"/></w:pBdr>'
    )
    ppr.append(pbdr)
    cell_style = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell_style.base_style = normal
    _style_fonts(cell_style, DOCX_HEAD_FONT)
    cell_style.font.size = Pt(9)
    cell_style.paragraph_format.space_after = Pt(0)
    cell_style.paragraph_format.line_spacing = 1.0
    cell_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    for nm in ("List Bullet", "List Bullet 2", "List Number", "List Number 2"):
        styles[nm].paragraph_format.space_after = Pt(3)
    # footnote styles
    fnt = styles.add_style("footnote text", WD_STYLE_TYPE.PARAGRAPH)
    fnt.base_style = normal
    fnt.font.size = Pt(8.5)
    fnt.paragraph_format.space_after = Pt(0)
    fnt.paragraph_format.line_spacing = 1.0
    fnt.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    fnr = styles.add_style("footnote reference", WD_STYLE_TYPE.CHARACTER)
    fnr.font.superscript = True
    # TOC styles
    for lvl in (1, 2, 3):
        st = styles.add_style(f"toc {lvl}", WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.paragraph_format.left_indent = Cm(0.55 * (lvl - 1))
        st.paragraph_format.space_after = Pt(2 if lvl > 1 else 3)
        st.paragraph_format.space_before = Pt(5 if lvl == 1 else 0)
        st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        st.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        st.font.bold = lvl == 1
        st.font.size = Pt(10.5 if lvl == 1 else 10)

    # ---------------- footnotes part ----------------
    fn_xml = [
        f'<w:footnotes xmlns:w="{W_NS}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>',
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" '
        'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>',
    ]

    def runs_xml(spans) -> str:
        from xml.sax.saxutils import escape

        out = []
        for s in spans:
            if s.br:
                out.append("<w:r><w:br/></w:r>")
                continue
            if s.fn is not None:
                continue
            props = ""
            if s.bold:
                props += "<w:b/>"
            if s.italic:
                props += "<w:i/>"
            rp = f"<w:rPr>{props}</w:rPr>" if props else ""
            out.append(f'<w:r>{rp}<w:t xml:space="preserve">{escape(typo(s.text, lang))}</w:t></w:r>')
        return "".join(out)

    for n in sorted(model.footnotes):
        fn_xml.append(
            f'<w:footnote w:id="{n}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
            '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:t xml:space="preserve"> </w:t></w:r>{runs_xml(model.footnotes[n])}</w:p></w:footnote>'
        )
    fn_xml.append("</w:footnotes>")
    if model.footnotes:
        part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, "".join(fn_xml).encode("utf-8"), d.part.package)
        d.part.relate_to(part, FOOTNOTES_RT)
        settings = d.settings.element
        fpr = parse_xml(f'<w:footnotePr xmlns:w="{W_NS}"><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>')
        # footnotePr must come early in settings; insert after zoom/proofState if present
        anchor = None
        for tag in ("defaultTabStop",):
            anchor = settings.find(_w(tag))
        if anchor is not None:
            anchor.addprevious(fpr)
        else:
            settings.append(fpr)
    # make sure the style ids are the ones referenced above
    styles["footnote text"].element.set(_w("styleId"), "FootnoteText")
    styles["footnote reference"].element.set(_w("styleId"), "FootnoteReference")

    # ---------------- header / footer ----------------
    sec.different_first_page_header_footer = True
    hp = sec.header.paragraphs[0]
    hp.style = styles["Header"]
    from docx.shared import Twips

    for pos in (4680, 9360, 4513, 9026):  # template Header style tab stops (Letter and A4 variants)
        hp.paragraph_format.tab_stops.add_tab_stop(Twips(pos), WD_TAB_ALIGNMENT.CLEAR)
    hp.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
    r = hp.add_run(str(meta.get("author", "")))
    r.font.size = Pt(8)
    r.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    r = hp.add_run("\t" + header_text(model))
    r.font.size = Pt(8)
    r.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    hppr = hp._p.get_or_add_pPr()
    hppr.append(parse_xml(
        f'<w:pBdr xmlns:w="{W_NS}"><w:bottom w:val="single" w:sz="4" w:space="4" w:color="9AA8B8"/></w:pBdr>'))
    fp = sec.footer.paragraphs[0]
    fp.style = styles["Footer"]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    small = parse_xml(f'<w:rPr xmlns:w="{W_NS}"><w:sz w:val="17"/></w:rPr>')
    r = fp.add_run(f"{L['page']} ")
    r.font.size = Pt(8.5)
    _field_runs(fp, "PAGE", 2, small)
    r = fp.add_run(" / ")
    r.font.size = Pt(8.5)
    _field_runs(fp, "NUMPAGES", total_pages or 1, small)

    # ---------------- content helpers ----------------
    bm_id = [0]

    def add_spans(par, spans, size=None):
        for s in spans:
            if s.br:
                par.add_run().add_break()
                continue
            if s.fn is not None:
                r = par.add_run()
                r.style = styles["footnote reference"]
                r._r.append(_el("footnoteReference", id=s.fn))
                continue
            r = par.add_run(typo(s.text, lang) if not s.code else s.text)
            if s.bold:
                r.bold = True
            if s.italic:
                r.italic = True
            if s.code:
                r.font.name = "Consolas"
            if size:
                r.font.size = size

    def page_break():
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # numbering: restart each top-level ordered list
    numbering = d.part.numbering_part.element

    def list_num_id(style_name):
        st = styles[style_name].element
        numpr = st.find(_w("pPr")).find(_w("numPr"))
        return int(numpr.find(_w("numId")).get(_w("val")))

    def new_num(base_style, start):
        base = list_num_id(base_style)
        absid = None
        for num in numbering.findall(_w("num")):
            if int(num.get(_w("numId"))) == base:
                absid = num.find(_w("abstractNumId")).get(_w("val"))
        ids = [int(x.get(_w("numId"))) for x in numbering.findall(_w("num"))]
        nid = max(ids) + 1
        num = parse_xml(
            f'<w:num xmlns:w="{W_NS}" w:numId="{nid}"><w:abstractNumId w:val="{absid}"/>'
            f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride></w:num>'
        )
        numbering.append(num)
        return nid

    def set_num(par, nid):
        ppr = par._p.get_or_add_pPr()
        numpr = parse_xml(f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="0"/><w:numId w:val="{nid}"/></w:numPr>')
        pstyle = ppr.find(_w("pStyle"))
        if pstyle is not None:
            pstyle.addnext(numpr)
        else:
            ppr.insert(0, numpr)

    def render_toc():
        sdt = _el("sdt")
        sdtpr = _el("sdtPr")
        dpo = _el("docPartObj")
        dpo.append(_el("docPartGallery", val="Table of Contents"))
        dpo.append(_el("docPartUnique"))
        sdtpr.append(dpo)
        sdt.append(sdtpr)
        content = _el("sdtContent")
        sdt.append(content)
        d.element.body.append(sdt)  # temporarily at end, fine since we append sequentially
        # move before sectPr
        sectpr = d.element.body.find(_w("sectPr"))
        if sectpr is not None:
            sectpr.addprevious(sdt)
        title = d.add_paragraph(L["toc"], style=styles["TOC Heading"])
        content.append(title._p)
        entries = [h for h in model.headings() if h.level <= toc_depth]
        if not entries:
            p = d.add_paragraph()
            content.append(p._p)
            _field_runs(p, f'TOC \\o "1-{toc_depth}" \\h \\z \\u', "")
            return
        for i, h in enumerate(entries):
            p = d.add_paragraph(style=styles[f"toc {min(h.level, 3)}"])
            content.append(p._p)
            if i == 0:
                for c in (_el("fldChar", fldCharType="begin"),):
                    r = _el("r")
                    r.append(c)
                    p._p.append(r)
                r = _el("r")
                it = _el("instrText")
                it.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                it.text = f' TOC \\o "1-{toc_depth}" \\h \\z \\u '
                r.append(it)
                p._p.append(r)
                r = _el("r")
                r.append(_el("fldChar", fldCharType="separate"))
                p._p.append(r)
            hl = _el("hyperlink", anchor=f"_Toc{h.key}", history="1")
            p._p.append(hl)
            r = _el("r")
            t = _el("t")
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            t.text = typo(h.text, lang)
            r.append(t)
            hl.append(r)
            r = _el("r")
            r.append(_el("tab"))
            hl.append(r)
            pg = heading_pages.get(h.key, "")
            # PAGEREF field inside the hyperlink
            for kind in ("begin",):
                rr = _el("r")
                rr.append(_el("fldChar", fldCharType=kind))
                hl.append(rr)
            rr = _el("r")
            it = _el("instrText")
            it.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            it.text = f" PAGEREF _Toc{h.key} \\h "
            rr.append(it)
            hl.append(rr)
            rr = _el("r")
            rr.append(_el("fldChar", fldCharType="separate"))
            hl.append(rr)
            rr = _el("r")
            t = _el("t")
            t.text = str(pg)
            rr.append(t)
            hl.append(rr)
            rr = _el("r")
            rr.append(_el("fldChar", fldCharType="end"))
            hl.append(rr)
            if i == len(entries) - 1:
                r = _el("r")
                r.append(_el("fldChar", fldCharType="end"))
                p._p.append(r)

    def render(blocks, depth=0, ordered_ctx=None):
        prev = None
        for b in blocks:
            if isinstance(b, Heading):
                p = d.add_paragraph(style=styles[f"Heading {min(b.level, 3)}"])
                bm_id[0] += 1
                start = _el("bookmarkStart", id=bm_id[0], name=f"_Toc{b.key}")
                p._p.append(start)
                add_spans(p, b.spans)
                p._p.append(_el("bookmarkEnd", id=bm_id[0]))
            elif isinstance(b, Para):
                role = b.role
                if role == "caption":
                    p = d.add_paragraph(style=styles["Caption"])
                elif role == "source":
                    p = d.add_paragraph(style=styles["Source"])
                else:
                    p = d.add_paragraph()
                add_spans(p, b.spans)
            elif isinstance(b, ListBlock):
                lvl = "" if depth == 0 else " 2"
                style = styles[("List Number" if b.ordered else "List Bullet") + lvl]
                nid = new_num("List Number" + lvl, b.start) if b.ordered else None
                for it in b.items:
                    first = True
                    for sub in it:
                        if isinstance(sub, Para) and first:
                            p = d.add_paragraph(style=style)
                            if nid:
                                set_num(p, nid)
                            add_spans(p, sub.spans)
                            first = False
                        elif isinstance(sub, ListBlock):
                            render([sub], depth + 1)
                        elif isinstance(sub, Para):
                            p = d.add_paragraph(style=styles["List Continue" + lvl])
                            add_spans(p, sub.spans)
                        else:
                            render([sub], depth + 1)
            elif isinstance(b, Table):
                aligns = column_aligns(b)
                ncols = max([len(b.header)] + [len(r) for r in b.rows])
                t = d.add_table(rows=1 + len(b.rows), cols=ncols)
                t.style = styles["Table Grid"]
                t.alignment = WD_TABLE_ALIGNMENT.CENTER
                # column widths proportional to the PDF layout
                try:
                    fonts = register_fonts()
                    widths = _col_widths(b, 453.5, _styles(fonts), lang, fonts)
                except Exception:  # pragma: no cover - fonts missing
                    widths = [453.5 / ncols] * ncols
                tot = sum(widths)
                t.autofit = False
                grid = t._tbl.tblGrid
                for c, gc in enumerate(grid.findall(_w("gridCol"))):
                    gc.set(_w("w"), str(int(9070 * widths[c] / tot)))
                tblw = t._tbl.tblPr.find(_w("tblW"))
                if tblw is None:
                    tblw = _el("tblW")
                    t._tbl.tblPr.append(tblw)
                tblw.set(_w("w"), "9070")
                tblw.set(_w("type"), "dxa")
                for ri, row in enumerate([b.header] + b.rows):
                    cells = t.rows[ri].cells
                    for c in range(ncols):
                        cell = cells[c]
                        cell.width = int(text_width * widths[c] / tot)
                        p = cell.paragraphs[0]
                        p.style = styles["Table Text"]
                        p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                                       "right": WD_ALIGN_PARAGRAPH.RIGHT}[aligns[c]]
                        add_spans(p, row[c] if c < len(row) else [])
                        if ri == 0:
                            for r in p.runs:
                                r.bold = True
                                r.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
                            tcpr = cell._tc.get_or_add_tcPr()
                            tcpr.append(parse_xml(
                                f'<w:shd xmlns:w="{W_NS}" w:val="clear" w:color="auto" w:fill="{NAVY}"/>'))
                        elif ri % 2 == 0:
                            tcpr = cell._tc.get_or_add_tcPr()
                            tcpr.append(parse_xml(
                                f'<w:shd xmlns:w="{W_NS}" w:val="clear" w:color="auto" w:fill="EEF2F7"/>'))
                # header row repeats on each page
                trpr = t.rows[0]._tr.get_or_add_trPr()
                trpr.append(_el("tblHeader"))
                tblpr = t._tbl.tblPr
                look = tblpr.find(_w("tblLook"))
                if look is None:
                    look = _el("tblLook")
                    tblpr.append(look)
                for k, v in (("val", "04A0"), ("firstRow", "1"), ("lastRow", "0"), ("firstColumn", "0"),
                             ("lastColumn", "0"), ("noHBand", "0"), ("noVBand", "1")):
                    look.set(_w(k), v)
                spacer = d.add_paragraph()
                spacer.paragraph_format.space_after = Pt(2)
            elif isinstance(b, Quote):
                for sub in b.blocks:
                    if isinstance(sub, Para):
                        p = d.add_paragraph(style=styles["Quote"])
                        add_spans(p, sub.spans)
                    else:
                        render([sub], depth)
            elif isinstance(b, Toc):
                render_toc()
                page_break()
            elif isinstance(b, PageBreak):
                if not isinstance(prev, (Toc, PageBreak)):
                    page_break()
            elif isinstance(b, Hidden):
                p = d.add_paragraph()
                r = p.add_run(b.text)
                r.font.size = Pt(1)
                r.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
                r._r.get_or_add_rPr().append(_el("vanish"))
            if not isinstance(b, Marker):
                prev = b

    # ---------------- title page ----------------
    def centered(text, size, bold=False, italic=False, color=None, before=0, after=6, font=None):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = Pt(before)
        p.paragraph_format.space_after = Pt(after)
        r = p.add_run(typo(str(text), lang))
        r.font.size = Pt(size)
        r.bold = bold
        r.italic = italic
        if font:
            r.font.name = font
        if color:
            r.font.color.rgb = color
        return p

    centered(meta.get("programme", ""), 12, bold=True, color=navy, before=30, font=DOCX_HEAD_FONT)
    if deliverable_label(model):
        centered(deliverable_label(model), 11, color=RGBColor(0x55, 0x55, 0x55), font=DOCX_HEAD_FONT)
    tp = centered(meta.get("title", ""), 22, bold=True, color=navy, before=120, after=12, font=DOCX_HEAD_FONT)
    tp.style = styles["Title"]
    tp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for r in tp.runs:
        r.font.size = Pt(22)
        r.font.color.rgb = navy
    if meta.get("subtitle"):
        sp = centered(meta["subtitle"], 13, italic=True, after=90)
        sp.style = styles["Subtitle"]
        sp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for r in sp.runs:
            r.font.size = Pt(13)
            r.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
    sep = " :" if lang == "fr" else ":"
    if meta.get("author"):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(typo(f"{L['author']}{sep} ", lang))
        p.add_run(str(meta["author"])).bold = True
    for k in ("company", "tutor"):
        if meta.get(k):
            centered(f"{L[k]}{sep} {meta[k]}", 11, after=4)
    if meta.get("date"):
        centered(meta["date"], 11, before=30)
    page_break()

    render(model.blocks)

    # ---------------- properties ----------------
    cp = d.core_properties
    when = fixed_datetime(meta)
    cp.author = str(meta.get("author", ""))
    cp.last_modified_by = str(meta.get("author", ""))
    cp.title = str(meta.get("title", ""))
    cp.subject = f"{meta.get('programme', '')} — {deliverable_label(model)}"
    cp.keywords = str(meta.get("deliverable", ""))
    cp.comments = ""
    cp.category = str(meta.get("deliverable", ""))
    cp.language = "fr-FR" if lang == "fr" else "en-GB"
    cp.created = when
    cp.modified = when + _dt.timedelta(hours=2)
    cp.last_printed = when
    cp.revision = 1

    # drop the template's generic thumbnail
    for rel in list(d.part.package.rels.values()):
        if rel.reltype.endswith("/thumbnail"):
            del d.part.package.rels[rel.rId]
    buf = io.BytesIO()
    d.save(buf)
    _write_deterministic_zip(buf.getvalue(), out_path)


def _write_deterministic_zip(data: bytes, out_path):
    """Rewrite a zip with fixed timestamps so identical content gives identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, src.read(info.filename))
    Path(out_path).write_bytes(out.getvalue())


# ---------------------------------------------------------------------------
# Self-check of built files (python samples/build.py --check)
# ---------------------------------------------------------------------------


def _norm(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", "", text)


def _model_paragraph_texts(model: DocModel) -> list:
    out = []

    def walk(blocks):
        for b in blocks:
            if isinstance(b, (Para, Heading)):
                out.append(b.text)
            elif isinstance(b, ListBlock):
                for it in b.items:
                    walk(it)
            elif isinstance(b, Quote):
                walk(b.blocks)
            elif isinstance(b, Table):
                for row in [b.header] + b.rows:
                    out.extend(spans_text(c) for c in row)

    walk(model.blocks)
    return [t for t in out if t.strip()]


def check(md, pdf_path, docx_path=None) -> list:
    """Return a list of problems found in the built files (empty list: all good)."""
    import pypdfium2 as pdfium

    model = load(md)
    lang = model.lang
    problems = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    n = len(pdf)
    pages = []
    for i in range(n):
        tp = pdf[i].get_textpage()
        pages.append(tp.get_text_range())
        tp.close()
    pdf.close()
    word = LABELS.get(lang, LABELS["fr"])["page"]
    for i, t in enumerate(pages, start=1):
        if len(t.strip()) < 20:
            problems.append(f"page {i}: no text")
        footer = f"{word} {i} / {n}"
        if i > 1 and footer not in t:
            problems.append(f"page {i}: footer '{footer}' missing")
        if i == 1 and f"{word} 1 /" in t:
            problems.append("page 1: title page carries a footer")
    # strip running header, footer and bottom-of-page notes so that sentences spanning pages join up
    strip = [_norm(f"{model.meta.get('author', '')}{header_text(model)}")]
    strip += [_norm(str(k) + typo(spans_text(v), lang)) for k, v in sorted(model.footnotes.items(), reverse=True)]
    cleaned = []
    for i, t in enumerate(pages, start=1):
        t = _norm(t).replace(_norm(f"{word} {i} / {n}"), "")
        for x in strip:
            if x:
                t = t.replace(x, "")
        cleaned.append(t)
    whole = "".join(cleaned)
    missing = []
    for t in _model_paragraph_texts(model):
        # cells and paragraphs are checked sentence by sentence (tables may wrap oddly but keep order)
        for sent in re.split(r"(?<=[.!?])\s+", typo(t, lang)):
            if len(sent) > 12 and _norm(sent) not in whole:
                missing.append(sent)
    if missing:
        problems.append(f"{len(missing)} source sentences not found in the PDF text, e.g. {missing[0][:80]!r}")
    if docx_path:
        import docx

        d = docx.Document(str(docx_path))
        heads = [p for p in d.paragraphs if p.style.name.startswith("Heading")]
        if len(heads) != len(model.headings()):
            problems.append(f"docx: {len(heads)} headings, expected {len(model.headings())}")
        ntables = sum(1 for b in _walk_blocks(model.blocks) if isinstance(b, Table))
        if len(d.tables) != ntables:
            problems.append(f"docx: {len(d.tables)} tables, expected {ntables}")
        with zipfile.ZipFile(str(docx_path)) as z:
            names = z.namelist()
            if model.footnotes:
                if "word/footnotes.xml" not in names:
                    problems.append("docx: footnotes part missing")
                else:
                    xml = z.read("word/footnotes.xml").decode("utf-8")
                    got = len(re.findall(r'<w:footnote w:id="[1-9]', xml))
                    if got != len(model.footnotes):
                        problems.append(f"docx: {got} footnotes, expected {len(model.footnotes)}")
            body = z.read("word/document.xml").decode("utf-8")
            if any(isinstance(b, Toc) for b in model.blocks) and "Table of Contents" not in body:
                problems.append("docx: no TOC content control")
        footer = " ".join(p.text for p in d.sections[0].footer.paragraphs)
        if word not in footer:
            problems.append("docx: footer without page number")
    return problems


def _walk_blocks(blocks):
    for b in blocks:
        yield b
        if isinstance(b, ListBlock):
            for it in b.items:
                yield from _walk_blocks(it)
        elif isinstance(b, Quote):
            yield from _walk_blocks(b.blocks)


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def build_one(md_path: Path, out_dir: Path, formats=("pdf", "docx")) -> dict:
    model = load(md_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = md_path.stem
    res = {"source": str(md_path)}
    info = None
    if "pdf" in formats or "docx" in formats:
        target = out_dir / f"{stem}.pdf" if "pdf" in formats else io.BytesIO()
        info = build_pdf(model, target)
        res["pages"] = info.pages
        if "pdf" in formats:
            res["pdf"] = str(target)
    if "docx" in formats:
        target = out_dir / f"{stem}.docx"
        build_docx(model, target, heading_pages=info.heading_pages if info else None,
                   total_pages=info.pages if info else None)
        res["docx"] = str(target)
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default=str(HERE / "src"), help="directory of Markdown sources")
    ap.add_argument("--out", default=str(HERE), help="output directory")
    ap.add_argument("--format", default="pdf,docx", help="comma-separated: pdf,docx")
    ap.add_argument("--check", action="store_true",
                    help="after building, check the outputs (text on every page, footers, sentences, DOCX structure)")
    ap.add_argument("files", nargs="*", help="Markdown files (or stems in --src); default: all")
    a = ap.parse_args(argv)
    src = Path(a.src)
    formats = tuple(x.strip() for x in a.format.split(",") if x.strip())
    if a.files:
        files = []
        for f in a.files:
            p = Path(f)
            if not p.exists():
                p = src / (f if f.endswith(".md") else f + ".md")
            if not p.exists():
                print(f"build.py: {f}: no such Markdown file", file=sys.stderr)
                return 2
            files.append(p)
    else:
        files = sorted(src.glob("*.md"))
    rc = 0
    for p in files:
        try:
            r = build_one(p, Path(a.out), formats)
        except Exception as e:  # keep building the others
            print(f"build.py: {p}: {type(e).__name__}: {e}", file=sys.stderr)
            if os.environ.get("BUILD_DEBUG"):
                raise
            rc = 1
            continue
        print(f"{p.name}: {r.get('pages', '?')} pages -> " + ", ".join(Path(r[k]).name for k in ("pdf", "docx") if k in r))
        if a.check and "pdf" in r:
            problems = check(p, r["pdf"], r.get("docx"))
            for pr in problems:
                print(f"  CHECK {p.name}: {pr}")
            if problems:
                rc = 1
            else:
                print("  check: ok")
    return rc


if __name__ == "__main__":
    sys.exit(main())
