"""`grader serve` and `grader users add`: parse, call the library, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.errors import GraderError

users_app = typer.Typer(help="Comptes du jury pour les pages web (jurés, coordinateurs).",
                        no_args_is_help=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Registre de revue : fichier, dossier "
                                                          "ou URL SQLAlchemy.")]
BaseUrlOpt = Annotated[str, typer.Option(
    "--base-url", envvar="GRADER_BASE_URL",
    help="Adresse publique des pages (https://jury.ecole.fr), début du lien.")]
HoursOpt = Annotated[float, typer.Option(
    "--expires-hours", min=0.1, help="Durée de validité du lien, en heures.")]


@users_app.callback()
def users() -> None:
    """Comptes du jury pour les pages web (jurés, coordinateurs)."""


def _fail(exc: BaseException) -> None:
    typer.echo(f"grader: {exc}", err=True)
    raise typer.Exit(2)


def _need_web_extra() -> None:
    """The web pages are an optional extra: say exactly what to install when it is missing."""
    from importlib.util import find_spec

    for module in ("fastapi", "uvicorn", "jinja2", "python_multipart", "argon2", "itsdangerous",
                   "PIL"):
        if find_spec(module) is None:
            _fail(GraderError(f"{module} missing: pip install -e . (web packages)"))


def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    db: DbOpt = None,
    docs: Annotated[list[Path] | None, typer.Option(
        "--docs", help="Dossier des copies (si elles ne sont pas à côté des fiches).")] = None,
    proxy: Annotated[str | None, typer.Option(
        "--trusted-proxy", help="Adresse du proxy inverse dont on croit X-Forwarded-*.")] = None,
    secure: Annotated[bool, typer.Option(
        "--secure-cookies", help="Cookies Secure même sans TLS vu du serveur.")] = False,
) -> None:
    """Les pages web du jury : fiches, citations, décisions, promotions, procès-verbal."""
    _need_web_extra()
    import uvicorn

    from grader.i18n import t
    from grader.review.service import open_workflow
    from grader.web.app import create_app

    try:
        flow = open_workflow(db)
        app = create_app(flow.store, doc_dirs=docs or [], policy=flow.policy,
                         force_secure=secure)
    except GraderError as exc:
        _fail(exc)
        return
    typer.echo(t("web.serve.listening", host=host, port=port, db=flow.store.where), err=True)
    uvicorn.run(app, host=host, port=port, proxy_headers=proxy is not None,
                forwarded_allow_ips=proxy or "127.0.0.1", log_level="warning")


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Nom tel qu'affecté aux copies (« Alice Martin »).")],
    role: Annotated[str, typer.Option("--role", help="juror ou coordinator.")] = "juror",
    db: DbOpt = None,
    invite: Annotated[bool, typer.Option(
        "--invite", help="Un lien d'invitation à usage unique au lieu d'un mot de passe.")] = False,
    base_url: BaseUrlOpt = "http://127.0.0.1:8000",
    hours: HoursOpt = 72,
) -> None:
    """Crée un compte et affiche son mot de passe à usage unique (ou son lien d'invitation)."""
    _need_web_extra()
    from grader.i18n import t
    from grader.review.service import open_workflow
    from grader.web.invites import invite as make_invite
    from grader.web.users import Accounts

    clean = " ".join(name.split())
    try:
        store = open_workflow(db).store
        if invite:
            link = make_invite(store.engine, name, role, hours, base_url)
        else:
            password = Accounts(store.engine).add(name, role)
    except GraderError as exc:
        _fail(exc)
        return
    shown = t(f"web.role.{role}")  # a valid role: Accounts.add refuses any other
    if invite:
        typer.echo(t("web.users.invited", name=clean, role=shown, link=link, hours=f"{hours:g}"))
    else:
        typer.echo(t("web.users.created", name=clean, role=shown, password=password))


@users_app.command("invite")
def reinvite(
    name: Annotated[str, typer.Argument(help="Un compte existant.")],
    db: DbOpt = None,
    base_url: BaseUrlOpt = "http://127.0.0.1:8000",
    hours: HoursOpt = 72,
) -> None:
    """Un nouveau lien d'invitation pour un compte existant (lien expiré, mot de passe oublié)."""
    _need_web_extra()
    from grader.i18n import t
    from grader.review.service import open_workflow
    from grader.web.invites import reissue

    try:
        link = reissue(open_workflow(db).store.engine, name, hours, base_url)
    except GraderError as exc:
        _fail(exc)
        return
    typer.echo(t("web.users.reinvited", name=" ".join(name.split()), link=link,
                 hours=f"{hours:g}"))


__all__ = ["serve", "users_app"]
