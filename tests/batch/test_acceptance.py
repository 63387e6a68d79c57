"""What a coordinator meets: a summary that opens right in a French spreadsheet and reads in
words, failures named once with their reason, usage errors in the run's language before
anything is made, and an interruption or a rerun that says what it kept."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from grader.batch.cli import batch
from grader.batch.discover import BatchError, discover, read_manifest
from grader.batch.options import BatchOptions
from grader.batch.progress import Plain
from grader.batch.runner import run_batch
from tests.batch.conftest import DELIVERABLE, MakeCohort
from tests.fixtures.ingest_build import encrypted_pdf

PLAN = "a1-plan-marketing"
"""A grid with jury_only criteria (the oral ones)."""


def _cli() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(batch)
    return app


def test_the_french_summary_opens_in_excel_and_reads_in_words(
        make_cohort: MakeCohort, tmp_path: Path) -> None:
    folder = make_cohort(2, deliverable=PLAN)
    run_batch(BatchOptions(source=folder, out=tmp_path / "out", deliverable=PLAN, workers=2))
    raw = (tmp_path / "out" / "cohort.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with its BOM
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert len(rows) == 2 and "," in rows[0]["draft_note"]  # decimal comma, as typed in France
    assert not any(c.startswith("oral-") for c in rows[0])  # jury_only: never drafted
    assert "confiance basse" in "".join(r["flags"] for r in rows)
    md = (tmp_path / "out" / "cohort.md").read_text(encoding="utf-8")
    assert "| oral-" not in md and "low_confidence" not in md and "confiance basse" in md
    en = run_batch(BatchOptions(source=folder, out=tmp_path / "en", deliverable=PLAN,
                                lang="en"))
    head = (en.out / "cohort.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert head.startswith("candidate,file,")


def test_a_failure_is_named_once_and_a_pdf_without_pages_is_not_called_encrypted(
        make_cohort: MakeCohort, tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    folder = make_cohort(0)
    encrypted_pdf(folder / "a-chiffre.pdf", "secret")
    empty = pdfium.PdfDocument.new()
    empty.save(folder / "b-sans-page.pdf")  # read after the encrypted one, same worker
    report = run_batch(BatchOptions(source=folder, out=tmp_path / "out",
                                    deliverable=DELIVERABLE, workers=1, processes=1))
    reasons = {r.path: r.reason or "" for r in report.failed}
    assert "mot de passe" in reasons["a-chiffre.pdf"]
    assert "mot de passe" not in reasons["b-sans-page.pdf"]
    assert not any(reason.startswith(path) for path, reason in reasons.items())


def test_manifest_lines_are_checked_and_a_missing_file_is_a_failure(
        make_cohort: MakeCohort, tmp_path: Path) -> None:
    folder = make_cohort(1)
    manifest = tmp_path / "promo.csv"
    manifest.write_text("fichier;candidat;livrable\ncandidat-00.md;Zoé Leroy;\n"
                        "absent.md;Léo Petit;\n\n", encoding="utf-8")
    found = discover(folder, DELIVERABLE, manifest)
    assert [(i.rel, i.candidate) for i in found.items] == [("candidat-00.md", "Zoé Leroy"),
                                                           ("absent.md", "Léo Petit")]
    report = run_batch(BatchOptions(source=folder, out=tmp_path / "out",
                                    deliverable=DELIVERABLE, manifest=manifest))
    assert [(r.path, "introuvable" in (r.reason or "")) for r in report.failed] == [
        ("absent.md", True)]
    manifest.write_text("file,deliverable\ncandidat-00.md,memoir\n", encoding="utf-8")
    with pytest.raises(BatchError, match=r"promo.csv, ligne 2 : livrable inconnu « memoir »"):
        read_manifest(manifest, lang="fr")
    with pytest.raises(BatchError, match="manifeste introuvable"):
        read_manifest(tmp_path / "nope.csv", lang="fr")


def test_usage_errors_speak_the_run_language_and_leave_nothing_behind(
        make_cohort: MakeCohort, tmp_path: Path) -> None:
    folder = make_cohort(1)
    runner = CliRunner()
    cases = [
        (["nowhere", "-d", DELIVERABLE, "--lang", "en"], "nowhere: no such folder"),
        ([str(folder), "-d", "nope"], "--deliverable : livrable inconnu « nope »"),
        ([str(folder), "-d", DELIVERABLE, "--backend", "foo"], "moteur inconnu « foo »"),
        ([str(folder), "-d", DELIVERABLE, "--workers", "0"], "--workers : 0 refusé"),
    ]
    for args, expected in cases:
        out = tmp_path / "out"
        result = runner.invoke(_cli(), [*args, "--out", str(out), "--no-progress"])
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output
        assert not out.exists(), args


def test_a_rerun_says_what_it_kept_and_ctrl_c_says_how_to_carry_on(
        make_cohort: MakeCohort, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_cohort(1)
    args = [str(folder), "-d", DELIVERABLE, "--out", str(tmp_path / "out"), "--no-progress"]
    first = CliRunner().invoke(_cli(), args)
    assert first.exit_code == 0 and "reprise" not in first.output
    again = CliRunner().invoke(_cli(), args)
    assert "reprise : 1 copie(s) déjà traitée(s) gardée(s)" in again.output

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("grader.batch.runner.run_batch", interrupted)
    stopped = CliRunner().invoke(_cli(), args)
    assert stopped.exit_code == 130
    assert "grader batch --resume --out" in stopped.output


def test_bad_prices_stop_the_run_before_grading(make_cohort: MakeCohort,
                                                tmp_path: Path) -> None:
    prices = tmp_path / "prix.yaml"
    prices.write_text("models: {m: {input: 1}}\n", encoding="utf-8")
    with pytest.raises(BatchError, match="prix.yaml"):
        run_batch(BatchOptions(source=make_cohort(1), out=tmp_path / "out",
                               deliverable=DELIVERABLE, prices=prices))
    assert not list((tmp_path / "out").glob("*.sheet.json"))


def test_notes_reach_stderr_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    Plain().note("lot batch_1 envoyé")
    assert "lot batch_1 envoyé" in capsys.readouterr().err
