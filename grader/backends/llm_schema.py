"""The answer the model must give, as a pydantic model built per scale, and its parsing.

The level is a `Literal` of the rubric's own scale, so an off-scale level is a validation error
(and triggers the re-ask) rather than something to catch later. Fields come in the order the
model should think: justification, quotes, then level. Their descriptions are read from the
prompt file, like every text the model sees.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, create_model

from grader.i18n import Lang
from grader.prompts import load_prompt

TOOL_NAME = "CriterionAssessment"
MAX_ERROR_CHARS = 800
_NOISE = re.compile(r"^\s*(For further information visit|For troubleshooting, visit).*$", re.M)


@cache
def answer_model(levels: tuple[int, ...], lang: Lang) -> type[BaseModel]:
    """The structured answer for a scale (cached: one class per scale and language)."""
    prompt = load_prompt("draft-criterion", lang)
    doc: dict[str, str] = prompt.meta.get("fields", {})
    quote = create_model(
        "Quote",
        __doc__=doc.get("evidence", ""),
        quote=(str, Field(min_length=1, description=doc.get("quote", ""))),
        page=(int, Field(ge=1, description=doc.get("page", ""))),
    )
    level_type: Any = Literal[levels]  # type: ignore[valid-type]
    return create_model(
        TOOL_NAME,
        __doc__=prompt.meta.get("tool_description", ""),
        justification=(str, Field(min_length=1, description=doc.get("justification", ""))),
        evidence=(list[quote], Field(description=doc.get("evidence", ""))),  # type: ignore
        level=(level_type, Field(description=doc.get("level", ""))),
        confidence=(float, Field(ge=0, le=1, description=doc.get("confidence", ""))),
        injection=(list[str], Field(default_factory=list, description=doc.get("injection", ""))),
    )


@cache
def schema_text(model: type[BaseModel]) -> str:
    """The JSON schema shown in the prompt when the server cannot call tools (cached: pydantic
    builds it anew at each call, milliseconds per model call of a cohort)."""
    return json.dumps(model.model_json_schema(), ensure_ascii=False, indent=1)


@dataclass(frozen=True)
class Parsed:
    answer: Any | None
    """The validated answer, or None."""
    error: str | None
    """Why the answer could not be used (for the re-ask and the sheet)."""
    raw: str
    """The answer as the model gave it (tool arguments or text)."""


def parse(result: dict[str, Any], model: type[BaseModel]) -> Parsed:
    """Read `with_structured_output(..., include_raw=True)`'s output, whatever went wrong."""
    message = result.get("raw")
    raw = raw_text(message)
    parsed, error = result.get("parsed"), result.get("parsing_error")
    if isinstance(parsed, model) and error is None:
        return Parsed(parsed, None, raw)
    if error is None:
        invalid = getattr(message, "invalid_tool_calls", None) or []
        error = invalid[0].get("error") if invalid else "the answer holds no tool call"
        if not invalid and raw.strip().startswith("{"):
            return _from_text(raw, model)  # some servers answer in text despite tool_choice
    return Parsed(None, clean_error(error), raw)


def _from_text(raw: str, model: type[BaseModel]) -> Parsed:
    try:
        return Parsed(model.model_validate_json(raw), None, raw)
    except ValidationError as exc:
        return Parsed(None, clean_error(exc), raw)


def raw_text(message: Any) -> str:
    """The model's answer as text: tool-call arguments if any, else the message content."""
    if message is None:
        return ""
    calls = getattr(message, "tool_calls", None) or []
    if calls:
        return json.dumps(calls[0].get("args"), ensure_ascii=False)
    invalid = getattr(message, "invalid_tool_calls", None) or []
    if invalid:
        return str(invalid[0].get("args") or "")
    content = getattr(message, "content", "")
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def clean_error(error: object) -> str:
    """The validation error without links, short enough to send back to the model."""
    text = _NOISE.sub("", str(error)).strip()
    text = re.sub(r"\n{2,}", "\n", text)
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + " …"


__all__ = ["Parsed", "TOOL_NAME", "answer_model", "clean_error", "parse", "raw_text",
           "schema_text"]
