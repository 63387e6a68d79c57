"""The cohort's summary: `cohort.csv` (one row per submission) and `cohort.md`/`cohort.html`
(distributions per criterion with PNG plots, then the submissions, flagged ones first, then
failures and skipped files). Built from the sheets on disk and the run's state only, so a
resumed run's summary covers the whole cohort. Every file is written atomically."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.batch.cost import PriceTable, Tokens, cost, load_prices
from grader.batch.journal import Journal
from grader.batch.options import BatchOptions
from grader.batch.state import Row, State
from grader.i18n import Lang, label, t
from grader.sheet.models import ScoringSheet
from grader.sheet.store import SHEET_SUFFIX, SheetError, atomic_write_text, read_sheet


@dataclass
class Line:
    """One submission in the summary."""

    row: Row
    sheet: ScoringSheet | None
    cost: float | None

    @property
    def candidate(self) -> str:
        named = self.sheet.submission.candidate if self.sheet else None
        return self.row.candidate or named or self.row.stem

    @property
    def doc_flags(self) -> list[str]:
        return [f.code for f in self.sheet.flags] if self.sheet else []

    @property
    def criterion_flags(self) -> Counter[str]:
        found: Counter[str] = Counter()
        for entry in self.sheet.criteria if self.sheet else []:
            found.update(entry.draft.flags if entry.draft else [])
        return found

    @property
    def unscored(self) -> int:
        entries = self.sheet.criteria if self.sheet else []
        return sum(1 for e in entries if e.draft is not None and e.draft.level is None)

    def flags_text(self, lang: Lang) -> str:
        """The flags in words (the sheets' own labels), criterion flags with their count."""
        docs = [label("sheet.flag", code, lang) for code in self.doc_flags]
        crit = [f"{label('sheet.cflag', k, lang)} ×{n}"
                for k, n in sorted(self.criterion_flags.items())]
        return "; ".join(docs + crit)

    def attention(self) -> tuple[int, int, int]:
        """Sort key: document flags, then unscored criteria, then criterion flags."""
        return (len(self.doc_flags), self.unscored, sum(self.criterion_flags.values()))


@dataclass
class View:
    """Everything the renderings show, computed once."""

    options: BatchOptions
    lines: list[Line]
    skipped: list[tuple[str, str, str]]
    prices: PriceTable
    plots: dict[str, str] = field(default_factory=dict)
    """Deliverable → PNG path relative to the output folder."""

    @property
    def lang(self) -> Lang:
        return self.options.lang

    @property
    def done(self) -> list[Line]:
        return sorted((x for x in self.lines if x.sheet is not None),
                      key=lambda x: (tuple(-v for v in x.attention()), x.candidate))

    @property
    def failed(self) -> list[Line]:
        return [x for x in self.lines if x.row.status == "failed"]

    def deliverables(self) -> list[str]:
        return sorted({x.row.deliverable for x in self.lines if x.sheet is not None})

    def criteria(self, deliverable: str) -> list[tuple[str, str]]:
        """(id, label) of the drafted criteria of `deliverable`, in the grid's order: a
        jury_only criterion (oral, group work) never has a drafted level, so a column or a
        row of zeros for it would only read as « nobody reached any level »."""
        for line in self.done:
            if line.sheet is not None and line.row.deliverable == deliverable:
                return [(e.id, e.label) for e in line.sheet.criteria if e.mode == "draft"]
        return []

    def totals(self) -> dict[str, Any]:
        costs = [x.cost for x in self.lines if x.row.status == "done"]
        known = [c for c in costs if c is not None]
        return {
            "submissions": len(self.lines), "done": len(self.done), "failed": len(self.failed),
            "skipped": len(self.skipped),
            "input_tokens": sum(x.row.input_tokens for x in self.lines),
            "output_tokens": sum(x.row.output_tokens for x in self.lines),
            "calls": sum(x.row.calls for x in self.lines),
            "cost": sum(known) if len(known) == len(costs) else None,
            "currency": self.prices.currency,
        }


def build_view(options: BatchOptions, state: State, rows: list[Row],
               known: dict[str, ScoringSheet] | None = None) -> View:
    """`known`: sheets already in memory (written by this run), by submission key."""
    prices = load_prices(options.prices, options.lang)
    model = options.backend_options.get("model")
    batch_tokens = Journal(state.con).tokens("batch")
    lines = []
    for row in rows:
        sheet = None
        if row.status == "done":
            sheet = (known or {}).get(row.key) or _sheet(options, row)
        model_name = (sheet.backend.model if sheet else None) or model
        b_in, b_out = batch_tokens.get(row.key, (0, 0))
        tokens = Tokens(row.input_tokens, row.output_tokens, row.cached_input_tokens,
                        min(b_in, row.input_tokens), min(b_out, row.output_tokens))
        lines.append(Line(row, sheet, cost(tokens, prices.price(model_name), prices.batch)))
    return View(options, lines, state.skipped(), prices)


def _sheet(options: BatchOptions, row: Row) -> ScoringSheet | None:
    try:
        return read_sheet(options.out / f"{row.stem}{SHEET_SUFFIX}")
    except SheetError:
        return None


def write_summary(options: BatchOptions, state: State, rows: list[Row],
                  known: dict[str, ScoringSheet] | None = None
                  ) -> tuple[list[Path], dict[str, Any]]:
    """Write cohort.csv, cohort.md, cohort.html (and plots/); their paths and the totals."""
    from grader.batch.plots import plot_distributions
    from grader.batch.summary_html import render_html

    view = build_view(options, state, rows, known)
    view.plots = plot_distributions(view, options.out / "plots")
    out = options.out
    files = {out / "cohort.csv": to_csv(view), out / "cohort.md": render_md(view),
             out / "cohort.html": render_html(view)}
    for path, text in files.items():
        atomic_write_text(path, text)
    return list(files), view.totals()


def columns(view: View) -> list[tuple[str, str]]:
    """(deliverable, criterion id) of every level column; named by id alone for one grid."""
    return [(d, c) for d in view.deliverables() for c, _ in view.criteria(d)]


CSV_BOM = "\ufeff"
"""Excel reads a CSV without a BOM in the machine's ANSI code page: « Zoé » would become
« ZoÃ© ». The BOM makes Excel (and LibreOffice) read UTF-8; Python reads it with utf-8-sig."""


def to_csv(view: View) -> str:
    """One row per submission, for a spreadsheet of the summary's language: in French `;`
    between fields and a decimal comma (what Excel expects on a French Windows, where `,` is
    the decimal mark), in English `,` and a decimal point."""
    cols = columns(view)
    several = len(view.deliverables()) > 1
    head = ["candidate", "file", "deliverable", "status", "indicative_note", "draft_note",
            *[f"{d}/{c}" if several else c for d, c in cols], "flags", "unscored",
            "input_tokens", "output_tokens", "calls", "cost", "reason", "sheet"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if view.lang == "fr" else ",",
                        lineterminator="\r\n")
    writer.writerow(head)
    for line in [*view.done, *view.failed]:
        writer.writerow(_csv_row(line, cols, view.lang))
    return CSV_BOM + buffer.getvalue()


def _csv_row(line: Line, cols: list[tuple[str, str]], lang: Lang) -> list[Any]:
    sheet, row = line.sheet, line.row
    levels = {(row.deliverable, e.id): e.draft.level for e in sheet.criteria
              if e.draft is not None} if sheet else {}
    cost_text = "" if line.cost is None else decimal(f"{line.cost:.6f}", lang)
    return [line.candidate, row.path, row.deliverable, row.status,
            note(sheet.indicative_note if sheet else None, lang),
            note(sheet.draft_note if sheet else None, lang),
            *["" if levels.get(c) is None else levels[c] for c in cols],
            line.flags_text(lang), line.unscored if sheet else "", row.input_tokens,
            row.output_tokens, row.calls, cost_text,
            row.reason or "", f"{row.stem}{SHEET_SUFFIX}" if sheet else ""]


def decimal(text: str, lang: Lang) -> str:
    return text.replace(".", ",") if lang == "fr" else text


def note(value: float | None, lang: Lang) -> str:
    """A note /20 as the reader writes it (`12,5` in French); empty when there is none."""
    return "" if value is None else decimal(f"{value:g}", lang)


def number(value: int, lang: Lang) -> str:
    """A count with thousands grouped (`59 004` in French, `59,004` in English)."""
    return f"{value:,}".replace(",", "\u202f") if lang == "fr" else f"{value:,}"


def money(value: float | None, currency: str, lang: Lang) -> str:
    if value is None:
        return t("batch.summary.unknown_cost", lang)
    text = f"{value:,.4f} {currency}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text




def distribution(view: View, deliverable: str) -> list[tuple[str, str, Counter[Any]]]:
    """(criterion id, label, Counter of levels — None for unscored) per criterion."""
    rows = []
    for ident, name in view.criteria(deliverable):
        counts: Counter[Any] = Counter()
        for line in view.done:
            if line.sheet is None or line.row.deliverable != deliverable:
                continue
            entry = line.sheet.criterion(ident)
            if entry.draft is not None:
                counts[entry.draft.level] += 1
        rows.append((ident, name, counts))
    return rows


def scale(view: View, deliverable: str) -> dict[int, str]:
    for line in view.done:
        if line.sheet is not None and line.row.deliverable == deliverable:
            return line.sheet.scale
    return {}


def render_md(view: View) -> str:
    lang, totals = view.lang, view.totals()
    out = [f"# {t('batch.summary.title', lang)}", "", _headline(view, totals), ""]
    for deliverable in view.deliverables():
        out += [f"## {t('batch.summary.distribution', lang, deliverable=deliverable)}", ""]
        if not view.criteria(deliverable):
            out += [t("batch.summary.jury_only", lang), ""]
            continue
        if deliverable in view.plots:
            out += [f"![{deliverable}]({view.plots[deliverable]})", ""]
        levels = sorted(scale(view, deliverable))
        out.append("| " + " | ".join([t("batch.summary.criterion", lang), *map(str, levels),
                                        t("batch.summary.unscored", lang)]) + " |")
        out.append("|---" * (len(levels) + 2) + "|")
        for ident, _, counts in distribution(view, deliverable):
            cells = [str(counts.get(v, 0)) for v in levels] + [str(counts.get(None, 0))]
            out.append(f"| {ident} | " + " | ".join(cells) + " |")
        out.append("")
    out += _md_submissions(view) + _md_failures(view)
    return "\n".join(out).rstrip() + "\n"


def _headline(view: View, totals: dict[str, Any]) -> str:
    lang = view.lang
    return t("batch.summary.headline", lang, done=totals["done"], failed=totals["failed"],
             skipped=totals["skipped"], backend=view.options.backend,
             tokens_in=number(totals["input_tokens"], lang),
             tokens_out=number(totals["output_tokens"], lang),
             cost=money(totals["cost"], totals["currency"], lang),
             as_of=view.prices.as_of or "?")


def _md_submissions(view: View) -> list[str]:
    lang = view.lang
    head = [t(f"batch.summary.col.{k}", lang) for k in
            ("candidate", "file", "deliverable", "note", "flags", "unscored", "tokens", "cost")]
    out = [f"## {t('batch.summary.submissions', lang)}", "", "| " + " | ".join(head) + " |",
           "|---" * len(head) + "|"]
    for line in view.done:
        sheet = line.sheet
        assert sheet is not None
        shown = note(sheet.indicative_note if sheet.indicative_note is not None
                     else sheet.draft_note, lang) or "—"
        cells = [line.candidate, f"[{line.row.path}]({line.row.stem}.md)", line.row.deliverable,
                 shown, line.flags_text(lang) or "—", str(line.unscored),
                 f"{number(line.row.input_tokens, lang)} / "
                 f"{number(line.row.output_tokens, lang)}",
                 money(line.cost, view.prices.currency, lang)]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return [*out, ""]


def _md_failures(view: View) -> list[str]:
    lang, out = view.lang, []
    if view.failed:
        out += [f"## {t('batch.summary.failures', lang)}", ""]
        out += [f"- `{x.row.path}` — {x.row.reason}" for x in view.failed] + [""]
    if view.skipped:
        out += [f"## {t('batch.summary.skipped', lang)}", ""]
        for path, kind, detail in view.skipped:
            out.append(f"- `{path}` — " + t(f"batch.skipped.{kind}", lang, detail=detail))
        out.append("")
    return out


__all__ = ["CSV_BOM", "Line", "View", "build_view", "columns", "decimal", "distribution",
           "money", "note", "number", "render_md", "scale", "to_csv", "write_summary"]
