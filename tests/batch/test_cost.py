"""The price table: data with a schema, models matched by prefix, cached and batch rates."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.batch.cost import BUILT_IN, Price, Tokens, cost, load_prices
from grader.batch.discover import BatchError


def test_the_built_in_table_loads_and_matches_dated_model_names() -> None:
    table = load_prices()
    assert table.currency == "USD" and table.as_of
    assert table.price("gpt-4o-mini-2024-07-18") == table.models["gpt-4o-mini"]
    assert table.price("gpt-4o-2024-08-06") == table.models["gpt-4o"]
    assert table.price("llama3.1:8b") is None  # unknown, never silently free


def test_cost_per_million_with_cached_input_and_batch_discount() -> None:
    price = Price(input=2.0, output=8.0, cached_input=0.5)
    assert cost(Tokens(input=1_000_000, output=500_000), price) == pytest.approx(6.0)
    cached = Tokens(input=1_000_000, output=0, cached_input=600_000)
    assert cost(cached, price) == pytest.approx(0.4 * 2.0 + 0.6 * 0.5)
    batch = Tokens(input=1_000_000, output=1_000_000, batch_input=1_000_000,
                   batch_output=1_000_000)
    assert cost(batch, price, batch=0.5) == pytest.approx(5.0)
    assert cost(Tokens(), None) == 0.0 and cost(Tokens(input=1), None) is None


def test_a_user_table_overrides_and_a_typo_is_named(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "prices.yaml").write_text("currency: EUR\nmodels:\n  local: {input: 0, output: 0}\n",
                                      encoding="utf-8")
    monkeypatch.setenv("GRADER_HOME", str(home))
    assert load_prices().currency == "EUR"
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  m: {input: 1, ouput: 2}\n", encoding="utf-8")
    with pytest.raises(BatchError, match="bad.yaml.*ouput"):
        load_prices(bad)
    assert BUILT_IN.is_file()
