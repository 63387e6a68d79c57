"""Every review message exists in French and English, with the same placeholders."""

from __future__ import annotations

import re
import string

import yaml

from tests.review.conftest import REPO

CATALOGUE = yaml.safe_load((REPO / "grader/locale/review.yaml").read_text(encoding="utf-8"))


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_french_and_english_say_the_same_things() -> None:
    for key, entry in CATALOGUE.items():
        assert key.startswith("review."), key
        assert entry.get("fr") and entry.get("en"), key
        assert _fields(entry["fr"]) == _fields(entry["en"]), key


def test_every_key_the_code_uses_exists() -> None:
    used = set()
    for path in (REPO / "grader/review").glob("*.py"):
        used |= set(re.findall(r"\"(review\.[a-z_]+\.[a-z_.]+)\"", path.read_text("utf-8")))
    assert used and used <= set(CATALOGUE), sorted(used - set(CATALOGUE))


def test_the_docs_name_every_command() -> None:
    docs = (REPO / "docs/review.md").read_text(encoding="utf-8")
    for command in ("grader review import", "grader review cohort", "grader review status",
                    "grader review history", "grader review reconcile", "grader review correct",
                    "--decisions", "--from-docx", "grader audit verify",
                    "grader report agreement", "grader certify", "python -m grader.review"):
        assert command in docs, command
