"""Writes that hold under misuse: links written through, special files written in place,
full devices and loops reported, JSON nested too deeply refused."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from briefing.errors import OutputError
from briefing.files import MAX_JSON_DEPTH, json_depth, parse_json, same_file, write_atomically
from tests.fixtures import ROOT_ONLY, raises_saying


def test_a_regular_file_is_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "brief.md"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["brief.md"]  # no temporary left


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "brief.md"
    target.write_bytes(b"old")
    link = tmp_path / "latest.md"
    link.symlink_to(target)
    write_atomically(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"new"


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "latest.md"
    link.symlink_to(tmp_path / "made.md")
    write_atomically(link, b"new")
    assert link.is_symlink() and (tmp_path / "made.md").read_bytes() == b"new"


def test_a_loop_of_links_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with raises_saying(OutputError, r"symbolic links form a loop"):
        write_atomically(tmp_path / "a", b"x")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


def test_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomically(fifo, b"brief" * 20_000)  # more than a pipe buffer holds
    reader.join(timeout=10)
    assert received == [b"brief" * 20_000]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@ROOT_ONLY
def test_a_device_is_written_in_place(tmp_path: Path) -> None:
    null = tmp_path / "null"  # a private /dev/null: a failure must not replace the real one
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    write_atomically(null, b"brief")
    assert stat.S_ISCHR(null.stat().st_mode)


@ROOT_ONLY
def test_a_full_device_is_one_clear_error(tmp_path: Path) -> None:
    full = tmp_path / "full"  # a private /dev/full
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    with raises_saying(OutputError, r"cannot write .*full: No space left on device; free some"):
        write_atomically(full, b"brief")
    assert stat.S_ISCHR(full.stat().st_mode)


def test_same_file_sees_links_and_hard_links(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("text", encoding="utf-8")
    (tmp_path / "soft").symlink_to(article)
    os.link(article, tmp_path / "hard")
    assert same_file(tmp_path / "soft", article) and same_file(tmp_path / "hard", article)
    assert not same_file(tmp_path / "other.txt", article)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_json_nested_too_deeply_is_refused(depth: int) -> None:
    with pytest.raises(ValueError, match="nested deeper than"):
        parse_json("[" * depth + "]" * depth)


def test_json_depth_counts_levels() -> None:
    assert json_depth(1) == 0
    assert json_depth({"a": [1, {"b": []}]}) == 4
    assert parse_json('{"a": [1]}') == {"a": [1]}
