"""Personal data stays home: redact a submission's text before it leaves the machine, restore after.

Replaced by placeholders: personal URLs (social profiles, `?user=`, long ids) → `[URL_n]`,
e-mails → `[EMAIL_n]`, phone numbers (French and international) → `[TEL_n]`, and the candidate's
name → `[CANDIDAT]`, `[CANDIDAT_2]`… The name is found in the document's author metadata, on the
title page (« Présenté par … », « Candidat : … », « Auteur : … ») and in the file name
(`dupont-marie-memoire.pdf`); it is matched whatever the case and accents, in both orders, and the
last name alone. Each distinct spelling gets its own placeholder, so that `restore` gives back
text the verifier can find in the document. The mapping never leaves the process.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlparse

if TYPE_CHECKING:
    from grader.ingest import Document

PLACEHOLDER = re.compile(r"\[(CANDIDAT|EMAIL|TEL|URL)(?:_(\d+))?\]")
_URL_CHARS = r"[^\s<>\"'«»()\[\]{}]+"
URL = re.compile(rf"(?:https?://|www\.){_URL_CHARS}|(?<![\w/.@-])(?:[a-z0-9-]+\.)*"
                 rf"(?:linkedin|facebook|instagram|twitter|tiktok|github|viadeo)\.com/{_URL_CHARS}",
                 re.I)
EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w])", re.I)
PHONE_FR = re.compile(r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?[1-9]|0[1-9])"
                      r"(?:[\s.\-]?\d{2}){4}(?!\w)")
PHONE_INTL = re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.\-]?\(?\d{1,4}\)?){2,6}(?!\w)")
SOCIAL = ("linkedin.com", "facebook.com", "fb.com", "instagram.com", "twitter.com", "x.com",
          "github.com", "gitlab.com", "tiktok.com", "viadeo.com", "medium.com", "calendly.com")
PERSONAL_KEYS = {"user", "userid", "user_id", "uid", "username", "login", "profile", "profil",
                 "email", "mail", "token", "session", "sid", "candidat", "nom", "name"}
_LONG_ID = re.compile(r"(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{16,}|\d{9,}|"
                      r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_TRAILING = ".,;:!?"

_BY_LINE = re.compile(r"^\s*(?:présentée?|rédigée?|réalisée?|soutenue?|écrite?|préparée?|"
                      r"presented|written|submitted|prepared)\s+(?:par|by)\s*:?\s*(.+)$",
                      re.I | re.M)
_LABEL_LINE = re.compile(r"^\s*(?:candidat(?:e|\(e\))?|candidate|auteure?|autrice|author|"
                         r"étudiante?|student|nom(?:\s+et\s+prénom)?|prénom\s+et\s+nom|name)"
                         r"\s*:\s*(.+)$", re.I | re.M)
_PEOPLE_SEP = re.compile(r"\s+(?:et|and|&)\s+|[,;/]")
_CUT = re.compile(r"[(|–—\d]|\s-\s")
_TOKEN = re.compile(r"[^\W\d_][\w'’]*")
HONORIFICS = {"m", "mr", "mme", "mlle", "mrs", "ms", "dr", "pr", "prof", "monsieur", "madame",
              "mademoiselle"}
PARTICLES = {"le", "la", "de", "du", "des", "van", "von", "da", "di", "del", "d'", "l'"}
NOT_NAMES = {"user", "utilisateur", "admin", "administrator", "administrateur", "microsoft",
             "office", "windows", "owner", "proprietaire", "auteur", "author", "unknown",
             "inconnu", "word", "pdf", "default", "student", "etudiant", "candidat", "hp", "dell",
             "lenovo", "apple", "mac", "pc", "latex", "user1"}
STEM_WORDS = {"memoire", "plan", "marketing", "commercial", "commerciale", "communication",
              "action", "actions", "cas", "entreprise", "collectif", "final", "finale", "version",
              "draft", "projet", "rapport", "dossier", "ms", "dmc", "mastere", "copie", "rendu",
              "livrable", "sujet", "groupe", "equipe", "document", "scan", "de", "du", "la",
              "le", "les", "des", "et", "the", "of", "pro", "professionnel", "corrige", "v"}


def fold(text: str) -> str:
    """Lower case without accents; spaces and hyphens collapsed (placeholder keys)."""
    text = "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")
    return re.sub(r"[\s\-]+", " ", text.casefold().replace("’", "'")).strip()


@dataclass(frozen=True)
class Name:
    tokens: tuple[str, ...]
    """Every word of the name, as found (first names and last name)."""
    last: tuple[str, ...]
    """The last name's words (matched alone as well)."""

    def forms(self) -> list[tuple[str, ...]]:
        """Word sequences to redact: the full name in both orders (also with one of several first
        names), then the last name alone."""
        firsts = tuple(t for t in self.tokens if t not in self.last)
        forms = [self.tokens]
        if firsts:
            forms += [self.last + firsts, firsts + self.last]
            for first in firsts if len(firsts) > 1 else ():
                forms += [(first, *self.last), (*self.last, first)]
        forms.append(self.last)
        return list(dict.fromkeys(forms))


