"""Every bad input ends in its own IngestError — one clear line, exit code 2 — and quickly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from grader.errors import GraderError
from grader.ingest import IngestError, Limits, read
from grader.ingest import errors as ingest_errors
from tests.fixtures import ingest_build as build


def _bad_names(files: dict[str, Path]) -> list[str]:
    return sorted(name for name in files if "__" in name)


def test_the_bad_set_covers_the_issue(files: dict[str, Path]) -> None:
    kinds = {name.split("__")[0] for name in _bad_names(files)}
    assert kinds >= {"EmptyFileError", "UnsupportedFormatError", "CorruptFileError",
                     "PasswordProtectedError", "ArchiveTooLargeError", "NoTextError"}


def test_each_bad_input_gives_its_error(files: dict[str, Path]) -> None:
    for name in _bad_names(files):
        expected = getattr(ingest_errors, name.split("__")[0])
        start = time.monotonic()
        with pytest.raises(IngestError) as caught:
            read(files[name])
        assert time.monotonic() - start < 5, name
        error = caught.value
        assert isinstance(error, expected), (name, type(error))
        assert not isinstance(error, ingest_errors.InternalIngestError), name
        assert isinstance(error, GraderError) and error.exit_code == 2
        line = str(error)
        assert "\n" not in line and line.startswith(f"{files[name].name} : "), line


def test_missing_file() -> None:
    with pytest.raises(ingest_errors.FileMissingError, match="introuvable"):
        read("/nonexistent/memoire.pdf")


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(ingest_errors.FileMissingError):
        read(tmp_path)


def test_file_over_the_size_limit(files: dict[str, Path]) -> None:
    with pytest.raises(ingest_errors.FileTooLargeError, match="limite"):
        read(files["thesis.pdf"], limits=Limits(max_bytes=10_000))


def test_pdf_over_the_page_limit(files: dict[str, Path]) -> None:
    with pytest.raises(ingest_errors.TooManyPagesError, match="50 pages"):
        read(files["thesis.pdf"], limits=Limits(max_pages=20))


@pytest.mark.parametrize("name", ["thesis.pdf", "thesis.docx"])
def test_deadline_stops_a_slow_file(files: dict[str, Path], name: str) -> None:
    with pytest.raises(ingest_errors.IngestTimeoutError, match="interrompue"):
        read(files[name], limits=Limits(max_seconds=1e-9))


def test_docx_expanding_past_the_limit(files: dict[str, Path]) -> None:
    with pytest.raises(ingest_errors.ArchiveTooLargeError):
        read(files["thesis.docx"], limits=Limits(max_unzipped_bytes=50_000))


def test_docx_with_too_many_entries(files: dict[str, Path]) -> None:
    with pytest.raises(ingest_errors.ArchiveTooLargeError, match="fichiers internes"):
        read(files["thesis.docx"], limits=Limits(max_zip_entries=3))


def test_unexpected_bugs_become_typed_errors(files: dict[str, Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.ingest import reader

    def boom(*_: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(reader, "_assemble", boom)
    with pytest.raises(ingest_errors.InternalIngestError, match="KeyError"):
        read(files["plan.md"])


def test_owner_password_only_pdf_is_read_and_flagged(files: dict[str, Path]) -> None:
    doc = read(files["owner_only.pdf"])
    assert build.VISIBLE[:40] in doc.text
    assert doc.flag("encrypted") is not None
