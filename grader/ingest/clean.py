"""Text clean-up shared by every format: what a human reads, in characters a search can match.

Quotes are verified against this text, so it must hold the letters a juror would type:
ligatures expanded, soft hyphens and invisible code points gone, line-end hyphenation joined.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.ingest.parts import Deadline

_LIGATURES = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
}
# Invisible or meaningless code points. U+FFFE is how PDFium marks a line-end hyphen it has
# already joined (handled first, see _pdfium_hyphen); U+0002 is the same marker in per-object
# text.
_DROP = ["\u00ad", "\u200b", "\u2060", "\ufeff", "\ufffe", "\uffff", "\x02"]
_DROP += [chr(c) for c in range(0xFDD0, 0xFDF0)]
_DROP += [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\t\n\f"]
_DROP += [chr(c) for c in range(0x7F, 0xA0)]
_SPACES = ["\u00a0", "\u202f", "\u2007", "\u2009", "\u2002", "\u2003", "\u2004", "\u2005",
           "\u2006", "\u2008", "\u200a", "\u3000", "\t"]

_TABLE: dict[int, str | None] = {ord(k): v for k, v in _LIGATURES.items()}
_TABLE.update({ord(c): None for c in _DROP})
_TABLE.update({ord(c): " " for c in _SPACES})

# Lines needing no change are the rule: a C-speed search spares them the per-character table.
_SPECIAL = re.compile("[" + re.escape("".join(chr(c) for c in _TABLE)) + "\r]")
_ASTRAL_NONCHAR = re.compile("[\U0001fffe\U0001ffff\U000ffffe\U000fffff\U0010fffe\U0010ffff]")
_HSPACE = re.compile(r"[ ]{2,}")
_LETTER_HYPHEN_END = re.compile(r"[^\W\d_]-$")
# Second halves of French compounds. Pronouns of inversions (`peut-il`) are left out on
# purpose: `offici-` + `elle` is a split word far more often than a question.
_COMPOUND_TAIL = re.compile(r"(?:être|à|ci|là|dire|même|mêmes|clé|clés)\b")


def clean(text: str) -> str:
    """Expand ligatures, drop invisible code points, collapse horizontal spaces."""
    if "\ufffe" in text:
        text = _JOINED_HYPHEN.sub(_pdfium_hyphen, text)
    if _SPECIAL.search(text):
        text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_TABLE)
    if not text.isascii():
        text = _ASTRAL_NONCHAR.sub("", text)
    return _HSPACE.sub(" ", text) if "  " in text else text


def join_lines(lines: list[str], deadline: Deadline | None = None) -> str:
    """Reflow the lines of one paragraph, joining words hyphenated at a line end.

    `déve-` + `loppement` gives `développement`. The hyphen stays when it belongs to the word:
    before a capital or a digit (`Saint-` + `Denis`, `COVID-` + `19`) or a particle of a French
    compound (`peut-` + `être`, `celle-` + `ci`).
    """
    # Pieces joined once at the end: growing one string line by line copies it at every line,
    # and a 40 MB text file with no blank line (one "paragraph") never finished.
    pieces: list[str] = []
    tail = ""  # the output's last three characters, for the hyphen test
    for number, line in enumerate(lines):
        if deadline is not None and number % 4096 == 4095:
            deadline.check()  # one "paragraph" may be a whole file
        line = line.strip()
        if not line:
            continue
        if not pieces:
            pieces.append(line)
            tail = line[-3:]
        elif _LETTER_HYPHEN_END.search(tail[-2:]):
            if _is_split_word(line):
                pieces[-1] = pieces[-1][:-1]  # one line copied, never the paragraph
                tail = tail[:-1]
            pieces.append(line)
            tail = (tail + line)[-3:]
        else:
            pieces += (" ", line)
            tail = (tail + " " + line)[-3:]
    return "".join(pieces)


def _is_split_word(line: str) -> bool:
    """Whether the hyphen before `line` only split a word (and goes), or belongs to it."""
    first = line.split(" ", 1)[0]
    return line[0].islower() and not _COMPOUND_TAIL.match(line) and "-" not in first


_JOINED_HYPHEN = re.compile("\ufffe(\\S*)")


def _pdfium_hyphen(match: re.Match[str]) -> str:
    """PDFium already joined `Île-de-` + `France` into `Île-de\ufffeFrance`: same rule."""
    rest = match.group(1)
    return rest if not rest or _is_split_word(rest) else "-" + rest


def squash(text: str) -> str:
    """One-line form of a passage (for flags and messages)."""
    return " ".join(text.split())
