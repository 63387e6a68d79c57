"""`grader eval`: a gold set in, the agreement report out (JSON, Markdown, HTML, figures).

    from grader.evals.evaluate import evaluate, EvalOptions
    report = evaluate(Path("evals/gold"), Path("out/eval"), EvalOptions(backend="heuristic"))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.evals.gold import load_gold
from grader.evals.metrics import DEFAULT_RESAMPLES, Bootstrap
from grader.evals.report import build_report, rubric_infos
from grader.evals.runner import draft_gold, write_records
from grader.grade import GradeOptions
from grader.i18n import Lang

if TYPE_CHECKING:
    from grader.backends import Backend
    from grader.evals.models import Report


@dataclass
class EvalOptions:
    backend: str = "heuristic"
    backend_options: dict[str, Any] = field(default_factory=dict)
    lang: Lang = "fr"
    probes: bool = False
    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0
    plots: bool = True
    use_cache: bool = True


def evaluate(gold_path: Path, out_dir: Path, options: EvalOptions | None = None,
             backend: Backend | None = None,
             progress: Callable[[str], None] | None = None) -> Report:
    """Draft the gold set, measure agreement, run the probes if asked, write the reports."""
    from grader.backends import get_backend
    from grader.evals.plots import write_plots
    from grader.evals.render import write_all

    options = options or EvalOptions()
    out_dir = Path(out_dir)
    gold = load_gold(gold_path)
    backend = backend or get_backend(options.backend, **options.backend_options)
    grade_opts = GradeOptions(backend=backend.name, lang=options.lang,
                              use_cache=options.use_cache)
    run = draft_gold(gold, backend, out_dir, grade_opts, progress)
    write_records(run.records, out_dir / "drafts.csv")
    boot = Bootstrap(resamples=options.resamples, seed=options.seed)
    report = build_report(run.records, rubric_infos(gold.rubrics), str(gold_path), run.backend,
                          boot, run.failed)
    report.notes.append("Truth: juror 1's level, juror 2's where juror 1 did not score; "
                        "juror 2 vs juror 1 is the human ceiling.")
    fitted_on = getattr(getattr(backend, "calibration", None), "fitted_on", None)
    if fitted_on:
        report.notes.append(f"Calibrated backend (fitted on {fitted_on}): on the documents it "
                            "was fitted on, these figures are in-sample; the held-out QWK of "
                            "`grader calibrate` is the measure of what calibration brings.")
    if options.probes:
        from grader.evals.probes import run_probes

        report.probes = run_probes(gold, backend, grade_opts, progress)
    if options.plots:
        report.figures = write_plots(report, out_dir)
    write_all(report, out_dir)
    return report
