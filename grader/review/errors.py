"""Typed errors of the review room, worded late: each carries its message key and values and is
rendered in the caller's language — the web page's, the terminal's `--lang` — not the one
that was in force where it was raised.

    raise DecisionError("review.error.reconcile_note", criterion="methodo-recul")

    exc.render("en")             # the core message, UI-neutral: no command, no flag
    exc.render("fr", hint=True)  # + the command-line hint (`review.hint.*`): what the CLI prints
    str(exc)                     # the core message in the default language (GRADER_LANG)
    describe(exc, lang)          # any exception: a review error rendered, anything else as is

The core message says what is wrong and what to do in words any face can show; a command or
a `--flag` belongs in the hint, which only the command line appends. The hint of
`review.error.X` is `review.hint.X` when the catalogue has one (or the key given as `hint=`),
filled with the same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Self

from grader import i18n
from grader.errors import GraderError
from grader.i18n import Lang, t

ERROR_PREFIX = "review.error."
HINT_PREFIX = "review.hint."


@dataclass(frozen=True)
class Message:
    """A catalogue key and its values, put into words only when a language is known.

    A value that is itself a `Message` is rendered in the same language; a list or tuple is
    rendered item by item and joined with `, `."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def render(self, lang: Lang | None = None) -> str:
        return t(self.key, lang, **{k: _value(v, lang) for k, v in self.values.items()})


def _value(value: object, lang: Lang | None) -> object:
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, list | tuple):
        return ", ".join(str(_value(v, lang)) for v in value)
    return value


class ReviewError(GraderError):
    """A review step that cannot be done: the message says what, where, and what to do.

    `ReviewError(key, **values)`: `key` is a `review.*` catalogue key; `at` (a file, `file:line`)
    is put before the message; `hint` overrides the conventional `review.hint.*` key; `lang`,
    when the raiser already knows the caller's language, is the one `str(exc)` uses. A text
    that is no catalogue key is kept as it is (already worded; it has no other language)."""

    def __init__(self, key: str, /, *, at: object = "", hint: str | None = None,
                 lang: Lang | None = None, **values: object) -> None:
        self._init((Message(key, values),), at, hint, lang)

    def _init(self, messages: Sequence[Message], at: object, hint: str | None,
              lang: Lang | None) -> None:
        self.messages = tuple(messages)
        self.at = str(at) if at else ""
        self._hint, self.lang = hint, lang
        super().__init__(self.messages[0].key if self.messages else "")

    @classmethod
    def several(cls, messages: Iterable[Message], *, at: object = "", hint: str | None = None,
                lang: Lang | None = None) -> Self:
        """One refusal listing several problems (e.g. every bad row of a filled Word sheet),
        joined with ` ; `."""
        exc = cls.__new__(cls)
        exc._init(tuple(messages), at, hint, lang)
        return exc

    @property
    def key(self) -> str:
        """The key of the (first) message: what a test or a face can branch on."""
        return self.messages[0].key if self.messages else ""

    @property
    def values(self) -> Mapping[str, object]:
        return self.messages[0].values if self.messages else {}

    @property
    def hint(self) -> str | None:
        """The catalogue key of the command-line hint, if there is one."""
        if self._hint is not None:
            return self._hint
        if self.key.startswith(ERROR_PREFIX):
            conventional = HINT_PREFIX + self.key[len(ERROR_PREFIX):]
            if catalogue_has(conventional):
                return conventional
        return None

    def render(self, lang: Lang | None = None, *, hint: bool = False) -> str:
        """The message in `lang` (default: the raiser's `lang`, else GRADER_LANG); `hint=True`
        appends the command-line hint — for the CLI and the terminal only."""
        lang = lang or self.lang
        text = " ; ".join(_text(m, lang) for m in self.messages)
        if hint and self.hint:
            text += " " + Message(self.hint, self.values).render(lang)
        return f"{self.at}: {text}" if self.at else text

    def __str__(self) -> str:
        """The core message in the raiser's language or GRADER_LANG, without the hint."""
        return self.render()


def catalogue_has(key: str) -> bool:
    # The catalogue is i18n's (cached); asked here, not by calling `t`, which would also fail
    # on a message whose values are missing.
    return i18n.has(key)


def _text(message: Message, lang: Lang | None) -> str:
    """A catalogue message rendered; an already-worded text kept as it is."""
    return message.render(lang) if catalogue_has(message.key) else message.key


def describe(exc: BaseException, lang: Lang | None = None, *, hint: bool = False) -> str:
    """Any error as a face shows it: a review error in `lang`, anything else as it reads."""
    if isinstance(exc, ReviewError):
        return exc.render(lang, hint=hint)
    return str(exc)


class StoreError(ReviewError):
    """The review store cannot be opened, created or written."""


class NotFoundError(ReviewError):
    """No submission, version or criterion answers to what was given."""


class DecisionError(ReviewError):
    """A decision that the rules refuse (level off the scale, override without comment...)."""


class LockedError(DecisionError):
    """The sheet is locked: only a correction (a new version, with its reason) can change it."""


class InputError(ReviewError):
    """A decisions file (CSV or filled DOCX) that cannot be applied; names the file and rows."""


__all__ = ["DecisionError", "InputError", "LockedError", "Message", "NotFoundError",
           "ReviewError", "StoreError", "describe"]
