"""The scoring sheet as Markdown: flags first, a summary table, then one section per criterion.

`SheetText` holds the wording shared with the DOCX rendering (labels in the jury's language,
level names, descriptors, French number and date formats), so both say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from grader.errors import GraderError
from grader.i18n import Lang, t
from grader.rubric.models import Rubric
from grader.sheet.models import CriterionDraft, CriterionEntry, DocumentFlag, ScoringSheet

MAX_PASSAGES = 5
"""Passages shown per document flag; the rest are counted."""
MAX_PASSAGE_CHARS = 300
_RUBRIC_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
"""Ordinary spaces and line breaks; the no-break spaces of French typography are kept."""


@dataclass(frozen=True)
class SheetText:
    """How a sheet's values read in `lang`; `rubric` (same version) supplies the descriptors."""

    sheet: ScoringSheet
    lang: Lang
    rubric: Rubric | None = None

    @classmethod
    def of(cls, sheet: ScoringSheet, lang: Lang, rubric: Rubric | None = None) -> SheetText:
        return cls(sheet, lang, matching_rubric(sheet, rubric))

    @property
    def colon(self) -> str:
        """French puts a no-break space before the colon."""
        return "\u00a0:" if self.lang == "fr" else ":"

    def quote(self, text: str) -> str:
        return f"«\u00a0{text}\u00a0»" if self.lang == "fr" else f"“{text}”"

    def pages(self, pages: Iterable[int]) -> str:
        return f"p.\u00a0{page_list(pages)}"

    def title(self) -> str:
        if self.rubric is not None:
            return str(getattr(self.rubric.title, self.lang))
        return self.sheet.deliverable_title

    def label(self, entry: CriterionEntry) -> str:
        if self.rubric is not None:
            return getattr(self.rubric.criterion(entry.id).label, self.lang)
        if self.lang == "en" and entry.label_en:
            return entry.label_en
        return entry.label

    def group_label(self, entry: CriterionEntry) -> str | None:
        if entry.group and self.rubric is not None:
            return getattr(self.rubric.group(entry.group).label, self.lang)
        return entry.group_label or entry.group

    def level_label(self, level: int) -> str:
        if self.rubric is not None:
            for lv in self.rubric.scale.levels:
                if lv.value == level:
                    return getattr(lv.label, self.lang)
        return self.sheet.scale.get(level, "")

    def level(self, level: int) -> str:
        label = self.level_label(level)
        return f"{level} — {label}" if label else str(level)

    def scale(self) -> str:
        return " · ".join(self.level(v) for v in sorted(self.sheet.scale))

    def descriptor(self, entry: CriterionEntry, level: int) -> str | None:
        """What `level` means for this criterion: the sheet's own text, unless it is in another
        language and the (unchanged) grid has it in `lang`."""
        if self.rubric is not None and (self.lang != self.sheet.language or not entry.descriptors):
            found = self.rubric.criterion(entry.id).descriptors.get(level)
            if found is not None:
                return str(getattr(found, self.lang))
        return entry.descriptors.get(level)

    def status(self, entry: CriterionEntry) -> str:
        """The proposed level, or why there is none."""
        if entry.mode == "jury_only" or entry.draft is None:
            return t("sheet.jury_only", self.lang)
        if entry.draft.level is None:
            return t("sheet.unscored", self.lang)
        return self.level(entry.draft.level)

    def flag_title(self, flag: DocumentFlag) -> str:
        key = f"sheet.flag.{flag.code}"
        return t(key if _has(key) else "sheet.flag.other", self.lang)

    def criterion_flags(self, draft: CriterionDraft | None) -> list[str]:
        if draft is None:
            return []
        return [t(f"sheet.cflag.{c}", self.lang) if _has(f"sheet.cflag.{c}") else c
                for c in draft.flags]

    def confidence(self, draft: CriterionDraft | None) -> str:
        if draft is None or draft.level is None:
            return "—"
        value = draft.confidence
        word = "low" if value < 0.4 else "medium" if value < 0.7 else "high"
        return f"{t(f'sheet.conf.{word}', self.lang)} ({self.number(value, 2)})"

    def number(self, value: float, digits: int = 1) -> str:
        text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
        return text.replace(".", ",") if self.lang == "fr" else text

    def count(self, value: int) -> str:
        return f"{value:,}".replace(",", "\u202f" if self.lang == "fr" else ",")

    def date(self) -> str:
        fmt = "%d/%m/%Y" if self.lang == "fr" else "%Y-%m-%d"
        return self.sheet.created.strftime(fmt)

    def decision(self, entry: CriterionEntry) -> str | None:
        made = entry.decision
        if made is None:
            return None
        fmt = "%d/%m/%Y" if self.lang == "fr" else "%Y-%m-%d"
        return t("sheet.decision.made", self.lang, level=made.level,
                 label=self.level_label(made.level), juror=made.juror,
                 action=t(f"sheet.action.{made.action}", self.lang), date=made.time.strftime(fmt))

    def missing_for_note(self) -> list[str]:
        """Criteria the indicative note still waits for."""
        return [self.label(e) for e in self.sheet.criteria
                if e.draft is None or e.draft.level is None]

    def header_rows(self) -> list[tuple[str, str]]:
        sheet, lang, sub = self.sheet, self.lang, self.sheet.submission
        unknown = t("sheet.unknown", lang)
        backend = t("sheet.backend_value", lang, name=sheet.backend.name,
                    model=sheet.backend.model or "—", prompt=sheet.backend.prompt_version or "—")
        return [
            (t("sheet.candidate", lang), sub.candidate or unknown),
            (t("sheet.deliverable", lang), f"{self.title()} ({sheet.deliverable})"),
            (t("sheet.file", lang), sub.file),
            (t("sheet.document", lang), t("sheet.document_value", lang, pages=sub.pages,
                                          words=self.count(sub.words), language=sub.language)),
            (t("sheet.date", lang), self.date()),
            (t("sheet.backend", lang), backend),
            (t("sheet.rubric", lang), t("sheet.rubric_value", lang, deliverable=sheet.deliverable,
                                        version=sheet.rubric_version)),
            (t("sheet.sha256", lang), sub.sha256[:12]),
        ]


