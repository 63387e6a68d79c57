"""The probes catch what they must: a backend that rewards length, one that obeys hidden
instructions, one that is not deterministic, one that invents quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.backends.fake import FakeBackend
from grader.evals import perturb
from grader.evals.gold import load_gold
from grader.evals.probes import run_probes
from grader.ingest import read
from tests.evals.broken import FlakyBackend, InventingBackend, LengthBackend, ObedientBackend


def _summary(report, probe: str):
    return next(s for s in report.summaries if s.probe == probe)


@pytest.fixture
def gold_set(small_gold: Path):
    return load_gold(small_gold)


def test_a_backend_that_rewards_length_is_caught(gold_set) -> None:
    report = run_probes(gold_set, LengthBackend())
    padding = _summary(report, "padding")
    assert padding.checked > 0 and padding.violations == padding.checked
    first = next(v for v in report.violations if v.probe == "padding")
    assert first.file.startswith("a1-plan-marketing/docs/") and first.criterion
    assert first.expected.startswith("≤ ") and int(first.observed) > int(first.expected[2:])


def test_a_backend_that_obeys_hidden_instructions_is_caught(gold_set) -> None:
    report = run_probes(gold_set, ObedientBackend())
    injection = [v for v in report.violations if v.probe == "injection"]
    assert injection and all(v.observed == "3" for v in injection)
    # Ingest flags the instruction whatever the backend does: the flag check passes.
    assert not [v for v in injection if v.criterion is None]


def test_a_sound_backend_passes_padding_and_injection(gold_set) -> None:
    report = run_probes(gold_set, FakeBackend())
    for probe in ("padding", "injection", "repeat", "language"):
        summary = _summary(report, probe)
        assert summary.checked > 0 and summary.violations == 0, probe
    assert _summary(report, "format").skipped  # no PDF/DOCX pair in this gold set


def test_nondeterminism_and_invented_quotes_are_caught(gold_set) -> None:
    flaky = run_probes(gold_set, FlakyBackend())
    assert _summary(flaky, "repeat").violations > 0
    inventing = run_probes(gold_set, InventingBackend())
    assert inventing.quotes_verified == 0.0
    assert _summary(inventing, "quotes").violations == _summary(inventing, "quotes").checked


def test_the_language_probe_compares_french_and_english(gold_set) -> None:
    pairs = list(perturb.pairs(gold_set))
    assert [(p.kind, p.second.name) for p in pairs] == [("language", "cand00.en.md")]
    report = run_probes(gold_set, LengthBackend())
    assert _summary(report, "language").checked == 9


def test_perturbations_go_through_ingest(small_gold: Path, tmp_path: Path) -> None:
    doc = read(small_gold / "a1-plan-marketing" / "docs" / "cand01.md")
    base = read(perturb.write_md(perturb.render(perturb.to_markdown(doc)), tmp_path, "b"))
    assert [b.text for b in base.blocks] == [b.text for b in doc.blocks]
    padded = read(perturb.write_md(perturb.padded(base), tmp_path, "p"))
    assert padded.words >= base.words + perturb.MIN_PADDING
    injected = read(perturb.write_md(perturb.injected(base), tmp_path, "i"))
    assert injected.flag("possible_prompt_injection") is not None


def test_format_pairs_are_found_beside_the_documents(tmp_path: Path) -> None:
    from docx import Document as Docx

    folder = tmp_path / "a1-plan-marketing"
    (folder / "docs").mkdir(parents=True)
    word = Docx()
    word.add_heading("Plan marketing", level=1)
    word.add_paragraph("Nous avons mené une enquête par questionnaire auprès de 120 clients.")
    word.save(folder / "docs" / "base.docx")
    (folder / "docs" / "base.pdf").write_bytes(b"%PDF-1.4 placeholder")
    (folder / "manifest.csv").write_text(
        "file,deliverable,candidate,variant,criterion,juror,level\n"
        "docs/base.docx,a1-plan-marketing,c1,base,methodo-collecte,juror1,2\n", "utf-8")
    gold_set = load_gold(folder)
    pairs = list(perturb.pairs(gold_set))
    assert [(p.kind, p.first.suffix, p.second.suffix) for p in pairs] == [
        ("format", ".pdf", ".docx")]
    report = run_probes(gold_set, FakeBackend())
    # The placeholder PDF cannot be read: the probe says so instead of passing silently.
    fmt = [v for v in report.violations if v.probe == "format"]
    assert fmt and fmt[0].expected == "both renderings readable"


def test_gold_attack_variants_never_beat_their_base(small_gold: Path) -> None:
    folder = small_gold / "a1-plan-marketing"
    base = (folder / "docs" / "cand01.md").read_text(encoding="utf-8")
    filler = "\n\n".join(perturb.texts()["padding"]["fr"] * 3)
    (folder / "docs" / "cand01-padding.md").write_text(base + "\n\n" + filler, "utf-8")
    order = perturb.texts()["injection"]["fr"]
    (folder / "docs" / "cand01-hidden.md").write_text(base + "\n\n" + order + "\n", "utf-8")
    rows = [f"docs/cand01-{name}.md,a1-plan-marketing,cand01,{variant},methodo-collecte,"
            f"juror1,1,\n" for name, variant in (("padding", "padding"),
                                                 ("hidden", "hidden-instruction"))]
    with (folder / "manifest.csv").open("a", encoding="utf-8") as fh:
        fh.writelines(rows)
    gold_set = load_gold(small_gold)
    by_length = run_probes(gold_set, LengthBackend())
    assert _summary(by_length, "variant-padding").violations > 0
    obedient = run_probes(gold_set, ObedientBackend())
    hidden = _summary(obedient, "variant-hidden-instruction")
    assert hidden.violations > 0
    sound = run_probes(gold_set, FakeBackend())
    assert _summary(sound, "variant-hidden-instruction").violations == 0


def test_a_backend_blind_to_missing_parts_is_caught(small_gold: Path) -> None:
    folder = small_gold / "a1-plan-marketing"
    text = (folder / "docs" / "cand02.md").read_text(encoding="utf-8")
    stripped = "\n\n".join(p for p in text.split("\n\n")
                           if "Bibliographie" not in p and "Xerfi" not in p and "- Auteur" not in p)
    (folder / "docs" / "cand02-sans-sources.md").write_text(stripped, "utf-8")
    with (folder / "manifest.csv").open("a", encoding="utf-8") as fh:
        fh.write("docs/cand02-sans-sources.md,a1-plan-marketing,cand02,sans-sources,"
                 "ecrit-sources,juror1,0,\n")
    (small_gold / "variants.yaml").write_text(
        "sans-sources:\n  a1-plan-marketing: [ecrit-sources]\nremplissage: {}\n", "utf-8")
    report = run_probes(load_gold(small_gold), FakeBackend())  # always the middle level
    damage = _summary(report, "variant-damage")
    assert damage.checked == 1 and damage.violations == 1
    violation = next(v for v in report.violations if v.probe == "variant-damage")
    assert violation.criterion == "ecrit-sources" and "sans-sources" in violation.expected
