"""YAML reading for every data file of grader: rubrics, messages, prompts, prices, settings.

libyaml's C loader when the installed PyYAML has it (5–10× faster; the rubrics and the message
catalogue are read at the start of every command, on the way to a cohort's first model call),
the pure-Python safe loader otherwise. Both build the same plain data and raise the same
`yaml.YAMLError` with a `problem_mark`, so error messages do not depend on which one ran.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    return yaml.load(source, Loader=_LOADER)  # noqa: S506 — a safe loader, C or Python


__all__ = ["safe_load"]
