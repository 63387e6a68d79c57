"""The review commands: `grader review ...`, `grader audit verify`, `grader report agreement`,
`grader certify`. Thin: parse, call one library function, print.

`review_app` is a group whose default command is the review itself, so both
`grader review SHEET --juror NAME` and `grader review import SHEET ...` work. Heavy modules
(SQLAlchemy, python-docx) are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from grader.errors import GraderError
from grader.i18n import Lang, default_lang

DEFAULT_COMMAND = "sheet"


class DefaultToReview(TyperGroup):
    """`grader review X ...` runs the hidden `sheet` command unless X names a subcommand."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


review_app = typer.Typer(
    cls=DefaultToReview, no_args_is_help=True, rich_markup_mode=None,
    help="Revue par le jury : confirmer ou corriger chaque pré-note.\n\n"
    "grader review FICHE --juror NOM : revue au terminal, critère par critère ; "
    "--decisions FICHIER.csv : décisions préparées ailleurs ; "
    "--from-docx FICHE_REMPLIE.docx : la fiche Word remplie par le juré.")
audit_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                        help="Contrôle du journal des décisions du jury.")
report_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                         help="Rapports sur les fiches verrouillées.")

LangOpt = Annotated[str, typer.Option("--lang", help="Langue des messages : fr ou en.")]
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Registre de revue : fichier SQLite, dossier ou URL SQLAlchemy "
    "(sinon GRADER_REVIEW_DB, grader.yaml, ou review.sqlite à côté de la fiche).")]
CohortOpt = Annotated[str | None, typer.Option("--cohort", help="Cohorte (promotion).")]
JurorOpt = Annotated[str, typer.Option("--juror", "-j", help="Nom du juré.")]


def _lang(value: str | None) -> Lang:
    return "en" if (value or default_lang()).lower().startswith("en") else "fr"


def _fail(exc: BaseException, lang: str | None = None) -> NoReturn:
    """One clear line on stderr, in `--lang`, with the command-line hint (the flag or command
    to use), and exit code 2; the traceback only with --debug."""
    from grader.cli import _state
    from grader.review.errors import describe

    if _state.get("debug"):
        raise exc
    typer.echo(f"grader: {describe(exc, _lang(lang), hint=True)}", err=True)
    raise typer.Exit(2)


def _flow(db: str | None, near: Path | None = None, create: bool = True) -> Any:
    from grader.review.service import open_workflow

    return open_workflow(db, near, create)


# --- grader review -----------------------------------------------------------------------------

@review_app.command(DEFAULT_COMMAND, hidden=True)
def review(
    sheet: Annotated[str | None, typer.Argument(
        metavar="FICHE", help="La fiche (.sheet.json) ou cohorte/candidat/livrable.")] = None,
    juror: JurorOpt = "",
    decisions: Annotated[Path | None, typer.Option(
        "--decisions", help="CSV criterion,level,comment préparé ailleurs.")] = None,
    from_docx: Annotated[Path | None, typer.Option(
        "--from-docx", help="La fiche Word remplie par le juré.")] = None,
    cohort: CohortOpt = None,
    candidate: Annotated[str | None, typer.Option(help="Identifiant du candidat "
                                                  "(première revue d'une fiche).")] = None,
    db: DbOpt = None,
    lang: LangOpt = "",
) -> None:
    """Revue d'une fiche par un juré : terminal, CSV de décisions ou fiche Word remplie."""
    from grader.review import service
    from grader.review.errors import ReviewError

    try:
        if not juror.strip():
            raise ReviewError("review.error.no_juror")
        if from_docx is not None:
            flow = _flow(db, Path(sheet) if sheet else from_docx)
            result = service.review_docx(flow, from_docx, juror, sheet, cohort)
        elif sheet is None:
            raise ReviewError("review.error.no_sheet")
        else:
            flow = _flow(db, Path(sheet))
            key = service.submission_for(flow, sheet, cohort, candidate)
            if decisions is None:
                _terminal(flow, key, juror, _lang(lang))
                return
            result = service.review_csv(flow, key, juror, decisions)
    except GraderError as exc:
        _fail(exc, lang)
    typer.echo(_applied(flow, result, _lang(lang)))


def _terminal(flow: Any, key: str, juror: str, lang: Lang) -> None:
    from grader.review.terminal import review_terminal

    review_terminal(flow, key, juror, lang=lang)


