"""Where a module is imported or a command called, kept packed until someone looks.

A large project imports ``os`` on thousands of lines and calls ``echo`` on thousands more;
slim only ever looks at the places of what turns out undeclared or provided by a
dependency. :class:`Packed` holds a file's numbers as the scan cache keeps them (the
text ``"1,3,5"``: a warm run reads a string instead of building every number) and makes
the numbers on first use; :class:`Places` is a module's ``(path, line, column)`` places
over its files' packed numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

__all__ = ["Packed", "Places", "pack_places"]

# Digits and commas only (a warm run checks megabytes of them: the simplest pattern is the
# fastest); see Packed.from_text for the rest.
_DIGITS_AND_COMMAS = re.compile(r"[0-9,]*")


class Packed(Sequence[int]):
    """Non-negative numbers (lines, or line and column pairs) packed as ``"1,3,5"``."""

    __slots__ = ("_numbers", "text")

    def __init__(self, numbers: Iterable[int] = ()) -> None:
        self._numbers: list[int] | None = list(numbers)
        self.text = ",".join(map(str, self._numbers))

    @classmethod
    def from_text(cls, text: object) -> Packed | None:
        """``text`` as the cache keeps it, checked: nothing, or numbers joined by commas;
        ``None`` when it is not (the file is scanned again). (A number of more than 10
        digits, which no scan writes, is read as 0 when the numbers are made: a damaged
        cache may misplace a line, never fail the run.)"""
        if type(text) is not str:
            return None
        if text and (_DIGITS_AND_COMMAS.fullmatch(text) is None or ",," in text
                     or text[0] == "," or text[-1] == ","):
            return None
        return _unpack(text)

    def _list(self) -> list[int]:
        numbers = self._numbers
        if numbers is None:
            numbers = self._numbers = [
                int(n) if len(n) <= 10 else 0 for n in self.text.split(",")
            ] if self.text else []
        return numbers

    def __len__(self) -> int:
        if self._numbers is not None:
            return len(self._numbers)
        return self.text.count(",") + 1 if self.text else 0

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        return self._list()[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Packed):
            return self.text == other.text
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self._list() == list(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Packed({self.text!r})"

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (_unpack, (self.text,))


def _unpack(text: str) -> Packed:
    """A :class:`Packed` of ``text``, not checked: checked by :meth:`Packed.from_text`, or
    back from a forked worker of this run (pickled by :meth:`Packed.__reduce__`)."""
    packed = Packed.__new__(Packed)
    packed.text = text
    packed._numbers = None
    return packed


class Places(Sequence[tuple[str, int, int]]):
    """A module's ``(path, line, column)`` places, in scan order, over each file's packed
    ``line, column, line, column…`` numbers; made on first use."""

    __slots__ = ("_files", "_places")

    def __init__(self, files: Iterable[tuple[str, Packed]]) -> None:
        self._files = tuple(files)
        self._places: tuple[tuple[str, int, int], ...] | None = None

    def _all(self) -> tuple[tuple[str, int, int], ...]:
        if self._places is None:
            self._places = tuple(
                (path, numbers[i], numbers[i + 1])
                for path, packed in self._files
                for numbers in (packed._list(),)
                for i in range(0, len(numbers) - 1, 2)
            )
        return self._places

    def __len__(self) -> int:
        return len(self._all())

    @overload
    def __getitem__(self, index: int) -> tuple[str, int, int]: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[tuple[str, int, int], ...]: ...

    def __getitem__(
        self, index: int | slice
    ) -> tuple[str, int, int] | tuple[tuple[str, int, int], ...]:
        return self._all()[index]

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"Places({list(self._all())!r})"


def pack_places(found: Iterable[tuple[str, int, int]]) -> list[tuple[str, Packed]]:
    """``(module, line, column)`` triples of one file as each module's packed ``line,
    column, line, column…``, modules in order of first use."""
    places: dict[str, list[int]] = {}
    for module, line, column in found:
        places.setdefault(module, []).extend((line, column))
    return [(module, Packed(numbers)) for module, numbers in places.items()]
