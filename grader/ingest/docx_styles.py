"""Word styles, resolved just enough to know a paragraph's heading level and whether a run can
be seen: hidden (`w:vanish`), its colour, its size, its shading — directly or through styles.

Precedence (simplified from ECMA-376 §17.7.2): direct formatting, then the character style
chain, then the paragraph style chain, then the document defaults. Built-in style names
(`heading 1`, `toc 2`, `Title`) are the same whatever the language of Word, unlike style ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
VAL = f"{W}val"
_HEADING_NAME = re.compile(r"^heading\s*([1-9])$", re.I)
_TOC_NAME = re.compile(r"^toc\s*([1-9])$", re.I)
_THEME = {"background1": "FFFFFF", "light1": "FFFFFF", "bg1": "FFFFFF",
          "text1": "000000", "dark1": "000000", "tx1": "000000"}
HIGHLIGHTS = {
    "black": "000000", "blue": "0000FF", "cyan": "00FFFF", "darkBlue": "000080",
    "darkCyan": "008080", "darkGray": "808080", "darkGreen": "008000", "darkMagenta": "800080",
    "darkRed": "800000", "darkYellow": "808000", "green": "00FF00", "lightGray": "C0C0C0",
    "magenta": "FF00FF", "red": "FF0000", "white": "FFFFFF", "yellow": "FFFF00",
}
_MAX_CHAIN = 20


@dataclass(frozen=True, slots=True)
class RunProps:
    vanish: bool | None = None
    colour: str | None = None  # "RRGGBB", or None for automatic / unspecified
    size: int | None = None  # half-points
    shading: str | None = None  # background behind the run: "RRGGBB"

    def over(self, base: RunProps) -> RunProps:
        """These properties, falling back on `base` where unspecified."""
        return RunProps(
            vanish=self.vanish if self.vanish is not None else base.vanish,
            colour=self.colour if self.colour is not None else base.colour,
            size=self.size if self.size is not None else base.size,
            shading=self.shading if self.shading is not None else base.shading,
        )


def on(el: etree._Element) -> bool:
    """Word's boolean property: present means true unless val says false."""
    return el.get(VAL, "true").lower() not in ("0", "false", "off")


def hex_colour(value: str | None) -> str | None:
    if not value or value.lower() == "auto" or not re.fullmatch(r"[0-9A-Fa-f]{6}", value):
        return None
    return value.upper()


def run_props(rpr: etree._Element | None) -> tuple[RunProps, str | None]:
    """Direct run properties and the character style id, from one `w:rPr`."""
    if rpr is None:
        return RunProps(), None
    props, style = RunProps(), None
    for child in rpr:
        tag = child.tag
        if tag == f"{W}vanish":
            props = replace(props, vanish=on(child))
        elif tag == f"{W}color":
            theme = _THEME.get(child.get(f"{W}themeColor", ""))
            props = replace(props, colour=theme or hex_colour(child.get(VAL)) or "auto")
        elif tag == f"{W}sz":
            props = replace(props, size=_int(child.get(VAL)))
        elif tag == f"{W}shd":
            props = replace(props, shading=hex_colour(child.get(f"{W}fill")))
        elif tag == f"{W}highlight" and child.get(VAL) in HIGHLIGHTS:
            props = replace(props, shading=HIGHLIGHTS[child.get(VAL, "")])
        elif tag == f"{W}rStyle":
            style = child.get(VAL)
    return props, style


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass(slots=True)
class _Style:
    name: str
    based_on: str | None
    outline: int | None
    run: RunProps
    shaded: bool  # any fill in the style (table styles: header rows are often dark)


class Styles:
    def __init__(self, root: etree._Element | None) -> None:
        self._styles: dict[str, _Style] = {}
        self._defaults = RunProps()
        if root is not None:
            self._load(root)
        self.resolve_run = lru_cache(maxsize=4096)(self._resolve_run)

    def _load(self, root: etree._Element) -> None:
        rpr = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
        self._defaults = run_props(rpr)[0]
        for el in root.iterfind(f"{W}style"):
            sid = el.get(f"{W}styleId")
            if sid:
                self._styles[sid] = _parse_style(el)

    def _chain(self, sid: str | None) -> list[_Style]:
        chain: list[_Style] = []
        seen: set[str] = set()
        while sid and sid in self._styles and sid not in seen and len(chain) < _MAX_CHAIN:
            seen.add(sid)
            chain.append(self._styles[sid])
            sid = chain[-1].based_on
        return chain

    def heading_level(self, sid: str | None) -> int:
        """1..6 for headings (by name or outline level), 0 for body text."""
        for style in self._chain(sid):
            match = _HEADING_NAME.match(style.name)
            if match:
                return min(6, int(match.group(1)))
            if style.name.lower() in ("title", "toc heading"):
                # Word's table-of-contents title ("Sommaire") has outline level 9 so that the
                # table does not list itself; on the page it is a heading, as a PDF reader sees.
                return 1
            if style.outline is not None:
                return min(6, style.outline + 1) if style.outline < 9 else 0
        return 0

    def is_toc_heading(self, sid: str | None) -> bool:
        return any(style.name.lower() == "toc heading" for style in self._chain(sid))

    def toc_level(self, sid: str | None) -> int:
        for style in self._chain(sid):
            match = _TOC_NAME.match(style.name)
            if match:
                return int(match.group(1))
        return 0

    def is_list(self, sid: str | None) -> bool:
        return any(s.name.lower().startswith("list") for s in self._chain(sid))

    def shaded(self, sid: str | None) -> bool:
        return any(style.shaded for style in self._chain(sid))

    def _resolve_run(self, para_sid: str | None, char_sid: str | None) -> RunProps:
        props = RunProps()
        for style in self._chain(char_sid) + self._chain(para_sid):
            props = props.over(style.run)
        return props.over(self._defaults)


def _parse_style(el: etree._Element) -> _Style:
    name_el = el.find(f"{W}name")
    based = el.find(f"{W}basedOn")
    outline = el.find(f"{W}pPr/{W}outlineLvl")
    shaded = any(hex_colour(shd.get(f"{W}fill")) not in (None, "FFFFFF")
                 for shd in el.iter(f"{W}shd"))
    return _Style(
        name=name_el.get(VAL, "") if name_el is not None else "",
        based_on=based.get(VAL) if based is not None else None,
        outline=_int(outline.get(VAL)) if outline is not None else None,
        run=run_props(el.find(f"{W}rPr"))[0],
        shaded=shaded,
    )
