"""Turn one hypothesis-drawn byte string into many choices (test helper).

Hypothesis spends most of its time per draw; a generator that needs dozens of choices per
example is much faster when it draws one ``st.binary()`` and reads its choices from the
bytes (a shorter or smaller byte string shrinks to a simpler example).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Choices:
    """Choices read from ``data``, zero once it is used up."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            return 0
        value = self.data[self.at]
        self.at += 1
        return value

    def below(self, n: int) -> int:
        """A number in ``range(n)``."""
        return self.byte() % n if n > 1 else 0

    def pick(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def char(self) -> str:
        """Any code point but a surrogate."""
        code = (self.byte() << 16 | self.byte() << 8 | self.byte()) % 0x110000
        return "?" if 0xD800 <= code < 0xE000 else chr(code)
