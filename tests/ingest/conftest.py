"""Ingest fixtures: generated once per session by tests/fixtures/ingest_build.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.ingest import Document, read
from tests.fixtures import ingest_build


@pytest.fixture(scope="session")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return ingest_build.build_all(tmp_path_factory.mktemp("ingest"))


@pytest.fixture(scope="session")
def spec() -> ingest_build.Thesis:
    return ingest_build.thesis_spec()


@pytest.fixture(scope="session")
def thesis_pdf(files: dict[str, Path]) -> Document:
    return read(files["thesis.pdf"])


@pytest.fixture(scope="session")
def thesis_docx(files: dict[str, Path]) -> Document:
    return read(files["thesis.docx"])
