"""What a run does not import: each module below costs start-up time, on every run, for
nothing when the run does not need it (see docs/benchmarks.md). Fresh interpreters: pytest
itself imports most of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _modules_after(code: str, cwd: Path, env_columns: str | None = None) -> str:
    import os

    env = dict(os.environ)
    if env_columns is not None:
        env["COLUMNS"] = env_columns
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd, timeout=60, check=True, env=env)
    return done.stdout


def test_building_a_parser_reads_the_width_without_shutil(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom pipwarden.arguments import build_parser\n"
        "p = build_parser('audit')\n"
        "help = p._subparsers._group_actions[0].choices['audit'].format_usage()\n"
        "print('shutil' in sys.modules, len(help.splitlines()))\n"
    )
    narrow = _modules_after(code, tmp_path, "60").split()
    wide = _modules_after(code, tmp_path, "200").split()
    assert narrow[0] == wide[0] == "False"
    assert int(narrow[1]) > int(wide[1])  # COLUMNS still decides where usage wraps


def test_a_utf8_requirements_file_and_no_policy_need_neither_locale_nor_tomllib(
    tmp_path: Path,
) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.31.0\n", encoding="utf-8")
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from pipwarden.sources.requirements import parse_requirements\n"
        "from pipwarden.policy import load_policy\n"
        "parse_requirements(Path('requirements.txt'))\nload_policy(Path('.'))\n"
        "print('locale' in sys.modules and 'argparse' not in sys.modules, "
        "'tomllib' in sys.modules)\n"
    )
    assert _modules_after(code, tmp_path).split() == ["False", "False"]
    (tmp_path / ".pipwarden.toml").write_text('fail-on = "high"\n', encoding="utf-8")
    assert _modules_after(code, tmp_path).split() == ["False", "True"]


def test_a_lazy_pattern_compiles_at_first_use_and_behaves_as_the_pattern() -> None:
    import re

    from pipwarden.lazyre import LazyPattern

    lazy = LazyPattern(r"(?P<k>[a-z]+)=(\d+)", re.IGNORECASE)
    assert lazy._compiled is None  # nothing compiled yet
    real = re.compile(r"(?P<k>[a-z]+)=(\d+)", re.IGNORECASE)
    text = "A=1, bb=22; c=x"
    assert lazy.search(text).group() == real.search(text).group()  # type: ignore[union-attr]
    assert lazy.compiled is real or lazy.compiled.pattern == real.pattern
    assert lazy.match(text) is not None and lazy.fullmatch("a=1") is not None
    assert lazy.match(text, 3) is None
    assert lazy.search(text, 3, 10).group() == "bb=22"  # type: ignore[union-attr]
    assert lazy.findall(text) == real.findall(text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.sub("-", text) == real.sub("-", text)
    upper = lambda m: m["k"].upper()  # noqa: E731
    assert lazy.sub(upper, text, 1) == real.sub(upper, text, 1)
    assert lazy.split(text) == real.split(text)
    assert lazy.pattern == real.pattern
    assert LazyPattern(rb"\xc2").search(b"a\xc2") is not None  # bytes patterns too


def test_a_run_collects_cycles_less_often_and_restores_the_thresholds(tmp_path: Path) -> None:
    import gc

    from pipwarden import cli

    seen: list[tuple[int, int, int]] = []
    before = gc.get_threshold()

    def handler(args: object) -> int:
        seen.append(gc.get_threshold())
        return 0

    import pytest

    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(cli.HANDLERS, "init", f"{__name__}:_handler_for_test")
        mp.setattr(sys.modules[__name__], "_handler_for_test", handler, raising=False)
        assert cli.main(["init", str(tmp_path)]) == 0
    assert seen and seen[0][0] >= cli._GC_THRESHOLD  # during the run
    assert gc.get_threshold() == before  # and as it was afterwards (tests, library users)


def test_an_offline_check_without_markers_loads_no_requirement_parser_nor_threads(
    tmp_path: Path,
) -> None:
    """packaging's requirement and marker parsers (and the platform probing behind them)
    and thread pools are imported by the code paths that need them only."""
    project = tmp_path / "p"
    project.mkdir()
    (project / "requirements.txt").write_text("requests>=2.31\nrich==13.7.0\n")
    (project / "app.py").write_text("import requests\nimport rich\n")
    (project / "run.sh").write_text("#!/bin/sh\npython app.py\n")
    code = (
        "import io, os, sys, contextlib\n"
        f"os.environ['PIPWARDEN_CACHE_DIR'] = {str(tmp_path / 'cache')!r}\n"
        "from pipwarden.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['check', '--offline', '--format', 'json', {str(project)!r}])\n"
        "print(sorted(m for m in ('packaging.requirements', 'packaging.markers', "
        "'concurrent.futures') if m in sys.modules))\n"
    )
    assert _modules_after(code, tmp_path).strip() == "[]"
