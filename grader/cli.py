"""Command line: parse, call one library function, print. No logic of its own.

Heavy modules are imported inside the commands so that `grader --help` stays instant.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from grader.cli_options import BaseUrlOpt, ModelOpt, NoCacheOpt, NoRedactOpt
from grader.errors import GraderError
from grader.i18n import Lang, default_lang

app = typer.Typer(
    name="grader",
    help="grader — pré-notes justifiées et vérifiables pour les jurys de certification. "
    "La machine propose, le jury décide.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
rubrics_app = typer.Typer(help="Les grilles du référentiel (livrables, critères, niveaux).",
                          no_args_is_help=True)
app.add_typer(rubrics_app, name="rubrics")

LangOpt = Annotated[str, typer.Option("--lang", help="Langue des messages : fr ou en.")]
_state = {"debug": False}


def _lang(value: str | None) -> Lang:
    return "en" if (value or default_lang()).lower().startswith("en") else "fr"


def _fail(exc: BaseException) -> NoReturn:
    """One clear line on stderr and exit code 2; the traceback only with --debug."""
    if _state["debug"]:
        raise exc
    typer.echo(f"grader: {exc}", err=True)
    raise typer.Exit(2)


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Traces complètes.")] = False
         ) -> None:
    """grader — pré-notes justifiées et vérifiables pour les jurys de certification."""
    _state["debug"] = debug


@rubrics_app.command("list")
def rubrics_list(lang: LangOpt = "") -> None:
    """Les livrables écrits et les épreuves chiffrées du référentiel."""
    from grader.rubric.show import list_table

    try:
        typer.echo(list_table(_lang(lang)))
    except GraderError as exc:
        _fail(exc)


@rubrics_app.command("show")
def rubrics_show(ident: Annotated[str, typer.Argument(metavar="ID")], lang: LangOpt = "") -> None:
    """La grille d'un livrable : groupes, critères, mode, poids, descripteurs de niveau."""
    from grader.rubric.show import show

    try:
        typer.echo(show(ident, _lang(lang)))
    except GraderError as exc:
        _fail(exc)


@rubrics_app.command("validate")
def rubrics_validate(
    path: Annotated[Path | None, typer.Argument(help="Dossier ou fichier (défaut : rubrics/).")]
    = None,
    lang: LangOpt = "",
) -> None:
    """Vérifie les fichiers de grille et rules.yaml ; code 2 au premier fichier invalide."""
    from grader.i18n import t
    from grader.rubric.validate import validate

    checks = validate(path)
    for check in checks:
        if check.error:
            typer.echo(f"grader: {check.error}", err=True)
        else:
            typer.echo(t("rubrics.valid", _lang(lang), path=check.path))
    if any(c.error for c in checks):
        raise typer.Exit(2)
    typer.echo(t("rubrics.all_valid", _lang(lang), count=len(checks)))


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="PDF, DOCX, TXT ou Markdown.")],
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON.")] = False,
    deliverable: Annotated[str | None, typer.Option(
        help="Id du livrable, pour vérifier sa longueur réglementaire.")] = None,
    lang: LangOpt = "",
) -> None:
    """Le texte d'un document, page par page, ses sections et ses signalements."""
    from grader.ingest import read
    from grader.ingest.report import summary, to_json
    from grader.rubric.load import load_rubric

    try:
        length = None
        if deliverable:
            rule = load_rubric(deliverable).length
            length = (rule.min_pages, rule.max_pages) if rule else None
        doc = read(file, length=length)
    except GraderError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(to_json(doc), ensure_ascii=False, indent=2))
    else:
        typer.echo(summary(doc, lang=_lang(lang)))


@app.command()
def grade(
    file: Annotated[Path, typer.Argument(help="Le livrable : PDF, DOCX, TXT ou Markdown.")],
    deliverable: Annotated[str, typer.Option("--deliverable", "-d",
                                             help="Id du livrable (grader rubrics list).")],
    backend: Annotated[str, typer.Option(help="heuristic (hors ligne), llm ou fake.")]
    = "heuristic",
    out: Annotated[Path, typer.Option("--out", "-o", help="Dossier des fiches.")] = Path("out"),
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    no_redact: NoRedactOpt = False,
    no_cache: NoCacheOpt = False,
    lang: LangOpt = "",
) -> None:
    """Pré-note un livrable et écrit sa fiche (.sheet.json, .md, .docx)."""
    from grader.grade import GradeOptions, grade_file
    from grader.sheet.summary import summary

    opts = GradeOptions(backend=backend, lang=_lang(lang), use_cache=not no_cache,
                        backend_options={"model": model, "base_url": base_url,
                                         "redact": False if no_redact else None})
    try:
        result = grade_file(file, deliverable, out, opts)
    except GraderError as exc:
        _fail(exc)
    typer.echo(summary(result.sheet, result.paths.all, result.cached, _lang(lang)))