def find_rubric(deliverable: str, version: str) -> Rubric | None:
    """The grid of `deliverable` if it is still at `version` (None if it changed or is gone)."""
    if not _RUBRIC_ID.match(deliverable):
        return None
    from grader.rubric.load import load_rubric

    try:
        rubric = load_rubric(deliverable)
    except GraderError:
        return None
    return rubric if rubric.version == version else None


def matching_rubric(sheet: ScoringSheet, rubric: Rubric | None) -> Rubric | None:
    """The sheet's grid, only if it is the very version the sheet was drafted with."""
    rubric = rubric or find_rubric(sheet.deliverable, sheet.rubric_version)
    if rubric is None or rubric.id != sheet.deliverable or rubric.version != sheet.rubric_version:
        return None
    ids = {c.id for c in rubric.criteria}
    return rubric if all(e.id in ids for e in sheet.criteria) else None


def by_group(sheet: ScoringSheet) -> list[tuple[str | None, list[CriterionEntry]]]:
    """Consecutive criteria of the same group, in the sheet's order."""
    return [(group, list(entries)) for group, entries in groupby(sheet.criteria,
                                                                 key=lambda e: e.group)]


def page_list(pages: Iterable[int]) -> str:
    """`[3, 4, 5, 9]` → `3–5, 9`."""
    ordered = sorted(set(pages))
    runs: list[list[int]] = []
    for page in ordered:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def clip(text: str, limit: int = MAX_PASSAGE_CHARS) -> str:
    """One line of at most `limit` characters (passages from the document can be long)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _has(key: str) -> bool:
    from grader.i18n import has

    return has(key)


# --- Markdown --------------------------------------------------------------------------------

def render_md(sheet: ScoringSheet, lang: Lang = "fr", rubric: Rubric | None = None) -> str:
    """The jury's sheet as Markdown (flags before any criterion)."""
    text = SheetText.of(sheet, lang, rubric)
    parts = [_header(text), _flags(text), _summary(text), _note(text)]
    parts += [_group(text, group, entries) for group, entries in by_group(sheet)]
    parts.append(t("sheet.signature_line", lang))
    return "\n\n".join(parts) + "\n"


def md_escape(text: str) -> str:
    """Text from the submission, shown as text: no markup, no HTML, no table break."""
    return _MD_SPECIAL.sub(r"\\\1", _SPACES.sub(" ", text).strip())


def _header(text: SheetText) -> str:
    lines = [f"# {t('sheet.title', text.lang)}", ""]
    lines += [f"- **{key}{text.colon}** {md_escape(value)}" for key, value in text.header_rows()]
    lines += ["", f"*{t('sheet.notice', text.lang)}*"]
    return "\n".join(lines)


def _flags(text: SheetText) -> str:
    lines = [f"## {t('sheet.flags.title', text.lang)}", ""]
    if not text.sheet.flags:
        return "\n".join([*lines, t("sheet.flags.none", text.lang)])
    for flag in text.sheet.flags:
        pages = f" ({text.pages(flag.pages)})" if flag.pages else ""
        lines.append(f"- **{text.flag_title(flag)}**{pages}{text.colon} {md_escape(flag.message)}")
        for passage in flag.passages[:MAX_PASSAGES]:
            lines.append(f"  > {text.quote(md_escape(clip(passage)))}")
        if len(flag.passages) > MAX_PASSAGES:
            lines.append(f"  > {t('sheet.flags.more', text.lang, n=len(flag.passages) - 5)}")
    return "\n".join(lines)


