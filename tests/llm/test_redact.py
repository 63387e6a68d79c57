"""Redaction: personal data is replaced before text leaves the machine, and restored after."""

from __future__ import annotations

import pytest

from grader.redact import Redactor, candidate_names, fold, is_personal_url, names_in
from tests.llm.conftest import make_document


def _redactor(lines: list[str], source: str = "plan.pdf", author: str | None = None
              ) -> tuple[Redactor, str]:
    doc = make_document([["Titre", *lines]], source=source, author=author)
    redactor = Redactor.for_document(doc)
    return redactor, redactor.redact(doc.text)


@pytest.mark.parametrize("phone", ["06 12 34 56 78", "06.12.34.56.78", "0612345678",
                                   "+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "0033612345678",
                                   "01-45-67-89-10", "+44 20 7946 0958", "+1 (415) 555-0100"])
def test_phone_numbers_french_and_international(phone: str) -> None:
    _, text = _redactor([f"Appelez le {phone} avant midi."])
    assert phone not in text and "[TEL_1]" in text


@pytest.mark.parametrize("figure", ["un budget de 1 200 000 € en 2024-2025", "soit 12,5 % du CA",
                                    "le 12/03/2025 à 14 h", "SIRET 123 456 789 00012 ?",
                                    "https://www.insee.fr/fr/statistiques/2011101"])
def test_figures_dates_and_public_sources_are_left_alone(figure: str) -> None:
    _, text = _redactor([figure])
    assert text == f"Titre\n{figure}"


def test_emails_and_personal_urls() -> None:
    redactor, text = _redactor([
        "Écrire à marie.dupont+mds@école-exemple.fr ou m_dupont@gmail.com.",
        "Profil : https://fr.linkedin.com/in/marie-dupont-5b1a2c/, github.com/mdupont ;",
        "suivi : https://crm.example.com/view?user=mdupont&tab=2 et "
        "https://drive.example.com/file/d/1AbCdEfGhIjKlMnOpQrStUv/view.",
        "Source : https://www.xerfi.com/presentationetude/le-marche-du-velo."])
    for secret in ["marie.dupont", "m_dupont@", "linkedin", "github.com", "user=",
                   "1AbCdEfGhIjKlMnOpQrStUv"]:
        assert secret not in text
    assert "[EMAIL_2]" in text and "[URL_4]" in text
    assert "https://www.xerfi.com/presentationetude/le-marche-du-velo." in text
    assert text.count("[URL_1]/") == 0  # trailing punctuation stays outside the placeholder
    assert redactor.mapping["[URL_1]"] == "https://fr.linkedin.com/in/marie-dupont-5b1a2c/"


def test_personal_url_rules() -> None:
    assert is_personal_url("linkedin.com/in/jdoe")
    assert is_personal_url("https://example.org/profile?uid=42")
    assert not is_personal_url("https://www.linkedin.com/")
    assert not is_personal_url("https://www.insee.fr/fr/statistiques/2011101?sommaire=2011")


@pytest.mark.parametrize("line", ["Présenté par Marie-Hélène Dupont", "Présentée par : M. DUPONT "
                                  "Marie-Hélène (promotion 2025)", "Candidate : Marie-Hélène "
                                  "Dupont", "Auteur : Marie-Hélène DUPONT",
                                  "Rédigé par Marie-Hélène Dupont sous la direction de P. Roux"])
def test_the_name_on_the_title_page_in_every_case_order_and_accent(line: str) -> None:
    redactor, text = _redactor([line, "MARIE-HELENE DUPONT remercie son tuteur.",
                                "Dupont Marie-Hélène a conduit l'étude ; dupónt l'a signée.",
                                "Le pont Dupontel n'est pas un nom."])
    folded = fold(text)
    assert "dupont " not in folded and "helene" not in folded
    assert "dupontel" in folded  # whole words only
    assert "[CANDIDAT]" in text
    original = make_document([["Titre", line]]).text
    assert fold(redactor.restore(text)).startswith(fold(original))


def test_names_from_metadata_and_file_name() -> None:
    doc = make_document([["Titre", "Jean Martin et LE GALL Anne-Sophie signent ce plan ; "
                          "Le Gall le présente, Martin conclut. Contact : Kowalski."]],
                        source="kowalski-ewa_memoire-v2.docx", author="Jean Martin")
    names = candidate_names(doc)
    assert [n.tokens for n in names] == [("Jean", "Martin"), ("kowalski", "ewa")]
    text = Redactor.for_document(doc).redact(doc.text)
    assert "Martin" not in text and "Kowalski" not in text and "Jean" not in text
    assert [n.last for n in names_in("LE GALL Anne-Sophie et Paul Martin")] == [
        ("LE", "GALL"), ("Martin",)]


def test_tool_names_in_metadata_are_not_names() -> None:
    assert candidate_names(make_document([["Titre", "Rien."]], author="Microsoft Office User",
                                         source="plan-marketing-final-v2.pdf")) == []
    assert names_in("Utilisateur Windows") == []


def test_restore_gives_back_text_the_verifier_can_find() -> None:
    lines = ["Présenté par Marie Dupont, marie.dupont@example.fr, 06 12 34 56 78.",
             "DUPONT a mené l'enquête ; Marie Dupont conclut."]
    redactor, text = _redactor(lines)
    assert redactor.restore(text) == "\n".join(["Titre", *lines])
    quote = "[CANDIDAT_2] a mené l'enquête"
    assert fold(redactor.restore(quote)) == fold("DUPONT a mené l'enquête")
    assert redactor.restore("[URL_9] reste tel quel") == "[URL_9] reste tel quel"


def test_numbering_is_stable_whatever_the_order_of_the_prompts() -> None:
    doc = make_document([["Titre", "a@b.fr puis c@d.fr"], ["Suite", "c@d.fr encore"]])
    redactor = Redactor.for_document(doc)
    assert redactor.redact("c@d.fr") == "[EMAIL_2]" and redactor.redact("a@b.fr") == "[EMAIL_1]"


def test_disabled_redactor_changes_nothing() -> None:
    assert Redactor.disabled().redact("marie@x.fr 06 12 34 56 78") == "marie@x.fr 06 12 34 56 78"
