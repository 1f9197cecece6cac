"""Dependencies that Poetry and PDM declare in ``pyproject.toml`` outside ``[project]``.

Poetry (1.x and 2.x) keeps them in ``[tool.poetry.dependencies]``, the legacy
``[tool.poetry.dev-dependencies]`` and ``[tool.poetry.group.<name>.dependencies]``, written
in its own constraint language (``^1.2``, ``~1.2``, ``1.2.*``, tables with ``version``,
``extras``, ``markers``, ``python``, ``git``, ``path``, ``url``). They are translated to
PEP 440 specifiers with the meaning Poetry's documentation gives them. The OR forms (a list
of constraint tables, a ``||`` union) become one dependency per alternative, each audited
on its own: nothing is merged or guessed.
PDM's ``[tool.pdm.dev-dependencies]`` holds PEP 508 strings per group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from pipwarden.errors import InputError
from pipwarden.models import Dependency, Location, canonical_name
from pipwarden.redact import redact_text

__all__ = ["pdm_dependencies", "poetry_dependencies", "poetry_specifier"]

_OPERATOR = re.compile(r"^(===|==|!=|<=|>=|<|>|=|~=|\^|~)?\s*(.*)$")
_VCS_KEYS = ("git", "hg", "svn", "bzr")


def _release(text: str) -> list[int]:
    """The release numbers of a version written in a constraint (``1.2`` → [1, 2])."""
    try:
        return list(Version(text).release)
    except InvalidVersion:
        raise ValueError(f"{text!r} is not a version") from None


def _caret(version: str) -> str:
    parts = _release(version)
    # the first non-zero part is the one that may not change (^0.2.3 → <0.3.0)
    index = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
    upper = [*parts[:index], parts[index] + 1]
    return f">={version},<{'.'.join(map(str, upper))}"


def _tilde(version: str) -> str:
    parts = _release(version)
    upper = [parts[0] + 1] if len(parts) == 1 else [parts[0], parts[1] + 1]
    return f">={version},<{'.'.join(map(str, upper))}"


def poetry_specifier(constraint: str) -> str:
    """A Poetry version constraint as a PEP 440 specifier string (``""`` for any).

    >>> poetry_specifier("^1.2.3")
    '>=1.2.3,<2'
    >>> poetry_specifier("~0.9 , !=0.9.5")
    '>=0.9,<0.10,!=0.9.5'

    Raises ValueError for what PEP 440 cannot express (``||`` unions) or cannot parse.
    """
    text = constraint.strip()
    if "|" in text:
        raise ValueError(f"{constraint!r} is a union (||): read each alternative on its own")
    if text in {"", "*"}:
        return ""
    # Poetry separates AND-ed constraints with commas or white space (">=1.2 <2").
    parts = [p for p in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", text) if p]
    out: list[str] = []
    for part in parts:
        match = _OPERATOR.match(part)
        op, version = (match.group(1) or "", match.group(2).strip()) if match else ("", part)
        if not version:
            raise ValueError(f"{constraint!r}: an operator without a version")
        if op == "^":
            out.append(_caret(version))
        elif op == "~":
            out.append(_tilde(version))
        elif op in {"", "="}:
            out.append(f"=={version}")
        else:
            out.append(f"{op}{version}")
    return ",".join(out)


def _line_of(locator: Any, table: str, key: str) -> tuple[int | None, int | None]:
    span = locator.table_span(table)
    if span is None:
        return None, None
    after = locator.key_offset(span[0], span[1], key)
    if after is None:
        return None, None
    line, _column = locator.position(after)
    return line, None  # no column: the text there is Poetry's, not a PEP 508 string


def _python_marker(constraint: str) -> str:
    """A Poetry ``python = "…"`` constraint as a PEP 508 marker on python_full_version."""
    spec = poetry_specifier(constraint)
    parts = []
    for item in spec.split(",") if spec else []:
        match = re.match(r"(===|==|!=|<=|>=|<|>|~=)(.*)", item)
        if match is None:
            raise ValueError(f"python = {constraint!r}: cannot read")
        op, version = match.groups()
        key = "python_version" if version.endswith(".*") else "python_full_version"
        parts.append(f'{key} {op} "{version}"')
    return " and ".join(parts)


def _alternatives(spec: object) -> list[object]:
    """Poetry's OR forms as one spec each: a list of constraint tables (one per marker or
    Python) and ``||`` unions. Each is a declaration of its own, audited on its own."""
    if isinstance(spec, list):
        return list(spec)
    if isinstance(spec, str) and "|" in spec:
        return [alt.strip() for alt in re.split(r"\|\|?", spec)]
    version = spec.get("version") if isinstance(spec, Mapping) else None
    if isinstance(spec, Mapping) and isinstance(version, str) and "|" in version:
        return [{**spec, "version": alt.strip()} for alt in re.split(r"\|\|?", version)]
    return [spec]


def _poetry_entry(
    name: str, spec: object, *, path: str, table: str, group: str | None, locator: Any
) -> Dependency:
    line, column = _line_of(locator, table, name)
    where = f"[{table}].{name}"
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    specifier = ""
    if isinstance(spec, str):
        constraint = spec
    elif isinstance(spec, Mapping):
        constraint = spec.get("version", "") if isinstance(spec.get("version", ""), str) else ""
        raw_extras = spec.get("extras", [])
        if isinstance(raw_extras, list):
            extras = tuple(sorted(str(e) for e in raw_extras))
        markers = [spec["markers"]] if isinstance(spec.get("markers"), str) else []
        if isinstance(spec.get("python"), str):
            try:
                python = _python_marker(spec["python"])
            except ValueError as exc:
                raise InputError(f"{where}: {exc}", path=path, line=line) from None
            if python:
                markers.append(python)
        if markers:
            marker = " and ".join(f"({m})" if len(markers) > 1 else m for m in markers)
        for key in _VCS_KEYS:
            if isinstance(spec.get(key), str):
                refs = [spec[k] for k in ("rev", "tag", "branch") if isinstance(spec.get(k), str)]
                ref = refs[0] if refs else None
                url = f"{key}+{spec[key]}" + (f"@{ref}" if ref else "")
        for key in ("path", "url"):
            if url is None and isinstance(spec.get(key), str):
                url = str(spec[key])
    else:
        raise InputError(f"{where}: expected a string or a table", path=path, line=line)
    if url is None:
        try:
            specifier = poetry_specifier(constraint)
        except ValueError as exc:
            raise InputError(f"{where}: {exc}", path=path, line=line) from None
    extra_text = f"[{','.join(extras)}]" if extras else ""
    text = f"{name}{extra_text}" + (f" @ {url}" if url else specifier)
    if marker:
        text += f"; {marker}"
    try:
        Requirement(text)
    except InvalidRequirement as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise InputError(f"{where}: cannot read {redact_text(text)!r}: {detail}",
                         path=path, line=line) from None
    return Dependency(
        name=canonical_name(name),
        raw_name=name,
        specifier=specifier,
        location=Location(path, line, column),
        text=text,
        extras=extras,
        marker=marker,
        url=url,
        group=group,
    )


def _tables(tool_poetry: Mapping[str, Any]) -> list[tuple[str, str | None, Mapping[str, Any]]]:
    """(dotted table name, group, table) for every Poetry dependency table."""
    out: list[tuple[str, str | None, Mapping[str, Any]]] = []
    main = tool_poetry.get("dependencies")
    if isinstance(main, Mapping):
        out.append(("tool.poetry.dependencies", None, main))
    dev = tool_poetry.get("dev-dependencies")
    if isinstance(dev, Mapping):
        out.append(("tool.poetry.dev-dependencies", "group:dev", dev))
    groups = tool_poetry.get("group")
    if isinstance(groups, Mapping):
        for group_name, body in groups.items():
            deps = body.get("dependencies") if isinstance(body, Mapping) else None
            if isinstance(deps, Mapping):
                out.append((f"tool.poetry.group.{group_name}.dependencies",
                            f"group:{group_name}", deps))
    return out


def poetry_dependencies(
    data: Mapping[str, Any], path: str, locator: Any, errors: list[InputError] | None
) -> list[Dependency]:
    """Every dependency of the ``[tool.poetry]`` tables (``python`` itself left out).

    Optional main dependencies take the group ``optional:<extra>`` of the
    ``[tool.poetry.extras]`` that list them. A malformed entry raises, or with ``errors``
    is appended there and left out.
    """
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, Mapping) else None
    if not isinstance(poetry, Mapping):
        return []
    extras_of: dict[str, list[str]] = {}
    extras = poetry.get("extras")
    if isinstance(extras, Mapping):
        for extra, names in extras.items():
            for dep_name in names if isinstance(names, list) else []:
                extras_of.setdefault(canonical_name(str(dep_name)), []).append(str(extra))
    out: list[Dependency] = []
    for table, group, deps in _tables(poetry):
        for name, spec in deps.items():
            if canonical_name(name) == "python":
                continue
            optional = isinstance(spec, Mapping) and spec.get("optional") is True
            dep_group = group
            if optional and group is None:
                dep_group = "optional:" + ",".join(extras_of.get(canonical_name(name), []))
            for alternative in _alternatives(spec):
                try:
                    out.append(_poetry_entry(name, alternative, path=path, table=table,
                                             group=dep_group, locator=locator))
                except InputError as exc:
                    if errors is None:
                        raise
                    errors.append(exc)
    return out


def pdm_dependencies(
    data: Mapping[str, Any], path: str, locator: Any, errors: list[InputError] | None
) -> list[Dependency]:
    """``[tool.pdm.dev-dependencies]``: PEP 508 strings per group (``-e`` paths are URLs)."""
    tool = data.get("tool")
    pdm = tool.get("pdm") if isinstance(tool, Mapping) else None
    groups = pdm.get("dev-dependencies") if isinstance(pdm, Mapping) else None
    if not isinstance(groups, Mapping):
        return []
    out: list[Dependency] = []
    span = locator.table_span("tool.pdm.dev-dependencies")
    for group_name, items in groups.items():
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, str):
                continue
            text = item.strip()
            pos = locator.find_string(item, *span) if span else None
            line = locator.position(pos)[0] if pos is not None else None
            editable = text.startswith("-e ")
            if editable:
                url = text[3:].strip()
                out.append(Dependency(name=url, raw_name="", specifier="",
                                      location=Location(path, line), text=text, url=url,
                                      editable=True, group=f"group:{group_name}"))
                continue
            try:
                req = Requirement(text)
            except InvalidRequirement as exc:
                error = InputError(
                    f"[tool.pdm.dev-dependencies].{group_name}: cannot parse "
                    f"{redact_text(text)!r}: {str(exc).splitlines()[0] if str(exc) else ''}",
                    path=path, line=line)
                if errors is None:
                    raise error from None
                errors.append(error)
                continue
            out.append(Dependency(
                name=canonical_name(req.name), raw_name=req.name,
                specifier=str(req.specifier), location=Location(path, line), text=text,
                extras=tuple(sorted(req.extras)),
                marker=str(req.marker) if req.marker else None, url=req.url,
                group=f"group:{group_name}",
            ))
    return out
