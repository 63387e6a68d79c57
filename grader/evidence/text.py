"""Text normalisation shared by retrieval and verification: accents, case, light stemming.

French and English alike: accents folded, case folded, typographic quotes unified, and a light
suffix-stripping stemmer so that « recommandations » matches « recommandation ».
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st",
              "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}
_QUOTES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'",
           "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"', "\u201e": '"',
           "\u2013": "-", "\u2014": "-", "\u2011": "-", "\u2212": "-", "\u00a0": " ",
           "\u202f": " ", "\u2009": " ", "\u00ad": ""}
_TABLE = str.maketrans({**_LIGATURES, **_QUOTES})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)?")
# Longest first: the first suffix that leaves a stem of 4+ letters is stripped.
_SUFFIXES = sorted(["ements", "ement", "ations", "ation", "ateurs", "ateur", "atrices", "atrice",
                    "ités", "ite", "ites", "euses", "euse", "eurs", "eur", "iques", "ique",
                    "ives", "ive", "ifs", "if", "elles", "elle", "aux", "al", "ales", "ale",
                    "ions", "ion", "ing", "ed", "es", "s", "e", "ly", "ies", "y"],
                   key=len, reverse=True)


def fold(text: str) -> str:
    """Lower case, no accents, unified quotes and dashes, ligatures expanded, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text.translate(_TABLE)).translate(_TABLE)
    text = "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", text.casefold()).strip()


def stem(word: str) -> str:
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@cache
def stopwords() -> frozenset[str]:
    path = Path(__file__).with_name("stopwords.txt")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return frozenset(fold(w) for ln in lines for w in ln.split())


def terms(text: str) -> list[str]:
    """Stemmed content words of a text, in order (stop words dropped)."""
    stop = stopwords()
    out = []
    for word in _WORD.findall(fold(text)):
        # Elided articles: « l'analyse » → « analyse ».
        if "'" in word:
            head, _, tail = word.partition("'")
            word = tail if len(head) <= 2 else word.replace("'", "")
        if word not in stop and len(word) > 1:
            out.append(stem(word))
    return out


def phrase_terms(phrase: str) -> tuple[str, ...]:
    """A cue as a tuple of stemmed terms; stop words kept out so « plan média » = « plan media »."""
    return tuple(terms(phrase)) or tuple(_WORD.findall(fold(phrase)))
