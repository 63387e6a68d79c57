"""Discovery: the cohort's files, recursively, each content once, mapped by a manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.batch.discover import BatchError, Item, assign_stems, discover, read_manifest


def _tree(root: Path) -> Path:
    (root / "groupe-a" / "sous").mkdir(parents=True)
    (root / "a.pdf").write_bytes(b"%PDF-1.4 one")
    (root / "groupe-a" / "b.docx").write_bytes(b"PK docx two")
    (root / "groupe-a" / "sous" / "c.TXT").write_text("trois", encoding="utf-8")
    (root / "groupe-a" / "copie-de-a.pdf").write_bytes(b"%PDF-1.4 one")
    (root / "notes.xlsx").write_bytes(b"not a deliverable")
    (root / ".cache.md").write_text("hidden", encoding="utf-8")
    (root / "~$b.docx").write_bytes(b"word lock file")
    (root / "vide-1.pdf").write_bytes(b"")
    (root / "vide-2.pdf").write_bytes(b"")
    return root


def test_recursive_by_suffix_duplicates_by_content_and_empty_files_kept_apart(
        tmp_path: Path) -> None:
    found = discover(_tree(tmp_path / "cohort"), "memoire")
    assert [i.rel for i in found.items] == ["a.pdf", "groupe-a/b.docx", "groupe-a/sous/c.TXT",
                                           "vide-1.pdf", "vide-2.pdf"]
    assert found.duplicates == [("groupe-a/copie-de-a.pdf", "a.pdf")]
    assert len({i.key for i in found.items}) == 5  # two empty uploads are two failures


def test_the_output_folder_inside_the_cohort_is_not_searched(tmp_path: Path) -> None:
    root = _tree(tmp_path / "cohort")
    (root / "out").mkdir()
    (root / "out" / "a.md").write_text("a sheet rendering", encoding="utf-8")
    found = discover(root, "memoire", exclude=(root / "out",))
    assert not any(i.rel.startswith("out/") for i in found.items)


def test_a_manifest_maps_candidates_and_deliverables_and_ignores_the_rest(
        tmp_path: Path) -> None:
    root = _tree(tmp_path / "cohort")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("\ufefffile;candidate;deliverable\na.pdf;Alice Martin;memoire\n"
                        "groupe-a/b.docx;Bob Durand;\n./groupe-a/sous/c.TXT;;a1-plan-marketing\n",
                        encoding="utf-8")
    found = discover(root, "a3-plan-communication", manifest)
    got = {(i.rel, i.candidate, i.deliverable) for i in found.items}
    assert got == {("a.pdf", "Alice Martin", "memoire"),
                   ("groupe-a/b.docx", "Bob Durand", "a3-plan-communication"),
                   ("groupe-a/sous/c.TXT", None, "a1-plan-marketing")}
    assert {rel for rel, _ in found.ignored} == {"groupe-a/copie-de-a.pdf", "vide-1.pdf",
                                                 "vide-2.pdf"}


def test_bad_manifests_and_folders_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "m.csv"
    bad.write_text("nom,candidat\na.pdf,x\n", encoding="utf-8")
    with pytest.raises(BatchError, match="m.csv.*file"):
        read_manifest(bad)
    with pytest.raises(BatchError, match="nowhere"):
        discover(tmp_path / "nowhere", "memoire")
    with pytest.raises(BatchError, match="--deliverable"):
        discover(_tree(tmp_path / "c"), None)


def test_stems_are_unique_and_never_change_once_given(tmp_path: Path) -> None:
    def item(rel: str, sha: str) -> Item:
        return Item(tmp_path / rel, rel, sha, "memoire")

    first = [item("a.pdf", "1" * 64), item("x/a.pdf", "2" * 64)]
    stems = assign_stems(first, {})
    assert stems == {first[0].key: "a", first[1].key: "x__a"}
    later = [item("a.docx", "3" * 64), *first]
    again = assign_stems(later, stems)
    assert again[first[0].key] == "a" and again[later[0].key] == "a-docx"
