"""The ASAP summary: `asap.json` (stable keys) and `asap.md` (the table the issue records)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.evals import asap
from grader.evals.models import Agreement

if TYPE_CHECKING:
    from grader.evals.asap_run import AsapOptions, SetResult


def _brief(a: Agreement) -> dict[str, object]:
    return {"n": a.n, "qwk": a.qwk, "qwk_ci": a.ci.get("qwk"), "exact": a.exact,
            "adjacent": a.adjacent, "mae": a.mae}


def summary_json(results: list[SetResult], options: AsapOptions) -> dict[str, object]:
    from grader.evals.asap_run import SCORERS, mean_by_scorer

    sets: dict[str, object] = {}
    for r in results:
        entry: dict[str, object] = {"n": r.n, "split": r.split, "human": _brief(r.human),
                                    "human_published": asap.HUMAN_QWK[r.set]}
        for name in SCORERS:
            entry[name] = {**_brief(r.scorers[name]), "fold_qwk": r.fold_qwk.get(name)}
        sets[str(r.set)] = entry
    return {"schema": "grader-asap/1", "limit": options.limit, "folds": options.folds,
            "seed": options.seed, "truth": "domain1_score (resolved)",
            "sets": sets, "mean_qwk": mean_by_scorer(results),
            "kaggle_winner_mean_qwk": asap.KAGGLE_WINNER}


def _q(a: Agreement | None) -> str:
    if a is None or a.qwk is None:
        return "—"
    ci = a.ci.get("qwk")
    return f"{a.qwk:.3f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")


def _folds(values: list[float | None] | None) -> str:
    ok = [v for v in values or [] if v is not None]
    return f"{min(ok):.2f}–{max(ok):.2f}" if ok else "—"


def summary_markdown(results: list[SetResult], options: AsapOptions) -> str:
    from grader.evals.asap_run import mean_by_scorer

    means = mean_by_scorer(results)
    lines = [
        "# ASAP-AES — held-out agreement per essay set", "",
        "Truth: the resolved `domain1_score`. Humans: rater 1 vs rater 2 on their own scale "
        "(computed here; published value in brackets). QWK with a 95 % bootstrap interval.",
        "`calibrated` = the offline backend's own features without raw length, weights and "
        "cuts fitted on the training folds (what `grader calibrate` does for a jury); "
        "`+length` adds its raw length features; `+essay` adds generic essay features "
        "(length included).", "",
        "| set | n | humans r1–r2 (published) | uncalibrated | calibrated | calibrated+length "
        "| calibrated+essay | folds (+essay) |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r.set} | {r.n} | {_q(r.human)} ({asap.HUMAN_QWK[r.set]:.2f}) | "
            f"{_q(r.scorers['uncalibrated'])} | {_q(r.scorers['calibrated'])} | "
            f"{_q(r.scorers['calibrated+length'])} | {_q(r.scorers['calibrated+essay'])} | "
            f"{_folds(r.fold_qwk.get('calibrated+essay'))} |")
    fmt = {k: ("—" if v is None else f"{v:.3f}") for k, v in means.items()}
    splits = sorted({r.split for r in results})
    lines += [f"| mean (Fisher z) | {sum(r.n for r in results)} | {fmt['humans']} | "
              f"{fmt['uncalibrated']} | {fmt['calibrated']} | {fmt['calibrated+length']} | "
              f"{fmt['calibrated+essay']} | |", "", f"Split: {', '.join(splits)}.",
              "", f"Anchor: the Kaggle winner's mean QWK, {asap.KAGGLE_WINNER} (on the "
              "competition's hidden test essays, not these folds).", ""]
    if options.limit is not None:
        lines += [f"Slice: the first {options.limit} essays of each set (not comparable with "
                  "published figures).", ""]
    return "\n".join(lines)