def _applied(flow: Any, result: Any, lang: Lang) -> str:
    from grader.i18n import t
    from grader.review.views import describe_pending, fmt_note

    state = result.state
    if result.locked or state.current.locked:
        done = t("review.cli.locked", lang, version=state.current.number,
                 note=fmt_note(state.current.lock.payload.get("note"), lang))
    else:
        done = describe_pending(flow, state, lang)
    return t("review.cli.applied", lang, sheet=state.key, n=result.recorded, status=done)


@review_app.command("import")
def review_import(
    sheets: Annotated[list[Path], typer.Argument(metavar="FICHE...",
                                                 help="Fiches .sheet.json ou dossiers.")],
    cohort: Annotated[str, typer.Option("--cohort", help="Cohorte (promotion).")] = "default",
    jurors: Annotated[str, typer.Option("--jurors", help="Les jurés, séparés par des "
                                        "virgules : A,B.")] = "",
    candidate: Annotated[str | None, typer.Option(help="Identifiant du candidat (une seule "
                                                  "fiche).")] = None,
    db: DbOpt = None,
    lang: LangOpt = "",
) -> None:
    """Inscrit des fiches pré-notées dans le registre, avec leur cohorte et leurs jurés."""
    from grader.i18n import t
    from grader.review.service import import_sheets

    try:
        flow = _flow(db, sheets[0] if sheets else None)
        results = import_sheets(flow, sheets, cohort, jurors.split(","), candidate)
    except GraderError as exc:
        _fail(exc, lang)
    for result in results:
        typer.echo(t("review.cli.imported", _lang(lang), sheet=result.state.key,
                     jurors=", ".join(result.state.jurors) or "—", store=flow.store.where))


@review_app.command("cohort")
def review_cohort(
    name: Annotated[str, typer.Argument(metavar="COHORTE")],
    blind: Annotated[bool, typer.Option("--blind/--no-blind",
                                        help="Mode aveugle : niveau saisi avant de voir la "
                                        "pré-note.")] = False,
    by: Annotated[str, typer.Option("--by", help="Coordinateur qui décide.")] = "",
    db: DbOpt = None,
    lang: LangOpt = "",
) -> None:
    """Réglage d'une cohorte par le coordinateur (mode aveugle)."""
    from grader.i18n import t

    try:
        flow = _flow(db)
        flow.set_cohort(name, blind=blind, by=by)
    except GraderError as exc:
        _fail(exc, lang)
    typer.echo(t("review.cli.cohort", _lang(lang), cohort=name,
                 mode=t("review.cli.blind_on" if blind else "review.cli.blind_off",
                        _lang(lang))))


@review_app.command("status")
def review_status(cohort: CohortOpt = None, db: DbOpt = None, lang: LangOpt = "") -> None:
    """L'avancement : décisions de chaque juré, réconciliations attendues, fiches verrouillées."""
    from grader.review.views import status_text

    try:
        typer.echo(status_text(_flow(db, create=False), cohort, _lang(lang)), nl=False)
    except GraderError as exc:
        _fail(exc, lang)


@review_app.command("history")
def review_history(
    target: Annotated[str, typer.Argument(metavar="FICHE")],
    cohort: CohortOpt = None, db: DbOpt = None, lang: LangOpt = "",
) -> None:
    """Tout le journal d'une fiche, version par version (décisions remplacées comprises)."""
    from grader.review.views import history_text

    try:
        flow = _flow(db, Path(target), create=False)
        typer.echo(history_text(flow, flow.locate(target, cohort), _lang(lang)), nl=False)
    except GraderError as exc:
        _fail(exc, lang)


@review_app.command("reconcile")
def review_reconcile(
    target: Annotated[str, typer.Argument(metavar="FICHE")],
    criterion: Annotated[str, typer.Option("--criterion", "-c", help="Id du critère.")],
    level: Annotated[int, typer.Option("--level", "-l", help="Niveau convenu.")],
    note: Annotated[str, typer.Option("--note", help="Pourquoi ce niveau (obligatoire).")] = "",
    by: Annotated[str, typer.Option("--by", help="Qui enregistre l'accord.")] = "",
    cohort: CohortOpt = None, db: DbOpt = None, lang: LangOpt = "",
) -> None:
    """Le niveau convenu par les deux jurés quand leurs niveaux sont trop éloignés."""
    try:
        flow = _flow(db, Path(target), create=False)
        result = flow.reconcile(flow.locate(target, cohort), criterion, level, note, by)
    except GraderError as exc:
        _fail(exc, lang)
    typer.echo(_applied(flow, result, _lang(lang)))


