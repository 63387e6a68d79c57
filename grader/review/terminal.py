"""`grader review SHEET --juror NAME`: one criterion at a time, in a plain line-by-line prompt.

It reads standard input line by line, so it works in any terminal, under tmux and through a
pipe. Each decision is committed to the store before the next prompt is printed: quitting,
closing the window or killing the process loses nothing that was acknowledged with ✔.

Keys: `c` confirm the draft · `0`–`3` a level (`2 texte` adds a comment) · `m` comment ·
`b` back · `n` or Enter next · `q` quit · `?` help.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from grader.i18n import Lang, t
from grader.review import state as st
from grader.review.errors import DecisionError
from grader.review.workflow import Entry, Workflow
from grader.sheet.models import CriterionEntry, ScoringSheet
from grader.sheet.render_md import SheetText

WIDTH = 100


class Console(Protocol):
    def ask(self, prompt: str) -> str | None:
        """The next line typed (without its newline), None when input is closed."""

    def say(self, text: str) -> None: ...


class StdConsole:
    """Standard input and output, flushed at every line so a pipe sees each prompt at once."""

    def ask(self, prompt: str) -> str | None:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        line = sys.stdin.readline()
        return None if line == "" else line.rstrip("\r\n")

    def say(self, text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


@dataclass
class Session:
    flow: Workflow
    key: str
    juror: str
    console: Console
    lang: Lang
    index: int = 0
    recorded: int = 0
    notes: dict[str, str] = field(default_factory=dict)
    """Comments typed with `m` before a level was chosen, per criterion."""
    _text: SheetText | None = None

    @property
    def state(self) -> st.SubmissionState:
        return self.flow.state(self.key)

    def text(self, sheet: ScoringSheet) -> SheetText:
        """The sheet's wording, built once (it reads the grid)."""
        if self._text is None:
            self._text = SheetText.of(sheet, self.lang)
        return self._text

    def mine(self, version: st.Version) -> dict[str, st.Decision]:
        for name, made in version.decisions.items():
            if name.casefold() == self.juror.casefold():
                return made
        return {}

    def blind_of(self, version: st.Version) -> dict[str, int]:
        for name, levels in version.blind.items():
            if name.casefold() == self.juror.casefold():
                return levels
        return {}


def review_terminal(flow: Workflow, key: str, juror: str, console: Console | None = None,
                    lang: Lang = "fr") -> int:
    """Run the review loop; returns how many decisions were recorded."""
    session = Session(flow, key, juror, console or StdConsole(), lang)
    state = session.state
    seats = st.panel(state, flow.policy)
    if len(seats) >= flow.policy.jurors and juror.casefold() not in {
            j.casefold() for j in seats}:
        # Say it now, not after the juror has read the first criterion.
        raise DecisionError("review.error.not_assigned", juror=juror, sheet=key,
                            jurors=", ".join(seats))
    if state.current.locked:
        session.console.say(t("review.term.locked", lang, sheet=key, version=state.current.number))
        return 0
    sheet = flow.sheet(state.current)
    _intro(session, sheet)
    undecided = [i for i, e in enumerate(sheet.criteria) if e.id not in session.mine(
        state.current)]
    session.index = undecided[0] if undecided else 0
    while _step(session, sheet):
        pass
    _outro(session, sheet)
    return session.recorded


def _intro(session: Session, sheet: ScoringSheet) -> None:
    text, say = session.text(sheet), session.console.say
    say(t("review.term.head", session.lang, title=text.title(), file=sheet.submission.file,
          sheet=session.key, juror=session.juror, version=session.state.current.number))
    for flag in sheet.flags:
        say(f"  ⚑ {text.flag_title(flag)}{text.colon} {flag.message}")
    if session.state.blind:
        say(t("review.term.blind_mode", session.lang))
    say(t("review.term.keys", session.lang, low=min(sheet.scale), high=max(sheet.scale)))


