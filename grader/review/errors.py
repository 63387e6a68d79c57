"""Typed errors of the review room; the CLI prints each as one line and exits with code 2."""

from __future__ import annotations

from grader.errors import GraderError


class ReviewError(GraderError):
    """A review step that cannot be done: the message says what, where, and what to do."""


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


__all__ = ["DecisionError", "InputError", "LockedError", "NotFoundError", "ReviewError",
           "StoreError"]