@review_app.command("correct")
def review_correct(
    target: Annotated[str, typer.Argument(metavar="FICHE")],
    changes: Annotated[list[str], typer.Option("--set", help="critere=niveau (répétable).")],
    reason: Annotated[str, typer.Option("--reason", help="Motif de la correction.")] = "",
    by: Annotated[str, typer.Option("--by", help="Qui corrige.")] = "",
    cohort: CohortOpt = None, db: DbOpt = None, lang: LangOpt = "",
) -> None:
    """Corrige une fiche verrouillée : crée une nouvelle version, avec son motif."""
    from grader.review.service import parse_changes

    try:
        flow = _flow(db, Path(target), create=False)
        result = flow.correct(flow.locate(target, cohort), parse_changes(changes), reason, by)
    except GraderError as exc:
        _fail(exc, lang)
    typer.echo(_applied(flow, result, _lang(lang)))


# --- grader audit verify, grader report agreement ---------------------------------------------

StoreArg = Annotated[str | None, typer.Argument(
    metavar="[DOSSIER_OU_REGISTRE]", help="Dossier, fichier SQLite ou URL du registre.")]


@audit_app.command("verify")
def audit_verify(store: StoreArg = None, db: DbOpt = None, lang: LangOpt = "") -> None:
    """Recalcule la chaîne d'empreintes du journal ; code 1 si une altération est trouvée."""
    from grader.review.audit import render, verify

    try:
        flow = _flow(db or store, create=False)
        report = verify(flow.store, _lang(lang))
    except GraderError as exc:
        _fail(exc, lang)
    typer.echo(render(report, _lang(lang)), nl=False)
    if not report.ok:
        raise typer.Exit(1)


@report_app.command("agreement")
def report_agreement(
    store: StoreArg = None, cohort: CohortOpt = None, db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON.")] = False,
    lang: LangOpt = "",
) -> None:
    """Accord machine–jury (à l'aveugle et final) et accord entre jurés, par critère."""
    from grader.review.agreement import agreement, render

    try:
        report = agreement(_flow(db or store, create=False).store, cohort)
    except GraderError as exc:
        _fail(exc, lang)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        typer.echo(render(report, _lang(lang)), nl=False)


# --- grader certify ----------------------------------------------------------------------------

def certify(
    source: Annotated[str | None, typer.Argument(
        metavar="RESULTATS.csv | DOSSIER_OU_REGISTRE",
        help="Un CSV candidate,epreuve,score ; ou le registre de revue (dossier, fichier "
        "SQLite, URL).")] = None,
    results: Annotated[Path | None, typer.Option(
        "--results", help="CSV des résultats QCM et TOEIC (avec un registre).")] = None,
    cohort: CohortOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Dossier des procès-verbaux "
                                             "(défaut : celui du registre).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON.")] = False,
    rules: Annotated[Path | None, typer.Option(help="Un autre rules.yaml.")] = None,
    lang: LangOpt = "",
) -> None:
    """Blocs, badges et titre de chaque candidat, avec leurs raisons ; depuis un registre de
    revue, écrit aussi le procès-verbal de chaque cohorte (DOCX et Markdown)."""
    from grader.review.certify_cli import certify_command

    try:
        text = certify_command(source, results, cohort, out, as_json, rules, _lang(lang))
    except GraderError as exc:
        _fail(exc, lang)
    typer.echo(text, nl=False)


# --- `python -m grader.review`: the same commands before they are wired into `grader` ----------

def standalone() -> typer.Typer:
    app = typer.Typer(no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False, rich_markup_mode=None)

    @app.callback()
    def main(debug: Annotated[bool, typer.Option("--debug")] = False) -> None:
        from grader.cli import _state

        _state["debug"] = debug

    app.add_typer(review_app, name="review")
    app.add_typer(audit_app, name="audit")
    app.add_typer(report_app, name="report")
    app.command("certify")(certify)
    return app


__all__ = ["audit_app", "audit_verify", "certify", "report_agreement", "report_app", "review",
           "review_app", "standalone"]
