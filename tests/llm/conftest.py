"""Fixtures of the llm tests: the local OpenAI-compatible server, a small rubric and document
carrying a candidate's personal data, and a backend pointed at the server with tiny waits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.backends.base import DraftRequest
from grader.ingest.document import Block, Document, Metadata, Page
from grader.rubric.models import Bilingual, Criterion, Cues, Group, Level, Mode, Rubric, Scale
from tests.llm.openai_server import OpenAIServer

NAME, EMAIL, PHONES = "Marie-Hélène Dupont", "marie.dupont@example.fr", ["06 12 34 56 78",
                                                                          "+33 7 98 76 54 32"]
LINKEDIN = "https://www.linkedin.com/in/marie-dupont-5b1a2c"
LEVEL_WORDS = ["absent", "partiel", "complet", "exemplaire"]


def _criterion(ident: str, fr: str, en: str, cues: list[str], group: str) -> Criterion:
    return Criterion(
        id=ident, mode=Mode.draft, weight=1, group=group, label=Bilingual(fr=fr, en=en),
        descriptors={v: Bilingual(fr=f"{fr} : {w}", en=f"{en}: level {v}")
                     for v, w in enumerate(LEVEL_WORDS)},
        cues=Cues(fr=cues))


RUBRIC = Rubric(
    id="test-plan", version="t1", block="A1",
    title=Bilingual(fr="Plan marketing de test", en="Test marketing plan"),
    scale=Scale(levels=[Level(value=v, label=Bilingual(fr=f"Niveau {v}", en=f"Level {v}"))
                        for v in range(4)]),
    groups=[Group(id="methodo", label=Bilingual(fr="Qualité méthodologique",
                                                en="Methodological quality"))],
    criteria=[
        _criterion("diagnostic", "Analyse de l'environnement (PESTEL, SWOT)",
                   "Analysis of the environment", ["pestel", "swot", "concurrence"], "methodo"),
        _criterion("indicateurs", "Indicateurs de suivi des objectifs",
                   "Indicators of the objectives", ["indicateurs", "kpi", "tableau de bord"],
                   "methodo"),
    ])

PAGES = [
    ["Plan marketing — Vélo Nova", f"Présenté par {NAME}",
     f"Contact : {EMAIL} — {PHONES[0]} — {LINKEDIN}"],
    ["1. Diagnostic",
     "L'analyse PESTEL montre une demande urbaine en hausse et une réglementation favorable "
     "aux mobilités douces. La matrice SWOT fait ressortir une marque jeune face à une "
     "concurrence installée."],
    ["2. Concurrence",
     "La concurrence se concentre sur trois acteurs nationaux ; Dupont a mené douze entretiens "
     f"avec des distributeurs, joignables au {PHONES[1]}."],
    ["3. Pilotage",
     "Les indicateurs retenus sont le taux de conversion, le coût d'acquisition et la part de "
     "marché, suivis dans un tableau de bord mensuel avec des KPI chiffrés."],
]


def make_document(pages: list[list[str]] = PAGES, source: str = "dupont-marie-helene-plan.pdf",
                  author: str | None = None) -> Document:
    """A Document built directly: first line of each page is a heading, the rest paragraphs."""
    models, blocks = [], []
    for number, lines in enumerate(pages, start=1):
        models.append(Page(number=number, text="\n".join(lines)))
        blocks += [Block(text=line, page=number, level=0 if i else 1,
                         kind="paragraph" if i else "heading") for i, line in enumerate(lines)]
    sha = hashlib.sha256(repr(pages).encode()).hexdigest()
    return Document(source=source, sha256=sha, format="pdf", pages=models, blocks=blocks,
                    sections=[], words=sum(len(b.text.split()) for b in blocks), language="fr",
                    metadata=Metadata(author=author))


def make_request(doc: Document, criterion_id: str = "diagnostic", lang: str = "fr",
                 budget: int = 2500) -> DraftRequest:
    from grader.evidence import Index, retrieve, split_passages

    body = split_passages(doc)
    crit = RUBRIC.criterion(criterion_id)
    return DraftRequest(rubric=RUBRIC, criterion=crit, document=doc, lang=lang,  # type: ignore
                        passages=retrieve(Index.build(body), crit, budget), body=tuple(body))


@pytest.fixture(autouse=True)
def llm_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No endpoint setting leaks in; ./grader.yaml is the test's own (none by default)."""
    for var in ("OPENAI_API_BASE", "OPENAI_BASE_URL", "OPENAI_API_KEY", "GRADER_MODEL",
                "GRADER_LLM_STRUCTURED", "GRADER_LLM_STRATEGY", "GRADER_CONTEXT_TOKENS",
                "GRADER_PROMPTS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as srv:
        yield srv


@pytest.fixture
def backend_for() -> Callable[..., Any]:
    """An LLMBackend on a server, with a 1 s client timeout and tiny backoff waits."""

    def make(srv: OpenAIServer, **options: Any) -> Any:
        from grader.backends.llm import LLMBackend

        settings = {"base_url": srv.base_url, "model": "test-model", "api_key": "test",
                    "timeout": 1.0, "backoff_base": 0.01, "backoff_max": 0.05,
                    "max_attempts": 3, **options}
        return LLMBackend.from_settings(**settings)

    return make


@pytest.fixture
def doc() -> Document:
    return make_document()
