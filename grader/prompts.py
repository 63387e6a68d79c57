"""Prompt templates as versioned files: `prompts/<name>.<lang>.md`, YAML front matter + sections.

A template's front matter carries its `version` (which goes into the sheet and the cache key) and
any text the model sees outside the messages (tool and field descriptions). The body is split
into sections by `<!-- section: NAME -->` lines; `$placeholders` are filled with
`string.Template`, so JSON braces in a template need no escaping and a missing value fails loudly.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from grader import yamlio
from grader.errors import GraderError
from grader.i18n import Lang

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_SECTION = re.compile(r"^<!-- section: ([a-z_]+) -->[ \t]*\n", re.M)


class PromptError(GraderError):
    """A prompt template that is missing or malformed: names the file and what is wrong."""


@dataclass(frozen=True)
class Prompt:
    name: str
    lang: Lang
    version: str
    sections: dict[str, str]
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def ident(self) -> str:
        """`name-version`, as recorded in sheets and sent in the system prompt's header."""
        return f"{self.name}-{self.version}"

    def render(self, section: str, **values: object) -> str:
        if section not in self.sections:
            raise PromptError(f"{self.path}: no section '{section}'")
        try:
            return Template(self.sections[section]).substitute(
                {k: str(v) for k, v in values.items()})
        except (KeyError, ValueError) as exc:
            raise PromptError(f"{self.path}: section '{section}': missing value {exc}") from None


def prompts_dir() -> Path:
    """The templates: $GRADER_PROMPTS, else the copy shipped with grader, else the repository's."""
    override = os.environ.get("GRADER_PROMPTS")
    if override:
        return Path(override)
    return _shipped_dir()


@cache
def _shipped_dir() -> Path:
    """Looked up once: prompts are loaded for every model call of a cohort."""
    packaged = Path(__file__).resolve().parent / "_data" / "prompts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / "prompts"


def load_prompt(name: str, lang: Lang) -> Prompt:
    return _load(prompts_dir() / f"{name}.{lang}.md", name, lang)


@cache
def _load(path: Path, name: str, lang: Lang) -> Prompt:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"{path}: prompt template unreadable ({exc.strerror})") from None
    front = _FRONT.match(text)
    if not front:
        raise PromptError(f"{path}: no YAML front matter (--- version: ... ---)")
    meta = yamlio.safe_load(front.group(1)) or {}
    if not isinstance(meta, dict) or not meta.get("version"):
        raise PromptError(f"{path}: front matter: 'version' is required")
    parts = _SECTION.split(text[front.end():])
    sections = {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}
    if not sections:
        raise PromptError(f"{path}: no '<!-- section: NAME -->' line")
    return Prompt(name=name, lang=lang, version=str(meta["version"]), sections=sections,
                  meta=meta, path=path)


__all__ = ["Prompt", "PromptError", "load_prompt", "prompts_dir"]
