"""`grader batch`: parse, call run_batch / resume_batch, print. No logic of its own.

Registered in grader/cli.py as `app.command("batch")(batch)`; also runnable alone as
`python -m grader.batch`. Everything heavy is imported inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn, cast

import typer

from grader.cli_options import BaseUrlOpt, ModelOpt, NoCacheOpt, NoRedactOpt
from grader.errors import GraderError
from grader.i18n import Lang, default_lang, t


def batch(
    source: Annotated[Path | None, typer.Argument(
        metavar="DIR", help="Dossier des copies (PDF, DOCX, TXT, MD), parcouru récursivement.")]
    = None,
    deliverable: Annotated[str | None, typer.Option(
        "--deliverable", "-d", help="Id du livrable de toutes les copies (grader rubrics list).")]
    = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Dossier des fiches, de la synthèse "
                                      "et de l'état du lot.")] = Path("out"),
    manifest: Annotated[Path | None, typer.Option(
        help="CSV file,candidate,deliverable pour un dossier mêlant candidats et livrables.")]
    = None,
    backend: Annotated[str, typer.Option(help="heuristic (hors ligne), llm ou fake.")]
    = "heuristic",
    workers: Annotated[int, typer.Option(
        help="Appels au modèle en vol au plus (llm) ; processus de notation (hors ligne).")] = 4,
    processes: Annotated[int | None, typer.Option(
        help="Processus de lecture des fichiers (défaut : min(workers, cœurs)).")] = None,
    rpm: Annotated[int | None, typer.Option(help="Requêtes par minute au plus.")] = None,
    tpm: Annotated[int | None, typer.Option(help="Jetons par minute au plus.")] = None,
    via: Annotated[str, typer.Option(help="direct, ou openai-batch (moteur de lots du "
                                     "fournisseur, moitié prix, jusqu'à 24 h).")] = "direct",
    resume: Annotated[bool, typer.Option("--resume", help="Reprendre le lot de --out avec ses "
                                         "réglages (DIR inutile).")] = False,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    no_redact: NoRedactOpt = False,
    no_cache: NoCacheOpt = False,
    prices: Annotated[Path | None, typer.Option(help="Table de prix YAML.")] = None,
    poll_interval: Annotated[float | None, typer.Option(
        help="Secondes entre deux consultations du lot chez le fournisseur.")] = None,
    wait: Annotated[bool | None, typer.Option(
        "--wait/--no-wait", help="Attendre la fin du lot chez le fournisseur (défaut), ou "
        "l'envoyer et rendre la main ; reprendre avec --resume.")] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Pas de barre de "
                                              "progression.")] = False,
    period: Annotated[float | None, typer.Option(
        hidden=True, help="Durée en secondes de la « minute » de --rpm/--tpm (tests : deux "
        "lots réels en quelques secondes).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Langue : fr ou en.")] = "",
) -> None:
    """Note toute une promotion : une fiche par copie, cohort.csv, cohort.md/.html ; reprise
    sans perte après interruption ; code 1 si des copies ont échoué."""
    from grader.batch.progress import progress_for
    from grader.batch.runner import resume_batch, run_batch

    language = _lang(lang)
    runtime: dict[str, Any] = {"workers": workers, "processes": processes, "rpm": rpm,
                               "tpm": tpm, "prices": prices, "poll_interval": poll_interval,
                               "wait": wait, "period": period}
    progress = progress_for(language, enabled=not no_progress)
    try:
        if resume:
            report = resume_batch(out, runtime, progress, language)
        else:
            report = run_batch(_options(source, deliverable, out, manifest, backend, via,
                                        language, no_cache, runtime,
                                        {"model": model, "base_url": base_url,
                                         "redact": False if no_redact else None}), progress)
    except GraderError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        # Everything finished is already on disk (state, journal, sheets): say so, and how
        # to carry on, rather than leave the coordinator with a bare prompt.
        progress.stop()
        typer.echo(t("batch.interrupted", language, out=out), err=True)
        raise typer.Exit(130) from None
    _print(report, language)
    if report.failed:
        raise typer.Exit(1)


def _options(source: Path | None, deliverable: str | None, out: Path, manifest: Path | None,
             backend: str, via: str, lang: Lang, no_cache: bool, runtime: dict[str, Any],
             backend_options: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    from grader.batch.options import BatchOptions, Via

    values = {k: v for k, v in runtime.items() if v is not None}
    try:
        return BatchOptions(source=source, out=out, deliverable=deliverable, manifest=manifest,
                            backend=backend, via=cast(Via, via), lang=lang, use_cache=not no_cache,
                            backend_options={k: v for k, v in backend_options.items()
                                             if v is not None}, **values)
    except ValidationError as exc:
        _fail(GraderError(_option_error(exc.errors()[0], lang)))


def _option_error(err: Any, lang: Lang) -> str:
    """A refused option value in the coordinator's words (pydantic speaks English)."""
    option = "--" + "-".join(str(p) for p in err["loc"]).replace("_", "-")
    ctx = err.get("ctx") or {}
    bound = {"greater_than_equal": ("ge", ctx.get("ge")), "greater_than": ("gt", ctx.get("gt")),
             "less_than_equal": ("le", ctx.get("le"))}.get(err["type"])
    if bound is not None:
        return t(f"batch.error.option_{bound[0]}", lang, option=option, value=err["input"],
                 bound=bound[1])
    if err["type"] == "literal_error":
        return t("batch.error.option_choice", lang, option=option, value=err["input"],
                 expected=str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", "))
    return t("batch.error.option", lang, option=option, value=err["input"])


def _print(report: Any, lang: Lang) -> None:
    from grader.batch.summary import decimal, money, number

    if report.waiting:
        typer.echo(report.waiting)
        return
    if report.kept:
        typer.echo(t("batch.resumed", lang, kept=report.kept,
                     todo=len(report.rows) - report.kept))
    kinds = [k for _, k, _ in report.duplicates]
    typer.echo(t("batch.done", lang, done=len(report.done), total=len(report.rows),
                 out=report.out, elapsed=decimal(f"{report.elapsed:.1f} s", lang),
                 failed=len(report.failed),
                 duplicates=kinds.count("duplicate"), ignored=kinds.count("ignored")))
    totals = report.totals
    typer.echo(t("batch.tokens", lang, tokens_in=number(totals.get("input_tokens", 0), lang),
                 tokens_out=number(totals.get("output_tokens", 0), lang),
                 calls=number(totals.get("calls", 0), lang),
                 cost=money(totals.get("cost"), totals.get("currency", "USD"), lang)))
    typer.echo(t("batch.summary_written", lang, paths=", ".join(map(str, report.summary))))
    if report.failed:
        typer.echo(t("batch.failed_head", lang), err=True)
        for row in report.failed:
            typer.echo(f"  {row.path} — {row.reason}", err=True)


def _lang(value: str | None) -> Lang:
    return "en" if (value or default_lang()).lower().startswith("en") else "fr"


def _fail(exc: BaseException) -> NoReturn:
    """One clear line on stderr and exit code 2; the traceback only with grader --debug."""
    try:
        from grader.cli import _state

        debug = bool(_state.get("debug"))
    except ImportError:
        debug = False
    if debug:
        raise exc
    typer.echo(f"grader: {exc}", err=True)
    raise typer.Exit(2)


__all__ = ["batch"]
