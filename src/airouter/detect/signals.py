"""Evidence from the shape of a prompt rather than its words: code, numbers, emoji.

Each function maps a `TextView` to `Cue`s of the same kinds the keyword tables use
("coding", "math", "chat", "high"), so the decision code sums both alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from airouter.detect.matcher import Cue
from airouter.detect.text import TextView

_LANGUAGE_NAME: Final = re.compile(r"[cCfF](?<![\w+#][cCfF])(?:\+\+|#)(?![\w+#])")
_FILE_NAME: Final = re.compile(
    r"\.(?<=\w\.)(?:py|js|ts|jsx|tsx|java|go|rs|sh|cpp|php|rb|cs|sql)\b", re.IGNORECASE
)
_BIG_O: Final = re.compile(r"O\((?<=\bO\()[^()]{1,12}\)")
_DIGIT: Final = re.compile(r"\d")
_NUMBER: Final = re.compile(r"\d+(?:[.,]\d+)*")
_CONJUNCTIONS: Final = frozenset(
    {"and", "y", "e", "et", "und", "en", "with", "con", "avec", "mit", "met", "com", "also"}
    | {"then", "puis", "luego", "poi", "dann", "dan"}
)
_MAX_ANCHORS: Final = 8


@dataclass(frozen=True, slots=True)
class _Check:
    """A math pattern; with `anchors`, searched only near those (rarer) substrings.

    Python's regex engine tries every position, so a pattern that starts with a common
    character is scanned cheaply by looking for its rare character first.
    """

    pattern: re.Pattern[str]
    weight: float
    label: str
    anchors: tuple[str, ...] = ()
    reach: tuple[int, int] = (24, 8)
    needs_digit: bool = False

    def find(self, text: str, has_digit: bool) -> re.Match[str] | None:
        if self.needs_digit and not has_digit:
            return None
        if not self.anchors:
            return self.pattern.search(text)
        for anchor in self.anchors:
            position, seen = text.find(anchor), 0
            while position >= 0 and seen < _MAX_ANCHORS:
                start, end = max(0, position - self.reach[0]), position + self.reach[1]
                match = self.pattern.search(text, start, end)
                if match:
                    return match
                position, seen = text.find(anchor, position + 1), seen + 1
        return None


_MATH_CHECKS: Final = (
    _Check(
        # A whole number (starting at its first digit, so a failed try costs little),
        # an operator or operator word, a number: "17 * 23", "3 fois 4", "9 - 2".
        re.compile(
            r"\d(?<![\d.,]\d)[\d.,]*\s*(?:[*\u00d7\u00f7^+]\s*\(?-?|\s[-/:]\s+"
            r"|(?=[tfmkvpxdTFMKVPXD])(?i:times|fois|mal|keer|vezes|per|por|x|plus|minus|moins"
            r"|menos|meno|diviso|dividido)\s+)\d+"
        ),
        3.0,
        "arithmetic",
        needs_digit=True,
    ),
    _Check(
        re.compile(r"\b\d*[a-z]\s*[-+]\s*\d+\s*=|\b[a-z]\s*=\s*-?\d"),
        2.5,
        "equation",
        ("=",),
        needs_digit=True,
    ),
    _Check(re.compile(r"\b[a-z]\s*[²³]|\b[a-z]\^\d"), 2.5, "equation", ("²", "³", "^"), (4, 4)),
    _Check(re.compile(r"\b[fgh]\([a-z]\)|\by'"), 2.5, "equation", ("(", "y'"), (2, 4)),
    _Check(re.compile(r"=\s*\?|\?\s*="), 2.0, "'= ?'", ("=",), (8, 8)),
    _Check(re.compile(r"[√∫∑∏π≤≥≠∞²³]"), 2.0, "math symbol"),
    _Check(re.compile(r"\bsqrt\("), 2.0, "math symbol", ("sqrt(",), (1, 6)),
    _Check(re.compile(r"\d\s*%"), 2.0, "percentage", ("%",), (4, 1), needs_digit=True),
    _Check(re.compile(r"(?<![\w/.])\d+/\d+(?![\w/.])"), 1.5, "fraction", ("/",), needs_digit=True),
    _Check(re.compile(r"[$€£]"), 0.5, "amount of money"),
)
_CJK: Final = re.compile("[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_CJK_CUES: Final = (
    (
        "creative",
        re.compile(
            "詩|俳句|物語|小説|歌詞|キャッチコピー|诗|故事|小说|歌词|시를|이야기|소설|노래|가사"
        ),
    ),
    ("math", re.compile("計算|いくつ|何倍|方程式|証明|乗|计算|多少|方程|证明|계산|몇|방정식|증명")),
    (
        "coding",
        re.compile(
            "コード|関数|プログラム|エラー|バグ|代码|函数|程序|错误|코드|함수|프로그램|오류"
        ),
    ),
)
_EMOJI: Final = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2764]")


def code_cues(view: TextView, text: str) -> list[Cue]:
    """Code fences, code-like lines, stack traces, error names and file names."""
    found: list[Cue] = []
    if view.fences:
        tag = f" ({view.fence_tags[0]})" if view.fence_tags else ""
        found.append(Cue("coding", 4.0, f"code fence{tag}"))
    if view.trace_lines:
        found.append(Cue("coding", 3.5, "stack trace"))
    if view.code_lines >= 2:
        found.append(Cue("coding", 3.0, f"{view.code_lines} code lines"))
    elif view.code_lines == 1:
        found.append(Cue("coding", 1.5, "code-like line"))
    if view.error_names:
        found.append(Cue("coding", 2.5, f"error {view.error_names[0]!r}"))
    if view.inline_code:
        found.append(Cue("coding", 1.0, "inline code"))
    name = _LANGUAGE_NAME.search(text) or _FILE_NAME.search(text)
    if name:
        found.append(Cue("coding", 2.5, f"keyword {name.group(0)!r}"))
    if _BIG_O.search(text):
        found.append(Cue("coding", 1.0, "big-O notation"))
        found.append(Cue("high", 2.0, "big-O notation"))
    return found


def math_cues(prose: str) -> list[Cue]:
    """Arithmetic, equations, math symbols, percentages and runs of numbers."""
    found: list[Cue] = []
    labels: set[str] = set()
    has_digit = _DIGIT.search(prose) is not None
    for check in _MATH_CHECKS:
        match = None if check.label in labels else check.find(prose, has_digit)
        if match:
            labels.add(check.label)
            found.append(Cue("math", check.weight, f"{check.label} {match.group(0).strip()!r}"))
    numbers = len(_NUMBER.findall(prose)) if has_digit else 0
    if numbers >= 2:
        found.append(Cue("math", 1.0 if numbers < 4 else 2.0, f"{numbers} numbers"))
    return found


def cjk_cues(prose: str) -> list[Cue]:
    """A few keywords for scripts without spaces between words (best effort)."""
    if prose.isascii() or not _CJK.search(prose):
        return []
    found: list[Cue] = []
    for kind, pattern in _CJK_CUES:
        match = pattern.search(prose)
        if match:
            found.append(Cue(kind, 3.0, f"keyword {match.group(0)!r}"))
    return found


def chat_cues(prose: str) -> list[Cue]:
    """Emoji: fans write them, task prompts rarely do."""
    return [Cue("chat", 1.0, "emoji")] if _EMOJI.search(prose) else []


def part_cues(prose: str, tokens: Sequence[str]) -> list[Cue]:
    """How many listed parts the request has: a count, read by the complexity decision."""
    parts = prose.count(",") + prose.count(";") + sum(token in _CONJUNCTIONS for token in tokens)
    return [Cue("parts", float(parts), f"{parts} listed parts")] if parts else []


def size_cues(view: TextView, prose_words: int) -> list[Cue]:
    """Long prompts and long code tend to need more work."""
    found: list[Cue] = []
    if view.code_lines >= 25:
        found.append(Cue("high", 2.0, f"{view.code_lines} lines of code"))
    elif view.code_lines >= 12:
        found.append(Cue("high", 1.0, f"{view.code_lines} lines of code"))
    if prose_words >= 60:
        found.append(Cue("high", 1.0, f"{prose_words} words"))
    return found
