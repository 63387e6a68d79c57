"""Typed errors for unreadable deliverables.

Each error is one clear French line that names the file and says what to do; the CLI prints it
on stderr and exits with code 2. Subclasses let callers (batch, web) react to the kind of
failure without parsing messages.
"""

from __future__ import annotations

from grader.errors import GraderError


class IngestError(GraderError):
    """A deliverable cannot be read; the message says why and what to do next."""

    exit_code = 2
    code = "unreadable"

    def __init__(self, reason: str, *, source: str | None = None) -> None:
        self.reason = reason
        self.source = source
        super().__init__(self._line())

    def _line(self) -> str:
        return f"{self.source} : {self.reason}" if self.source else self.reason

    def with_source(self, source: str) -> IngestError:
        """Name the file once the reader knows it; the parsers below only see bytes."""
        self.source = source
        self.args = (self._line(),)
        return self

    def __str__(self) -> str:
        return self._line()


class FileMissingError(IngestError):
    code = "missing"


class EmptyFileError(IngestError):
    code = "empty"


class FileTooLargeError(IngestError):
    code = "too_large"


class UnsupportedFormatError(IngestError):
    code = "unsupported_format"


class CorruptFileError(IngestError):
    code = "corrupt"


class PasswordProtectedError(IngestError):
    code = "password"


class ArchiveTooLargeError(IngestError):
    """A DOCX whose parts expand past the limit: a zip bomb or an absurd embedded file."""

    code = "zip_bomb"


class TooManyPagesError(IngestError):
    code = "too_many_pages"


class NoTextError(IngestError):
    """Every page is an image (a scan) or blank: nothing to grade without OCR."""

    code = "no_text"


class IngestTimeoutError(IngestError):
    code = "timeout"


class InternalIngestError(IngestError):
    """A bug of ours met on this file; kept typed so one bad file never stops a batch."""

    code = "internal"
