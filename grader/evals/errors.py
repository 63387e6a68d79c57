"""Typed errors of the evals; the CLI prints them as one line with exit code 2."""

from __future__ import annotations

from grader.errors import GraderError


class EvalError(GraderError):
    """A gold set, a data folder or an evaluation that cannot be used; the message says why."""


class GoldSetError(EvalError):
    """A manifest that is missing or wrong: the message names the file, the line and the fix."""


class DataMissingError(EvalError):
    """A public data folder (ASAP, ELLIPSE) that is not where it was said to be."""
