"""User-facing messages, French first and English available, read from locale/messages.yaml."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Literal

from grader import yamlio

Lang = Literal["fr", "en"]
LOCALE = Path(__file__).parent / "locale"


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    """Every locale/*.yaml merged: one file per room keeps concurrent work apart."""
    data: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALE.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            data.update(yamlio.safe_load(fh) or {})
    return data


def default_lang() -> Lang:
    return "en" if os.environ.get("GRADER_LANG", "fr").lower().startswith("en") else "fr"


def t(key: str, lang: Lang | None = None, **values: object) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled from `values`."""
    entry = _catalogue()[key]
    text = entry.get(lang or default_lang()) or entry["fr"]
    return text.format(**values)


def has(key: str) -> bool:
    """Whether the catalogue holds `key` (a text that is not a key is shown as written)."""
    return key in _catalogue()


def label(prefix: str, code: str, lang: Lang | None = None) -> str:
    """The words for a code (a flag, a status) under `prefix`; an unknown code as it is."""
    key = f"{prefix}.{code}"
    return t(key, lang) if has(key) else code
