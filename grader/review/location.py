"""Where the review store lives: flag > $GRADER_REVIEW_DB > `review: {db: ...}` in the config
files > `review.sqlite` beside the sheet (or in the current folder).

A value with `://` is a SQLAlchemy URL (e.g. `postgresql+psycopg://jury@host/grader`); anything
else is a path, and a folder means `<folder>/review.sqlite`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from grader import yamlio
from grader.review.errors import StoreError

DB_FILE = "review.sqlite"
ENV_DB = "GRADER_REVIEW_DB"
SQLITE_MAGIC = b"SQLite format 3\x00"


def _config_files() -> list[Path]:
    """Lowest precedence first, the same files as the llm settings."""
    home = Path(os.environ.get("GRADER_HOME") or Path.home() / ".grader")
    return [home / "config.yaml", Path.cwd() / "grader.yaml"]


def config_value(key: str) -> str | None:
    """`review.<key>` from the config files (the project's file wins over the user's)."""
    found: str | None = None
    for path in _config_files():
        section = _review_section(path)
        if section.get(key):
            found = str(section[key])
    return found


def _review_section(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = yamlio.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise StoreError("review.error.config", at=path, reason=str(exc)) from None
    section = data.get("review", {}) if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise StoreError("review.error.config", at=path, reason="review: ?")
    return section


def resolve_db(explicit: str | Path | None = None, near: Path | None = None) -> str:
    """The SQLAlchemy URL of the review store."""
    value = explicit or os.environ.get(ENV_DB) or config_value("db")
    if not value:
        folder = near if near is not None and near.is_dir() else (
            near.parent if near is not None else Path.cwd())
        value = folder / DB_FILE
    return as_url(value)


def as_url(value: str | Path) -> str:
    text = str(value)
    if "://" in text:
        return text
    path = Path(text).expanduser()
    if path.is_dir():
        path = path / DB_FILE
    return f"sqlite:///{path.resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other databases or in-memory ones)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix or url.endswith(":memory:"):
        return None
    return Path(url[len(prefix):])


def is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


__all__ = ["DB_FILE", "ENV_DB", "as_url", "config_value", "is_sqlite_file", "resolve_db",
           "sqlite_path"]
