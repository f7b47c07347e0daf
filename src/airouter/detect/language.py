"""Language identification: hand-written lexicon evidence, lingua as the tie-breaker.

The lexicon (function words and distinctive letters, see `lexicon`) decides, which
is what works on one-line fan messages where statistical models are weakest. Only
when it cannot separate the top languages does lingua, in low-accuracy mode (trigrams
only, ~30 MB), add its confidences, and only for languages the lexicon saw. Text in a
non-Latin script is judged by its script first. Anything that wins for a language
outside the configured ones, or that has too little evidence, is "und".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from airouter.detect import lexicon
from airouter.detect.model import UNDETERMINED
from airouter.detect.text import words
from airouter.errors import ConfigError

_LATIN: Final = re.compile(r"[a-zA-Z\u00c0-\u024f]")

WeightTable = Mapping[str, tuple[tuple[str, float], ...]]


@dataclass(frozen=True, slots=True)
class LanguageTuning:
    """The knobs of the decision, in units of "one unambiguous word of evidence"."""

    sample_chars: int = 400
    lingua_chars: int = 120
    lingua_weight: float = 0.35
    lingua_token_cap: int = 12
    letter_weight: float = 0.5
    letter_cap: int = 3
    min_evidence: float = 0.9
    min_margin: float = 0.25


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The language of some prose, with the evidence for it."""

    language: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Script:
    name: str
    pattern: re.Pattern[str]
    languages: frozenset[str]


class LanguageIdentifier:
    """Decides the dominant language of prose among a configured set of languages."""

    def __init__(
        self,
        languages: Sequence[str],
        *,
        use_lingua: bool = True,
        tuning: LanguageTuning | None = None,
    ) -> None:
        self.languages: Final = frozenset(code.lower() for code in languages)
        _check_supported(self.languages)
        self._tuning: Final = tuning or LanguageTuning()
        self._words: Final = _weight_table(lexicon.WORDS.items())
        self._letters: Final = _letter_table(lexicon.LETTERS.items())
        self._letter_set: Final = frozenset(self._letters)
        self._scripts: Final = tuple(
            _Script(name, re.compile(f"[{chars}]"), frozenset(codes.split()))
            for name, chars, codes in lexicon.SCRIPTS
        )
        self._any_script: Final = re.compile(
            "[" + "".join(chars for _, chars, _ in lexicon.SCRIPTS) + "]"
        )
        # Lingua also knows the distractor languages, so that its confidence in, say,
        # Swedish is not forced onto Dutch.
        known = self.languages | frozenset(lexicon.WORDS)
        self._lingua: Final = _build_lingua(known) if use_lingua else None

    def identify(self, prose: str) -> LanguageGuess:
        """The dominant configured language of `prose`, or "und"."""
        sample = prose[: self._tuning.sample_chars]
        if self._any_script.search(sample):
            script = self._dominant_script(sample)
            if script is not None:
                return self._by_script(sample, script)
        return self._by_evidence(sample)

    def _dominant_script(self, sample: str) -> _Script | None:
        latin = len(_LATIN.findall(sample))
        if len(self._any_script.findall(sample)) <= latin:
            return None
        counted = [(len(script.pattern.findall(sample)), script) for script in self._scripts]
        count, script = max(counted, key=lambda pair: pair[0])
        return script if count > latin else None

    def _by_script(self, sample: str, script: _Script) -> LanguageGuess:
        candidates = script.languages & self.languages
        reason = f"{script.name} script"
        if not candidates:
            return LanguageGuess(UNDETERMINED, (f"{reason}, no configured language",))
        if len(candidates) == 1:
            (only,) = candidates
            return LanguageGuess(only, (reason,))
        confidences = self._lingua_confidences(sample)
        best = max(sorted(candidates), key=lambda code: confidences.get(code, 0.0))
        if confidences.get(best, 0.0) <= 0.0:
            return LanguageGuess(UNDETERMINED, (f"{reason}, ambiguous",))
        return LanguageGuess(best, (f"{reason}, lingua {best}",))

    def _by_evidence(self, sample: str) -> LanguageGuess:
        tokens = words(sample)
        if not tokens:
            return LanguageGuess(UNDETERMINED, ("no words",))
        scores = _add(_word_scores(tokens, self._words), self._letter_scores(sample))
        if self._clear_winner(scores) or len(tokens) < 2 or self._lingua is None:
            return self._decide(scores)
        # The lexicon is undecided: the statistical model breaks the tie, but only among
        # languages the lexicon saw some evidence of (lingua happily calls gibberish English).
        weight = self._tuning.lingua_weight * min(len(tokens), self._tuning.lingua_token_cap)
        lingua = self._lingua_confidences(sample[: self._tuning.lingua_chars])
        extra = {code: weight * value for code, value in lingua.items() if code in scores}
        return self._decide(_add(scores, extra), via="lingua tie-break")

    def _letter_scores(self, sample: str) -> dict[str, float]:
        scores: dict[str, float] = {}
        lowered = sample.lower()
        for letter in self._letter_set.intersection(lowered):
            count = min(lowered.count(letter), self._tuning.letter_cap)
            for code, weight in self._letters[letter]:
                scores[code] = scores.get(code, 0.0) + weight * count * self._tuning.letter_weight
        return scores

    def _lingua_confidences(self, text: str) -> dict[str, float]:
        if self._lingua is None:
            return {}
        return {
            value.language.iso_code_639_1.name.lower(): value.value
            for value in self._lingua.compute_language_confidence_values(text)
        }

    def _clear_winner(self, scores: Mapping[str, float]) -> bool:
        """Enough evidence and a clear margin (a distractor language can win clearly too)."""
        top = [*sorted(scores.values(), reverse=True)[:2], 0.0, 0.0]
        return top[0] >= self._tuning.min_evidence and top[0] - top[1] >= self._tuning.min_margin

    def _decide(self, scores: Mapping[str, float], via: str = "lexicon") -> LanguageGuess:
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        if not ranked or ranked[0][1] < self._tuning.min_evidence:
            return LanguageGuess(UNDETERMINED, ("too little language evidence",))
        best, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        evidence = f"{best} {score:.1f} vs {runner_up:.1f} ({via})"
        if best not in self.languages:
            return LanguageGuess(UNDETERMINED, (f"looks like {best}, not configured",))
        if score - runner_up < self._tuning.min_margin:
            return LanguageGuess(UNDETERMINED, (f"ambiguous: {evidence}",))
        return LanguageGuess(best, (f"language {evidence}",))


