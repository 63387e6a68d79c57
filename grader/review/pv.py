"""The procès-verbal of a cohort, in Markdown (ready for a PDF converter) and in Word.

Per candidate: the épreuve notes and where each comes from, the validated blocks, the badges,
the title, and what is missing, each with its reason. The head of the audit chain is printed at
the foot, so the log the decisions came from can be checked against it later.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.shared import Pt

from grader.i18n import Lang, t
from grader.review.certify import CandidateReport, CohortReport
from grader.rules.outcomes import Outcome
from grader.rules.render import MARKS
from grader.sheet.store import atomic_write_bytes, atomic_write_text


@dataclass(frozen=True)
class PvPaths:
    md: Path
    docx: Path


def _fmt(value: float | None, lang: Lang) -> str:
    if value is None:
        return "—"
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "fr" else text


def _today(lang: Lang) -> str:
    pinned = os.environ.get("SOURCE_DATE_EPOCH")
    now = datetime.fromtimestamp(int(pinned), UTC) if pinned and pinned.isdigit() else (
        datetime.now(UTC))
    return now.strftime("%d/%m/%Y" if lang == "fr" else "%Y-%m-%d")


def _status(outcome: Outcome, lang: Lang) -> str:
    return f"{MARKS[outcome.status.value]} {t(f'status.{outcome.status.value}', lang)}"


def header_lines(report: CohortReport, lang: Lang) -> list[str]:
    policy = report.policy
    return [
        t("review.pv.cohort", lang, cohort=report.cohort, date=_today(lang)),
        t("review.pv.rules", lang, rules=report.rules.version, policy=policy.version,
          jurors=policy.jurors, gap=policy.reconcile_gap,
          rule=t(f"review.rule.{policy.final_rule}", lang)),
        t("review.pv.sources", lang, store=report.store, results=report.results or "—"),
    ]


def summary_rows(report: CohortReport, lang: Lang) -> tuple[list[str], list[list[str]]]:
    rules = report.rules
    head = [t("review.pv.candidate", lang), *rules.blocks, *(
        getattr(b.label, lang) for b in rules.badges.values()), t("review.pv.title", lang)]
    rows = [[c.candidate, *(MARKS[c.outcome.blocks[b].status.value] for b in rules.blocks),
             *(MARKS[c.outcome.badges[b].status.value] for b in rules.badges),
             MARKS[c.outcome.title.status.value]] for c in report.candidates]
    return head, rows


def epreuve_rows(cand: CandidateReport, lang: Lang) -> list[list[str]]:
    return [[ep, _fmt(res.score, lang), _status_word(res.status.value, lang),
             cand.sources.get(ep) or cand.missing.get(ep, "—")]
            for ep, res in cand.outcome.epreuves.items()]


def _status_word(value: str, lang: Lang) -> str:
    return f"{MARKS[value]} {t(f'status.{value}', lang)}"


def outcome_lines(cand: CandidateReport, report: CohortReport, lang: Lang
                  ) -> list[tuple[str, list[str]]]:
    """(heading, lines) for blocks, badges and title."""
    rules, out = report.rules, cand.outcome
    blocks = [f"{getattr(rules.blocks[b].label, lang)} — {_status(o, lang)}"
              for b, o in out.blocks.items()]
    badges = [f"{getattr(rules.badges[b].label, lang)} — {_status(o, lang)} : "
              f"{' ; '.join(o.reasons)}" for b, o in out.badges.items()]
    title = [f"{getattr(rules.title.label, lang)} — {_status(out.title, lang)} : "
             f"{' ; '.join(out.title.reasons)}"]
    missing = [f"{ep} : {why}" for ep, why in cand.missing.items()] or [
        t("review.pv.nothing_missing", lang)]
    return [(t("review.pv.blocks", lang), blocks), (t("review.pv.badges", lang), badges),
            (t("review.pv.title_head", lang), title), (t("review.pv.missing", lang), missing)]


def footer_lines(report: CohortReport, lang: Lang) -> list[str]:
    return [t("review.pv.audit", lang, events=report.events, head=report.head),
            t("review.pv.signatures", lang)]


# --- Markdown ---------------------------------------------------------------------------------

def _cell(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace("|", "\\|")


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(map(_cell, head)) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]


def render_md(report: CohortReport, lang: Lang = "fr") -> str:
    lines = [f"# {t('review.pv.heading', lang, title=getattr(report.rules.title.label, lang))}",
             ""]
    lines += [f"{line}  " for line in header_lines(report, lang)] + [""]
    lines += [f"## {t('review.pv.summary', lang)}", "", *_table(*summary_rows(report, lang)), ""]
    for cand in report.candidates:
        lines += [f"## {t('review.pv.candidate', lang)} : {cand.candidate}", ""]
        lines += _table([t("review.pv.epreuve", lang), t("review.pv.note", lang),
                         t("review.pv.status", lang), t("review.pv.source", lang)],
                        epreuve_rows(cand, lang)) + [""]
        for heading, items in outcome_lines(cand, report, lang):
            lines += [f"### {heading}", "", *(f"- {_cell(item)}" for item in items), ""]
    lines += ["---", "", *(f"{line}  " for line in footer_lines(report, lang))]
    return "\n".join(lines).rstrip() + "\n"


# --- Word -------------------------------------------------------------------------------------

def _docx_table(document: docx.document.Document, head: list[str], rows: list[list[str]]
                ) -> None:
    table = document.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def render_docx(report: CohortReport, lang: Lang = "fr") -> bytes:
    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(t("review.pv.heading", lang,
                           title=getattr(report.rules.title.label, lang)), level=1)
    for line in header_lines(report, lang):
        document.add_paragraph(line)
    document.add_heading(t("review.pv.summary", lang), level=2)
    _docx_table(document, *summary_rows(report, lang))
    for cand in report.candidates:
        document.add_heading(f"{t('review.pv.candidate', lang)} : {cand.candidate}", level=2)
        _docx_table(document, [t("review.pv.epreuve", lang), t("review.pv.note", lang),
                               t("review.pv.status", lang), t("review.pv.source", lang)],
                    epreuve_rows(cand, lang))
        for heading, items in outcome_lines(cand, report, lang):
            document.add_heading(heading, level=3)
            for item in items:
                document.add_paragraph(item, style="List Bullet")
    for line in footer_lines(report, lang):
        document.add_paragraph(line)
    document.core_properties.title = t("review.pv.heading", lang,
                                       title=getattr(report.rules.title.label, lang))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_pv(report: CohortReport, out_dir: Path, lang: Lang = "fr") -> PvPaths:
    """`pv-<cohort>.md` and `pv-<cohort>.docx` in `out_dir`, each written atomically."""
    from grader.review.workflow import slug

    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"pv-{slug(report.cohort) or 'cohorte'}"
    paths = PvPaths(out_dir / f"{stem}.md", out_dir / f"{stem}.docx")
    atomic_write_text(paths.md, render_md(report, lang))
    atomic_write_bytes(paths.docx, render_docx(report, lang))
    return paths


__all__ = ["PvPaths", "render_docx", "render_md", "write_pv"]
