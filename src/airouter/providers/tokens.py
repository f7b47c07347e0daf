"""Token counting for when an upstream reports none (the simulated model, cut-off streams).

Real tokenizers (tiktoken and friends) download their vocabularies at run time,
which this gateway must not depend on. This approximation follows how BPE
vocabularies split text -- words, numbers and punctuation separately, long words
in pieces of about four characters -- and lands within ~15 % of cl100k on English
and French prose, which is what cost accounting needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from airouter.messages import message_text

_PIECES = re.compile(r"[^\W\d_]+|\d{1,3}|[^\w\s]|_+", re.UNICODE)
_PER_MESSAGE_OVERHEAD = 4  # role markers and separators, as OpenAI's chat format adds


def count_text(text: str) -> int:
    """Approximate BPE tokens in `text`."""
    return sum(1 + (len(piece) - 1) // 4 for piece in _PIECES.findall(text))


def count_messages(messages: Iterable[Mapping[str, Any]]) -> int:
    return sum(count_text(message_text(m)) + _PER_MESSAGE_OVERHEAD for m in messages) + 2
