"""Concurrency and fuzzing: eight threads read like one; mutated files only raise IngestError."""

from __future__ import annotations

import io
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.ingest import IngestError, Limits, read
from grader.ingest.errors import InternalIngestError

_BASES = ["short_1.pdf", "hidden_covered.pdf", "outline.pdf", "owner_only.pdf",
          "thesis.docx", "hidden_vanish_para_style.docx"]
_LIMITS = Limits(max_seconds=10)


def test_eight_threads_read_like_one(files: dict[str, Path]) -> None:
    names = [n for n in files if n.endswith((".pdf", ".docx")) and "__" not in n
             and not n.startswith(("docx_named", "text_named"))]
    sequential = {n: read(files[n]).model_dump() for n in names}
    jobs = names * 3
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: (n, read(files[n]).model_dump()), jobs))
    assert len(results) == len(jobs) >= 60
    for name, dump in results:
        assert dump == sequential[name], name


def _read_only_ingest_errors(path: Path) -> None:
    start = time.monotonic()
    try:
        read(path, limits=_LIMITS)
    except InternalIngestError as exc:  # a bug of ours: fail with its cause
        raise AssertionError(f"internal error on mutated file: {exc.__cause__!r}") from exc
    except IngestError:
        pass
    assert time.monotonic() - start < 15


def _mutate(data: bytes, edits: list[tuple[int, int]], cut: int | None,
            insert: tuple[int, bytes] | None) -> bytes:
    buf = bytearray(data)
    for position, value in edits:
        buf[position % len(buf)] = value
    if insert is not None:
        at = insert[0] % len(buf)
        buf[at:at] = insert[1]
    if cut is not None:
        del buf[max(1, cut % len(buf)):]
    return bytes(buf)


_edits = st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 255)), max_size=30)
_cut = st.none() | st.integers(0, 10**7)
_insert = st.none() | st.tuples(st.integers(0, 10**7), st.binary(min_size=1, max_size=64))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(base=st.sampled_from(_BASES), edits=_edits, cut=_cut, insert=_insert)
def test_mutated_bytes_only_raise_ingest_errors(files: dict[str, Path], tmp_path: Path,
                                               base: str, edits: list[tuple[int, int]],
                                               cut: int | None,
                                               insert: tuple[int, bytes] | None) -> None:
    path = tmp_path / f"mutant{Path(base).suffix}"
    path.write_bytes(_mutate(files[base].read_bytes(), edits, cut, insert))
    _read_only_ingest_errors(path)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(part=st.sampled_from(["word/document.xml", "word/styles.xml", "word/footnotes.xml",
                             "word/_rels/document.xml.rels", "word/comments.xml"]),
       edits=_edits, cut=_cut, insert=_insert)
def test_mutated_docx_parts_only_raise_ingest_errors(files: dict[str, Path], tmp_path: Path,
                                                     part: str, edits: list[tuple[int, int]],
                                                     cut: int | None,
                                                     insert: tuple[int, bytes] | None) -> None:
    """Mutate the XML inside the zip, so the parsers (not only the zip layer) meet bad input."""
    source = zipfile.ZipFile(files["thesis.docx"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == part:
                data = _mutate(data, edits, cut, insert)
            archive.writestr(item.filename, data)
    path = tmp_path / "mutant.docx"
    path.write_bytes(out.getvalue())
    _read_only_ingest_errors(path)


@pytest.mark.parametrize("name", ["thesis.pdf", "thesis.docx"])
def test_reading_is_deterministic(files: dict[str, Path], name: str) -> None:
    assert read(files[name]) == read(files[name])
