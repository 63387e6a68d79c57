"""Command-line options shared by several commands (grade, batch): one wording, one place."""

from __future__ import annotations

from typing import Annotated

import typer

ModelOpt = Annotated[str | None, typer.Option(help="Modèle (llm) ; sinon GRADER_MODEL.")]
BaseUrlOpt = Annotated[str | None, typer.Option(help="Point d'accès compatible OpenAI ; "
                                                "sinon OPENAI_BASE_URL.")]
NoRedactOpt = Annotated[bool, typer.Option("--no-redact", help="Ne pas anonymiser (point "
                                           "d'accès local uniquement).")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Ignorer le cache.")]
