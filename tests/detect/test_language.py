"""Language identification on its own: lexicon, letters, scripts and the lingua tie-break."""

from __future__ import annotations

import pytest

from airouter.detect.language import LanguageIdentifier
from airouter.detect.model import DEFAULT_LANGUAGES, UNDETERMINED


@pytest.fixture(scope="module")
def lexicon_only() -> LanguageIdentifier:
    return LanguageIdentifier(DEFAULT_LANGUAGES, use_lingua=False)


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        ("fr", "merci beaucoup !"),
        ("es", "¡gracias por todo!"),
        ("de", "danke dir!"),
        ("it", "grazie mille!"),
        ("pt", "obrigada pela resposta!"),
        ("nl", "dank je wel!"),
        ("en", "thanks so much!"),
    ],
)
def test_short_fan_messages_are_decided_by_the_lexicon(
    lexicon_only: LanguageIdentifier, expected: str, text: str
) -> None:
    assert lexicon_only.identify(text).language == expected


@pytest.mark.parametrize("text", ["", "   ", "1234", "ok", "no", "asdfgh jkl", "https"])
def test_no_or_ambiguous_evidence_is_und(lexicon_only: LanguageIdentifier, text: str) -> None:
    assert lexicon_only.identify(text).language == UNDETERMINED


def test_distinctive_letters_count_as_evidence(lexicon_only: LanguageIdentifier) -> None:
    assert lexicon_only.identify("Fußgängerstraße").language == "de"
    assert lexicon_only.identify("Łódź Kraków Gdańsk").language == UNDETERMINED  # Polish letters


def test_a_distractor_language_that_wins_is_und(lexicon_only: LanguageIdentifier) -> None:
    guess = lexicon_only.identify("Jag älskar dina videor, när kommer du till Stockholm?")
    assert guess.language == UNDETERMINED
    assert guess.reasons == ("looks like sv, not configured",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Привет, как дела?", "cyrillic script, no configured language"),
        ("こんにちは、元気ですか", "kana script, no configured language"),
        ("안녕하세요", "hangul script, no configured language"),
        ("你好，你好吗", "han script, no configured language"),  # noqa: RUF001
    ],
)
def test_non_latin_scripts_outside_the_configuration_are_und(
    lexicon_only: LanguageIdentifier, text: str, reason: str
) -> None:
    assert lexicon_only.identify(text).reasons == (reason,)


def test_a_script_with_one_configured_language_names_it() -> None:
    identifier = LanguageIdentifier(["en", "ru"], use_lingua=False)
    assert identifier.identify("Привет, как дела?").language == "ru"


def test_a_script_shared_by_configured_languages_asks_lingua() -> None:
    identifier = LanguageIdentifier(["en", "ru", "uk"])
    russian = "Привет, как у тебя дела? Что нового?"  # noqa: RUF001
    assert identifier.identify(russian).language == "ru"


def test_lingua_breaks_a_tie_the_lexicon_cannot() -> None:
    text = "Quale linguaggio preferisci per il backend?"
    with_lingua = LanguageIdentifier(DEFAULT_LANGUAGES)
    assert with_lingua.identify(text).language == "it"


def test_lingua_never_rescues_text_without_lexical_evidence() -> None:
    assert LanguageIdentifier(DEFAULT_LANGUAGES).identify("qwrtp zxkvb mnbvc").language == "und"
