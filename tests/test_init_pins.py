"""pipwarden init pins what the generated project runs (issue [9] item 4), through the CLI:
pipwarden is installed only from the pinned source (Git commit or hash pin), unpinned
sources are refused with exit 2 and nothing written, every action is pinned by SHA with
its tag in a comment, and ``--ci gitlab|both`` writes a GitLab pipeline with the same pin.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest

import pipwarden
from pipwarden.cli import main
from pipwarden.scaffold import pins
from pipwarden.sources.environment import read_environment
from pipwarden.yamlscan import scan_yaml
from test_init import check_yaml_structure
from update_helpers import isolate_pip
from wheelhouse import make_wheel

COMMIT = "9c4e1f0b7a2d3c5e6f8a9b0c1d2e3f4a5b6c7d8e"
GIT_SPEC = f"git+https://example.org/acme/pipwarden.git@{COMMIT}"
HASH_A = "sha256:" + "0a1b2c3d" * 8
HASH_B = "sha256:" + "f9e8d7c6" * 8
# a command that installs or runs something: pipx install/run, pip install
INSTALL = re.compile(r"\b(?P<cmd>pipx\s+(?:install|run)|pip3?\s+install)\b(?P<args>[^\n]*)")
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>.*)$", re.MULTILINE)
PINNED_USES = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file()}


def _install_args(files: dict[str, str]) -> list[tuple[str, str, list[str], bool]]:
    """Every install command in every file, comments too: (file, command, arguments,
    whether it sits in a comment)."""
    found = []
    for name, text in files.items():
        for m in INSTALL.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            comment = text[line_start:m.start()].lstrip().startswith("#")
            args = m.group("args").split(" #", 1)[0].split("&&", 1)[0].split("`", 1)[0]
            try:
                words = shlex.split(args)
            except ValueError:
                words = args.split()
            found.append((name, " ".join(m.group("cmd").split()), words, comment))
    return found


def assert_only_pinned_installs(files: dict[str, str], spec: str) -> int:
    """Every pipx install/run and pip install installs the pinned spec, pip itself, the
    project's requirements, or tools/pipwarden.txt in hash-checking mode; nothing else
    (in particular never the bare name ``pipwarden``). In comments, prose may follow the
    words "pip install", but never a pipwarden other than the pin. Returns how many
    commands (outside comments) carry the pin."""
    pinned = 0
    for name, cmd, words, comment in _install_args(files):
        if comment:
            mentioned = [w for w in words if "pipwarden" in w.lower()]
            assert all(w in {spec, "tools/pipwarden.txt"} for w in mentioned), (name, words)
            continue
        options = [w for w in words if w.startswith("-")]
        rest = [w for i, w in enumerate(words)
                if i == 0 or words[i - 1] not in {"--upgrade-strategy", "--python"}]
        targets = [w for w in rest if not w.startswith("-")]
        where = f"{name}: {cmd} {' '.join(words)}"
        assert targets, f"install without a target in {where}"
        for target in targets:
            if target == spec:
                pinned += 1
            elif target == "tools/pipwarden.txt":
                assert cmd.startswith("pip") and "--require-hashes" in options, where
                pinned += 1
            else:
                assert cmd == "pip install" and target in {"pip", "requirements.txt"}, where
                assert "pipwarden" not in target.lower(), where
    return pinned


def _init(root: Path, *extra: str) -> int:
    return main(["init", str(root), "--offline", *extra])


@pytest.mark.parametrize("template", ["python", "dbt-bigquery"])
@pytest.mark.parametrize("ci", ["github", "gitlab", "both"])
def test_git_pin_is_the_only_install_of_pipwarden(
    tmp_path: Path, template: str, ci: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "proj"
    assert _init(root, "--template", template, "--ci", ci, "--pipwarden-source", GIT_SPEC) == 0
    assert f"pipwarden pinned to {GIT_SPEC}" in capsys.readouterr().out
    files = _files(root)
    # the pipx branch and the venv branch of the install script both carry the pin
    assert assert_only_pinned_installs(files, GIT_SPEC) == 2
    script = files["scripts/install_pipwarden.sh"]
    assert f"pipx install --force '{GIT_SPEC}'" in script
    assert "tools/pipwarden.txt" not in files
    # every place that needs pipwarden goes through the one script
    devcontainer = json.loads(files[".devcontainer/devcontainer.json"])
    assert devcontainer["postCreateCommand"].startswith("bash scripts/install_pipwarden.sh")
    for ci_file in (".github/workflows/supply-chain.yml", ".gitlab-ci.yml"):
        if ci_file in files:
            assert "bash scripts/install_pipwarden.sh" in files[ci_file]
    assert (".github/workflows/supply-chain.yml" in files) is (ci in {"github", "both"})
    assert (".gitlab-ci.yml" in files) is (ci in {"gitlab", "both"})
    # the fallback no longer runs an unpinned pipwarden: it fails as "not checked"
    routine = files["scripts/init_and_update.sh"]
    assert "pipx run" not in routine and "exit 3" in routine


def test_hash_pin_goes_through_require_hashes_not_pipx(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "proj"
    code = _init(root, "--ci", "both", "--pipwarden-source",
                 f"pipwarden==1.4.0 --hash={HASH_A}", "--pipwarden-hash", HASH_B)
    assert code == 0
    assert "tools/pipwarden.txt needs a hashed line for `packaging`" in capsys.readouterr().out
    files = _files(root)
    assert assert_only_pinned_installs(files, "pipwarden==1.4.0") == 1
    code_lines = [line for line in files["scripts/install_pipwarden.sh"].splitlines()
                  if not line.lstrip().startswith("#")]
    assert not any("pipx" in line for line in code_lines)
    reqs = [line for line in files["tools/pipwarden.txt"].splitlines()
            if not line.startswith("#")]
    assert reqs == ["pipwarden==1.4.0 \\", f"    --hash={HASH_A} \\", f"    --hash={HASH_B}"]


def test_hash_alone_pins_this_version(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    assert _init(root, "--pipwarden-hash", HASH_A) == 0
    text = (root / "tools/pipwarden.txt").read_text()
    assert f"pipwarden=={pipwarden.__version__} \\\n    --hash={HASH_A}\n" in text


REFUSED = {
    "bare-name": "pipwarden",
    "floor": "pipwarden>=0.1",
    "compatible": "pipwarden~=0.1",
    "wildcard": "pipwarden==0.*",
    "no-hash": "pipwarden==0.1.0",
    "bad-hash": "pipwarden==0.1.0 --hash=sha256:abc",
    "other-name": f"requests==2.0 --hash={HASH_A}",
    "branch": "git+https://example.org/acme/pipwarden@main",
    "tag": "git+https://example.org/acme/pipwarden@v0.1.0",
    "short-sha": "git+https://example.org/acme/pipwarden@9c4e1f0",
    "no-rev": "git+https://example.org/acme/pipwarden",
    "ssh": f"git+ssh://git@example.org/acme/pipwarden@{COMMIT}",
    "http": f"git+http://example.org/acme/pipwarden@{COMMIT}",
    "credentials": f"git+https://user:tok3n@example.org/acme/pipwarden@{COMMIT}",
    "quote": f"git+https://example.org/acme/pipwarden@{COMMIT}'; rm -rf ~ '",
    "fragment": f"git+https://example.org/acme/pipwarden@{COMMIT}#egg=pipwarden",
    "wheel-url": "https://example.org/pipwarden-0.1.0-py3-none-any.whl",
}


@pytest.mark.parametrize("spec", list(REFUSED.values()), ids=list(REFUSED))
def test_unpinned_sources_are_refused_and_nothing_is_written(
    tmp_path: Path, spec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "proj"
    assert _init(root, "--pipwarden-source", spec) == 2
    err = capsys.readouterr().err
    assert err.startswith("pipwarden: --pipwarden-source: ") and "Traceback" not in err
    assert "tok3n" not in err
    assert not root.exists()


def test_hash_with_a_git_url_is_refused(tmp_path: Path) -> None:
    assert _init(tmp_path / "p", "--pipwarden-source", GIT_SPEC, "--pipwarden-hash", HASH_A) == 2
    assert _init(tmp_path / "p", "--pipwarden-hash", "md5:abc") == 2
    assert not (tmp_path / "p").exists()


def test_no_source_and_no_commit_known_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The test venv's pipwarden is an editable install: no commit to pin, so init stops."""
    monkeypatch.setattr(pins, "_direct_url_text",
                        lambda: json.dumps({"url": "file:///src", "dir_info": {"editable": True}}))
    root = tmp_path / "proj"
    assert _init(root) == 2
    err = capsys.readouterr().err
    assert "pass --pipwarden-source" in err.splitlines()[0]
    assert not root.exists()


