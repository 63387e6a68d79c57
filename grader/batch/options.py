"""The options of a cohort run: one pydantic model, stored in the run's state so that
`grader batch --resume --out OUT` carries on with the same settings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Via = Literal["direct", "openai-batch"]


class BatchOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Path | None = None
    """The cohort's folder (searched recursively)."""
    out: Path
    """Where sheets, summary and the run's state go."""
    deliverable: str | None = None
    """Deliverable of every file, unless the manifest says otherwise."""
    manifest: Path | None = None
    """CSV `file,candidate,deliverable` for mixed folders."""
    backend: str = "heuristic"
    backend_options: dict[str, Any] = Field(default_factory=dict)
    """Passed to the backend (model, base_url, redact…); None values ignored."""
    lang: Literal["fr", "en"] = "fr"
    workers: int = Field(default=4, ge=1, le=256)
    """Model calls in flight at most; with an offline backend, processes grading at once."""
    processes: int | None = Field(default=None, ge=1, le=64)
    """Worker processes for ingest (default: min(workers, CPU count))."""
    rpm: int | None = Field(default=None, ge=1)
    """Requests per minute sent to the endpoint, at most."""
    tpm: int | None = Field(default=None, ge=1)
    """Tokens per minute sent to the endpoint, at most (estimated before, settled after)."""
    via: Via = "direct"
    """`direct` calls, or the provider's batch engine (`openai-batch`)."""
    use_cache: bool = True
    prices: Path | None = None
    """Price table (YAML); default: $GRADER_HOME/prices.yaml, else the built-in one."""
    poll_interval: float = Field(default=30.0, gt=0)
    """Seconds between two looks at a provider batch."""
    wait: bool = True
    """Wait for a provider batch to finish; False submits it and returns."""
    period: float = Field(default=60.0, gt=0)
    """Length of a rate-limit 'minute' in seconds (tests compress it; keep 60)."""

    def ingest_processes(self) -> int:
        return self.processes or max(1, min(self.workers, os.cpu_count() or 1))

    def signature(self) -> dict[str, Any]:
        """What the drafts depend on: a change of it means the sheets are graded again."""
        opts = {k: str(v) for k, v in sorted(self.backend_options.items()) if v is not None}
        return {"backend": self.backend, "options": opts, "lang": self.lang}


RUNTIME_FIELDS = ("workers", "processes", "rpm", "tpm", "poll_interval", "wait", "prices",
                  "period")
"""Options a resumed run may change; the others are the run's identity."""


__all__ = ["RUNTIME_FIELDS", "BatchOptions", "Via"]
