"""`grader report agreement`: how far the drafts agree with the jury, and the jurors together.

Every lock records, per criterion, the draft level, each juror's blind level (blind cohorts),
each juror's own final level before reconciliation and the agreed level. From those:
- machine vs jury on final levels (the draft was shown: these are anchored),
- machine vs jury on blind levels (the draft was hidden: the honest comparison),
- juror vs juror, before reconciliation;
each as exact agreement, adjacent agreement (within one level) and quadratic-weighted kappa,
per criterion and over all criteria, per backend.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from grader.i18n import Lang, t
from grader.review.store import ReviewStore
from grader.review.workflow import Workflow

ALL = "*"
"""The key of the line over all criteria."""


@dataclass(frozen=True)
class Stats:
    n: int
    exact: float
    adjacent: float
    kappa: float | None
    """Quadratic-weighted kappa; None when chance agreement leaves it undefined."""


def weighted_kappa(pairs: list[tuple[int, int]], low: int, high: int) -> float | None:
    """Cohen's kappa with quadratic weights on the scale `low..high`."""
    k = high - low + 1
    if not pairs or k < 2:
        return None
    observed = [[0.0] * k for _ in range(k)]
    for a, b in pairs:
        observed[a - low][b - low] += 1
    rows = [sum(r) for r in observed]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    n = len(pairs)
    weight = [[(i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)]
    seen = sum(weight[i][j] * observed[i][j] for i in range(k) for j in range(k))
    chance = sum(weight[i][j] * rows[i] * cols[j] / n for i in range(k) for j in range(k))
    return None if chance == 0 else round(1 - seen / chance, 3)


def stats(pairs: list[tuple[int, int]], low: int, high: int) -> Stats:
    n = len(pairs)
    exact = sum(a == b for a, b in pairs) / n if n else 0.0
    adjacent = sum(abs(a - b) <= 1 for a, b in pairs) / n if n else 0.0
    return Stats(n, round(exact, 3), round(adjacent, 3), weighted_kappa(pairs, low, high))


@dataclass
class Pairs:
    """Level pairs collected from the locks, keyed by (group, criterion)."""

    final: dict[tuple[str, str], list[tuple[int, int]]]
    blind: dict[tuple[str, str], list[tuple[int, int]]]
    jurors: dict[str, list[tuple[int, int]]]
    low: int
    high: int
    sheets: int


def collect(store: ReviewStore, cohort: str | None = None) -> Pairs:
    flow = Workflow(store)
    final: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    blind: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    jurors: dict[str, list[tuple[int, int]]] = defaultdict(list)
    low, high, sheets = 0, 1, 0
    for key in flow.keys(cohort):
        version = flow.state(key).locked_version
        if version is None or version.lock is None:
            continue
        sheets += 1
        scale = flow.sheet(version).scale
        low, high = (min(scale), max(scale)) if sheets == 1 else (min(low, *scale),
                                                                  max(high, *scale))
        payload = version.lock.payload
        backend = payload["backend"]["name"]
        for row in payload["rows"]:
            _add(row, backend, final, blind, jurors)
    return Pairs(final, blind, jurors, low, high, sheets)


def _add(row: dict[str, Any], backend: str, final: dict[tuple[str, str], list[tuple[int, int]]],
         blind: dict[tuple[str, str], list[tuple[int, int]]],
         jurors: dict[str, list[tuple[int, int]]]) -> None:
    crit, draft = row["criterion"], row["draft"]
    own = list(row["final"].values())
    if draft is not None:
        agreed = row.get("agreed")
        for level in own:
            for key in ((backend, crit), (backend, ALL)):
                final[key].append((draft, level if agreed is None else agreed))
        for level in row.get("blind", {}).values():
            for key in ((backend, crit), (backend, ALL)):
                blind[key].append((draft, level))
    if len(own) == 2:
        jurors[crit].append((own[0], own[1]))
        jurors[ALL].append((own[0], own[1]))


def agreement(store: ReviewStore, cohort: str | None = None) -> dict[str, Any]:
    """The report as data (what `--json` prints)."""
    pairs = collect(store, cohort)
    machine: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for (backend, crit), found in sorted(pairs.final.items()):
        blind = pairs.blind.get((backend, crit), [])
        machine[backend][crit] = {
            "final": asdict(stats(found, pairs.low, pairs.high)),
            "blind": asdict(stats(blind, pairs.low, pairs.high)) if blind else None}
    jurors = {crit: asdict(stats(found, pairs.low, pairs.high))
              for crit, found in sorted(pairs.jurors.items())}
    return {"sheets": pairs.sheets, "scale": [pairs.low, pairs.high], "machine": dict(machine),
            "jurors": jurors}


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def _kappa(value: float | None, lang: Lang) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}".replace(".", ",") if lang == "fr" else f"{value:.2f}"


def _line(name: str, s: dict[str, Any] | None, lang: Lang) -> str:
    if not s:
        return f"{name:<28} {'—':>4}"
    return (f"{name:<28} {s['n']:>4} {_pct(s['exact']):>7} {_pct(s['adjacent']):>9} "
            f"{_kappa(s['kappa'], lang):>7}")


def render(report: dict[str, Any], lang: Lang = "fr") -> str:
    head = f"{t('review.agree.criterion', lang):<28} {'n':>4} {'exact':>7} " \
           f"{t('review.agree.adjacent', lang):>9} {'kappa':>7}"
    lines = [t("review.agree.title", lang, sheets=report["sheets"])]
    for backend, crits in report["machine"].items():
        for kind in ("blind", "final"):
            if kind == "blind" and not any(c["blind"] for c in crits.values()):
                lines += ["", t("review.agree.no_blind", lang, backend=backend)]
                continue
            lines += ["", t(f"review.agree.{kind}", lang, backend=backend), head]
            lines += [_line(t("review.agree.all", lang) if c == ALL else c, v[kind], lang)
                      for c, v in crits.items()]
    lines += ["", t("review.agree.jurors", lang), head]
    lines += [_line(t("review.agree.all", lang) if c == ALL else c, v, lang)
              for c, v in report["jurors"].items()]
    return "\n".join(lines) + "\n"


__all__ = ["Stats", "agreement", "collect", "render", "stats", "weighted_kappa"]
