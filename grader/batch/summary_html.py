"""`cohort.html`: the summary as one self-contained page (plots referenced next to it), for a
coordinator who opens files rather than terminals. Same content and order as cohort.md."""

from __future__ import annotations

from html import escape

from grader.batch.summary import View, _headline, distribution, money, note, number, scale
from grader.i18n import t

STYLE = """body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem}
th{background:#f3f3f3}tr.flagged td{background:#fff6e0}img{max-width:100%}
td.num{text-align:right}"""


def render_html(view: View) -> str:
    lang = view.lang
    body = [f"<h1>{escape(t('batch.summary.title', lang))}</h1>",
            f"<p>{escape(_headline(view, view.totals()))}</p>"]
    for deliverable in view.deliverables():
        body += _distribution(view, deliverable)
    body += _submissions(view) + _failures(view)
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{escape(t('batch.summary.title', lang))}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _distribution(view: View, deliverable: str) -> list[str]:
    lang = view.lang
    out = [f"<h2>{escape(t('batch.summary.distribution', lang, deliverable=deliverable))}</h2>"]
    if not view.criteria(deliverable):
        return [*out, f"<p>{escape(t('batch.summary.jury_only', lang))}</p>"]
    if deliverable in view.plots:
        out.append(f'<img src="{escape(view.plots[deliverable])}" alt="{escape(deliverable)}">')
    labels = scale(view, deliverable)
    levels = sorted(labels)
    head = [t("batch.summary.criterion", lang), *[f"{v} {labels[v]}" for v in levels],
            t("batch.summary.unscored", lang)]
    out.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>")
    for ident, label, counts in distribution(view, deliverable):
        cells = [str(counts.get(v, 0)) for v in levels] + [str(counts.get(None, 0))]
        out.append(f'<tr><td title="{escape(label)}">{escape(ident)}</td>'
                   + "".join(f'<td class="num">{c}</td>' for c in cells) + "</tr>")
    return [*out, "</table>"]


def _submissions(view: View) -> list[str]:
    lang = view.lang
    head = [t(f"batch.summary.col.{k}", lang) for k in
            ("candidate", "file", "deliverable", "note", "flags", "unscored", "tokens", "cost")]
    out = [f"<h2>{escape(t('batch.summary.submissions', lang))}</h2>", "<table><tr>"
           + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for line in view.done:
        sheet = line.sheet
        assert sheet is not None
        shown = note(sheet.indicative_note if sheet.indicative_note is not None
                     else sheet.draft_note, lang)
        flagged = ' class="flagged"' if line.doc_flags or line.unscored else ""
        cells = [escape(line.candidate),
                 f'<a href="{escape(line.row.stem)}.md">{escape(line.row.path)}</a>',
                 escape(line.row.deliverable), shown or "—",
                 escape(line.flags_text(lang) or "—"), str(line.unscored),
                 f"{number(line.row.input_tokens, lang)} / "
                 f"{number(line.row.output_tokens, lang)}",
                 escape(money(line.cost, view.prices.currency, lang))]
        out.append(f"<tr{flagged}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return [*out, "</table>"]


def _failures(view: View) -> list[str]:
    lang, out = view.lang, []
    if view.failed:
        out.append(f"<h2>{escape(t('batch.summary.failures', lang))}</h2><ul>")
        out += [f"<li><code>{escape(x.row.path)}</code> — {escape(x.row.reason or '')}</li>"
                for x in view.failed]
        out.append("</ul>")
    if view.skipped:
        out.append(f"<h2>{escape(t('batch.summary.skipped', lang))}</h2><ul>")
        out += [f"<li><code>{escape(p)}</code> — "
                f"{escape(t(f'batch.skipped.{kind}', lang, detail=detail))}</li>"
                for p, kind, detail in view.skipped]
        out.append("</ul>")
    return out


__all__ = ["render_html"]
