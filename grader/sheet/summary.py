"""A one-screen terminal summary of a scoring sheet, for `grader grade`."""

from __future__ import annotations

from pathlib import Path

from grader.i18n import Lang, label, t
from grader.sheet.models import ScoringSheet


def summary(sheet: ScoringSheet, paths: list[Path], cached: int, lang: Lang = "fr") -> str:
    sub = sheet.submission
    lines = [t("grade.head", lang, file=sub.file, deliverable=sheet.deliverable,
               pages=sub.pages, words=sub.words, backend=sheet.backend.name,
               model=sheet.backend.model or "—")]
    for flag in sheet.flags:
        pages = ", ".join(map(str, flag.pages)) or "—"
        lines.append(f"  ⚠ {flag.message} (p. {pages})")
    width = max((len(c.id) for c in sheet.criteria), default=10)
    for entry in sheet.criteria:
        if entry.draft is None:
            shown = t("grade.jury_only", lang)
        elif entry.draft.level is None:
            shown = t("grade.unscored", lang)
        else:
            level = entry.draft.level
            flags = [label("sheet.cflag", code, lang) for code in entry.draft.flags]
            extra = f" ⚑ {', '.join(flags)}" if flags else ""
            shown = (f"{level} {sheet.scale.get(level, '')}  "
                     f"({t('grade.confidence', lang)} {entry.draft.confidence:.2f}, "
                     f"{len(entry.draft.evidence)} cit.){extra}")
        lines.append(f"  {entry.id.ljust(width)}  {shown}")
    if sheet.draft_note is not None:
        lines.append(t("grade.note", lang, note=f"{sheet.draft_note:g}"))
    if cached:
        lines.append(t("grade.cached", lang, n=cached))
    lines.append(t("grade.written", lang))
    lines += [f"  {p}" for p in paths]
    return "\n".join(lines)
