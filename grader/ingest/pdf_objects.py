"""Which text objects of a PDF page a human cannot see, from PDFium's page objects.

Works on objects, not characters: a page has tens of text objects but thousands of characters,
so this stays cheap on every page; characters are only mapped to objects on the rare pages where
something is hidden. Callers must hold the PDFium lock (see pdf.py).

A text object is hidden when it is drawn invisibly (render mode 3/7, transparent), too small to
read (< 2 pt), outside the page box, covered by an opaque shape or image drawn after it, or of
the colour of what lies beneath it. White text over a dark filled cell drawn *before* it is what
tables look like and is not flagged. Invisible text above an image is an OCR layer, not a trick.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, field

import pypdfium2.raw as pdfium_c

Box = tuple[float, float, float, float]  # left, bottom, right, top
Matrix = tuple[float, float, float, float, float, float]

_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_INVISIBLE_MODES = {3, 7}
_STROKE_ONLY_MODES = {1, 5}
_MIN_POINTS = 2.0
_MAX_COLOUR_GAP = 24  # per channel, on 0..255: closer than this to the background is unreadable
_MAX_FILLS = 3000  # past this (dense charts) geometry checks cost more than they find
_MAX_DEPTH = 4
_RULE_WIDTH = (40.0, 300.0)  # a footnote separator: shorter than the text block, not a dash

WHY_INVISIBLE = "mode de rendu invisible"
WHY_TRANSPARENT = "texte transparent"
WHY_TINY = "police de moins de 2 pt"
WHY_OFF_PAGE = "hors de la page"
WHY_COVERED = "recouvert par une forme"
WHY_SAME_COLOUR = "couleur du fond"


@dataclass(slots=True)
class _Text:
    order: int
    obj: object
    box: Box
    colour: tuple[int, int, int]
    alpha: int
    mode: int
    size: float


@dataclass(slots=True)
class _Fill:
    order: int
    box: Box
    colour: tuple[int, int, int] | None  # None for images and shadings: colour unknown


@dataclass
class PageScan:
    hidden: dict[int, str] = field(default_factory=dict)
    """Address of each hidden text object -> the reason, in French."""
    images: int = 0
    paths: int = 0
    texts: int = 0
    rules: list[float] = field(default_factory=list)
    """Heights of short horizontal rules, such as the one above footnotes."""


@dataclass
class _Collector:
    texts: list[_Text] = field(default_factory=list)
    fills: list[_Fill] = field(default_factory=list)
    images: int = 0
    paths: int = 0
    order: int = 0
    rules: list[float] = field(default_factory=list)


def scan_page(page: object, crop: Box) -> PageScan:
    """Classify the text objects of one page (PDFium handle) as visible or hidden."""
    col = _Collector()
    count = pdfium_c.FPDFPage_CountObjects(page)
    _collect(col, [pdfium_c.FPDFPage_GetObject(page, i) for i in range(count)], _IDENTITY, 0)
    scan = PageScan(images=col.images, paths=col.paths, texts=len(col.texts), rules=col.rules)
    page = _Page(crop, col.fills if len(col.fills) <= _MAX_FILLS else [])
    for text in col.texts:
        reason = _why_hidden(text, page)
        if reason:
            scan.hidden[_address(text.obj)] = reason
    return scan


class _Page:
    """Fills of one page, with what lets most text objects skip the geometry checks: the last
    fill's drawing order (text drawn after every fill cannot be covered) and the fill colours
    (text far from all of them, and from white, cannot match its background)."""

    def __init__(self, crop: Box, fills: list[_Fill]) -> None:
        self.crop = crop
        self.fills = fills
        self.last_fill = max((f.order for f in fills), default=-1)
        self.palette = {f.colour for f in fills if f.colour is not None} | {(255, 255, 255)}

    def near_palette(self, colour: tuple[int, int, int]) -> bool:
        return any(_close(colour, other) for other in self.palette)


def _address(obj: object) -> int:
    return ctypes.cast(obj, ctypes.c_void_p).value or 0  # type: ignore[arg-type]


def _collect(col: _Collector, objs: list[object], ctm: Matrix, depth: int) -> None:
    for obj in objs:
        col.order += 1
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            col.texts.append(_text(obj, ctm, col.order))
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            col.paths += 1
            _add_path_fill(col, obj, ctm)
        elif kind in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_SHADING):
            col.images += kind == pdfium_c.FPDF_PAGEOBJ_IMAGE
            if not pdfium_c.FPDFPageObj_HasTransparency(obj):
                col.fills.append(_Fill(col.order, _bounds(obj, ctm), None))
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < _MAX_DEPTH:
            inner = _multiply(_matrix(obj), ctm)
            count = pdfium_c.FPDFFormObj_CountObjects(obj)
            _collect(col, [pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count)],
                     inner, depth + 1)


def _text(obj: object, ctm: Matrix, order: int) -> _Text:
    mode = pdfium_c.FPDFTextObj_GetTextRenderMode(obj)
    getter = (pdfium_c.FPDFPageObj_GetStrokeColor if mode in _STROKE_ONLY_MODES
              else pdfium_c.FPDFPageObj_GetFillColor)
    r, g, b, a = _colour(getter, obj)
    box = _bounds(obj, ctm)
    # Glyph boxes are at least about half the font size tall, so only short boxes can hold
    # tiny text; the exact size (two more calls) is fetched for those alone.
    size = _size(obj, ctm) if box[3] - box[1] < _MIN_POINTS * 1.5 else math.inf
    return _Text(order, obj, box, (r, g, b), a, mode, size)


def _size(obj: object, ctm: Matrix) -> float:
    size = ctypes.c_float(0.0)
    pdfium_c.FPDFTextObj_GetFontSize(obj, size)
    m = _multiply(_matrix(obj), ctm)
    return size.value * math.hypot(m[2], m[3])


def _add_path_fill(col: _Collector, obj: object, ctm: Matrix) -> None:
    box = _bounds(obj, ctm)
    if box[3] - box[1] <= 1.5 and _RULE_WIDTH[0] <= box[2] - box[0] <= _RULE_WIDTH[1]:
        col.rules.append((box[1] + box[3]) / 2)
    fill_mode, stroke = ctypes.c_int(0), ctypes.c_int(0)
    if not pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke) or fill_mode.value == 0:
        return
    r, g, b, a = _colour(pdfium_c.FPDFPageObj_GetFillColor, obj)
    if a == 255 and not pdfium_c.FPDFPageObj_HasTransparency(obj):
        col.fills.append(_Fill(col.order, box, (r, g, b)))


def _why_hidden(text: _Text, page: _Page) -> str | None:
    if text.mode in _INVISIBLE_MODES:
        return None if _over_image(text, page.fills) else WHY_INVISIBLE
    if text.alpha == 0:
        return WHY_TRANSPARENT
    if 0 < text.size < _MIN_POINTS:
        return WHY_TINY
    if not _contains(page.crop, _centre(text.box)):
        return WHY_OFF_PAGE
    if text.order < page.last_fill and any(
            f.order > text.order and _covers(f.box, text.box) for f in page.fills):
        return WHY_COVERED
    if page.near_palette(text.colour) and _same_as_background(text, page.fills):
        return WHY_SAME_COLOUR
    return None


def _over_image(text: _Text, fills: list[_Fill]) -> bool:
    """OCR layers put invisible text above the scanned image; that text is what the image says."""
    centre = _centre(text.box)
    return any(f.colour is None and f.order < text.order and _contains(f.box, centre)
               for f in fills)


def _same_as_background(text: _Text, fills: list[_Fill]) -> bool:
    centre = _centre(text.box)
    below = [f for f in fills if f.order < text.order and _contains(f.box, centre)]
    background = below[-1].colour if below else (255, 255, 255)
    if background is None:  # over an image: its colours are unknown, do not guess
        return False
    return _close(text.colour, background)


def _close(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return (abs(a[0] - b[0]) <= _MAX_COLOUR_GAP and abs(a[1] - b[1]) <= _MAX_COLOUR_GAP
            and abs(a[2] - b[2]) <= _MAX_COLOUR_GAP)


def _covers(outer: Box, inner: Box) -> bool:
    """At least 80 % of the text's box lies under the shape."""
    width = min(outer[2], inner[2]) - max(outer[0], inner[0])
    height = min(outer[3], inner[3]) - max(outer[1], inner[1])
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return width > 0 and height > 0 and area > 0 and width * height >= 0.8 * area