@pytest.mark.parametrize("record", [
    None,
    "not json",
    json.dumps({"url": "ssh://git@example.org/acme/pipwarden.git",
                "vcs_info": {"vcs": "git", "commit_id": COMMIT}}),
    json.dumps({"url": "https://example.org/acme/pipwarden.git",
                "vcs_info": {"vcs": "git", "commit_id": "main"}}),
    json.dumps({"url": "https://example.org/acme/pipwarden.git",
                "vcs_info": {"vcs": "hg", "commit_id": COMMIT}}),
], ids=["absent", "not-json", "ssh", "not-a-commit", "not-git"])
def test_unusable_install_records_give_no_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record: str | None
) -> None:
    monkeypatch.setattr(pins, "_direct_url_text", lambda: record)
    assert _init(tmp_path / "proj") == 2
    assert not (tmp_path / "proj").exists()


def test_default_is_the_commit_pipwarden_was_installed_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pip install git+https://…@<sha>`` records the commit in direct_url.json; init pins
    exactly that commit, without the credentials the record may hold."""
    record = {"url": "https://ci-user:s3cret@example.org/acme/pipwarden.git",
              "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "main"}}
    monkeypatch.setattr(pins, "_direct_url_text", lambda: json.dumps(record))
    root = tmp_path / "proj"
    assert _init(root, "--ci", "both") == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out and "(from the installed pipwarden (direct_url.json))" in out
    files = _files(root)
    assert assert_only_pinned_installs(files, GIT_SPEC) == 2
    assert not any("s3cret" in text or "ci-user" in text for text in files.values())


def _template_files() -> dict[str, str]:
    root = resources.files("pipwarden.scaffold").joinpath("templates")
    found: dict[str, str] = {}

    def walk(node: object, prefix: str) -> None:
        for child in node.iterdir():  # type: ignore[attr-defined]
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith((".yml", ".yaml", ".json", ".sh", ".toml")):
                found[prefix + child.name] = child.read_text(encoding="utf-8")

    walk(root, "")
    return found


def test_every_action_is_pinned_by_sha_with_its_tag(tmp_path: Path) -> None:
    for ref in (pins.action_ref(name) for name in pins.ACTION_PINS):
        assert PINNED_USES.match(ref), ref
    root = tmp_path / "proj"
    assert _init(root, "--template", "dbt-bigquery", "--ci", "both",
                 "--pipwarden-source", GIT_SPEC) == 0
    refs = [m.group("ref") for text in _files(root).values() for m in USES.finditer(text)]
    assert len(refs) == 2
    for ref in refs:
        assert PINNED_USES.match(ref), ref
    # the templates themselves name actions only through the pinned table
    raw = [m.group("ref") for text in _template_files().values() for m in USES.finditer(text)]
    assert raw and all(ref.startswith("@@action_") for ref in raw), raw


def test_pinned_uses_pattern_rejects_tags() -> None:
    for bad in ("actions/checkout@v4", "actions/checkout@v4.2.2",
                "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
                "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4",
                "actions/checkout@main # v4.2.2"):
        assert not PINNED_USES.match(bad), bad


def test_unpinned_install_check_catches_the_old_template() -> None:
    """The assertion helper fails on what the template used to write."""
    for old in ("pipx install pipwarden", "pipx run pipwarden audit --path .venv",
                "python -m pip install pipwarden", "pipx install 'pipwarden>=0.1'",
                "# then pipx install pipwarden", "pip install requests"):
        with pytest.raises(AssertionError):
            assert_only_pinned_installs({"x": old}, GIT_SPEC)


def test_gitlab_pipeline_parses_and_runs_the_pinned_routine(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    assert _init(root, "--ci", "gitlab", "--pipwarden-source", GIT_SPEC) == 0
    assert not (root / ".github").exists()
    text = (root / ".gitlab-ci.yml").read_text()
    check_yaml_structure(text, ".gitlab-ci.yml")
    entries = scan_yaml(text, items=True, source=".gitlab-ci.yml")  # strict: raises if odd
    values = {(e.path, e.key): e.value for e in entries if not e.item}
    items = [(e.path, e.value) for e in entries if e.item]
    assert values[((".supply-chain",), "image")] == "python:3.12-slim"
    assert ((".supply-chain", "before_script"), "bash scripts/install_pipwarden.sh") in items
    script = [v for p, v in items if p == (".supply-chain", "script")]
    assert any(v.startswith("pipwarden check --format markdown") for v in script)
    rules = {e.value for e in entries if e.key == "if"}
    assert rules == {'$CI_PIPELINE_SOURCE == "merge_request_event"',
                     '$CI_PIPELINE_SOURCE == "schedule"'}
    for job in ("supply-chain-merge-request", "supply-chain-scheduled"):
        assert values[((job,), "extends")] == ".supply-chain"
    assert "Pin it by\n# digest" in text and "@sha256:<digest>" in text
    # the pinned spec reaches the job through the install script it calls
    assert f"'{GIT_SPEC}'" in (root / "scripts/install_pipwarden.sh").read_text()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("python3") is None,
                    reason="needs bash and python3")
def test_generated_hash_install_works_and_fails_closed(tmp_path: Path) -> None:
    """The generated install script, run for real against a local wheel folder: the wheel
    whose hash is pinned installs; the same script with another hash installs nothing."""
    wheel = make_wheel(tmp_path / "wheels", "pipwarden", "9.9.1")
    digest = "sha256:" + hashlib.sha256(wheel.read_bytes()).hexdigest()
    env = dict(os.environ)
    env.update(isolate_pip({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheel.parent)}))
    env.update({"HOME": str(tmp_path / "home"), "PIPWARDEN_VENV": str(tmp_path / "tool")})
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    for name, pinned, works in (("good", digest, True), ("bad", HASH_A, False)):
        root = tmp_path / name
        assert _init(root, "--pipwarden-source", f"pipwarden==9.9.1 --hash={pinned}") == 0
        done = subprocess.run(["bash", str(root / "scripts/install_pipwarden.sh")], env=env,
                              capture_output=True, text=True, check=False, timeout=240)
        installed = {p.name: p.version for p in read_environment(tmp_path / "tool").packages}
        if works:
            assert done.returncode == 0, done.stdout + done.stderr
            assert installed.get("pipwarden") == "9.9.1"
            assert (tmp_path / "home/.local/bin/pipwarden").is_symlink()
        else:
            assert done.returncode != 0 and "hash" in done.stderr.lower(), done.stderr
            assert "pipwarden" not in installed
