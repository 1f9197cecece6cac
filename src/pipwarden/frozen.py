"""``@frozen``: pipwarden's frozen dataclasses, with their generated methods compiled once.

``@frozen`` is ``@dataclasses.dataclass(frozen=True)`` (``@frozen(order=True)`` adds the
ordering methods): the class is a standard dataclass in every respect (``fields``,
``replace``, ``asdict``, ``FrozenInstanceError``). What differs is start-up time. Python
3.11 writes the source of each generated method (``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__``, ``__delattr__``) and compiles it every time the class is
defined, i.e. at every start of every process: about 0.4 ms per class, a tenth of an audit
and a seventh of a warm ``check``.

Here the compiled code of those methods is kept next to the module's own bytecode, in the
module's ``__pycache__`` folder (``<module>.<cache tag>.dataclasses``), and reused while
the generated source is the same. The trust is that of the ``.pyc`` files beside it: the
folder is pipwarden's own installation, never the scanned project nor the user's cache
folder (which CI caches may restore from elsewhere). Each entry is keyed by the full text
of the generated source and the file by Python's bytecode magic number, so a change of
pipwarden or of Python compiles afresh; a file that cannot be read, or is not what we
wrote, is ignored; nothing is written where Python would not write bytecode
(``PYTHONDONTWRITEBYTECODE``, a read-only installation). Writes are atomic.
"""

from __future__ import annotations

import contextlib
import dataclasses
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar, dataclass_transform, overload

__all__ = ["frozen", "trusted"]

T = TypeVar("T")

#: Per module (``__name__``): its cache file and the compiled methods read from it.
_caches: dict[str, _MethodCache] = {}


class _MethodCache:
    """The compiled generated methods of one module's dataclasses."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.codes: dict[str, CodeType] = {}
        self.compiled = 0  # methods compiled by this process
        self._written = 0  # of which in the file
        if path is not None:
            self.codes = _read(path)

    def exec(self, source: str, globals_: dict[str, Any] | None = None,
             locals_: dict[str, Any] | None = None, /) -> None:
        """What ``dataclasses`` calls in place of ``exec``: the compiled code of ``source``
        from the file when it holds it, else compiled now (see :meth:`write`)."""
        code = self.codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec")
            self.codes[source] = code
            self.compiled += 1
        exec(code, globals_, locals_)  # noqa: S102 (what dataclasses itself does)

    def write(self) -> None:
        """Rewrite the file when methods were compiled since it was read or written (once
        per class made, not once per method)."""
        if self.compiled == self._written or self.path is None or sys.dont_write_bytecode:
            return
        self._written = self.compiled
        import tempfile  # (only when writing: it imports random)

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=".dataclasses.",
                                        suffix=".tmp")
        except OSError:
            self.path = None  # a read-only installation: compile, as Python does
            return
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(marshal.dumps((_magic(), self.codes)))
            tmp.replace(self.path)
        except (OSError, ValueError):
            self.path = None
            with contextlib.suppress(OSError):
                tmp.unlink()


def _magic() -> bytes:
    from importlib.util import MAGIC_NUMBER

    return MAGIC_NUMBER


def _read(path: Path) -> dict[str, CodeType]:
    """The compiled methods the file holds; nothing when it is missing, unreadable or not
    what :class:`_MethodCache` writes for this Python."""
    try:
        # (loads of the bytes: load of a file reads it a few bytes at a time)
        data = marshal.loads(path.read_bytes())  # noqa: S302 (our own bytecode, as a .pyc)
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == _magic()
            and isinstance(data[1], dict)):
        return {}
    codes: dict[str, CodeType] = data[1]
    if not all(type(k) is str and type(v) is CodeType for k, v in codes.items()):
        return {}
    return codes


def _cache_for(module_name: str) -> _MethodCache:
    cache = _caches.get(module_name)
    if cache is None:
        cache = _caches[module_name] = _MethodCache(_path_of(module_name))
    return cache


def _path_of(module_name: str) -> Path | None:
    """``<__pycache__ of the module>/<stem>.<cache tag>.dataclasses``: where Python keeps
    the module's bytecode (``PYTHONPYCACHEPREFIX`` included); ``None`` when the module
    has no source file or Python keeps no bytecode."""
    module = sys.modules.get(module_name)
    source = getattr(module, "__file__", None)
    if not source or not source.endswith(".py") or sys.implementation.cache_tag is None:
        return None
    from importlib.util import cache_from_source

    try:
        pyc = cache_from_source(source)
    except (NotImplementedError, ValueError):
        return None
    return Path(pyc).with_suffix(".dataclasses")


@overload
def frozen(cls: type[T], /) -> type[T]: ...


@overload
def frozen(*, order: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: type[T] | None = None, /, *, order: bool = False) -> Any:
    """``@dataclasses.dataclass(frozen=True, order=order)``, its methods compiled once."""

    def make(klass: type[T]) -> type[T]:
        cache = _cache_for(klass.__module__)
        namespace = vars(dataclasses)
        had = namespace.get("exec")
        namespace["exec"] = cache.exec  # dataclasses looks ``exec`` up in its globals
        try:
            made = dataclasses.dataclass(frozen=True, order=order)(klass)
        finally:
            if had is None:
                namespace.pop("exec", None)
            else:
                namespace["exec"] = had
        cache.write()
        return made

    return make if cls is None else make(cls)


def trusted(cls: type[T], /, **fields: object) -> T:
    """An instance of the frozen dataclass ``cls`` with these values, every field given,
    without ``__init__``: for values pipwarden made itself, in bulk (records loaded from
    the database, findings copied per pin). ``__init__`` of a frozen dataclass sets each
    field through ``object.__setattr__``, which dominates such loads; this fills the
    instance dict in one step."""
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj
