"""Every web message exists in French and English, with the same placeholders, and every key
the pages use is in the catalogue."""

from __future__ import annotations

import re
import string
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = yaml.safe_load((REPO / "grader/locale/web.yaml").read_text(encoding="utf-8"))


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_french_and_english_say_the_same_things() -> None:
    for key, entry in CATALOGUE.items():
        assert key.startswith("web."), key
        assert entry.get("fr") and entry.get("en"), key
        assert _fields(entry["fr"]) == _fields(entry["en"]), key


def test_every_key_the_pages_use_exists() -> None:
    used: set[str] = set()
    web = REPO / "grader/web"
    for path in [*web.glob("*.py"), *web.glob("templates/*.html")]:
        used |= set(re.findall(r"[\"'](web\.[a-z_0-9]+\.[a-z_0-9.]+)[\"']",
                               path.read_text("utf-8")))
    # `tr("web.accounts.status." ~ a.status)`: a prefix completed at run time; some key must
    # carry it (the pages' tests render each value).
    prefixes = {key for key in used if key.endswith(".")}
    assert all(any(k.startswith(p) for k in CATALOGUE) for p in prefixes), prefixes
    used -= prefixes
    assert len(used) > 50 and used <= set(CATALOGUE), sorted(used - set(CATALOGUE))
