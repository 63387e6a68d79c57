"""Settings of the `llm` backend: one pydantic model, merged flag > env > config file > default.

Config files (YAML, an `llm:` mapping, unknown keys refused): `$GRADER_HOME/config.yaml` (the
user's; GRADER_HOME defaults to ~/.grader) then `./grader.yaml` (the project's, which wins).
No LangChain here: the CLI may read settings without paying for the heavy imports.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from grader import yamlio
from grader.backends.base import BackendError

OPENAI_URL = "https://api.openai.com/v1"
LOCAL_KEY = "not-needed"
"""Sent to loopback servers that need no key (the openai client refuses an empty one)."""
ENV = {
    "OPENAI_BASE_URL": "base_url",
    "OPENAI_API_KEY": "api_key",
    "GRADER_MODEL": "model",
    "GRADER_LLM_STRUCTURED": "structured",
    "GRADER_LLM_STRATEGY": "strategy",
    "GRADER_CONTEXT_TOKENS": "context_tokens",
}


class LLMSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    """OpenAI-compatible endpoint (…/v1); None means OpenAI's own."""
    api_key: SecretStr | None = None
    """Key for the endpoint; loopback servers may do without."""
    model: str | None = None
    """Model name as the endpoint knows it (required)."""
    redact: bool = True
    """Replace names, e-mails, phones, personal URLs before sending; off only for loopback."""
    structured: Literal["auto", "tools", "json"] = "auto"
    """How to get structured answers: tool calling, JSON mode, or tools then JSON on refusal."""
    strategy: Literal["evidence", "whole"] = "evidence"
    """Send the passages retrieved per criterion, or the whole document as a cached prefix."""
    temperature: float = Field(default=0.0, ge=0, le=2)
    seed: int | None = 1234
    """Sent for reproducibility where the server honours it; None to omit it."""
    timeout: float = Field(default=120.0, gt=0)
    """Seconds per HTTP request."""
    max_output_tokens: int = Field(default=1500, ge=100)
    """Answer budget, reserved out of the context window."""
    context_tokens: int = Field(default=32000, ge=256)
    """The model's context window; prompts are cut to fit it, by whole passages."""
    max_attempts: int = Field(default=5, ge=1)
    """Attempts per call on transient errors (429, 5xx, timeouts, connection errors)."""
    backoff_base: float = Field(default=1.0, ge=0)
    """First wait of the exponential backoff, in seconds (tests use tiny values)."""
    backoff_max: float = Field(default=60.0, ge=0)
    """Longest wait of the exponential backoff, in seconds."""
    retry_after_max: float = Field(default=120.0, ge=0)
    """Cap on a server's Retry-After, in seconds."""
    reasks: int = Field(default=1, ge=0, le=3)
    """Re-asks with the validation error after an unusable answer."""

    @model_validator(mode="after")
    def _room_for_a_prompt(self) -> LLMSettings:
        if self.context_tokens - self.max_output_tokens < 200:
            raise ValueError(f"context_tokens ({self.context_tokens}) leaves no room for a "
                             f"prompt beside max_output_tokens ({self.max_output_tokens})")
        return self

    @property
    def endpoint(self) -> str:
        return self.base_url or OPENAI_URL

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.endpoint)

    def key(self) -> str:
        """The API key to send, or a clear error when a remote endpoint has none."""
        if self.api_key is not None and self.api_key.get_secret_value():
            return self.api_key.get_secret_value()
        if self.is_loopback:
            return LOCAL_KEY
        raise BackendError(f"no API key for {self.endpoint}: set OPENAI_API_KEY "
                           "(or api_key under llm: in the config file)")


def is_loopback(url: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: the only hosts that may see unredacted text."""
    host = (urlparse(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def grader_home() -> Path:
    return Path(os.environ.get("GRADER_HOME") or Path.home() / ".grader")


def config_files() -> list[Path]:
    """Lowest precedence first."""
    return [grader_home() / "config.yaml", Path.cwd() / "grader.yaml"]


def load_settings(**flags: Any) -> LLMSettings:
    """Flags (None ignored) over environment over config files over defaults."""
    layers: list[tuple[str, dict[str, Any]]] = [(str(p), _file_layer(p)) for p in config_files()]
    layers += [(var, {field: os.environ[var]}) for var, field in ENV.items()
               if os.environ.get(var)]
    layers.append(("options", {k: v for k, v in flags.items() if v is not None}))
    merged: dict[str, Any] = {}
    for source, layer in layers:
        _check(source, layer)
        merged.update(layer)
    settings = _check("settings", merged)
    if not settings.model:
        raise BackendError("no model for the llm backend: pass --model, set GRADER_MODEL, or "
                           "put model: under llm: in grader.yaml")
    return settings


def _file_layer(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = yamlio.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BackendError(f"{path}: config file unreadable ({exc})") from None
    section = data.get("llm", {}) if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise BackendError(f"{path}: llm: expected a mapping of settings")
    return section


def _check(source: str, layer: dict[str, Any]) -> LLMSettings:
    try:
        return LLMSettings.model_validate(layer)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "?"
        raise BackendError(f"{source}: llm setting '{field}': {err['msg']}") from None


__all__ = ["LLMSettings", "config_files", "is_loopback", "load_settings"]
