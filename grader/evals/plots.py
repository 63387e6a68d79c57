"""PNG figures of a report: confusion heatmaps, QWK per criterion with intervals and the human
ceiling, and the calibration of confidence against accuracy.

matplotlib is imported here only, with the Agg backend (no display, no GUI toolkit), so the
CLI and the rest of the evals start without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from grader.evals.models import CriterionReport, Report

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FOLDER = "plots"
DPI = 110
GRID = 12
"""Confusion matrices per figure (one savefig for a dozen criteria keeps `eval` quick)."""


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_plots(report: Report, out_dir: Path) -> dict[str, str]:
    """Every figure of the report; returns name → path relative to `out_dir`."""
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    figures: dict[str, str] = {}
    if report.criteria:
        figures["QWK per criterion"] = _save(_qwk_bars(report), folder / "qwk.png", out_dir)
    shown = [(k, c) for k, c in report.criteria.items() if c.n]
    for page in range(0, len(shown), GRID):
        name = "confusion.png" if page == 0 else f"confusion-{page // GRID + 1}.png"
        title = "Confusion matrices" + (f" ({page // GRID + 1})" if page else "")
        figures[title] = _save(_heatmaps(shown[page:page + GRID]), folder / name, out_dir)
    if report.confidence_calibration:
        figures["Confidence vs accuracy"] = _save(_calibration(report),
                                                  folder / "calibration.png", out_dir)
    return figures


def _save(fig: Figure, path: Path, out_dir: Path) -> str:
    # No timestamp in the PNG, so that two runs on the same data give the same bytes.
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return path.relative_to(out_dir).as_posix()


def _heatmaps(items: list[tuple[str, CriterionReport]]) -> Figure:
    plt = _pyplot()
    cols = min(3, len(items))
    rows = -(-len(items) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.flat[len(items):]:
        ax.axis("off")
    for ax, (key, crit) in zip(axes.flat, items, strict=False):
        _heatmap(ax, crit.confusion, crit.labels, key)
    fig.tight_layout()
    return fig


def _heatmap(ax: Axes, matrix: list[list[int]], labels: list[int], title: str) -> None:
    ax.imshow(matrix, cmap="Blues")
    ticks = range(len(labels))
    size = 7 if len(labels) <= 13 else 5
    ax.set_xticks(ticks, [str(v) for v in labels], fontsize=size)
    ax.set_yticks(ticks, [str(v) for v in labels], fontsize=size)
    ax.set_xlabel("draft", fontsize=8)
    ax.set_ylabel("jury (reference)", fontsize=8)
    ax.set_title(title, fontsize=8)
    if len(labels) <= 13:
        peak = max((max(row) for row in matrix), default=0) or 1
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if value:
                    ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                            color="white" if value > peak / 2 else "black")


def _qwk_bars(report: Report) -> Figure:
    plt = _pyplot()
    keys = list(report.criteria)
    crits = [report.criteria[k] for k in keys]
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.42 * len(keys)))
    ys = list(range(len(keys)))
    values = [c.qwk if c.qwk is not None else 0.0 for c in crits]
    lows = [v - c.ci["qwk"][0] if "qwk" in c.ci else 0.0 for v, c in zip(values, crits,
                                                                          strict=True)]
    highs = [c.ci["qwk"][1] - v if "qwk" in c.ci else 0.0 for v, c in zip(values, crits,
                                                                           strict=True)]
    colours = {"trusted": "#2e7d32", "review": "#c62828", "insufficient": "#9e9e9e"}
    ax.barh(ys, values, xerr=[lows, highs], color=[colours[c.trust] for c in crits],
            alpha=0.8, capsize=3, label="draft vs jury (95% CI)")
    humans = [(y, c.human_ceiling.qwk) for y, c in zip(ys, crits, strict=True)
              if c.human_ceiling is not None and c.human_ceiling.qwk is not None]
    if humans:
        ax.scatter([h for _, h in humans], [y for y, _ in humans], marker="D", color="black",
                   zorder=3, label="juror 2 vs juror 1")
    ax.axvline(0.7, color="grey", linestyle="--", linewidth=1, label="0.70 threshold")
    ax.set_yticks(ys, keys, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(min(-0.1, min(values) - 0.1), 1.0)
    ax.set_xlabel("quadratic weighted kappa")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _calibration(report: Report) -> Figure:
    plt = _pyplot()
    bins = report.confidence_calibration
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    ax.plot([b.confidence for b in bins], [b.accuracy for b in bins], marker="o",
            label="drafts")
    for b in bins:
        ax.annotate(f"n={b.n}", (b.confidence, b.accuracy), fontsize=7,
                    xytext=(4, -10), textcoords="offset points")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence given by the backend")
    ax.set_ylabel("share on the jury's level")
    ax.legend(fontsize=7)
    return fig


def write_bars(title: str, rows: dict[str, dict[str, float | None]], path: Path,
               anchor: tuple[str, float] | None = None) -> None:
    """Grouped bars (one group per row, one bar per series), e.g. ASAP QWK per set."""
    plt = _pyplot()
    series = list(dict.fromkeys(s for values in rows.values() for s in values))
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(rows), 3.8))
    width = 0.8 / max(1, len(series))
    for i, name in enumerate(series):
        xs = [j + i * width for j in range(len(rows))]
        ax.bar(xs, [rows[r].get(name) or 0.0 for r in rows], width, label=name)
    if anchor is not None:
        ax.axhline(anchor[1], color="black", linestyle="--", linewidth=1, label=anchor[0])
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(rows))], list(rows), fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("QWK")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, ncol=3, loc="lower center")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