def _contains(box: Box, point: tuple[float, float]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


# Scratch out-parameters, reused: callers hold the PDFium lock, so no two threads share them.
_RGBA = tuple(ctypes.c_uint(0) for _ in range(4))
_LBRT = tuple(ctypes.c_float(0.0) for _ in range(4))


def _colour(getter: object, obj: object) -> tuple[int, int, int, int]:
    r, g, b, a = _RGBA
    if not getter(obj, r, g, b, a):  # type: ignore[operator]
        return 0, 0, 0, 255
    return r.value, g.value, b.value, a.value


def _bounds(obj: object, ctm: Matrix) -> Box:
    left, bottom, right, top = _LBRT
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return 0.0, 0.0, 0.0, 0.0
    box = (left.value, bottom.value, right.value, top.value)
    return box if ctm == _IDENTITY else _transform_box(box, ctm)


def _matrix(obj: object) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return _IDENTITY
    return m.a, m.b, m.c, m.d, m.e, m.f


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n, in PDF's row-vector convention."""
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
            m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
            m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])


def _transform_box(box: Box, m: Matrix) -> Box:
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[0], box[3]), (box[2], box[1]), (box[2], box[3])):
        xs.append(m[0] * x + m[2] * y + m[4])
        ys.append(m[1] * x + m[3] * y + m[5])
    return min(xs), min(ys), max(xs), max(ys)
