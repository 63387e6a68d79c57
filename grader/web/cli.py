"""`grader serve` and `grader users add/invite/list/disable/enable`: parse, call the library,
print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
    from grader.web import admin

    try:
        made = admin.create(_engine(db), name, role, actor="", invite=invite,
                            base_url=base_url, hours=hours)
    except GraderError as exc:
        _fail(exc)
        return
    shown = t(f"web.role.{role}")  # a valid role: Accounts.add refuses any other
    if made.link:
        typer.echo(t("web.users.invited", name=made.name, role=shown, link=made.link,
                     hours=f"{hours:g}"))
    else:
        typer.echo(t("web.users.created", name=made.name, role=shown, password=made.password))


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
    from grader.web import admin

    try:
        made = admin.reinvite(_engine(db), name, actor="", base_url=base_url, hours=hours)
    except GraderError as exc:
        _fail(exc)
        return
    typer.echo(t("web.users.reinvited", name=made.name, link=made.link, hours=f"{hours:g}"))


@users_app.command("list")
def list_users(db: DbOpt = None) -> None:
    """Les comptes : nom, rôle, état, dernière connexion."""
    _need_web_extra()
    from grader.i18n import t
    from grader.web import admin

    try:
        found = admin.listing(_engine(db))
    except GraderError as exc:
        _fail(exc)
        return
    if not found:
        typer.echo(t("web.users.list_empty"))
    for account in found:
        last = (account.last_login or "")[:16].replace("T", " ") or t("web.accounts.never")
        typer.echo("\t".join([account.user.name, t(f"web.role.{account.user.role}"),
                              t(f"web.accounts.status.{account.status}"), last]))


@users_app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="Un compte existant.")],
            db: DbOpt = None) -> None:
    """Désactive un compte : plus de connexion, ses sessions s'arrêtent."""
    _switch(name, db, enable=False)


@users_app.command("enable")
def enable(name: Annotated[str, typer.Argument(help="Un compte désactivé.")],
           db: DbOpt = None) -> None:
    """Réactive un compte désactivé."""
    _switch(name, db, enable=True)


def _switch(name: str, db: str | None, enable: bool) -> None:
    _need_web_extra()
    from grader.i18n import t
    from grader.web import admin

    step = admin.enable if enable else admin.disable
    try:
        user = step(_engine(db), name, actor="")
    except GraderError as exc:
        _fail(exc)
        return
    typer.echo(t("web.accounts.enabled_now" if enable else "web.accounts.disabled_now",
                 name=user.name))


def _engine(db: str | None) -> Any:
    from grader.review.service import open_workflow

    return open_workflow(db).store.engine


__all__ = ["serve", "users_app"]
