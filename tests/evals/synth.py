"""A small synthetic gold set, built in a temporary folder for the tests.

Marketing plans (`a1-plan-marketing`) in Markdown whose parts have a known quality (absent,
thin, sound, rich); juror 1's level of a criterion is the quality of the part it bears on, and
juror 2 disagrees by one level now and then, as two humans do. Deterministic (seeded).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

DELIVERABLE = "a1-plan-marketing"
PARTS = ("collecte", "analyse", "sommaire", "sources", "limites", "budget", "ecriture")
CRITERIA = {
    "methodo-collecte": "collecte", "methodo-analyse": "analyse", "methodo-recul": "limites",
    "ecrit-sommaire": "sommaire", "ecrit-expression": "ecriture", "ecrit-sources": "sources",
    "reco-faisabilite": "budget", "reco-argumentation": "analyse",
    "reco-limites-risques": "limites",
}

TEXT = {
    "fr": {
        "title": "# Plan marketing {company} 2026",
        "intro": "{company} distribue des équipements de jardin dans le Grand Ouest. Ce plan "
                 "présente la démarche suivie, l'analyse du marché et nos recommandations.",
        "toc": ["## Sommaire", "1. Collecte des données", "2. Analyse du marché",
                "3. Recommandations et budget", "4. Limites et risques", "5. Bibliographie"],
        "collecte": ["# 1. Collecte des données",
                     "Nous avons mené une enquête par questionnaire auprès de {n} répondants.",
                     "Huit entretiens semi-directifs avec des distributeurs complètent "
                     "l'échantillon, et les données secondaires viennent de l'INSEE.",
                     "La méthodologie de collecte croise sources primaires et secondaires "
                     "pour limiter les biais de l'échantillon."],
        "analyse": ["# 2. Analyse du marché",
                    "L'analyse PESTEL met en évidence la hausse des aides publiques.",
                    "Le SWOT fait ressortir une force, le réseau de magasins, et une menace, "
                    "la concurrence des marques d'entrée de gamme.",
                    "La matrice des cinq forces de Porter montre un pouvoir de négociation "
                    "élevé des distributeurs, ce qui justifie notre recommandation."],
        "budget": ["# 3. Recommandations et budget",
                   "Nous recommandons de cibler les ménages périurbains.",
                   "Le budget total s'élève à {k} 000 € sur douze mois, dont 40 % en digital.",
                   "Les indicateurs de suivi sont le taux de conversion et le coût "
                   "d'acquisition client, mesurés chaque trimestre de 2026."],
        "limites": ["# 4. Limites et risques",
                    "Notre échantillon n'est pas représentatif des clients professionnels.",
                    "Le principal risque est la hausse des coûts ; un plan de contingence "
                    "prévoit un second fournisseur.",
                    "Avec du recul, nos hypothèses de croissance restent prudentes et "
                    "devront être vérifiées au premier bilan."],
        "biblio": "# 5. Bibliographie",
        "ref": "- Auteur {i} (2025), Étude sectorielle numéro {i} sur le jardin.",
        "cite": "Selon Xerfi (2025), le marché croît chaque année[^{i}].",
        "weak": "et donc nous pensons que c'est bien et que c'est important et que les "
                "clients vont aimer et que ça va marcher et que nous allons réussir et que",
    },
    "en": {
        "title": "# Marketing plan {company} 2026",
        "intro": "{company} sells garden equipment in the West of France. This plan presents "
                 "our approach, the market analysis and our recommendations.",
        "toc": ["## Contents", "1. Data collection", "2. Market analysis",
                "3. Recommendations and budget", "4. Limits and risks", "5. Bibliography"],
        "collecte": ["# 1. Data collection",
                     "We ran a questionnaire survey with {n} respondents.",
                     "Eight semi-structured interviews with retailers complete the sample, "
                     "and secondary data come from INSEE.",
                     "The data collection method combines primary and secondary sources to "
                     "limit sample bias."],
        "analyse": ["# 2. Market analysis",
                    "The PESTEL analysis shows rising public subsidies.",
                    "The SWOT shows a strength, the store network, and a threat, low-cost "
                    "competing brands.",
                    "Porter's five forces show strong bargaining power of retailers, which "
                    "supports our recommendation."],
        "budget": ["# 3. Recommendations and budget",
                   "We recommend targeting suburban households.",
                   "The total budget is {k},000 € over twelve months, 40 % of it digital.",
                   "The tracking indicators are the conversion rate and the customer "
                   "acquisition cost, measured every quarter of 2026."],
        "limites": ["# 4. Limits and risks",
                    "Our sample does not represent business customers.",
                    "The main risk is rising costs; a contingency plan provides a second "
                    "supplier.",
                    "Stepping back, our growth assumptions remain cautious and must be "
                    "checked at the first review."],
        "biblio": "# 5. Bibliography",
        "ref": "- Author {i} (2025), Sector study number {i} on gardening.",
        "cite": "According to Xerfi (2025), the market grows every year[^{i}].",
        "weak": "and so we think that it is good and that it is important and that the "
                "customers will like it and that it will work and that we will succeed and",
    },
}


def document(quality: dict[str, int], company: str, lang: str = "fr") -> str:
    """A plan whose parts have the given quality (0 absent … 3 rich)."""
    tx = TEXT[lang]
    out = [tx["title"].format(company=company), tx["intro"].format(company=company)]
    if quality["sommaire"] >= 2:
        out += tx["toc"][:1] + ["\n".join(tx["toc"][1:])]
    for part in ("collecte", "analyse", "budget", "limites"):
        q = quality[part]
        if q:
            lines = [s.format(n=100 + 37 * q, k=20 * q) for s in tx[part]]
            out += lines[: 1 + q]
    if quality["ecriture"] <= 1:
        out.append((tx["weak"] + " ") * (4 - 2 * quality["ecriture"]) + "voilà.")
    for i in range(1, quality["sources"] * 2 + 1):
        out.append(tx["cite"].format(i=i))
    if quality["sources"] >= 2:
        out.append(tx["biblio"])
        out.append("\n".join(tx["ref"].format(i=i) for i in range(1, 2 * quality["sources"])))
    for i in range(1, quality["sources"] * 2 + 1):
        out.append(f"[^{i}]: Xerfi, étude {i}, 2025.")
    return "\n\n".join(out) + "\n"


def build_gold(root: Path, candidates: int = 12, seed: int = 0, english: int = 0) -> Path:
    """`root/<set>/manifest.csv` + `docs/*.md`; returns the set folder. `english` candidates
    also get an English rendering (`x.en.md`) for the language probe."""
    rng = random.Random(seed)
    folder = root / DELIVERABLE
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    rows = []
    for c in range(candidates):
        quality = {p: rng.randint(0, 3) for p in PARTS}
        name = f"cand{c:02d}"
        company = f"Société {chr(65 + c % 26)}{c}"
        (folder / "docs" / f"{name}.md").write_text(document(quality, company), "utf-8")
        if c < english:
            (folder / "docs" / f"{name}.en.md").write_text(document(quality, company, "en"),
                                                           "utf-8")
        for crit, part in CRITERIA.items():
            level = quality[part]
            other = min(3, max(0, level + rng.choice((0, 0, 0, 1, -1))))
            rows.append([f"docs/{name}.md", DELIVERABLE, name, "base", crit, "juror1", level,
                         "synthetic"])
            rows.append([f"docs/{name}.md", DELIVERABLE, name, "base", crit, "juror2", other,
                         ""])
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["file", "deliverable", "candidate", "variant", "criterion", "juror",
                      "level", "rationale"])
        out.writerows(rows)
    return folder
