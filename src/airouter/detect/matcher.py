"""Find the keyword cues of `cues` in a token stream with dictionary look-ups only.

Words, stems and phrases are indexed once (at `Detector` construction); a scan is one
pass over the tokens, so its cost grows with the prompt, not with the number of cues.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from airouter.detect import cues

_STEM_KEY: Final = 4
_TOKEN: Final = re.compile(r"[a-z\u00c0-\u024f]+|[^\W\d_a-z\u00c0-\u024f]+")
_ASCII_TOKEN: Final = re.compile(r"[a-z]+")
_EXTRA_FOLDS: Final = {"ß": "ss", "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "'": " ", "\u2019": " "}

CueTable = Mapping[float, str]


@dataclass(frozen=True, slots=True)
class Cue:
    """One piece of evidence: what it points at ("coding", "high", ...) and how strongly."""

    kind: str
    weight: float
    label: str


def default_tables() -> dict[str, CueTable]:
    """The shipped cue tables, by the kind of evidence they give."""
    return {
        "coding": cues.CODING,
        "math": cues.MATH,
        "creative": cues.CREATIVE,
        "chat": cues.CHAT,
        "high": cues.HIGH,
        "ask": cues.ASKS,
    }


def fold_table() -> dict[int, str]:
    """A `str.translate` table that strips accents from Latin letters."""
    table = {ord(char): folded for char, folded in _EXTRA_FOLDS.items()}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base.isascii() and base.isalpha():
            table.setdefault(code, base)
    return table


class CueMatcher:
    """An index of cue entries (words, `stem*`s and phrases) over folded tokens."""

    def __init__(self, tables: Mapping[str, CueTable] | None = None) -> None:
        self._fold: Final = fold_table()
        best = _best_weights(tables if tables is not None else default_tables(), self.tokens)
        words: dict[str, list[Cue]] = {}
        stems: dict[str, list[tuple[str, Cue]]] = {}
        phrases: dict[tuple[str, str], list[tuple[tuple[str, ...], Cue]]] = {}
        for (kind, entry), weight in best.items():
            cue = Cue(kind, weight, f"keyword {entry!r}")
            parts = tuple(self.tokens(entry))
            if entry.endswith("*"):
                stems.setdefault(parts[0][:_STEM_KEY], []).append((parts[0], cue))
            elif len(parts) == 1:
                words.setdefault(parts[0], []).append(cue)
            else:
                phrases.setdefault((parts[0], parts[1]), []).append((parts[2:], cue))
        self._words: Final = {key: tuple(value) for key, value in words.items()}
        self._stems: Final = {key: tuple(value) for key, value in stems.items()}
        self._phrases: Final = {key: tuple(value) for key, value in phrases.items()}
        self._phrase_starts: Final = frozenset(first for first, _ in phrases)

    def tokens(self, text: str) -> list[str]:
        """Lower-cased, accent-folded word tokens; apostrophes and hyphens split words."""
        lowered = text.lower()
        if lowered.isascii():
            return _ASCII_TOKEN.findall(lowered)
        fold = self._fold
        return [
            token if token.isascii() else token.translate(fold) for token in _TOKEN.findall(lowered)
        ]

    def scan(self, tokens: Sequence[str]) -> tuple[Cue, ...]:
        """Every distinct cue found in `tokens`, in order of first appearance."""
        found: dict[tuple[str, str], Cue] = {}
        words, stems, phrases, starts = self._words, self._stems, self._phrases, self._phrase_starts
        last = len(tokens) - 1
        for index, token in enumerate(tokens):
            hits = words.get(token, ())
            if token[:_STEM_KEY] in stems:
                hits = (*hits, *self._stem_hits(token))
            if token in starts and index < last:
                candidates = phrases.get((token, tokens[index + 1]))
                if candidates:
                    hits = (*hits, *_phrase_hits(tokens, index + 2, candidates))
            for cue in hits:
                found.setdefault((cue.kind, cue.label), cue)
        return tuple(found.values())

    def _stem_hits(self, token: str) -> Iterable[Cue]:
        kinds: set[str] = set()  # "optimi*" and "optimiz*" are one piece of evidence
        for stem, cue in self._stems[token[:_STEM_KEY]]:
            if cue.kind not in kinds and token.startswith(stem):
                kinds.add(cue.kind)
                yield cue


def _phrase_hits(
    tokens: Sequence[str], after: int, candidates: Iterable[tuple[tuple[str, ...], Cue]]
) -> Iterable[Cue]:
    """Cues of the phrases whose words after the first two follow at `after`."""
    for rest, cue in candidates:
        if tuple(tokens[after : after + len(rest)]) == rest:
            yield cue


def _best_weights(
    tables: Mapping[str, CueTable], tokenize: Callable[[str], list[str]]
) -> dict[tuple[str, str], float]:
    """Each (kind, entry) once, at the highest weight any table gives it."""
    best: dict[tuple[str, str], float] = {}
    for kind, table in tables.items():
        for weight, entries in table.items():
            for raw in entries.replace("\n", "").split("|"):
                entry = " ".join(tokenize(raw)) + ("*" if raw.strip().endswith("*") else "")
                if len(entry.rstrip("*")) < (_STEM_KEY if entry.endswith("*") else 1):
                    raise ValueError(f"cue {raw!r} is too short")
                best[(kind, entry)] = max(weight, best.get((kind, entry), 0.0))
    return best
