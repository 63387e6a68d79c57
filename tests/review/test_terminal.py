"""The terminal review: one criterion at a time, keys, progress, and nothing lost on a kill."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from grader.review.audit import verify
from grader.review.location import as_url
from grader.review.store import ReviewStore
from grader.review.terminal import review_terminal
from grader.review.workflow import Workflow
from grader.sheet.models import ScoringSheet
from tests.review.conftest import REPO, Run


class Scripted:
    """A console that types the given lines and keeps what is printed."""

    def __init__(self, lines: list[str]) -> None:
        self.lines, self.out = list(lines), []

    def ask(self, prompt: str) -> str | None:
        self.out.append(prompt)
        return self.lines.pop(0) if self.lines else None

    def say(self, text: str) -> None:
        self.out.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.out)


def _key(flow: Workflow, sheet: ScoringSheet) -> str:
    return flow.import_sheet(sheet, cohort="P2026", candidate="camille-martin",
                             jurors=["Alice", "Bruno"]).state.key


def test_keys_confirm_override_comment_back_and_quit(flow: Workflow,
                                                     sheet: ScoringSheet) -> None:
    key = _key(flow, sheet)
    console = Scripted([
        "c",                      # methodo-collecte: confirm the draft (2)
        "3",                      # methodo-analyse: override...
        "",                       # ...an empty comment is refused
        "3",                      # again...
        "Analyse fouillée",       # ...with its comment
        "b",                      # back to methodo-analyse
        "m Analyse fouillée, PESTEL chiffré",  # a new comment on the decision made
        "n",                      # next: methodo-recul
        "x",                      # an unknown key
        "q",
    ])
    assert review_terminal(flow, key, "Alice", console) == 3
    made = flow.state(key).current.decisions["Alice"]
    assert {c: (d.level, d.action, d.comment) for c, d in made.items()} == {
        "methodo-collecte": (2, "confirmed", ""),
        "methodo-analyse": (3, "overridden", "Analyse fouillée, PESTEL chiffré")}
    text = console.text
    assert "[1/12] — vos décisions : 0/12" in text and "[3/12] — vos décisions : 2/12" in text
    assert "commentaire est obligatoire" in text and "Touche inconnue « x »" in text
    assert "Pré-note : 2 — Satisfaisant" in text and "(p.\u00a01)" in text  # the draft, its quotes
    assert "relancez la même commande" in text


def test_unscored_and_jury_only_criteria_need_a_level(flow: Workflow,
                                                      sheet: ScoringSheet) -> None:
    key = _key(flow, sheet)
    console = Scripted(["n"] * 8 + ["c", "2", "c", "3", "1 Support confus", "q"])
    review_terminal(flow, key, "Alice", console)
    made = flow.state(key).current.decisions["Alice"]
    assert {c: (d.level, d.action) for c, d in made.items()} == {
        "reco-limites-risques": (2, "entered"), "oral-support": (3, "entered"),
        "oral-clarte": (1, "entered")}
    assert console.text.count("Rien à confirmer") == 2
    assert made["oral-clarte"].comment == "Support confus"


def test_blind_mode_hides_the_draft_until_the_blind_level(flow: Workflow,
                                                          sheet: ScoringSheet) -> None:
    flow.set_cohort("P2026", blind=True, by="Coordinatrice")
    key = _key(flow, sheet)
    console = Scripted(["3", "c", "q"])
    review_terminal(flow, key, "Alice", console)
    text = console.text
    hidden, shown = text.index("pré-note masquée"), text.index("Pré-note : 2")
    assert hidden < text.index("niveau à l'aveugle enregistré : 3") < shown
    version = flow.state(key).current
    assert version.blind["Alice"] == {"methodo-collecte": 3}
    assert version.decisions["Alice"]["methodo-collecte"].level == 2


def test_the_whole_review_through_a_pipe(review_cli: Run, sheet_path: Path,
                                         cohort_dir: Path) -> None:
    keys = "c\n" * 8 + "2\n" + "3\n" * 3
    res = review_cli("review", sheet_path, "--juror", "Alice", stdin=keys)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("✔ enregistré") == 12
    assert "Vos décisions : 12/12" in res.stdout and "En attente de l'autre juré" in res.stdout
    store = ReviewStore.open(as_url(cohort_dir), create=False)
    state = Workflow(store).state("default/velocite/a1-plan-marketing")
    assert len(state.current.decisions["Alice"]) == 12
    store.close()


class Output:
    """What the child has printed so far, read without ever blocking past a deadline."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self.fd, self.seen = proc.stdout.fileno(), b""

    def wait_for(self, marker: bytes, count: int) -> None:
        deadline = time.monotonic() + 60
        while self.seen.count(marker) < count:
            left = deadline - time.monotonic()
            assert left > 0, self.seen.decode()
            ready, _, _ = select.select([self.fd], [], [], left)
            chunk = os.read(self.fd, 65536) if ready else b""
            assert chunk or not ready, self.seen.decode()
            self.seen += chunk


def test_sigkill_in_the_middle_loses_no_decision(sheet_path: Path, cohort_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader.review", "review", str(sheet_path), "--juror", "Alice",
         "--cohort", "P2026", "--candidate", "camille-martin"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        cwd=cohort_dir)
    assert proc.stdin is not None
    out, saved = Output(proc), "✔ enregistré".encode()
    # confirm, confirm, then override methodo-recul (drafted 1) with the comment it asks for
    for keys, expected in ((b"c\n", 1), (b"c\n", 2), (b"3\nRecul insuffisant\n", 3)):
        proc.stdin.write(keys)
        proc.stdin.flush()
        out.wait_for(saved, expected)
    proc.stdin.write(b"c\n")  # a fourth decision, maybe half-way through when the kill lands
    proc.stdin.flush()
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    store = ReviewStore.open(as_url(cohort_dir), create=False)
    made = Workflow(store).state("P2026/camille-martin/a1-plan-marketing").current.decisions
    assert {"methodo-collecte", "methodo-analyse", "methodo-recul"} <= set(made["Alice"])
    assert (made["Alice"]["methodo-recul"].level, made["Alice"]["methodo-recul"].comment) == (
        3, "Recul insuffisant")
    assert len(made["Alice"]) in (3, 4)
    assert verify(store).ok
    store.close()
    # the juror starts again where they stopped
    resumed = subprocess.run(
        [sys.executable, "-m", "grader.review", "review", str(sheet_path), "--juror", "Alice"],
        input="q\n", capture_output=True, text=True, env=env, cwd=cohort_dir, timeout=60)
    assert f"vos décisions : {len(made['Alice'])}/12" in resumed.stdout


def test_a_juror_outside_the_panel_is_told_at_once(cli: Run, flow: Workflow,
                                                   sheet: ScoringSheet, sheet_path: Path,
                                                   db_url: str) -> None:
    _key(flow, sheet)
    res = cli("review", sheet_path, "--juror", "Chloé", "--db", db_url, stdin="c\n")
    assert res.returncode == 2 and "Chloé n'est pas juré" in res.stderr
    assert "[1/12]" not in res.stdout
