"""report.md and report.html: the certifier's summary first (French, then English), then the
numbers an assessment designer checks, the probes' violations and the figures.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from grader.evals.models import Agreement, ProbeReport, Report
from grader.evals.summary import certifier_summary, num

METRIC_COLUMNS = ("qwk", "lwk", "exact", "adjacent", "mae", "spearman", "alpha")


def _ci(a: Agreement | None, name: str) -> str:
    if a is None:
        return "—"
    value = getattr(a, name)
    low_high = a.ci.get(name)
    shown = num(value, "en")
    return f"{shown} [{low_high[0]:.2f}, {low_high[1]:.2f}]" if low_high else shown


def to_markdown(report: Report) -> str:
    parts = ["# Évaluation des pré-notes — Evaluation of the drafts", "",
             _meta(report), "", certifier_summary(report, "fr"), certifier_summary(report, "en"),
             "---", "", "## Détail par critère — Per criterion", "", _criteria_table(report), "",
             _overall(report), _calibration(report), _confusions(report)]
    if report.probes is not None:
        parts.append(_probes(report.probes))
    if report.figures:
        parts += ["## Figures", ""] + [f"![{name}]({path})" for name, path
                                       in report.figures.items()] + [""]
    if report.failed:
        parts += ["## Documents illisibles — Unreadable documents", ""]
        parts += [f"- `{f.file}`: {f.reason}" for f in report.failed] + [""]
    if report.notes:
        parts += ["## Notes", ""] + [f"- {n}" for n in report.notes] + [""]
    return "\n".join(parts).rstrip() + "\n"


def _meta(report: Report) -> str:
    b = report.backend
    backend = b.name + (f" ({b.model})" if b.model else "") + (
        f", {b.prompt_version}" if b.prompt_version else "")
    boot = report.bootstrap
    return "\n".join([
        f"- Source : `{report.source}` — {report.documents} documents",
        f"- Moteur / backend : {backend}",
        f"- Référence / reference : {report.reference} (juror 2 where juror 1 did not score)",
        f"- Intervalles / intervals : bootstrap percentile {int(boot.get('level', .95) * 100)} %,"
        f" {int(boot.get('resamples', 0))} resamples, seed {int(boot.get('seed', 0))}",
        f"- Date : {report.created}"])


def _criteria_table(report: Report) -> str:
    head = ("| criterion | n | unscored | QWK [95% CI] | LWK | exact | ±1 | MAE | Spearman | "
            "α ord. | vs juror 2 QWK | 2 jurors QWK | mean conf. | verdict |")
    rows = [head, "|" + "---|" * 14]
    for key, c in report.criteria.items():
        rows.append("| " + " | ".join([
            f"`{key}`", str(c.n), str(c.unscored), _ci(c, "qwk"), _ci(c, "lwk"),
            _ci(c, "exact"), _ci(c, "adjacent"), _ci(c, "mae"), _ci(c, "spearman"),
            _ci(c, "alpha"), num(c.vs_juror2.qwk if c.vs_juror2 else None, "en"),
            _ci(c.human_ceiling, "qwk"), num(c.mean_confidence, "en"), c.trust]) + " |")
    return "\n".join(rows)


def _agreement_lines(title: str, a: Agreement | None) -> list[str]:
    if a is None:
        return [f"## {title}", "", "—", ""]
    lines = [f"## {title}", "", f"- n = {a.n}"]
    lines += [f"- {name}: {_ci(a, name)}" for name in METRIC_COLUMNS]
    if a.mean_diff is not None:
        lines.append(f"- mean difference (second − reference): {a.mean_diff:+.3f}")
    return lines + [""]


def _overall(report: Report) -> str:
    o = report.overall
    lines = _agreement_lines("Ensemble — Overall (pooled, documents resampled whole)", o)
    if o is not None:
        lines.insert(-1, f"- mean QWK over criteria (Fisher z): {num(o.mean_qwk, 'en')}")
        lines.insert(-1, f"- unscored drafts (kept out, never zero): {o.unscored}")
    lines += _agreement_lines("Plafond humain — Human ceiling (juror 2 vs juror 1)",
                              report.human_ceiling)
    return "\n".join(lines)


def _calibration(report: Report) -> str:
    if not report.confidence_calibration:
        return ""
    rows = ["## Confiance et exactitude — Confidence vs accuracy", "",
            "| confidence bin | n | mean confidence | share on the jury's level |",
            "|---|---|---|---|"]
    rows += [f"| {b.low:.1f}–{b.high:.1f} | {b.n} | {b.confidence:.2f} | {b.accuracy:.2f} |"
             for b in report.confidence_calibration]
    return "\n".join(rows) + "\n"


def _confusions(report: Report) -> str:
    out = ["## Matrices de confusion — Confusion matrices (rows: jury, columns: draft)", ""]
    for key, c in report.criteria.items():
        if not c.confusion or len(c.labels) > 13:
            continue
        out += [f"**`{key}`**", "", "| jury \\ draft | " + " | ".join(map(str, c.labels)) + " |",
                "|---|" + "---|" * len(c.labels)]
        out += [f"| {lab} | " + " | ".join(map(str, row)) + " |"
                for lab, row in zip(c.labels, c.confusion, strict=True)]
        out.append("")
    return "\n".join(out)


def _probes(probes: ProbeReport) -> str:
    out = ["## Épreuves de robustesse — Probes", "",
           "| probe | checks | violations | note |", "|---|---|---|---|"]
    out += [f"| {s.probe} | {s.checked} | {s.violations} | {s.skipped or ''} |"
            for s in probes.summaries]
    share = "—" if probes.quotes_verified is None else f"{probes.quotes_verified:.1%}"
    out += ["", f"Quotes verified: {share}", ""]
    if probes.violations:
        out += ["| probe | file | criterion | expected | observed |", "|---|---|---|---|---|"]
        out += [f"| {v.probe} | `{v.file}` | {v.criterion or '—'} | {v.expected} | "
                f"{v.observed} |" for v in probes.violations]
        out.append("")
    return "\n".join(out)


def to_html(report: Report) -> str:
    """The Markdown report as a standalone HTML page (tables, lists, figures)."""
    body = _md_to_html(to_markdown(report))
    return ("<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
            "<title>grader — évaluation</title><style>"
            "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;"
            "padding:0 1rem;line-height:1.45}table{border-collapse:collapse;margin:1rem 0}"
            "td,th{border:1px solid #ccc;padding:.25rem .5rem;font-size:.9rem}"
            "img{max-width:100%}code{background:#f4f4f4}</style></head><body>\n"
            f"{body}\n</body></html>\n")


_INLINE = [(re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
           (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)"), r"<em>\1</em>"),
           (re.compile(r"`([^`]+)`"), r"<code>\1</code>")]


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text


def _md_to_html(md: str) -> str:
    """Just the Markdown this module writes: headings, bullets, tables, images, paragraphs."""
    out: list[str] = []
    table: list[str] = []
    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            out.append(_table(table))
            table = []
        out.append(_line(line))
    html_text = "\n".join(x for x in out if x)
    return html_text.replace("</li></ul>\n<ul><li>", "</li>\n<li>")


def _line(line: str) -> str:
    image = re.match(r"!\[(.*?)\]\((.*?)\)", line)
    if image:
        alt, src = html.escape(image.group(1)), html.escape(image.group(2))
        return (f"<figure><img src=\"{src}\" alt=\"{alt}\">"
                f"<figcaption>{alt}</figcaption></figure>")
    heading = re.match(r"(#{1,6}) (.*)", line)
    if heading:
        level = len(heading.group(1))
        return f"<h{level}>{_inline(heading.group(2))}</h{level}>"
    if line.startswith("- "):
        return f"<ul><li>{_inline(line[2:])}</li></ul>"
    if line.strip() == "---":
        return "<hr>"
    return f"<p>{_inline(line)}</p>" if line.strip() else ""


def _table(lines: list[str]) -> str:
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines
            if not re.match(r"^\|(\s*-+\s*\|)+\s*$", ln)]
    head, *body = rows
    cells = "".join(f"<th>{_inline(c)}</th>" for c in head)
    trs = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{trs}</tbody></table>"


def write_all(report: Report, out_dir: Path) -> dict[str, Path]:
    """report.json, report.md and report.html in `out_dir` (figures already written)."""
    from grader.evals.report import _atomic, write_json

    out_dir = Path(out_dir)
    paths = {"json": write_json(report, out_dir), "md": out_dir / "report.md",
             "html": out_dir / "report.html"}
    _atomic(paths["md"], to_markdown(report))
    _atomic(paths["html"], to_html(report))
    return paths
