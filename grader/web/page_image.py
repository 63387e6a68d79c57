"""The PDF page as an image, the quote's rectangles painted over it: what the candidate's page
really looks like (tables, figures, layout), beside the text view.

PDFium is not thread-safe, even across documents: every call into it happens under
`grader.ingest.pdf.PDFIUM_LOCK`, handles are closed inside the lock, and the drawing and PNG
encoding (Pillow) happen after it is released. The scale is bounded, so a poster-sized page
cannot ask for a gigapixel bitmap.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

MAX_SIDE = 1600
"""Pixels on the longer side of the image, at most."""
MAX_SCALE = 2.0
"""144 dpi: sharp enough to read footnotes, no more."""
HIGHLIGHT = (255, 200, 0, 110)
"""Translucent yellow (RGBA), the same family as the text view's `<mark>`."""

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PageImage:
    png: bytes
    found: bool
    """The quote was located and painted."""


def render_page(data: bytes, number: int, quote: str = "") -> PageImage | None:
    """Page `number` (1-based) of the PDF `data` as PNG; None if there is no such page."""
    from grader.ingest.pdf import PDFIUM_LOCK

    with PDFIUM_LOCK:
        raw = _render(data, number, quote)
    if raw is None:
        return None
    image, boxes = raw
    return PageImage(_png(image, boxes), bool(boxes))


def _render(data: bytes, number: int, quote: str) -> tuple[object, list[Box]] | None:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return None
    try:
        if not 1 <= number <= len(pdf):
            return None
        page = pdf[number - 1]
        try:
            width, height = page.get_size()
            scale = min(MAX_SCALE, MAX_SIDE / max(width, height, 1.0))
            bitmap = page.render(scale=scale)
            try:
                image = bitmap.to_pil().convert("RGB")  # a copy: the bitmap dies here
            finally:
                bitmap.close()
            boxes = _quote_boxes(page, quote, scale) if quote.strip() else []
        finally:
            page.close()
    except pdfium.PdfiumError:
        return None
    finally:
        pdf.close()
    return image, boxes


def _quote_boxes(page: object, quote: str, scale: float) -> list[Box]:
    """The quote's text rectangles in image pixels; [] when it cannot be located (a rotated
    page, a quote split by hyphenation...) — the image is then shown without a highlight."""
    import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

    from grader.web.documents import quote_pattern

    if page.get_rotation() != 0:  # type: ignore[attr-defined]
        return []
    pattern = quote_pattern(quote)
    textpage = page.get_textpage()  # type: ignore[attr-defined]
    try:
        match = pattern.search(textpage.get_text_range()) if pattern else None
        if match is None:
            return []
        # Text indices and character indices differ where PDFium adds or drops characters.
        first = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage.raw, match.start())
        last = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage.raw, match.end() - 1)
        if first < 0 or last < first:
            return []
        left, _, _, top = page.get_cropbox()  # type: ignore[attr-defined]
        count = textpage.count_rects(first, last - first + 1)
        rects = [textpage.get_rect(i) for i in range(count)]
    finally:
        textpage.close()
    return [((x0 - left) * scale, (top - y1) * scale, (x1 - left) * scale, (top - y0) * scale)
            for x0, y0, x1, y1 in rects]


def _png(image: object, boxes: list[Box]) -> bytes:
    from PIL import Image, ImageDraw

    if boxes:
        base = image.convert("RGBA")  # type: ignore[attr-defined]
        layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for x0, y0, x1, y1 in boxes:
            draw.rectangle((x0 - 1, y0 - 1, x1 + 1, y1 + 1), fill=HIGHLIGHT)
        image = Image.alpha_composite(base, layer).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")  # type: ignore[attr-defined]
    return out.getvalue()


__all__ = ["HIGHLIGHT", "MAX_SCALE", "MAX_SIDE", "PageImage", "render_page"]
