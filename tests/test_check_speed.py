"""`check`'s fixed cost (issue [10]): work shared between its parts instead of done twice,
and modules a run does not need left unimported. No timing is asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipwarden.cli import main


def test_check_reads_the_ranking_once_and_shares_one_typosquat_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """lint (PW401) and vet both judge names against the ranking: one read, one index,
    and both still flag the typosquat."""
    import pipwarden.toplist as toplist_module
    from pipwarden.checks.typosquat import TyposquatIndex

    loads: list[object] = []
    real_load = toplist_module.load_toplist

    def counting_load(*args: object, **kwargs: object) -> toplist_module.TopList:
        loads.append(args)
        return real_load(*args, **kwargs)  # type: ignore[arg-type]

    for where in ("pipwarden.toplist", "pipwarden.lint.supplychain", "pipwarden.vet.vetter"):
        monkeypatch.setattr(f"{where}.load_toplist", counting_load)
    built: list[object] = []
    real_init = TyposquatIndex.__init__

    def counting_init(self: TyposquatIndex, *args: object, **kwargs: object) -> None:
        built.append(self)
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(TyposquatIndex, "__init__", counting_init)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("reqeusts>=2.0\nrequests>=2.31\n")
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    main(["check", "--offline", "--format", "json", str(root)])
    data = json.loads(capsys.readouterr().out)
    assert len(loads) == 1
    assert len(built) == 1
    assert [f["code"] for f in data["lint"]["findings"]] == ["PW401"]
    verdicts = {p["name"]: p["verdict"] for p in data["vet"]["packages"]}
    assert verdicts["reqeusts"] == "risk"
    assert any(s["id"] == "typosquat" for p in data["vet"]["packages"] for s in p["signals"])


def test_vet_thresholds_of_the_policy_get_their_own_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shared index is keyed by its thresholds: vet obeys the policy's, lint keeps the
    defaults."""
    from pipwarden.checks.typosquat import TyposquatIndex

    built: list[tuple[object, object]] = []
    real_init = TyposquatIndex.__init__

    def counting_init(self: TyposquatIndex, *args: object, **kwargs: object) -> None:
        built.append((kwargs.get("trusted_rank"), kwargs.get("rank_ratio")))
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(TyposquatIndex, "__init__", counting_init)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("reqeusts>=2.0\n")
    (root / ".pipwarden.toml").write_text("[vet]\ntyposquat-rank-ratio = 20\n")
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    main(["check", "--offline", "--format", "json", str(root)])
    data = json.loads(capsys.readouterr().out)
    assert sorted(built, key=str) == [(1000, 10.0), (1000, 20.0)]
    assert [f["code"] for f in data["lint"]["findings"]] == ["PW401"]
    assert {p["name"]: p["verdict"] for p in data["vet"]["packages"]}["reqeusts"] == "risk"


def test_an_offline_check_loads_no_http_stack(tmp_path: Path) -> None:
    """Offline, the PyPI client reads its cache only: ``http.client`` and ``ssl`` (the
    urllib transport) are not imported."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("requests>=2.31\n")
    (root / "app.py").write_text("import requests\n")
    code = (
        "import sys\nfrom pipwarden.cli import main\n"
        f"main(['check', '--offline', '--format', 'json', {str(root)!r}])\n"
        "print(sorted(m for m in ('http.client', 'ssl', 'urllib.request') "
        "if m in sys.modules), file=sys.stderr)\n"
    )
    env = {"PIPWARDEN_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=False)
    assert proc.stderr.strip().splitlines()[-1] == "[]", proc.stderr[-2000:]
