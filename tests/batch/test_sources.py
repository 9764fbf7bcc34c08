"""What a batch reads (files, folders, URLs, lists) and how its briefs are named."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from briefing.batch.sources import expand, list_from, make_source, read_list, slugify
from briefing.batch.state import OutDir
from briefing.errors import InputError, OutputError
from tests.fixtures import EXAMPLES


def test_folders_expand_to_their_articles_in_order(tmp_path: Path) -> None:
    for name in ("b.txt", "a.md", "c.html", ".hidden.txt", "notes.json", "d.pdf"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "e.txt").write_text("x", encoding="utf-8")
    found = expand([str(tmp_path)], tmp_path / "out")
    assert [Path(s.text).name for s in found] == ["a.md", "b.txt", "c.html"]


def test_files_urls_and_repeats(tmp_path: Path) -> None:
    article = tmp_path / "one.txt"
    article.write_text("x", encoding="utf-8")
    found = expand(
        [
            str(article),
            "https://example.org/news/2025/floods-in-kessara.html",
            str(tmp_path / ".." / tmp_path.name / "one.txt"),  # the same file again
            str(tmp_path / "missing.txt"),  # kept: it fails on its own
        ],
        tmp_path / "out",
    )
    assert [s.stem for s in found] == ["one", "floods-in-kessara", "missing"]
    assert found[1].is_url and found[1].ident == found[1].text
    assert len({s.key for s in found}) == 3 and all(len(s.key) == 12 for s in found)


def test_the_output_folder_and_empty_folders_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is the output folder"):
        expand([str(tmp_path)], tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no articles"):
        expand([str(tmp_path / "empty")], tmp_path / "out")


def test_lists_skip_blanks_and_comments(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(
        "\ufeff# this morning\n\nexamples/a.txt\n  https://example.org/x  \n", encoding="utf-8"
    )
    assert list_from(str(listing)) == ["examples/a.txt", "https://example.org/x"]
    assert list_from("-", io.BytesIO(b"a.txt\r\nb.txt\r\n")) == ["a.txt", "b.txt"]
    with pytest.raises(InputError, match="lists no sources"):
        read_list(["# nothing", ""], "the list")
    with pytest.raises(InputError, match="does not exist"):
        list_from(str(tmp_path / "nope.txt"))


def test_slugs_keep_words_of_every_script() -> None:
    assert slugify("Rebels Overrun Aleppo, Shaking Assad’s Grip") == (
        "rebels-overrun-aleppo-shaking-assads-grip"
    )
    assert slugify("فيضانات في كسارة") == "فيضانات-في-كسارة"
    assert slugify("  ***  ") == ""
    long = slugify("word " * 40)
    assert len(long) <= 50 and not long.endswith("-") and long.endswith("word")


def test_names_are_stable_unique_and_never_index(tmp_path: Path) -> None:
    out = OutDir(tmp_path / "out")
    out.prepare()
    first = make_source(str(EXAMPLES / "aleppo-offensive.txt"))
    twin = make_source("https://example.org/aleppo")
    untitled = make_source(str(tmp_path / "Index.txt"))
    assert out.name_for(first, "Rebels overrun Aleppo") == "rebels-overrun-aleppo"
    assert out.name_for(twin, "Rebels overrun Aleppo") == f"rebels-overrun-aleppo-{twin.key[:6]}"
    assert out.name_for(untitled, None) == f"index-{untitled.key[:6]}"
    out.save_names()
    again = OutDir(tmp_path / "out")
    again.prepare()
    # A later run keeps each source's name, even when its title changed.
    assert again.name_for(first, "Aleppo falls") == "rebels-overrun-aleppo"
    assert again.name_for(twin, "Rebels overrun Aleppo") == f"rebels-overrun-aleppo-{twin.key[:6]}"


def test_one_batch_at_a_time_per_folder(tmp_path: Path) -> None:
    out = OutDir(tmp_path / "out")
    out.prepare()
    other = OutDir(tmp_path / "out")
    with out.locked():
        with pytest.raises(OutputError, match="being written by another briefing batch"):
            with other.locked():
                pass
    with other.locked():  # released
        pass


def test_a_file_where_the_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"):
        OutDir(tmp_path / "out").prepare()