@dataclass
class Redactor:
    names: list[Name] = field(default_factory=list)
    enabled: bool = True
    mapping: dict[str, str] = field(default_factory=dict)
    """Placeholder → the text it replaced (first spelling seen)."""
    _keys: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    _name_re: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        forms = sorted({f for n in self.names for f in n.forms()}, key=lambda f: -len(" ".join(f)))
        if forms:
            self._name_re = re.compile("|".join(_form_regex(f) for f in forms), re.I)

    @classmethod
    def for_document(cls, doc: Document) -> Redactor:
        """A redactor primed on the whole document, so numbering is stable across prompts."""
        redactor = cls(candidate_names(doc))
        redactor.redact(doc.text)
        return redactor

    @classmethod
    def disabled(cls) -> Redactor:
        return cls(enabled=False)

    def redact(self, text: str) -> str:
        if not self.enabled:
            return text
        text = URL.sub(lambda m: self._url(m), text)
        text = EMAIL.sub(lambda m: self._put("EMAIL", m.group()), text)
        text = PHONE_FR.sub(lambda m: self._put("TEL", m.group()), text)
        text = PHONE_INTL.sub(lambda m: self._phone(m.group()), text)
        if self._name_re is not None:
            text = self._name_re.sub(lambda m: self._put("CANDIDAT", m.group()), text)
        return text

    def restore(self, text: str) -> str:
        """Placeholders back to the original text; unknown placeholders are left as they are."""
        return PLACEHOLDER.sub(lambda m: self.mapping.get(m.group(), m.group()), text)

    def _put(self, kind: str, original: str) -> str:
        key = (kind, fold(original))
        if key not in self._keys:
            count = self._counts.get(kind, 0) + 1
            self._counts[kind] = count
            name = f"[{kind}_{count}]" if kind != "CANDIDAT" or count > 1 else "[CANDIDAT]"
            self._keys[key] = name
            self.mapping[name] = original
        return self._keys[key]

    def _url(self, match: re.Match[str]) -> str:
        url = match.group().rstrip(_TRAILING)
        tail = match.group()[len(url):]
        return (self._put("URL", url) + tail) if is_personal_url(url) else match.group()

    def _phone(self, text: str) -> str:
        digits = sum(c.isdigit() for c in text)
        return self._put("TEL", text) if 8 <= digits <= 15 else text


def is_personal_url(url: str) -> bool:
    parsed = urlparse(url if "://" in url else f"http://{url}")
    host = (parsed.hostname or "").removeprefix("www.")
    if any(host == s or host.endswith("." + s) for s in SOCIAL) and parsed.path.strip("/"):
        return True
    query = parse_qsl(parsed.query, keep_blank_values=True)
    if any(k.lower() in PERSONAL_KEYS for k, _ in query):
        return True
    return any(_LONG_ID.fullmatch(s) for s in [*parsed.path.split("/"), *(v for _, v in query)])


def candidate_names(doc: Document) -> list[Name]:
    """The candidate's name(s) from the metadata, the title page and the file name."""
    found: list[Name] = []
    if doc.metadata.author:
        found += names_in(doc.metadata.author)
    for page in doc.pages[:2]:
        for pattern in (_BY_LINE, _LABEL_LINE):
            for match in pattern.finditer(page.text):
                found += names_in(match.group(1))
    stem = name_from_stem(PurePath(doc.source).stem)
    if stem is not None:
        found.append(stem)
    return list(dict.fromkeys(found))


def names_in(text: str) -> list[Name]:
    """People named in a line such as « Marie DUPONT et Paul Martin (promotion 2025) »."""
    people = []
    for part in _PEOPLE_SEP.split(text):
        part = _CUT.split(part, maxsplit=1)[0]
        tokens: list[str] = []
        for token in _TOKEN.findall(part):
            if fold(token).rstrip(".") in HONORIFICS and not tokens:
                continue
            if not token[0].isupper() and fold(token) not in PARTICLES:
                break  # « Marie Dupont sous la direction de … »: the name has ended
            tokens.append(token)
        name = _name(tokens)
        if name is not None:
            people.append(name)
    return people


def name_from_stem(stem: str) -> Name | None:
    """`dupont-marie-memoire-v2` → Dupont Marie (French files put the last name first)."""
    tokens = [t for t in re.split(r"[-_.\s]+", stem) if t.isalpha() and len(t) >= 2
              and fold(t) not in STEM_WORDS]
    if not 1 <= len(tokens) <= 3:
        return None
    return Name(tuple(tokens), (tokens[0],))


def _name(tokens: list[str]) -> Name | None:
    while tokens and fold(tokens[-1]) in PARTICLES:
        tokens = tokens[:-1]
    words = [t for t in tokens if len(t) >= 2]
    if not 1 <= len(words) <= 4 or any(fold(t) in NOT_NAMES for t in words):
        return None
    caps = [t for t in words if t.isupper() and len(t) >= 2]
    if caps and len(caps) < len(words):
        last = tuple(caps)
    elif len(words) >= 3 and fold(words[-2]) in PARTICLES:
        last = tuple(words[-2:])
    else:
        last = (words[-1],)
    return Name(tuple(words), last)


_VARIANTS: dict[str, str] = {}


def _char_class(char: str) -> str:
    """A character and its accented forms, e.g. e → [eéèêë]."""
    if not _VARIANTS:
        for code in range(0xC0, 0x250):
            c = chr(code)
            base = unicodedata.normalize("NFD", c)[0].lower()
            if base.isascii() and base.isalpha() and c.lower() != base:
                _VARIANTS[base] = _VARIANTS.get(base, base) + c.lower()
    if char in "'’":
        return "['’]"
    variants = _VARIANTS.get(char)
    return f"[{variants}]" if variants else re.escape(char)


def _form_regex(words: tuple[str, ...]) -> str:
    parts = ["".join(_char_class(c) for c in fold(w)) for w in words]
    return r"(?<!\w)" + r"[\s\-]+".join(parts) + r"(?!\w)"


__all__ = ["Name", "Redactor", "candidate_names", "is_personal_url", "names_in"]
