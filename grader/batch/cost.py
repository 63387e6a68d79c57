"""Estimated cost of a run, from the tokens each submission used and a price table (YAML).

The table is data, not code: the built-in one (grader/batch/prices.yaml) is overridden by
$GRADER_HOME/prices.yaml, itself by --prices FILE. Cached input tokens (the provider's prompt
cache) and answers from the batch engine are priced at their own rates. An offline backend
costs nothing; a model missing from the table has an unknown cost, shown as such, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader import yamlio
from grader.backends.llm_settings import grader_home
from grader.batch.discover import BatchError
from grader.i18n import Lang, t

BUILT_IN = Path(__file__).with_name("prices.yaml")
PER = 1_000_000


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: float = Field(ge=0)
    """Per million input (prompt) tokens."""
    output: float = Field(ge=0)
    """Per million output (completion) tokens."""
    cached_input: float | None = Field(default=None, ge=0)
    """Per million input tokens served from the provider's prompt cache (default: input)."""


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = "USD"
    as_of: str | None = None
    """When the prices were read from the provider (they change)."""
    batch: float = Field(default=0.5, ge=0, le=1)
    """Multiplier for answers from the batch engine (OpenAI: half price)."""
    default: Price | None = None
    """Price of a model not listed; None leaves its cost unknown."""
    models: dict[str, Price] = Field(default_factory=dict)

    def price(self, model: str | None) -> Price | None:
        if not model:
            return self.default
        if model in self.models:
            return self.models[model]
        prefixes = [name for name in self.models if model.startswith(name)]
        return self.models[max(prefixes, key=len)] if prefixes else self.default


@dataclass(frozen=True)
class Tokens:
    input: int = 0
    output: int = 0
    cached_input: int = 0
    batch_input: int = 0
    """Of `input`, the tokens sent through the batch engine."""
    batch_output: int = 0


def load_prices(path: Path | None = None, lang: Lang | None = None) -> PriceTable:
    """--prices FILE, else $GRADER_HOME/prices.yaml, else the built-in table."""
    user = grader_home() / "prices.yaml"
    source = path or (user if user.is_file() else BUILT_IN)
    try:
        data = yamlio.safe_load(source.read_text(encoding="utf-8")) or {}
        return PriceTable.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise BatchError(t("batch.error.prices", lang, path=source, reason=exc)) from None
    except ValidationError as exc:
        # A typo (unknown key) says more than the field it leaves missing: name it first.
        err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        where = ".".join(str(p) for p in err["loc"])
        raise BatchError(t("batch.error.prices", lang, path=source,
                           reason=f"{where}: {err['msg']}")) from None


def cost(tokens: Tokens, price: Price | None, batch: float = 0.5) -> float | None:
    """Cost of `tokens` at `price`; None when the price is unknown."""
    if tokens.input == tokens.output == 0:
        return 0.0  # offline backend, or every draft from an earlier run's cache
    if price is None:
        return None
    cached_rate = price.cached_input if price.cached_input is not None else price.input
    live_in = max(0, tokens.input - tokens.batch_input)
    live_cached = min(tokens.cached_input, live_in)
    live_out = max(0, tokens.output - tokens.batch_output)
    live = ((live_in - live_cached) * price.input + live_cached * cached_rate
            + live_out * price.output)
    queued = (tokens.batch_input * price.input + tokens.batch_output * price.output) * batch
    return (live + queued) / PER


__all__ = ["BUILT_IN", "Price", "PriceTable", "Tokens", "cost", "load_prices"]
