"""Which criteria the drafts can be trusted on, and why — in words a certifier reads.

The thresholds follow the practice of automated scoring programmes (Williamson, Xi & Breyer,
2012, ETS): a machine–human QWK of at least 0.70 and no more than 0.10 below the human–human
QWK. Two guards are ours: at least 10 scored documents with a 95 % interval whose lower bound
stays above 0.50 (a small gold set cannot prove much), and drafts that are rarely left
unscored and not systematically higher or lower than the jury.
"""

from __future__ import annotations

from grader.evals.models import CriterionReport, Reason, Report, Trust
from grader.i18n import Lang, t

MIN_DOCUMENTS = 10
MIN_QWK = 0.70
MIN_CI_LOW = 0.50
MAX_HUMAN_GAP = 0.10
MAX_UNSCORED = 0.10
MAX_BIAS = 0.5
"""Mean draft level minus mean jury level, in levels."""


def num(value: float | None, lang: Lang, digits: int = 2) -> str:
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "fr" else text


def pct(value: float | None, lang: Lang) -> str:
    if value is None:
        return "—"
    return f"{round(value * 100)} %" if lang == "fr" else f"{round(value * 100)}%"


class Pct(float):
    """A share shown as a percentage in the reason's language."""


def reason(code: str, **values: object) -> Reason:
    def fill(lang: Lang) -> str:
        shown = {k: _show(v, lang) for k, v in values.items()}
        return t(f"eval.reason.{code}", lang, **shown)

    return Reason(code=code, fr=fill("fr"), en=fill("en"))


def _show(value: object, lang: Lang) -> object:
    if isinstance(value, Pct):
        return pct(value, lang)
    return num(value, lang) if isinstance(value, float) else value


def classify(c: CriterionReport) -> tuple[Trust, list[Reason]]:
    """`trusted`, `review` (the jury's full attention) or `insufficient` data, with reasons."""
    if c.n < MIN_DOCUMENTS:
        return "insufficient", [reason("few", n=c.n, min=MIN_DOCUMENTS)]
    if c.qwk is None:
        return "insufficient", [reason("flat")]
    problems = _problems(c)
    if problems:
        if c.needs_judgement:
            problems.append(reason("judgement"))
        return "review", problems
    ceiling = c.human_ceiling.qwk if c.human_ceiling else None
    return "trusted", [reason("good", qwk=c.qwk, exact=Pct(c.exact or 0.0),
                              adjacent=Pct(c.adjacent or 0.0), human=ceiling)]


def _problems(c: CriterionReport) -> list[Reason]:
    out: list[Reason] = []
    low, high = c.ci.get("qwk", (None, None))
    if c.qwk is not None and (c.qwk < MIN_QWK or (low is not None and low < MIN_CI_LOW)):
        out.append(reason("low_qwk", qwk=c.qwk, low=low, high=high))
    ceiling = c.human_ceiling.qwk if c.human_ceiling else None
    if ceiling is not None and c.qwk is not None and ceiling - c.qwk > MAX_HUMAN_GAP:
        out.append(reason("below_humans", qwk=c.qwk, human=ceiling))
    total = c.n + c.unscored
    if total and c.unscored / total > MAX_UNSCORED:
        out.append(reason("unscored", n=c.unscored, total=total))
    if c.mean_diff is not None and abs(c.mean_diff) > MAX_BIAS:
        code = "high" if c.mean_diff > 0 else "low"
        out.append(reason(code, diff=abs(c.mean_diff)))
    return out


def certifier_summary(report: Report, lang: Lang) -> str:
    """The one-page summary at the top of report.md, in `lang`."""
    lines = [f"## {t('eval.summary.title', lang)}", ""]
    lines += [_headline(report, lang), ""]
    groups: dict[str, list[CriterionReport]] = {"trusted": [], "review": [], "insufficient": []}
    for crit in report.criteria.values():
        groups[crit.trust].append(crit)
    for trust in ("trusted", "review", "insufficient"):
        lines.append(f"**{t(f'eval.summary.{trust}', lang)}**")
        lines.append("")
        if not groups[trust]:
            lines.append(f"- {t('eval.summary.none', lang)}")
        for crit in groups[trust]:
            label = crit.label if lang == "fr" else (crit.label_en or crit.label)
            why = " ; ".join(getattr(r, lang) for r in crit.reasons) if lang == "fr" else \
                "; ".join(getattr(r, lang) for r in crit.reasons)
            lines.append(f"- *{label}* (`{crit.deliverable}/{crit.criterion}`) — {why}")
        lines.append("")
    lines += _footer(report, lang)
    return "\n".join(lines).rstrip() + "\n"


def _headline(report: Report, lang: Lang) -> str:
    o = report.overall
    if o is None or (o.n == 0 and not report.criteria):
        return t("eval.summary.empty", lang)
    human = report.human_ceiling.qwk if report.human_ceiling else None
    text = t("eval.summary.headline", lang, documents=report.documents,
             criteria=len(report.criteria), backend=report.backend.name,
             exact=pct(o.exact, lang), adjacent=pct(o.adjacent, lang),
             qwk=num(o.qwk if o.qwk is not None else o.mean_qwk, lang))
    if human is not None:
        text += " " + t("eval.summary.human", lang, qwk=num(human, lang))
    return text


def _footer(report: Report, lang: Lang) -> list[str]:
    out = []
    if report.overall and report.overall.unscored:
        out.append(t("eval.summary.unscored", lang, n=report.overall.unscored))
    if report.failed:
        out.append(t("eval.summary.failed", lang, n=len(report.failed)))
    if report.probes is not None:
        n = len(report.probes.violations)
        out.append(t("eval.summary.probes_ok" if n == 0 else "eval.summary.probes_bad", lang,
                     n=n))
    out.append(t("eval.summary.reminder", lang))
    return [f"{line}\n" for line in out]