def _step(session: Session, sheet: ScoringSheet) -> bool:
    """Show the current criterion, read one command; False once the juror is done or quits."""
    state = session.state
    if state.current.locked:
        return False
    entry = sheet.criteria[session.index]
    hidden = _needs_blind(session, state, entry)
    _show(session, sheet, entry, state, hidden)
    line = session.console.ask(t("review.term.prompt_blind" if hidden else "review.term.prompt",
                                 session.lang))
    if line is None:
        return False
    command = line.strip()
    if command.lower() in {"q", "quit", "quitter"}:
        return False
    _dispatch(session, sheet, entry, command, hidden)
    mine = session.mine(session.state.current)
    return len(mine) < len(sheet.criteria) or command.lower() in {"b", "n", ""}


def _needs_blind(session: Session, state: st.SubmissionState, entry: CriterionEntry) -> bool:
    drafted = entry.mode == "draft" and entry.draft is not None and entry.draft.level is not None
    return (state.blind and drafted and entry.id not in session.blind_of(state.current)
            and entry.id not in session.mine(state.current))


def _dispatch(session: Session, sheet: ScoringSheet, entry: CriterionEntry, command: str,
              hidden: bool) -> None:
    say, lang, low = session.console.say, session.lang, command.lower()
    if low in {"b", "back", "retour"}:
        session.index = max(0, session.index - 1)
    elif low in {"n", "", "next", "suivant"}:
        session.index = min(len(sheet.criteria) - 1, session.index + 1)
    elif low in {"?", "h", "aide", "help"}:
        say(t("review.term.keys", lang, low=min(sheet.scale), high=max(sheet.scale)))
    elif hidden:
        _blind_level(session, entry, command)
    elif low == "c":
        _confirm(session, sheet, entry)
    elif low[:1] == "m":
        _comment(session, sheet, entry, command[1:].strip())
    elif low[:1].isdigit():
        level_text, _, rest = command.partition(" ")
        _level(session, sheet, entry, level_text, rest.strip())
    else:
        say(t("review.term.unknown_key", lang, what=command))


def _blind_level(session: Session, entry: CriterionEntry, command: str) -> None:
    if not command.isdigit():
        session.console.say(t("review.term.blind_only", session.lang))
        return
    try:
        session.flow.record_blind(session.key, session.juror, entry.id, int(command))
    except DecisionError as exc:
        session.console.say(f"✘ {exc.render(session.lang, hint=True)}")
        return
    session.console.say(t("review.term.blind_saved", session.lang, level=command))


def _confirm(session: Session, sheet: ScoringSheet, entry: CriterionEntry) -> None:
    if entry.draft is None or entry.draft.level is None:
        session.console.say(t("review.term.nothing_to_confirm", session.lang))
        return
    _record(session, sheet, entry, entry.draft.level, session.notes.get(entry.id, ""))


def _level(session: Session, sheet: ScoringSheet, entry: CriterionEntry, level_text: str,
           comment: str) -> None:
    if not level_text.isdigit():
        session.console.say(t("review.term.unknown_key", session.lang, what=level_text))
        return
    level = int(level_text)
    comment = comment or session.notes.get(entry.id, "")
    if level in sheet.scale and st.entry_action(entry, level) == "overridden" and not comment:
        comment = (session.console.ask(t("review.term.ask_comment", session.lang)) or "").strip()
    _record(session, sheet, entry, level, comment)


def _comment(session: Session, sheet: ScoringSheet, entry: CriterionEntry, text: str) -> None:
    text = text or (session.console.ask(t("review.term.ask_note", session.lang)) or "").strip()
    made = session.mine(session.state.current).get(entry.id)
    if made is None:
        session.notes[entry.id] = text
        session.console.say(t("review.term.note_kept", session.lang))
    else:
        _record(session, sheet, entry, made.level, text)


