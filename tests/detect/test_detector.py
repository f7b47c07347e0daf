"""Behaviour of `Detector.detect`: clear cases per type and language, context, determinism."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airouter.detect import DEFAULT_LANGUAGES, Detection, Detector
from airouter.detect.model import TASK_TYPES, UNDETERMINED
from airouter.errors import ConfigError

CLEAR_TYPES = [
    # chat: conversation, advice, factual questions, fan messages
    ("chat", "hey!! loved your stream last night, you're the best 😍"),
    ("chat", "Who painted the Sistine Chapel ceiling?"),
    ("chat", "Any advice for my first marathon? I'm nervous about the last 10 km."),
    ("chat", "Merci pour ta réponse, passe une bonne soirée !"),
    # math: calculations, word problems, statistics and revenue analysis
    ("math", "What is 25% of 360?"),
    (
        "math",
        "Ein Bäcker backt 240 Brötchen und verkauft drei Viertel davon. Wie viele bleiben übrig?",
    ),
    ("math", "Calcula la media y la desviación estándar de 3, 7, 7, 9 y 14."),
    ("math", "Our revenue grew from $2.1M to $2.9M in two years. What's the CAGR?"),
    # coding: code questions, code blocks, stack traces
    ("coding", "How do I remove duplicates from a list in Python while keeping order?"),
    ("coding", '```go\nfunc main() {\n\tfmt.Println("hi")\n}\n```\nwhy won\'t this compile?'),
    (
        "coding",
        'Traceback (most recent call last):\n  File "x.py", line 1\n'
        "NameError: name 'y' is not defined",
    ),
    ("coding", "Comment annuler un git rebase en cours ?"),
    # creative: stories, poems, captions, slogans, marketing and sales copy
    ("creative", "Write a short poem about a lighthouse in winter."),
    ("creative", "Schrijf een pakkende slogan voor onze nieuwe koffiebar."),
    ("creative", "Escreva uma legenda divertida para a foto do meu cachorro na praia."),
    (
        "creative",
        "Write a product description for our handmade ceramic mugs, warm and playful tone.",
    ),
]

CLEAR_LANGUAGES = [
    ("en", "Can you tell me how long it takes to boil an egg?"),
    ("fr", "Est-ce que tu peux me dire combien de temps il faut pour cuire un œuf ?"),
    ("es", "¿Me puedes decir cuánto tiempo se tarda en cocer un huevo?"),
    ("de", "Kannst du mir sagen, wie lange man ein Ei kochen muss?"),
    ("it", "Mi puoi dire quanto tempo ci vuole per cuocere un uovo?"),
    ("pt", "Você pode me dizer quanto tempo leva para cozinhar um ovo?"),
    ("nl", "Kun je me vertellen hoe lang je een ei moet koken?"),
]

UNDETERMINED_TEXTS = [
    "ok",
    "lol",
    "👍👍",
    "12 + 7",
    "qwrtp zxkvb mnbvc",
    "卵をゆでるのに何分かかりますか？",  # Japanese  # noqa: RUF001
    "Сколько времени нужно варить яйцо?",  # Russian
    "Ile czasu gotuje się jajko na twardo?",  # Polish
    "Hur länge ska man koka ett ägg?",  # Swedish
]


@pytest.mark.parametrize(("expected", "prompt"), CLEAR_TYPES)
def test_clear_prompts_get_their_type(detector: Detector, expected: str, prompt: str) -> None:
    assert detector.detect(prompt).type == expected


@pytest.mark.parametrize(("expected", "prompt"), CLEAR_LANGUAGES)
def test_clear_prompts_get_their_language(detector: Detector, expected: str, prompt: str) -> None:
    assert detector.detect(prompt).language == expected


@pytest.mark.parametrize("prompt", UNDETERMINED_TEXTS)
def test_short_gibberish_and_unsupported_text_is_und(detector: Detector, prompt: str) -> None:
    assert detector.detect(prompt).language == UNDETERMINED


@pytest.mark.parametrize(
    "prompt",
    [
        "My son and ma went to the car",
        "We grabbed croissants at the café near the gare, très chic, then drove home.",
        "Write a poem about déjà vu and joie de vivre at a rendezvous in Paris.",
    ],
)
def test_english_with_french_looking_words_stays_english(detector: Detector, prompt: str) -> None:
    assert detector.detect(prompt).language == "en"


@pytest.mark.parametrize(
    ("expected", "prompt"),
    [
        ("en", "Thanks for the shoutout!! gracias amiga, see you at the show next week"),
        (
            "fr",
            "Ton dernier live était trop cool, le setup gaming est incroyable, c'est quel micro ?",
        ),
        ("es", "Necesito un slogan en inglés para mi marca, algo como 'just do it' pero distinto."),
        ("de", "Kannst du mir erklären, wie async/await in TypeScript funktioniert?"),
    ],
)
def test_mixed_language_text_gets_the_dominant_language(
    detector: Detector, expected: str, prompt: str
) -> None:
    assert detector.detect(prompt).language == expected


def test_code_does_not_decide_the_language(detector: Detector) -> None:
    prompt = "```python\n# calcule la moyenne\ndef moyenne(notes):\n    return sum(notes)\n```\n"
    assert detector.detect(prompt + "Can you add type hints?").language == "en"
    assert detector.detect(prompt).language == UNDETERMINED


def test_a_configured_language_is_reported_instead_of_und() -> None:
    polish = "Napisz krótki wiersz o morzu i zachodzie słońca."
    assert Detector(["en", "pl"]).detect(polish).language == "pl"
    assert Detector(["en", "ja"]).detect("桜についての俳句を書いてください。").language == "ja"


def test_an_unknown_language_code_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="xx"):
        Detector(["en", "xx"])


def test_a_latin_script_language_without_a_word_list_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"no lexicon for language\(s\) sw"):
        Detector(["en", "sw"])


def test_a_single_string_is_not_a_language_list() -> None:
    with pytest.raises(ConfigError):
        Detector("en")


@pytest.mark.parametrize(
    ("expected", "prompt"),
    [
        ("high", "Prove that there are infinitely many primes of the form 6k + 5."),
        (
            "high",
            "Design a distributed job scheduler with leader election and give a Go implementation.",
        ),
        ("high", "Implémente l'algorithme de Dijkstra et explique sa complexité."),
        ("low", "What is 7 times 8?"),
        ("low", "How do I print a string in Python?"),
        ("low", "Write a haiku about rain."),
        ("low", "hi, how are you today?"),
    ],
)
def test_complexity(detector: Detector, expected: str, prompt: str) -> None:
    assert detector.detect(prompt).complexity == expected


def test_a_system_prompt_does_not_override_clear_user_evidence(detector: Detector) -> None:
    system = "You are a senior Python engineer. Answer coding questions with code."
    assert detector.detect("Write a poem about the sea.", system=system).type == "creative"
    assert detector.detect("hi! how are you?", system=system).type == "chat"


def test_a_system_prompt_can_tip_a_close_call(detector: Detector) -> None:
    prompt = "Could you take a look at my app?"  # weak coding evidence, not enough alone
    assert detector.detect(prompt).type == "chat"
    tipped = detector.detect(prompt, system="You are a Java concurrency tutor for programmers.")
    assert tipped.type == "coding"
    assert "system prompt tipped the type" in tipped.reasons


def test_the_system_prompt_does_not_set_the_language(detector: Detector) -> None:
    system = "Tu es un assistant qui répond toujours en français."
    assert detector.detect("ok", system=system).language == UNDETERMINED


def test_reasons_name_the_evidence(detector: Detector) -> None:
    found = detector.detect("```python\ndef f(x):\n    return x\n```\nwhy does this fail?")
    assert found.reasons[0].startswith("code fence")
    assert any(reason.startswith("language en") for reason in found.reasons)


def test_two_detectors_agree_and_repeat_themselves(detector: Detector) -> None:
    prompts = [prompt for _, prompt in CLEAR_TYPES + CLEAR_LANGUAGES]
    first = [detector.detect(prompt) for prompt in prompts]
    assert [detector.detect(prompt) for prompt in prompts] == first
    assert [Detector().detect(prompt) for prompt in prompts] == first


@settings(max_examples=150, deadline=None)
@given(prompt=st.text(max_size=400), system=st.none() | st.text(max_size=100))
def test_any_text_gets_a_valid_detection(
    detector: Detector, prompt: str, system: str | None
) -> None:
    found = detector.detect(prompt, system=system)
    assert isinstance(found, Detection)
    assert found.type in TASK_TYPES
    assert found.complexity in ("low", "high")
    assert found.language in (*DEFAULT_LANGUAGES, UNDETERMINED)
    assert found == detector.detect(prompt, system=system)


def test_very_long_prompts_are_handled(detector: Detector) -> None:
    story = "Once upon a time a fox lived in the woods. " * 500
    found = detector.detect("Write a fairy tale that continues this: " + story)
    assert (found.type, found.language) == ("creative", "en")


def test_the_prompt_cache_changes_no_verdict_and_keeps_only_short_prompts() -> None:
    detector = Detector()
    short = "Combien font 17 fois 23 ?"
    long = "Write me a long story about the sea. " * 30  # over 1,000 characters
    system = "You answer fans of a creator."
    detector.detect(short, system=system)  # stored
    # Served from the cache, and what a detector that never saw the prompt finds too.
    assert detector.detect(short, system=system) == Detector().detect(short, system=system)
    assert detector.detect(short) == Detector().detect(short)  # no system: its own entry
    detector.detect(long)
    detector.detect(long, system=system)
    info = detector._recent.cache_info()
    assert (info.hits, info.currsize) == (1, 2)  # the long prompt was never stored
