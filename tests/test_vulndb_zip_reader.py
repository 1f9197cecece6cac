"""Both ways of reading an OSV archive (a forked child, a helper thread) agree, and a
corrupt member is named whichever way it was read."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from pipwarden.errors import InputError
from pipwarden.vulndb import ziparchive as update  # where the zip reader lives
from pipwarden.vulndb.update import import_source

ARCHIVE = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"


def _force(monkeypatch: pytest.MonkeyPatch, fork: bool) -> list[int]:
    """Choose the reader; returns a list that records each use of the child reader."""
    if fork and not hasattr(update.os, "fork"):
        pytest.skip("no fork on this platform")
    used: list[int] = []
    real = update._inflate_in_child

    def spy(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        used.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(update, "_inflate_in_child", spy)
    monkeypatch.setattr(update, "_can_fork", lambda members: fork)
    return used


def _rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        rows: list[tuple[object, ...]] = []
        for table in sorted(tables):
            if table == "meta":
                continue
            rows.extend((table, *r) for r in conn.execute(f"select * from {table} order by 1, 2"))
        return rows


@pytest.mark.parametrize("fork", [True, False])
def test_child_and_thread_readers_build_the_same_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    used = _force(monkeypatch, fork)
    db = tmp_path / "osv.sqlite3"
    result = import_source(ARCHIVE, db)
    assert result.records == 2661
    assert bool(used) is fork
    reference = tmp_path / "reference.sqlite3"
    monkeypatch.setattr(update, "_can_fork", lambda members: False)
    import_source(ARCHIVE, reference)
    assert _rows(db) == _rows(reference)


def _damaged_archive(tmp_path: Path) -> tuple[Path, str]:
    """A copy of the real archive whose 300th member is stored (not deflated) and then
    overwritten in place, so its CRC no longer matches."""
    target = tmp_path / "damaged.zip"
    with zipfile.ZipFile(ARCHIVE) as src, zipfile.ZipFile(target, "w") as out:
        names = [n for n in src.namelist() if n.endswith(".json")]
        victim = names[300]
        for name in names:
            method = zipfile.ZIP_STORED if name == victim else zipfile.ZIP_DEFLATED
            out.writestr(name, src.read(name), compress_type=method)
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as zf:
        info = zf.getinfo(victim)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 5] ^= 0xFF  # one byte of the member's JSON: the CRC check must catch it
    target.write_bytes(bytes(data))
    return target, victim


@pytest.mark.parametrize("fork", [True, False])
def test_corrupt_member_is_named_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    used = _force(monkeypatch, fork)
    archive, victim = _damaged_archive(tmp_path)
    db = tmp_path / "osv.sqlite3"
    with pytest.raises(InputError) as excinfo:
        import_source(archive, db)
    assert bool(used) is fork
    assert victim in str(excinfo.value) and "corrupt" in str(excinfo.value)
    assert not db.exists()
