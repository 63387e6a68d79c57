"""Sheets on disk: atomic writes, canonical JSON, clear errors on bad files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from grader.errors import GraderError
from grader.sheet import store
from grader.sheet.models import ScoringSheet
from grader.sheet.store import (
    SheetAnchor,
    SheetError,
    atomic_write_bytes,
    atomic_write_text,
    read_sheet,
    sheet_anchor,
    sheet_json,
    write_sheet,
)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or ".tmp" in p.name)


def test_write_sheet_writes_the_three_files(sheet: ScoringSheet, tmp_path: Path) -> None:
    paths = write_sheet(sheet, tmp_path / "out", "durand")
    assert [p.name for p in paths.all] == ["durand.sheet.json", "durand.md", "durand.docx"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths.all)
    assert paths.md.read_text(encoding="utf-8").startswith("# Fiche d'évaluation")
    assert paths.docx.read_bytes()[:2] == b"PK"
    assert _leftovers(tmp_path / "out") == []


def test_json_is_canonical_and_round_trips(sheet: ScoringSheet, tmp_path: Path) -> None:
    paths = write_sheet(sheet, tmp_path, "durand")
    text = paths.json.read_text(encoding="utf-8")
    assert text == sheet_json(sheet)
    assert text.endswith("}\n") and '\n  "schema_version": "1.0",' in text
    assert "Qualité" in text  # UTF-8, not \u escapes
    assert list(json.loads(text)) == list(ScoringSheet.model_fields)  # the model's field order
    again = read_sheet(paths.json)
    assert again == sheet
    assert sheet_json(again) == text


def test_same_sheet_same_bytes(sheet: ScoringSheet, tmp_path: Path) -> None:
    one = write_sheet(sheet, tmp_path / "a", "x")
    two = write_sheet(sheet, tmp_path / "b", "x")
    for left, right in zip(one.all, two.all, strict=True):
        assert left.read_bytes() == right.read_bytes(), left.name


def test_failed_rename_keeps_the_old_file(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    target = tmp_path / "a.sheet.json"
    target.write_text("old", encoding="utf-8")

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new content")
    assert target.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path) == []


def test_crash_mid_write_keeps_the_old_file(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    target = tmp_path / "a.docx"
    target.write_bytes(b"old")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt  # the user hits Ctrl-C after half the bytes went out

    monkeypatch.setattr(store.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, b"n" * 100_000)
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_failed_rendering_writes_nothing(sheet: ScoringSheet, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    old = write_sheet(sheet, tmp_path, "durand")
    before = {p: p.read_bytes() for p in old.all}

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr("grader.sheet.render_docx.render_docx", broken)
    changed = sheet.model_copy(update={"draft_note": 19.0})
    with pytest.raises(RuntimeError):
        write_sheet(changed, tmp_path, "durand")
    assert {p: p.read_bytes() for p in old.all} == before
    assert _leftovers(tmp_path) == []


def test_new_files_get_ordinary_permissions(tmp_path: Path) -> None:
    target = tmp_path / "x.md"
    atomic_write_text(target, "x")
    assert stat.S_IMODE(target.stat().st_mode) & 0o044  # readable by others, not mkstemp's 0600
    os.chmod(target, 0o640)
    atomic_write_text(target, "y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_never_overwrites_the_submission(sheet: ScoringSheet, tmp_path: Path) -> None:
    import hashlib

    original = b"# Mon plan marketing\n"
    (tmp_path / "durand.md").write_bytes(original)
    graded = sheet.model_copy(update={"submission": sheet.submission.model_copy(
        update={"file": "durand.md", "sha256": hashlib.sha256(original).hexdigest()})})
    with pytest.raises(SheetError, match="durand.md"):
        write_sheet(graded, tmp_path, "durand")
    assert (tmp_path / "durand.md").read_bytes() == original
    assert not (tmp_path / "durand.sheet.json").exists()


@pytest.mark.parametrize(("content", "expected"), [
    ('{"schema_version": "1.0", "created": ', "JSON"),
    ("[1, 2]", "objet JSON"),
    ('{"schema_version": "9.0"}', "9.0"),
    (None, "submission"),
])
def test_bad_sheets_raise_a_typed_error_naming_the_file(
        sheet: ScoringSheet, tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "broken.sheet.json"
    if content is None:  # valid JSON, wrong shape: a required field is missing
        data = json.loads(sheet_json(sheet))
        del data["submission"]["sha256"]
        content = json.dumps(data)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SheetError) as caught:
        read_sheet(path)
    assert isinstance(caught.value, GraderError)
    assert str(path) in str(caught.value) and expected in str(caught.value)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(SheetError, match="introuvable"):
        read_sheet(tmp_path / "nope.sheet.json")
    binary = tmp_path / "x.sheet.json"
    binary.write_bytes(b"\xff\xfe\x00PK")
    with pytest.raises(SheetError, match="UTF-8"):
        read_sheet(binary)


def test_errors_in_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_LANG", "en")
    path = tmp_path / "x.sheet.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(SheetError, match="not valid JSON"):
        read_sheet(path)


def test_anchor_round_trip(sheet: ScoringSheet) -> None:
    anchor = SheetAnchor.parse(f"footer text {sheet_anchor(sheet)}")
    assert anchor == SheetAnchor("1.0", sheet.submission.sha256, "a1-plan-marketing", "2026.1")
    assert SheetAnchor.parse("grader-sheet:v1:incomplete") is None