def _record(session: Session, sheet: ScoringSheet, entry: CriterionEntry, level: int,
            comment: str) -> None:
    try:
        result = session.flow.apply(session.key, session.juror, [Entry(entry.id, level, comment)],
                                    "terminal")
    except DecisionError as exc:
        session.console.say(f"✘ {exc.render(session.lang, hint=True)}")
        return
    session.notes.pop(entry.id, None)
    session.recorded += result.recorded > 0
    action = st.entry_action(entry, level)
    session.console.say(t("review.term.saved", session.lang, criterion=entry.id, level=level,
                          action=t(f"review.action.{action}", session.lang)))
    mine = session.mine(result.state.current)
    following = [i for i in range(len(sheet.criteria)) if sheet.criteria[i].id not in mine]
    later = [i for i in following if i > session.index]
    session.index = (later or following or [session.index])[0]


def _show(session: Session, sheet: ScoringSheet, entry: CriterionEntry,
          state: st.SubmissionState, hidden: bool) -> None:
    text, lang, say = session.text(sheet), session.lang, session.console.say
    mine = session.mine(state.current)
    say("")
    say(t("review.term.progress", lang, n=session.index + 1, total=len(sheet.criteria),
          done=len(mine)))
    group = text.group_label(entry)
    say(f"{(group + ' › ') if group else ''}{text.label(entry)}  [{entry.id}]")
    for level in sorted(sheet.scale):
        descriptor = text.descriptor(entry, level) or ""
        _wrapped(say, f"  {text.level(level)}{text.colon + ' ' + descriptor if descriptor else ''}")
    if hidden:
        say(t("review.term.hidden", lang))
    else:
        _draft(session, text, entry)
    if entry.id in session.blind_of(state.current):
        say(t("review.term.your_blind", lang, level=session.blind_of(state.current)[entry.id]))
    made = mine.get(entry.id)
    if made is not None:
        say(t("review.term.current", lang, level=made.level,
              action=t(f"review.action.{made.action}", lang), comment=made.comment or "—"))


def _draft(session: Session, text: SheetText, entry: CriterionEntry) -> None:
    lang, say, draft = session.lang, session.console.say, entry.draft
    if entry.mode == "jury_only" or draft is None:
        say(t("review.term.jury_only", lang))
        return
    if draft.level is None:
        say(t("review.term.unscored", lang, reason=draft.unscored_reason or "—"))
        return
    say(t("review.term.draft", lang, level=text.level(draft.level),
          confidence=text.confidence(draft)))
    _wrapped(say, t("review.term.justification", lang, text=draft.justification or "—"))
    for ev in draft.evidence:
        page = f" ({text.pages([ev.page])})" if ev.page is not None else ""
        warn = "" if ev.verified else f" {t('sheet.unverified', lang)}"
        _wrapped(say, f"    {text.quote(ev.quote)}{page}{warn}")
    for warning in text.criterion_flags(draft):
        say(f"  ⚑ {warning}")


def _wrapped(say: Callable[[str], None], line: str) -> None:
    indent = " " * (len(line) - len(line.lstrip()) + 2)
    for part in textwrap.wrap(line, WIDTH, subsequent_indent=indent) or [""]:
        say(part)


def _outro(session: Session, sheet: ScoringSheet) -> None:
    state, lang, say = session.state, session.lang, session.console.say
    mine = session.mine(state.current)
    say("")
    say(t("review.term.summary", lang, done=len(mine), total=len(sheet.criteria),
          recorded=session.recorded))
    if state.current.locked:
        say(t("review.term.now_locked", lang, version=state.current.number))
        return
    pend = session.flow.pending(state)
    if len(mine) == len(sheet.criteria) and pend.to_reconcile:
        say(t("review.term.to_reconcile", lang, criteria=", ".join(pend.to_reconcile)))
    elif len(mine) == len(sheet.criteria):
        say(t("review.term.waiting", lang))
    else:
        say(t("review.term.resume", lang))


__all__ = ["Console", "StdConsole", "review_terminal"]
