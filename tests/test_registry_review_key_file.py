"""The per-installation key file: made once, private from the start, and the same key for every process that
starts at the same time on a fresh installation."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from gridgov.core import crypto


@pytest.fixture
def data_dir(settings: object, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    return tmp_path


def test_the_key_file_is_made_private_and_read_back(data_dir: Path) -> None:
    key = crypto._installation_key("field_key")
    path = data_dir / "field_key"
    assert path.read_text() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert crypto._installation_key("field_key") == key
    assert sorted(p.name for p in data_dir.iterdir()) == ["field_key"]  # no temporary file left behind


def test_processes_starting_together_all_get_the_same_key(data_dir: Path) -> None:
    barrier = threading.Barrier(8)
    keys: list[str] = []

    def start() -> None:
        barrier.wait()
        keys.append(crypto._installation_key("blind_index_key"))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert (data_dir / "blind_index_key").read_text() == keys[0]
    assert sorted(p.name for p in data_dir.iterdir()) == ["blind_index_key"]


def test_a_key_made_by_another_process_in_the_meantime_is_kept(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = data_dir / "field_key"
    real_link = crypto.os.link

    def slower(src: object, dst: object) -> None:
        path.write_text("the-other-process-key")  # it linked its key just before us
        real_link(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(crypto.os, "link", slower)
    assert crypto._installation_key("field_key") == "the-other-process-key"
    assert path.read_text() == "the-other-process-key"


def test_an_empty_key_file_is_refused_rather_than_replaced(data_dir: Path) -> None:
    (data_dir / "field_key").write_text("")
    with pytest.raises(ImproperlyConfigured):
        crypto._installation_key("field_key")
    assert (data_dir / "field_key").read_text() == ""
