"""Backends by name; each is imported only when asked for, so the CLI starts fast."""

from __future__ import annotations

import importlib
from typing import Any

from grader.backends.base import Backend, BackendError, DraftRequest, Passage, unscored

REGISTRY = {
    "heuristic": ("grader.backends.heuristic", "HeuristicBackend", None),
    "llm": ("grader.backends.llm", "LLMBackend", "pip install -e . (langchain-openai)"),
    "fake": ("grader.backends.fake", "FakeBackend", None),
}
DEFAULT = "heuristic"


def get_backend(name: str = DEFAULT, **options: Any) -> Backend:
    """The backend called `name`, configured from `options` (None values are ignored)."""
    if name not in REGISTRY:
        raise BackendError(f"unknown backend '{name}' (known: {', '.join(REGISTRY)})")
    module_name, cls_name, extra = REGISTRY[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = f"; install it with: {extra}" if extra else ""
        raise BackendError(f"backend '{name}' is not available ({exc.name} missing){hint}"
                           ) from None
    cls = getattr(module, cls_name)
    options = {k: v for k, v in options.items() if v is not None}
    factory = getattr(cls, "from_settings", None)
    return factory(**options) if factory else cls()


__all__ = ["Backend", "BackendError", "DraftRequest", "Passage", "get_backend", "unscored"]
