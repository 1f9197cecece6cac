"""The README's "Try it" command shows what it promises: findings, exit 1, no refusal.

The venv and install steps are skipped (the test venv already holds pipwarden); the
pipwarden steps run as written, with the demo database moved into a temporary folder so
the checkout is not written.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _try_it_steps() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"\*\*Try it\*\*.*?```bash\n(.*?)```", readme, re.S)
    assert block, "README has no 'Try it' command block"
    steps = [shlex.split(part) for part in block.group(1).strip().split("&&")]
    return [step for step in steps if step and step[0].endswith("bin/pipwarden")]


def test_try_it_command_reports_the_example_findings(tmp_path: Path) -> None:
    steps = _try_it_steps()
    assert [step[1] for step in steps] == ["db", "check"]
    outputs = []
    for step in steps:
        args = [str(tmp_path / "demo.sqlite3") if a.endswith(".osv-demo.sqlite3") else a
                for a in step[1:]]
        proc = subprocess.run(
            [sys.executable, "-m", "pipwarden", *args],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )
        outputs.append(proc)
    imported, checked = outputs
    assert imported.returncode == 0, imported.stderr
    # exit 1 (findings on purpose), never 3 (data refused) or 2/4
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "Vulnerabilities" in checked.stdout
    assert "requests 2.19.1" in checked.stdout
    assert "no vulnerability data" not in checked.stdout
    assert "Traceback" not in checked.stderr
