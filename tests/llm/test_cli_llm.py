"""End to end: `grader grade --backend llm` against the local server writes a sheet whose quotes
are verified in the document, and no personal data reaches the server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Run
from tests.llm.openai_server import OpenAIServer

PAGES = [
    "Plan marketing — Vélo Nova\n\nPrésenté par Marie Dupont\n\nContact : "
    "marie.dupont@example.fr — 06 12 34 56 78",
    "1. Diagnostic\n\nL'analyse PESTEL montre une demande urbaine en hausse et une réglementation "
    "favorable aux mobilités douces. La matrice SWOT fait ressortir une marque jeune face à une "
    "concurrence installée, et Dupont a mené douze entretiens avec des distributeurs.",
    "2. Recommandations\n\nNous recommandons un lancement en deux vagues, avec un budget de "
    "120 000 euros ; les risques principaux sont la hausse du coût des batteries et un retard "
    "du fournisseur, couverts par un plan de contingence.",
    "3. Indicateurs\n\nLes indicateurs retenus sont le taux de conversion, le coût d'acquisition "
    "et la part de marché, suivis dans un tableau de bord mensuel. Sources : Insee, Xerfi 2024.",
]


def test_grade_with_the_llm_backend_writes_a_sheet_with_verified_quotes(
        cli: Run, tmp_path: Path, server: OpenAIServer) -> None:
    source = tmp_path / "dupont-marie-plan.txt"
    source.write_text("\f".join(PAGES), encoding="utf-8")
    result = cli("grade", source, "--deliverable", "a1-plan-marketing", "--backend", "llm",
                 "--base-url", server.base_url, "--model", "test-model", "--out", tmp_path / "out",
                 env={"OPENAI_API_KEY": "test"})
    assert result.returncode == 0, result.stderr
    sheet = json.loads((tmp_path / "out" / "dupont-marie-plan.sheet.json").read_text("utf-8"))
    assert sheet["backend"]["name"] == "llm" and sheet["backend"]["model"] == "test-model"
    assert sheet["backend"]["prompt_version"].startswith("draft-criterion-")
    drafts = [c["draft"] for c in sheet["criteria"] if c["mode"] == "draft"]
    scored = [d for d in drafts if d["level"] is not None]
    assert scored and all(d["evidence"] and d["evidence"][0]["verified"] for d in scored)
    assert all(d["pages_read"] for d in scored)
    assert sheet["usage"]["calls"] == len(server.chat_requests) >= len(scored)
    for logged in server.chat_requests:
        for secret in ("marie.dupont", "06 12 34 56 78", "Dupont", "DUPONT"):
            assert secret not in logged.text
