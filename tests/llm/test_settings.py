"""Settings: flag > env > project file > user file > default, one model, errors that name the
source; loopback detection decides where unredacted text may go."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.backends.base import BackendError
from grader.backends.llm_settings import is_loopback, load_settings


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_precedence_flag_env_project_file_user_file_default(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = Path(str(tmp_path / "grader-home"))
    monkeypatch.setenv("GRADER_HOME", str(home))
    _write(home / "config.yaml", "llm:\n  model: from-home\n  context_tokens: 8000\n"
           "  structured: json\n  strategy: whole\n")
    _write(tmp_path / "grader.yaml", "llm:\n  model: from-project\n  structured: tools\n")
    assert load_settings().model == "from-project"
    monkeypatch.setenv("GRADER_MODEL", "from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    settings = load_settings(model=None, base_url=None)
    assert (settings.model, settings.structured, settings.context_tokens, settings.strategy) == (
        "from-env", "tools", 8000, "whole")
    assert settings.endpoint == "http://localhost:11434/v1"
    assert load_settings(model="from-flag", redact=None).model == "from-flag"
    assert settings.seed == 1234 and settings.temperature == 0 and settings.redact is True


def test_a_typo_in_the_config_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    _write(tmp_path / "grader.yaml", "llm:\n  model: m\n  contxt_tokens: 8000\n")
    with pytest.raises(BackendError, match=r"grader.yaml: llm setting 'contxt_tokens'"):
        load_settings()


def test_a_bad_env_value_names_its_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_CONTEXT_TOKENS", "beaucoup")
    with pytest.raises(BackendError, match="GRADER_CONTEXT_TOKENS"):
        load_settings(model="m")


def test_a_model_is_required_and_a_remote_endpoint_needs_a_key() -> None:
    with pytest.raises(BackendError, match="GRADER_MODEL"):
        load_settings()
    with pytest.raises(BackendError, match="OPENAI_API_KEY"):
        load_settings(model="m", base_url="https://api.example.com/v1").key()
    assert load_settings(model="m", base_url="http://127.0.0.1:8080/v1").key() == "not-needed"


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:8000/v1", True), ("http://127.8.9.10/v1", True),
    ("http://[::1]:11434/v1", True), ("http://localhost:8080/v1", True),
    ("https://api.openai.com/v1", False), ("http://192.168.1.10:8000/v1", False),
    ("http://127.0.0.1.evil.example/v1", False), ("http://localhost.evil.example/v1", False),
])
def test_loopback_hosts(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_the_cli_and_the_registry_do_not_import_langchain() -> None:
    import subprocess
    import sys

    code = ("import sys, grader.cli, grader.backends, grader.backends.llm_settings, grader.redact;"
            "print([m for m in sys.modules if m.startswith(('langchain', 'openai', 'tenacity'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
