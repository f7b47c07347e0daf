"""Split a prompt into human prose and machine text (code, stack traces).

Language is judged on the prose only; the machine part is evidence for the task type.
Everything here is a pure function of the prompt text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MAX_CHARS: Final = 3000
"""Prompts longer than this are analysed as head + tail, which bounds detection time."""
_TAIL_CHARS: Final = 600
PROSE_WINDOW: Final = 800
"""Word-level cues read at most this much prose (head and tail): the ask is rarely in the middle."""
_PROSE_TAIL: Final = 200

_FENCE: Final = re.compile(r"```[ \t]*([\w+#.-]*)[^\n`]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_INLINE_CODE: Final = re.compile(r"`([^`\n]+)`")
_URL: Final = re.compile(r"\b(?:https?://|www\.)\S+")
_EMAIL: Final = re.compile(r"\S+@\S+\.\w+")
_TRACE_LINE: Final = re.compile(
    r"""^\s*(?:
        Traceback\ \(most\ recent\ call\ last\)
      | File\ ".*",\ line\ \d+
      | at\ [\w$.<>/]+\s*\(.*\)
      | at\ .*:\d+(?::\d+)?\)?$
      | (?:Exception\ in\ thread|Caused\ by:|goroutine\ \d+|panic:|npm\ ERR!|error\[E\d+\])
      | [\w.]*(?:Error|Exception|Fault)(?::|$)
      | \S+\.(?:py|js|ts|go|java|rb|rs|php|cs|cpp|c):\d+
    )""",
    re.VERBOSE,
)
_CODE_LINE: Final = re.compile(
    r"""^\s*(?:
        def\s+\w+\s*\( | class\s+\w+\s*(?:[:({]|extends\b)
      | (?:import|using|package)\s+[\w.*]+(?:\s+as\s+\w+)?;?$
      | from\s+[\w.]+\s+import\b | \#include\b | //
      | (?:const|let|var|val|auto)\s+\w+\s*[:=]
      | (?:function|fn|func)\s+\w+\s*[(<]
      | (?:public|private|protected)\s+(?:static\s+)?[\w<>\[\]]+\s+\w+\s*[({;=]
      | (?:SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|CREATE\s+TABLE|WHERE|FROM)\b
      | (?:GROUP|ORDER)\s+BY\b
      | (?:elif|except|while|for|if)\b.*:$
      | (?:if|for|while|switch|catch)\s*\(
      | (?:else|try|do|finally)\s*[:{]
      | [\w.\[\]'"]+\s*[-+*/]?=\s*.*(?:[(\["'].*|;)$
      | [\w.\[\]]+(?:\+\+|--);?$
      | [}\])]+[;,)]*$
      | [\w.]+\([^()]*\)$
    )
    | ^(?:\t|\ {2,})(?:return\b|\w+\(|\w+\s*[-+*/]?=\s)
    """,
    re.VERBOSE,
)
_SQL_START: Final = re.compile(r"\s*(?:SELECT|INSERT INTO|UPDATE|DELETE FROM|CREATE TABLE)\s")
_CODE_MARKER: Final = re.compile(r"=>|===|!==|::|&&|\|\||console\.log|print\(|println")
_CODE_ENDINGS: Final = ("{", ";", "):")
_PROSE_RUN: Final = re.compile(r"[^\W\d_]{3,}(?:\s+[^\W\d_]{2,}){4,}")
_SENTENCE: Final = re.compile(r"\W*(?:[^\W\d_]+\W+){3}.*[.?!\uff1f\u3002]\s*$")
_ERROR_NAME: Final = re.compile(r"\b(?:[A-Z]\w*(?:Error|Exception)|Segmentation fault|ERESOLVE)\b")
_WORD: Final = re.compile(r"[^\W\d_]+'?")


@dataclass(frozen=True, slots=True)
class TextView:
    """A prompt seen as prose plus counts of the machine text around it."""

    text: str  # the prompt as analysed (clipped to MAX_CHARS)
    prose: str
    fences: int
    fence_tags: tuple[str, ...]
    inline_code: int
    code_lines: int
    trace_lines: int
    error_names: tuple[str, ...]


def clip(text: str) -> str:
    """Keep head and tail of very long text: instructions sit at either end."""
    if len(text) <= MAX_CHARS:
        return text
    return text[: MAX_CHARS - _TAIL_CHARS] + "\n" + text[-_TAIL_CHARS:]


def window(prose: str) -> str:
    """Head and tail of long prose, for the word-level cues."""
    if len(prose) <= PROSE_WINDOW:
        return prose
    return prose[: PROSE_WINDOW - _PROSE_TAIL] + "\n" + prose[-_PROSE_TAIL:]


def analyse(prompt: str) -> TextView:
    """Separate prose from code fences, inline code, code-like lines and traces."""
    text = clip(prompt)
    fence_tags: list[str] = []
    fenced_lines = 0
    for match in _FENCE.finditer(text):
        fence_tags.append(match.group(1).lower())
        fenced_lines += match.group(2).count("\n") + 1
    outside = _FENCE.sub("\n", text)
    inline = len(_INLINE_CODE.findall(outside))
    outside = _strip_addresses(_INLINE_CODE.sub(" ", outside))
    prose_lines, code_lines, trace_lines = _split_lines(outside)
    return TextView(
        text=text,
        prose="\n".join(prose_lines),
        fences=len(fence_tags),
        fence_tags=tuple(tag for tag in fence_tags if tag),
        inline_code=inline,
        code_lines=code_lines + fenced_lines,
        trace_lines=trace_lines,
        error_names=_error_names(text),
    )


def _strip_addresses(text: str) -> str:
    if "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    return text


def _error_names(text: str) -> tuple[str, ...]:
    if not any(word in text for word in ("Error", "Exception", "fault", "ERESOLVE")):
        return ()
    return tuple(dict.fromkeys(_ERROR_NAME.findall(text)))


def _split_lines(text: str) -> tuple[list[str], int, int]:
    prose: list[str] = []
    code = trace = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        if _TRACE_LINE.match(line):
            trace += 1
            if _PROSE_RUN.search(line):  # "npm ERR! code EACCES when installing packages ..."
                prose.append(line)
        elif _is_code_line(line):
            code += 1
        else:
            prose.append(line)
    return prose, code, trace


def _is_code_line(line: str) -> bool:
    looks_like_code = (
        line.rstrip().endswith(_CODE_ENDINGS)
        or _CODE_MARKER.search(line) is not None
        or _CODE_LINE.match(line) is not None
    )
    if not looks_like_code:
        return False
    if line.startswith(("    ", "\t")) or _SQL_START.match(line):
        return True
    # A sentence that mentions "===" or ends in ";" is still prose.
    return _SENTENCE.match(line) is None and _PROSE_RUN.search(line) is None


def words(text: str) -> list[str]:
    """Lower-cased word tokens; an elided article keeps its apostrophe ("l'", "don'")."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))
