"""The local auto-routing detector: task type, complexity and language of a prompt.

Deterministic and offline: keyword cues and prompt shape decide the type and the
complexity (`cues`, `signals`, `decide`); a lexicon with a lingua tie-break decides
the language (`language`). Build one `Detector` at startup and share it: it holds
immutable indexes, a thread-safe lingua model and small (thread-safe) caches of
judged system prompts and recent short prompts.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from airouter.detect import decide, signals
from airouter.detect.language import LanguageIdentifier
from airouter.detect.matcher import Cue, CueMatcher
from airouter.detect.messages import conversation
from airouter.detect.model import DEFAULT_LANGUAGES, Detection
from airouter.detect.text import TextView, analyse, window
from airouter.errors import ConfigError

_CONTEXT_CACHE: Final = 64
# Recent prompts and their verdicts: fans, templates and client retries repeat the same
# text, and a hit costs a dict lookup instead of ~40-300 us. Only prompts up to
# _CACHEABLE_PROMPT chars with system prompts up to _CACHEABLE_SYSTEM chars are kept
# (the agents' system prompts are under 1,900), and each entry holds its own copies:
# at most 2,048 x 3,000 chars, ~25 MB if every character took 4 bytes, ~6 MB of ASCII.
_PROMPT_CACHE: Final = 2048
_CACHEABLE_PROMPT: Final = 1000
_CACHEABLE_SYSTEM: Final = 2000
_NO_CONTEXT: Final[Mapping[str, float]] = MappingProxyType({})


class Detector:
    """Detects type, complexity and language; construct once (it loads lingua's models)."""

    def __init__(
        self,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        *,
        use_lingua: bool = True,
        tuning: decide.DecisionTuning = decide.DEFAULT_TUNING,
    ) -> None:
        if isinstance(languages, str):
            raise ConfigError("languages must be a sequence of ISO 639-1 codes, not one string")
        self.languages: Final = tuple(dict.fromkeys(code.lower() for code in languages))
        self._language: Final = LanguageIdentifier(self.languages, use_lingua=use_lingua)
        self._matcher: Final = CueMatcher()
        self._tuning: Final = tuning
        # Applications send the same system prompt with every request: judge it once.
        self._context: Final = functools.lru_cache(maxsize=_CONTEXT_CACHE)(self._judge_context)
        self._recent: Final = functools.lru_cache(maxsize=_PROMPT_CACHE)(self._judge)

    def detect(self, prompt: str, *, system: str | None = None) -> Detection:
        """Judge `prompt`; `system` (a system prompt) can only tip a close call on type."""
        if len(prompt) <= _CACHEABLE_PROMPT and (
            system is None or len(system) <= _CACHEABLE_SYSTEM
        ):
            return self._recent(prompt, system)
        return self._judge(prompt, system)

    def _judge(self, prompt: str, system: str | None) -> Detection:
        view = analyse(prompt)
        cues = self._cues(view)
        context = self._context(system) if system else _NO_CONTEXT
        summed = decide.totals(cues)
        task = decide.choose_type(summed, context, self._tuning)
        complexity = decide.choose_complexity(summed, task, self._tuning)
        language = self._language.identify(view.prose)
        reasons = decide.explain(cues, task, complexity, self._tuning)
        if context and task != decide.choose_type(summed, {}, self._tuning):
            reasons = (*reasons, "system prompt tipped the type")
        return Detection(task, complexity, language.language, (*reasons, *language.reasons))

    def detect_messages(self, messages: Sequence[Mapping[str, Any]]) -> Detection:
        """Judge the last user message of an OpenAI-style list; system messages are context."""
        turn = conversation(messages)
        return self.detect(turn.prompt, system=turn.system)

    def _judge_context(self, system: str) -> Mapping[str, float]:
        return MappingProxyType(decide.context_totals(self._cues(analyse(system))))

    def _cues(self, view: TextView) -> list[Cue]:
        prose = window(view.prose)
        tokens = self._matcher.tokens(prose)
        return [
            *signals.code_cues(view, view.text),
            *signals.math_cues(prose),
            *signals.chat_cues(prose),
            *signals.cjk_cues(prose),
            *signals.size_cues(view, len(tokens)),
            *signals.part_cues(prose, tokens),
            *self._matcher.scan(tokens),
        ]
