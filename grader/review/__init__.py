"""The jury's review: confirm or correct every draft, two jurors, locked sheets, audit trail.

Imported lazily (SQLAlchemy and python-docx stay out of `grader --help`):
`Workflow` (workflow.py), `ReviewStore` (store.py), `verify` (audit.py),
`certify_store` (certify.py), `agreement` (agreement.py).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Workflow": "grader.review.workflow", "Entry": "grader.review.workflow",
    "ReviewStore": "grader.review.store", "verify": "grader.review.audit",
    "certify_store": "grader.review.certify", "agreement": "grader.review.agreement",
    "load_policy": "grader.review.policy", "ReviewError": "grader.review.errors",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(name)


__all__ = sorted(_EXPORTS)