@app.command("eval")
def eval_cmd(
    gold: Annotated[Path, typer.Argument(help="Jeu de référence : evals/gold ou un de ses "
                                         "dossiers (manifest.csv).")],
    backend: Annotated[str, typer.Option(help="heuristic (hors ligne), llm ou fake.")]
    = "heuristic",
    out: Annotated[Path, typer.Option("--out", "-o", help="Dossier du rapport.")]
    = Path("out/eval"),
    probes: Annotated[bool, typer.Option("--probes", help="Épreuves de robustesse : "
                                         "remplissage, consigne cachée, langue, format, "
                                         "répétition, citations.")] = False,
    calibration: Annotated[Path | None, typer.Option(help="Calibration du moteur heuristic "
                                                     "(grader calibrate).")] = None,
    model: Annotated[str | None, typer.Option(help="Modèle (llm) ; sinon GRADER_MODEL.")] = None,
    resamples: Annotated[int, typer.Option(help="Tirages bootstrap des intervalles.")] = 1000,
    seed: Annotated[int, typer.Option(help="Graine du bootstrap.")] = 0,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignorer le cache.")] = False,
    lang: LangOpt = "",
) -> None:
    """Accord des pré-notes avec le jury : report.json, report.md, report.html, figures."""
    from grader.evals.evaluate import EvalOptions, evaluate
    from grader.evals.summary import num
    from grader.i18n import t

    language = _lang(lang)
    if calibration is not None and backend != "heuristic":
        _fail(GraderError("--calibration applies to the heuristic backend only"))
    options = {"calibration": calibration} if calibration is not None else {"model": model}
    opts = EvalOptions(backend=backend, lang=language, probes=probes, resamples=resamples,
                       seed=seed, use_cache=not no_cache, backend_options=options)
    try:
        report = evaluate(gold, out, opts, progress=lambda f: typer.echo(
            t("eval.progress", language, file=f), err=True))
    except GraderError as exc:
        _fail(exc)
    o = report.overall
    qwk = num(o.qwk if o and o.qwk is not None else (o.mean_qwk if o else None), language)
    typer.echo(t("eval.done", language, path=out / "report.md", documents=report.documents,
                 criteria=len(report.criteria), qwk=qwk))
    if report.probes is not None:
        checked = sum(s.checked for s in report.probes.summaries)
        typer.echo(t("eval.probes_done", language, checked=checked,
                     violations=len(report.probes.violations)))
    if report.failed:
        raise typer.Exit(1)


@app.command()
def calibrate(
    gold: Annotated[Path, typer.Argument(help="Jeu de référence aux notes confirmées "
                                         "(manifest.csv).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Fichier de calibration écrit.")]
    = Path("calibration.json"),
    holdout: Annotated[float, typer.Option(help="Part des candidats réservée à la mesure.")]
    = 0.2,
    seed: Annotated[int, typer.Option(help="Graine du tirage des candidats réservés.")] = 0,
    lang: LangOpt = "",
) -> None:
    """Ajuste le moteur hors ligne sur les notes confirmées ; QWK sur l'échantillon réservé."""
    from grader.evals.calibrate import calibrate_gold, write_calibration
    from grader.evals.summary import num
    from grader.i18n import t

    language = _lang(lang)
    try:
        result = calibrate_gold(gold, holdout, seed)
        path = write_calibration(result, out)
    except GraderError as exc:
        _fail(exc)
    for note in result.notes:
        typer.echo(t("eval.no_holdout", language, reason=note))
    for h in result.heldout:
        typer.echo(t("eval.heldout", language, criterion=h.key, n=h.n,
                     calibrated=num(h.calibrated, language), raw=num(h.uncalibrated, language)))
    typer.echo(t("eval.calibrated", language, path=path,
                 criteria=len(result.calibration.criteria), n=result.confirmed))


@app.command("eval-asap")
def eval_asap(
    data: Annotated[Path, typer.Argument(help="Dossier des données publiques (contient "
                                         "asap_aes/), p. ex. ../shared/data.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Dossier du rapport.")]
    = Path("out/asap"),
    sets: Annotated[str, typer.Option(help="Sujets ASAP, p. ex. 1,3.")] = "1,2,3,4,5,6,7,8",
    limit: Annotated[int | None, typer.Option(help="Premières N copies par sujet.")] = None,
    resamples: Annotated[int, typer.Option(help="Tirages bootstrap des intervalles.")] = 1000,
    seed: Annotated[int, typer.Option(help="Graine des plis et du bootstrap.")] = 0,
    lang: LangOpt = "",
) -> None:
    """Accord sur ASAP-AES par sujet (validation croisée), à côté de l'accord entre humains."""
    from grader.evals.asap_run import AsapOptions, run_asap
    from grader.i18n import t

    try:
        chosen = tuple(int(s) for s in sets.split(",") if s.strip())
        if not chosen or any(s not in range(1, 9) for s in chosen):
            raise ValueError(sets)
    except ValueError:
        _fail(GraderError(f"--sets '{sets}': give ASAP set numbers from 1 to 8, e.g. 1,3"))
    opts = AsapOptions(sets=chosen, limit=limit, resamples=resamples, seed=seed)
    try:
        run_asap(data, out, opts, progress=lambda m: typer.echo(m, err=True))
    except GraderError as exc:
        _fail(exc)
    typer.echo(t("eval.asap_done", _lang(lang), path=out / "asap.md"))


def _register_review() -> None:
    """The jury's review commands live with the review library (grader/review/cli.py)."""
    from grader.review.cli import audit_app, report_app, review_app
    from grader.review.cli import certify as review_certify

    app.add_typer(review_app, name="review")
    app.add_typer(audit_app, name="audit")
    app.add_typer(report_app, name="report")
    app.command("certify")(review_certify)


_register_review()


def _register_web() -> None:
    """The jury's web pages (grader/web/cli.py); FastAPI is imported only when serve runs."""
    from grader.web.cli import serve, users_app

    app.command("serve")(serve)
    app.add_typer(users_app, name="users")


_register_web()


def _register_batch() -> None:
    """A cohort in one command (grader/batch/cli.py); the pools start only when it runs."""
    from grader.batch.cli import batch as batch_command

    app.command("batch")(batch_command)


_register_batch()


def run() -> None:
    from grader.leave import run_command

    run_command(app)