def _summary(text: SheetText) -> str:
    lang = text.lang
    cols = [t(f"sheet.col.{c}", lang) for c in ("criterion", "level", "confidence", "flags")]
    lines = [f"## {t('sheet.summary', lang)}", "", "| " + " | ".join(cols) + " |",
             "|" + "---|" * len(cols)]
    for entry in text.sheet.criteria:
        warnings = ", ".join(text.criterion_flags(entry.draft)) or "—"
        cells = [text.label(entry), text.status(entry), text.confidence(entry.draft), warnings]
        lines.append("| " + " | ".join(md_escape(c) for c in cells) + " |")
    lines += ["", f"{t('sheet.scale', lang)}{text.colon} {md_escape(text.scale())}"]
    return "\n".join(lines)


def _note(text: SheetText) -> str:
    sheet, lang = text.sheet, text.lang
    if sheet.indicative_note is not None:
        lines = [t("sheet.note.indicative", lang, note=text.number(sheet.indicative_note, 2))]
    else:
        missing = ", ".join(text.quote(m) for m in text.missing_for_note())
        lines = [t("sheet.note.incomplete", lang, criteria=missing or "—")]
    if sheet.draft_note is not None and sheet.draft_note != sheet.indicative_note:
        lines.append(t("sheet.note.draft", lang, note=text.number(sheet.draft_note, 2)))
    return "\n".join(f"> **{line}**" if i == 0 else f"> {line}" for i, line in enumerate(lines))


def _group(text: SheetText, group: str | None, entries: list[CriterionEntry]) -> str:
    title = text.group_label(entries[0]) if group else t("sheet.criteria", text.lang)
    return "\n\n".join([f"## {md_escape(title or '')}"] + [_criterion(text, e) for e in entries])


def _criterion(text: SheetText, entry: CriterionEntry) -> str:
    lang, draft, colon = text.lang, entry.draft, text.colon
    lines = [f"### {md_escape(text.label(entry))} `{entry.id}`", "",
             f"- {t('sheet.mode', lang)}{colon} {t(f'sheet.mode.{entry.mode}', lang)}",
             f"- **{t('sheet.level', lang)}{colon} {md_escape(text.status(entry))}**"]
    if draft is not None and draft.level is not None:
        descriptor = text.descriptor(entry, draft.level)
        if descriptor:
            lines.append(f"  - *{md_escape(descriptor)}*")
    elif draft is not None:
        reason = draft.unscored_reason or t("sheet.unknown", lang)
        lines.append(f"  - {t('sheet.unscored_reason', lang, reason=md_escape(reason))}")
    if draft is None or draft.level is None:  # the jury scores it from scratch: show the grid
        lines += [f"  - {text.level(v)}{colon} {md_escape(d)}" for v in sorted(text.sheet.scale)
                  if (d := text.descriptor(entry, v))]
    if draft is not None:
        lines += _draft_lines(text, draft, colon)
    lines += ["", _decision_line(text, entry)]
    return "\n".join(lines)


def _draft_lines(text: SheetText, draft: CriterionDraft, colon: str) -> list[str]:
    lang = text.lang
    lines: list[str] = []
    if draft.justification:
        lines.append(f"- {t('sheet.justification', lang)}{colon} {md_escape(draft.justification)}")
    if draft.level is not None:
        lines.append(f"- {t('sheet.quotes', lang)}{colon}"
                     + ("" if draft.evidence else f" {t('sheet.no_quote', lang)}"))
        for i, ev in enumerate(draft.evidence):
            page = f" ({text.pages([ev.page])})" if ev.page is not None else ""
            mark = "" if ev.verified else f" — **{t('sheet.unverified', lang)}**"
            lines += ["  >"] if i else []
            lines.append(f"  > {text.quote(md_escape(ev.quote))}{page}{mark}")
        lines.append(f"- {t('sheet.col.confidence', lang)}{colon} {text.confidence(draft)}")
    read = page_list(draft.pages_read) or "—"
    lines.append(f"- {t('sheet.pages_read', lang)}{colon} {read}")
    warnings = text.criterion_flags(draft)
    if warnings:
        lines.append(f"- ⚑ {t('sheet.col.flags', lang)}{colon} {', '.join(warnings)}")
    return lines


def _decision_line(text: SheetText, entry: CriterionEntry) -> str:
    made = text.decision(entry)
    return f"**{md_escape(made)}**" if made else f"**{t('sheet.decision.blank', text.lang)}**"


__all__ = ["SheetText", "by_group", "clip", "find_rubric", "matching_rubric", "md_escape",
           "page_list", "render_md"]
