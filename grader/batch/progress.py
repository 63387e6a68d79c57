"""Progress of a cohort run: a rich bar on a terminal (counts, failures, tokens, ETA), no bar
when the output is not a terminal (a cron job or CI log wants the final summary only) — only
the few notes about a provider batch (submitted, ended), which say where the work is."""

from __future__ import annotations

import sys
from typing import Protocol

from grader.i18n import Lang, t


class Progress(Protocol):
    def start(self, phase: str, total: int, completed: int = 0) -> None: ...

    def advance(self, ok: bool, tokens: int = 0) -> None: ...

    def note(self, text: str) -> None: ...

    def stop(self) -> None: ...


class Silent:
    def start(self, phase: str, total: int, completed: int = 0) -> None:
        pass

    def advance(self, ok: bool, tokens: int = 0) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def stop(self) -> None:
        pass


class Plain(Silent):
    """No bar (stderr is a log, or --no-progress), but the notes still reach stderr: a
    provider batch's id and status are what a coordinator needs to find it again."""

    def note(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)


class Bar:
    """rich's progress bar on stderr."""

    def __init__(self, lang: Lang) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.lang = lang
        self.console = Console(stderr=True)
        self.bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn(t("batch.progress.failed", lang) + " {task.fields[failed]}"),
            TextColumn(t("batch.progress.tokens", lang) + " {task.fields[tokens]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=self.console, transient=False)
        self.task: int | None = None
        self.failed = self.tokens = 0

    def start(self, phase: str, total: int, completed: int = 0) -> None:
        if self.task is None:
            self.bar.start()
        else:
            self.bar.remove_task(self.task)  # type: ignore[arg-type]
        self.failed = self.tokens = 0
        self.task = self.bar.add_task(phase, total=total, completed=completed, failed=0,
                                      tokens=0)

    def advance(self, ok: bool, tokens: int = 0) -> None:
        self.failed += 0 if ok else 1
        self.tokens += tokens
        if self.task is not None:
            self.bar.update(self.task, advance=1, failed=self.failed,  # type: ignore[arg-type]
                            tokens=f"{self.tokens:,}".replace(",", " "))

    def note(self, text: str) -> None:
        self.bar.console.print(text)

    def stop(self) -> None:
        if self.task is not None:
            self.bar.stop()


def progress_for(lang: Lang, enabled: bool = True) -> Progress:
    """A bar when stderr is a terminal, else the notes alone."""
    return Bar(lang) if enabled and sys.stderr.isatty() else Plain()


__all__ = ["Bar", "Plain", "Progress", "Silent", "progress_for"]
