"""The build cache never answers "up to date" for what a fresh build refuses.

The cache key hashes the manuscript's files, but it does not walk a linked folder and does not read
hidden files; so a styles/ (or a folder in it) linked out of the manuscript after a good build used
to come back "up to date" while a fresh build refused it. Each case here starts from a real build
with its cache, changes the manuscript the hostile way, and must get the fresh build's refusal.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_manuscript

from publish.cli.main import main
from publish.runtime.folders import list_folder


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manuscript built once, its output folder holding the cache entry."""
    folder = tmp_path_factory.mktemp("cached")
    root = write_manuscript(folder / "m")
    code, output = invoke("pdf", str(root), "-o", str(folder / "out"), "--jobs", "1")
    assert code == 0, output
    return folder


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    """The built manuscript and its output (cache included) copied, with a folder outside beside them."""
    shutil.copytree(built / "m", tmp_path / "m", symlinks=True)
    shutil.copytree(built / "out", tmp_path / "out", symlinks=True)
    outside = tmp_path / "outside"
    (outside / "templates").mkdir(parents=True)
    (outside / "print.css").write_text("body { color: red; }\n", encoding="utf-8")
    (outside / "templates" / "article.html").write_text("<article>{{ article.title }}</article>\n",
                                                        encoding="utf-8")
    shutil.copytree(tmp_path / "m" / "photos", outside / "photos")
    return tmp_path


def rebuild(copy: Path) -> tuple[int, str]:
    return invoke("pdf", str(copy / "m"), "-o", str(copy / "out"), "--jobs", "1")


def test_an_unchanged_manuscript_is_up_to_date(copy: Path) -> None:
    """The baseline: without links out, the copy is answered from the cache."""
    code, output = rebuild(copy)
    assert code == 0 and "up to date" in output, output


def test_a_styles_folder_linked_outside_after_a_good_build_is_refused(copy: Path) -> None:
    (copy / "m" / "styles").symlink_to(copy / "outside", target_is_directory=True)
    code, output = rebuild(copy)
    assert code == 2, output
    assert "up to date" not in output
    assert f"{copy}/m/styles: error: 'styles' is a symbolic link to a folder outside the manuscript" in output
    assert output.count(": error: ") == 1, output


def test_a_templates_folder_linked_outside_is_refused(copy: Path) -> None:
    (copy / "m" / "styles").mkdir()
    (copy / "m" / "styles" / "templates").symlink_to(copy / "outside" / "templates", target_is_directory=True)
    code, output = rebuild(copy)
    assert code == 2 and "up to date" not in output, output
    assert f"{copy}/m/styles/templates: error: " in output


def test_a_hidden_stylesheet_linked_outside_is_refused(copy: Path) -> None:
    """Hidden files are not in the key, but the loader reads every file of styles/."""
    (copy / "m" / "styles").mkdir()
    (copy / "m" / "styles" / ".print.css").symlink_to(copy / "outside" / "print.css")
    code, output = rebuild(copy)
    assert code == 2 and "up to date" not in output, output
    assert f"{copy}/m/styles/.print.css: error: " in output


def test_a_photos_folder_linked_outside_is_refused(copy: Path) -> None:
    shutil.rmtree(copy / "m" / "photos")
    (copy / "m" / "photos").symlink_to(copy / "outside" / "photos", target_is_directory=True)
    code, output = rebuild(copy)
    assert code == 2 and "up to date" not in output, output
    assert "outside the manuscript" in output


def test_a_link_inside_the_manuscript_keeps_the_cache(copy: Path) -> None:
    root = copy / "m"
    (root / "design").mkdir()
    (root / "styles").symlink_to(root / "design", target_is_directory=True)
    assert list_folder(root, skip=(copy / "out",)).outside == ()
    code, output = rebuild(copy)
    assert code == 0, output
    code, output = rebuild(copy)
    assert code == 0 and "up to date" in output, output


def test_the_folder_walker_lists_each_kind_of_link_out(tmp_path: Path) -> None:
    root = write_manuscript(tmp_path / "m")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.css").write_text("", encoding="utf-8")
    (root / "styles" / "fonts").mkdir(parents=True)
    (root / "styles" / "fonts" / "x.css").symlink_to(tmp_path / "elsewhere" / "x.css")
    (root / "styles" / ".hidden").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (root / "notes").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (root / "inside.md").symlink_to(root / "feature.md")
    assert list(list_folder(root, skip=(tmp_path / "out",)).outside) == [
        "notes", "styles/.hidden", "styles/fonts/x.css"]
