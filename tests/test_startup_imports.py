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
