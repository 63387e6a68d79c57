"""Readable views of the référentiel for `grader rubrics list` and `grader rubrics show`."""

from __future__ import annotations

from grader.i18n import Lang, t
from grader.rubric.load import RubricError, load_all, load_file, rubrics_dir
from grader.rubric.models import Epreuve, Rubric

MODE = {"draft": {"fr": "brouillon", "en": "draft"},
        "jury_only": {"fr": "jury seul", "en": "jury only"}}


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]


def list_table(lang: Lang = "fr") -> str:
    rubrics, epreuves = load_all()
    head = {"fr": ["ID", "BLOC", "CRITÈRES", "BROUILLON", "INTITULÉ"],
            "en": ["ID", "BLOCK", "CRITERIA", "DRAFT", "TITLE"]}[lang]
    rows = [head]
    for rub in sorted(rubrics.values(), key=lambda r: (r.block, r.id)):
        rows.append([rub.id, rub.block, str(len(rub.criteria)), str(len(rub.draft_criteria)),
                     getattr(rub.title, lang)])
    lines = [t("rubrics.header", lang, count=len(rubrics), epreuves=len(epreuves),
               folder=rubrics_dir()), "", *_table(rows), ""]
    rows = [[*head[:2], {"fr": "UNITÉ", "en": "UNIT"}[lang], head[4]]]
    for ep in sorted(epreuves.values(), key=lambda e: (e.block, e.id)):
        rows.append([ep.id, ep.block, ep.unit, getattr(ep.title, lang)])
    return "\n".join(lines + _table(rows))


def show(ident: str, lang: Lang = "fr") -> str:
    path = rubrics_dir() / f"{ident}.yaml"
    if not path.is_file():
        known = ", ".join(sorted({*load_all()[0], *load_all()[1]}))
        raise RubricError(path, "", f"unknown id '{ident}' (known: {known})")
    item = load_file(path)
    return _show_epreuve(item, lang) if isinstance(item, Epreuve) else _show_rubric(item, lang)


def _show_epreuve(ep: Epreuve, lang: Lang) -> str:
    return "\n".join([f"{ep.id} — {getattr(ep.title, lang)} ({ep.block}, v{ep.version})",
                      f"  {getattr(ep.criterion, lang)}",
                      f"  {ep.unit}: {ep.min_score:g} – {ep.max_score:g}"])


def _show_rubric(rub: Rubric, lang: Lang) -> str:
    lines = [f"{rub.id} — {getattr(rub.title, lang)} ({rub.block}, v{rub.version})"]
    if rub.length:
        lines.append(f"  pages : {rub.length.min_pages}–{rub.length.max_pages}")
    scale = ", ".join(f"{lv.value} {getattr(lv.label, lang)}" for lv in rub.scale.levels)
    proposed = f" {t('rubrics.proposed', lang)}" if rub.scale.source == "proposed" else ""
    lines += [f"  {'échelle' if lang == 'fr' else 'scale'} : {scale}{proposed}", ""]
    for group_id in [None, *(g.id for g in rub.groups)]:
        crits = [c for c in rub.criteria if c.group == group_id]
        if not crits:
            continue
        if group_id:
            lines.append(getattr(rub.group(group_id).label, lang))
        for crit in crits:
            lines.append(f"  [{crit.id}] {getattr(crit.label, lang)}")
            lines.append(f"      mode : {MODE[crit.mode.value][lang]} · "
                         f"{'poids' if lang == 'fr' else 'weight'} {crit.weight:g}")
            for value, desc in sorted(crit.descriptors.items()):
                lines.append(f"      {value} · {getattr(desc, lang)}")
        lines.append("")
    return "\n".join(lines).rstrip()
