"""PNG plots of the cohort summary: per deliverable, how the drafted levels spread over each
criterion (stacked bars, unscored in grey) and the spread of the indicative notes.

matplotlib is imported here only, lazily, with the Agg renderer and no pyplot state; without
matplotlib the summary is written without plots (a note says so) rather than failing.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.i18n import Lang, t
from grader.sheet.store import atomic_write_bytes

if TYPE_CHECKING:
    from grader.batch.summary import View

DPI = 100
COLOURS = ["#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#1e8449", "#145a32"]
UNSCORED = "#b3b3b3"


def plot_distributions(view: View, folder: Path) -> dict[str, str]:
    """One PNG per deliverable; deliverable → path relative to the output folder."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for deliverable in view.deliverables():
        if not view.criteria(deliverable):
            continue  # every criterion is the jury's: nothing drafted to plot
        fig = _figure(Figure, view, deliverable)
        buffer = io.BytesIO()
        # No timestamp in the PNG: two runs over the same sheets give the same bytes.
        fig.savefig(buffer, format="png", dpi=DPI,
                    metadata={"Software": None})
        path = folder / f"{deliverable}.png"
        atomic_write_bytes(path, buffer.getvalue())
        written[deliverable] = path.relative_to(folder.parent).as_posix()
    return written


def _figure(figure_cls: Any, view: View, deliverable: str) -> Any:
    from grader.batch.summary import distribution, scale

    rows = distribution(view, deliverable)
    levels = sorted(scale(view, deliverable))
    fig = figure_cls(figsize=(9, 1.2 + 0.45 * len(rows) + 2.4))
    bars, notes = fig.subplots(2, 1, height_ratios=[max(1, len(rows)), 3])
    _bars(bars, rows, levels, scale(view, deliverable), view.lang)
    _notes(notes, view, deliverable)
    fig.suptitle(t("batch.summary.distribution", view.lang, deliverable=deliverable))
    fig.tight_layout()
    return fig


def _bars(ax: Any, rows: list[Any], levels: list[int], labels: dict[int, str],
          lang: Lang) -> None:
    names = [ident for ident, _, _ in rows][::-1]
    left = [0] * len(rows)
    for i, level in enumerate([*levels, None]):
        counts = [counts.get(level, 0) for _, _, counts in rows][::-1]
        colour = UNSCORED if level is None else COLOURS[min(i, len(COLOURS) - 1)]
        label = t("batch.summary.unscored", lang) if level is None else \
            f"{level} {labels.get(level, '')}"
        ax.barh(names, counts, left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    _whole_counts(ax.xaxis)
    ax.set_xlabel(t("batch.summary.plot.count", lang))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(levels) + 1,
              fontsize="small", frameon=False)


def _notes(ax: Any, view: View, deliverable: str) -> None:
    notes = []
    for line in view.done:
        sheet = line.sheet
        if sheet is None or line.row.deliverable != deliverable:
            continue
        note = sheet.indicative_note if sheet.indicative_note is not None else sheet.draft_note
        if note is not None:
            notes.append(note)
    ax.hist(notes, bins=[x / 2 for x in range(0, 41)], color="#2e86c1")
    ax.set_xlim(0, 20)
    ax.set_xticks(range(0, 21, 2))  # whole notes: no « 2.5 » in a French summary
    _whole_counts(ax.yaxis)
    ax.set_xlabel(t("batch.summary.plot.note", view.lang))
    ax.set_ylabel(t("batch.summary.plot.count", view.lang))


def _whole_counts(axis: Any) -> None:
    """Counts of submissions are whole: no « 0.25 copie » tick (nor a decimal point a French
    reader does not write), whatever the cohort's size."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


__all__ = ["plot_distributions"]