def _check_supported(languages: Iterable[str]) -> None:
    """Every configured language needs a word list or a script of its own to be found."""
    scripted = {code for _, _, codes in lexicon.SCRIPTS for code in codes.split()}
    missing = sorted(set(languages) - set(lexicon.WORDS) - scripted)
    if missing:
        raise ConfigError(
            f"no lexicon for language(s) {', '.join(missing)}: add a word list to "
            "airouter/detect/lexicon.py"
        )


def _weight_table(entries: Iterable[tuple[str, str]]) -> WeightTable:
    """Invert "language -> words" into "word -> ((language, 1/k), ...)"."""
    owners: dict[str, list[str]] = {}
    for code, listed in entries:
        for item in listed.split():
            owners.setdefault(item, []).append(code)
    return _split_credit(owners)


def _letter_table(entries: Iterable[tuple[str, str]]) -> WeightTable:
    """ "letter -> languages" into "letter -> ((language, 1/k), ...)"."""
    return _split_credit({letter: codes.split() for letter, codes in entries})


def _split_credit(owners: Mapping[str, Sequence[str]]) -> WeightTable:
    return {
        item: tuple((code, 1.0 / len(codes)) for code in sorted(set(codes)))
        for item, codes in owners.items()
    }


def _word_scores(tokens: Iterable[str], table: WeightTable) -> dict[str, float]:
    scores: dict[str, float] = {}
    for token in tokens:
        for code, weight in table.get(token, ()):
            scores[code] = scores.get(code, 0.0) + weight
    return scores


def _add(left: Mapping[str, float], right: Mapping[str, float]) -> dict[str, float]:
    merged = dict(left)
    for code, value in right.items():
        merged[code] = merged.get(code, 0.0) + value
    return merged


def _build_lingua(languages: Iterable[str]) -> LanguageDetector:
    codes = [_iso_code(code) for code in sorted(languages)]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    return builder.with_low_accuracy_mode().with_preloaded_language_models().build()


def _iso_code(code: str) -> IsoCode639_1:
    try:
        return IsoCode639_1.from_str(code)
    except ValueError:
        raise ConfigError(f"unsupported language code {code!r} (want ISO 639-1)") from None
