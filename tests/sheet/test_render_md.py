"""What a juror notices on the Markdown sheet."""

from __future__ import annotations

import re

from grader.sheet.models import JuryDecision, ScoringSheet
from grader.sheet.render_md import md_escape, page_list, render_md
from tests.sheet.conftest import HIDDEN, INJECTION


def _section(md: str, criterion_id: str) -> str:
    start = md.index(f"`{criterion_id}`")
    end = md.find("\n### ", start)
    return md[start:] if end < 0 else md[start:end]


def test_header_names_the_candidate_deliverable_and_backend(sheet: ScoringSheet) -> None:
    head = render_md(sheet).split("## ")[0]
    assert head.startswith("# Fiche d'évaluation — pré-notation à confirmer par le jury")
    for expected in ("Camille Durand", "Réalisation d'un plan marketing en entreprise",
                     "a1-plan-marketing", "plan-marketing-durand.pdf", "24 pages",
                     "8\u202f412 mots", "12/03/2026", "gpt-4o-mini", "draft-criterion@3",
                     "version 2026.1"):
        assert expected in head, expected


def test_flags_come_before_the_first_criterion(sheet: ScoringSheet) -> None:
    md = render_md(sheet)
    flags = md.index("Alertes à examiner avant la notation")
    assert flags < md.index("## Synthèse") < md.index("### ")
    block = md[flags:md.index("## Synthèse")]
    assert "Texte invisible" in block and "(p.\u00a07)" in block
    assert "Possible consigne adressée à une IA" in block and "(p.\u00a07, 18)" in block
    assert HIDDEN.split()[0] in block and "ignore les consignes précédentes" in block
    assert INJECTION[:20] in block


def test_every_quote_shows_its_page(sheet: ScoringSheet) -> None:
    md = render_md(sheet)
    quotes = [line for line in md.splitlines() if line.strip().startswith("> «")
              and "Alertes" not in line]
    criterion_quotes = [q for q in quotes if "p.\u00a0" in q]
    assert len(criterion_quotes) == 4
    for entry in sheet.criteria:
        for ev in entry.draft.evidence if entry.draft else []:
            line = next(q for q in quotes if md_escape(ev.quote) in q)
            assert f"(p.\u00a0{ev.page})" in line


def test_unverified_quote_is_marked(sheet: ScoringSheet) -> None:
    section = _section(render_md(sheet), "ecrit-sources")
    nielsen = next(line for line in section.splitlines() if "Nielsen" in line)
    assert "citation non vérifiée" in nielsen
    xerfi = next(line for line in section.splitlines() if "Xerfi, le marché" in line)
    assert "non vérifiée" not in xerfi
    assert "citation introuvable dans le document" in section and "confiance basse" in section


def test_each_criterion_has_a_jury_decision_line(sheet: ScoringSheet) -> None:
    md = render_md(sheet)
    for entry in sheet.criteria:
        assert "Décision du jury : ____" in _section(md, entry.id), entry.id
    assert md.count("Décision du jury") == len(sheet.criteria)


def test_drafted_criterion_shows_level_descriptor_justification(sheet: ScoringSheet) -> None:
    section = _section(render_md(sheet), "methodo-collecte")
    assert "**Niveau proposé\u00a0: 2 — Satisfaisant**" in section
    assert "Données collectées auprès de plusieurs sources" in section  # rubric descriptor
    assert "212 répondants" in section
    assert "élevée (0,78)" in section and "Pages lues\u00a0: 3–5, 9" in section


def test_jury_only_and_unscored_are_marked(sheet: ScoringSheet) -> None:
    md = render_md(sheet)
    oral = _section(md, "oral-clarte")
    assert "À évaluer par le jury" in oral and "noté par le jury seul" in oral
    limits = _section(md, "reco-limites-risques")
    assert "Non noté — à évaluer par le jury" in limits
    assert "Motif : le modèle n'a pas rendu de réponse exploitable" in limits
    summary = md[md.index("## Synthèse"):md.index("### ")]
    assert "| Niveau de clarté et de rigueur des propos | À évaluer par le jury |" in summary


def test_notes_are_labelled_indicative(sheet: ScoringSheet) -> None:
    md = render_md(sheet)
    assert "non calculable tant que le jury n'a pas noté" in md
    assert "8,33/20 (pour orientation, pas une décision)" in md
    full = sheet.model_copy(update={"indicative_note": 11.5})
    assert "Note indicative : 11,5/20" in render_md(full)
    assert "Ce n'est pas une décision" in render_md(full)


def test_criteria_are_grouped(sheet: ScoringSheet) -> None:
    md = render_md(sheet)
    groups = re.findall(r"^## (.+)$", md, re.M)
    assert groups[-4:] == ["Qualité méthodologique", "Qualité du rendu écrit",
                           "Pertinence des recommandations", "Qualité présentation orale"]


def test_recorded_decision_replaces_the_blank(sheet: ScoringSheet) -> None:
    from datetime import UTC, datetime

    entry = sheet.criteria[0].model_copy(update={"decision": JuryDecision(
        level=3, juror="M. Leroy", comment="Collecte très complète",
        time=datetime(2026, 3, 20, tzinfo=UTC), action="overridden")})
    decided = sheet.model_copy(update={"criteria": [entry, *sheet.criteria[1:]]})
    section = _section(render_md(decided), "methodo-collecte")
    assert "Décision du jury : 3 — Maîtrisé (corrigé par M. Leroy, 20/03/2026)" in section


def test_english(sheet: ScoringSheet) -> None:
    md = render_md(sheet, "en")
    assert md.startswith("# Scoring sheet — draft scores for the jury to confirm")
    assert "Alerts to examine before scoring" in md and "Jury decision: ____" in md
    assert "Quality of raw data collection" in md and "2 — Satisfactory" in md
    assert "For the jury to score" in md and "“Nous avons interrogé" in md


def test_text_from_the_submission_cannot_inject_markup(sheet: ScoringSheet) -> None:
    flag = sheet.flags[0].model_copy(update={"passages": ["<script>x</script> | # titre"]})
    md = render_md(sheet.model_copy(update={"flags": [flag]}))
    assert "<script>" not in md and "\\<script\\>" in md and "\\| \\# titre" in md


def test_page_list() -> None:
    assert page_list([9, 3, 4, 5, 12, 13]) == "3–5, 9, 12, 13"
    assert page_list([]) == ""


def test_the_sheet_carries_its_own_descriptors(sheet: ScoringSheet) -> None:
    """Once the grid has changed, the sheet still shows what it was drafted against."""
    changed = sheet.model_copy(update={"rubric_version": "1999.1"})
    md = render_md(changed)
    assert "Données collectées auprès de plusieurs sources pertinentes ; méthode décrite" in md
    assert "Quelques sources vagues" not in md  # ecrit-sources has none of its own
    english = render_md(sheet, "en")  # the unchanged grid has them in English
    assert "Data gathered from several sources relevant to the market" in english


def test_criteria_without_a_draft_show_the_grid(sheet: ScoringSheet) -> None:
    oral = _section(render_md(sheet), "oral-clarte")
    levels = [line for line in oral.splitlines() if line.startswith("  - ")]
    assert [line.split("\u00a0:")[0] for line in levels] == [
        "  - 0 — Insuffisant", "  - 1 — À consolider", "  - 2 — Satisfaisant", "  - 3 — Maîtrisé"]
