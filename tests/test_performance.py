"""Correctness of the speed features: cached rebuilds, cache invalidation, catalogue builds.

Speed itself is measured by benchmarks/run.py, not here.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import MINIMAL_TOML, make_photo, run_publish, write_manuscript

import publish
import publish.build.pipeline as pipeline
from publish.build.cache import CACHE_DIR
from publish.build.pipeline import BuildResult, build

EPOCH = {"SOURCE_DATE_EPOCH": "1526256000"}


def _files(output: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in output.iterdir() if p.is_file() and not p.name.startswith(".")}


def test_cached_rebuild_is_byte_identical_and_survives_deleting_the_cache(tmp_path: Path) -> None:
    manuscript = write_manuscript(tmp_path / "feature")
    output = tmp_path / "out"
    first = run_publish("all", str(manuscript), "-o", str(output), env=EPOCH)
    assert first.returncode == 0, first.stderr
    built = _files(output)
    assert {"a-small-feature.pdf", "a-small-feature.epub"} <= set(built)
    stamps = {p.name: p.stat().st_mtime_ns for p in output.iterdir() if p.is_file()}

    again = run_publish("all", str(manuscript), "-o", str(output), env=EPOCH)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout
    assert _files(output) == built
    # answered from the cache: nothing was rewritten
    assert {p.name: p.stat().st_mtime_ns for p in output.iterdir() if p.is_file()} == stamps
    # the editions it names are the ones in the folder, with the same sizes and page count
    assert [line for line in again.stdout.splitlines() if ".pdf" in line or ".epub" in line] == \
        [line for line in first.stdout.splitlines() if ".pdf" in line or ".epub" in line]

    # an edition deleted by hand comes back from the cache, identical
    (output / "a-small-feature.pdf").unlink()
    restored = run_publish("all", str(manuscript), "-o", str(output), env=EPOCH)
    assert restored.returncode == 0 and "up to date" in restored.stdout
    assert _files(output) == built

    # the cache is safe to delete: the next build is a full one and gives the same bytes
    shutil.rmtree(output / CACHE_DIR)
    rebuilt = run_publish("all", str(manuscript), "-o", str(output), env=EPOCH)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "up to date" not in rebuilt.stdout
    assert _files(output) == built


@pytest.fixture(scope="module")
def epub_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One cached EPUB build of a small manuscript, copied by each invalidation test."""
    root = tmp_path_factory.mktemp("cached")
    manuscript = write_manuscript(root / "feature")
    output = root / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH["SOURCE_DATE_EPOCH"])
        build(manuscript, output, ("epub",))
    return manuscript, output


def _instead_of_the_build(monkeypatch: pytest.MonkeyPatch, run: Callable[[], object] | None = None) -> list[Path]:
    """The manuscripts really built from now on (the cache answers the others); `run` replaces the build."""
    runs: list[Path] = []
    real = pipeline.make

    def counting(manuscript: Path, *args: object, **options: object) -> BuildResult:
        runs.append(manuscript)
        if run is None:
            return real(manuscript, *args, **options)
        run()
        return BuildResult()

    monkeypatch.setattr(pipeline, "make", counting)
    return runs


def _portrait_image(book: zipfile.ZipFile) -> bool:
    from PIL import Image

    for name in book.namelist():
        if name.endswith((".jpg", ".png")) and "cover" not in name:
            with Image.open(io.BytesIO(book.read(name))) as image:
                if image.height > image.width:
                    return True
    return False


def _change_photo(manuscript: Path, patch: pytest.MonkeyPatch) -> Callable[[zipfile.ZipFile], bool]:
    make_photo(manuscript / "photos" / "harbour.jpg", size=(1600, 2400))  # was landscape
    return _portrait_image


def _contains(text: str) -> Callable[[zipfile.ZipFile], bool]:
    return lambda book: any(text.encode() in book.read(name) for name in book.namelist())


def _change_caption(manuscript: Path, patch: pytest.MonkeyPatch) -> Callable[[zipfile.ZipFile], bool]:
    captions = manuscript / "photos" / "captions.toml"
    captions.write_text(captions.read_text().replace("Boats in the harbour at dawn.",
                                                     "Boats in the harbour at dusk."))
    return _contains("at dusk")


def _change_stylesheet(manuscript: Path, patch: pytest.MonkeyPatch) -> Callable[[zipfile.ZipFile], bool]:
    (manuscript / "styles").mkdir()
    (manuscript / "styles" / "epub.css").write_text("figcaption { letter-spacing: 0.0123em; }\n")
    return _contains("0.0123em")


def _change_version(manuscript: Path, patch: pytest.MonkeyPatch) -> None:
    patch.setattr(publish, "__version__", publish.__version__ + ".post1")
    return None


@pytest.mark.parametrize("change", [_change_photo, _change_caption, _change_stylesheet, _change_version],
                         ids=["photo", "caption", "stylesheet", "version"])
def test_cache_is_invalidated_when_an_input_changes(epub_build: tuple[Path, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch, change) -> None:
    manuscript = shutil.copytree(epub_build[0], tmp_path / "feature")
    output = shutil.copytree(epub_build[1], tmp_path / "out")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH["SOURCE_DATE_EPOCH"])
    runs = _instead_of_the_build(monkeypatch)

    before = (output / "a-small-feature.epub").read_bytes()
    assert build(manuscript, output, ("epub",)).cached
    assert runs == []  # unchanged copy: still a hit, even moved to another folder

    shows_change = change(manuscript, monkeypatch)
    result = build(manuscript, output, ("epub",))
    assert runs == [manuscript] and not result.cached
    epub = output / "a-small-feature.epub"
    if shows_change is not None:
        assert epub.read_bytes() != before
        with zipfile.ZipFile(epub) as book:
            assert shows_change(book)
    # and the new state is cached in turn
    assert build(manuscript, output, ("epub",)).cached
    assert len(runs) == 1


def test_catalogue_build_isolates_a_failing_manuscript(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue"
    write_manuscript(catalogue / "good")
    broken_toml = MINIMAL_TOML.replace('language = "en"', "language = 5")
    write_manuscript(catalogue / "broken", {"publication.toml": broken_toml})
    (catalogue / "notes").mkdir()  # not a manuscript: ignored inside a catalogue folder
    output = tmp_path / "out"

    run = run_publish("all", str(catalogue), "-o", str(output), "--jobs", "2", env=EPOCH)

    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    # the broken manuscript is reported at its line, as a single build would report it
    assert f"{catalogue / 'broken' / 'publication.toml'}:2:12: error: language" in run.stderr
    # the good one was built all the same, into its own folder
    assert (output / "good" / "a-small-feature.pdf").stat().st_size > 0
    assert (output / "good" / "a-small-feature.epub").stat().st_size > 0
    assert not (output / "broken").exists() or not any((output / "broken").glob("*.pdf"))
    lines = run.stdout.splitlines()
    assert any("manuscript errors" in line and str(catalogue / "broken") in line for line in lines)
    assert any(line.strip().startswith("built") and str(catalogue / "good") in line and "pages" in line
               for line in lines)
    assert "1 of 2 manuscripts built" in run.stdout and "1 failed" in run.stdout

    # fixed, and named one by one, both build; the good one's editions are unchanged
    good_pdf = (output / "good" / "a-small-feature.pdf").read_bytes()
    (catalogue / "broken" / "publication.toml").write_text(MINIMAL_TOML)
    again = run_publish("all", str(catalogue / "good"), str(catalogue / "broken"), "-o", str(output), env=EPOCH)
    assert again.returncode == 0, again.stderr
    assert "2 of 2 manuscripts built" in again.stdout
    assert (output / "broken" / "a-small-feature.pdf").is_file()
    assert (output / "good" / "a-small-feature.pdf").read_bytes() == good_pdf


def test_catalogue_builds_on_a_local_dask_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    write_manuscript(tmp_path / "good")
    write_manuscript(tmp_path / "empty", {"publication.toml": None})
    output = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        run = run_publish("all", str(tmp_path / "good"), str(tmp_path / "empty"), "-o", str(output),
                          "--scheduler", cluster.scheduler_address, env=EPOCH)
    assert run.returncode == 2, run.stderr
    assert f"{tmp_path / 'empty' / 'publication.toml'}: error" in run.stderr
    assert (output / "good" / "a-small-feature.pdf").stat().st_size > 0
    assert (output / "good" / "a-small-feature.epub").stat().st_size > 0
    assert "1 of 2 manuscripts built" in run.stdout


def test_unreachable_dask_scheduler_is_reported_not_a_traceback(tmp_path: Path) -> None:
    write_manuscript(tmp_path / "a")
    write_manuscript(tmp_path / "b")
    run = run_publish("all", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(tmp_path / "out"),
                      "--scheduler", "tcp://127.0.0.1:9", env=EPOCH)
    assert run.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in run.stderr
    assert "Traceback" not in run.stderr


def test_photo_derivatives_are_reused_until_the_photo_changes(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from publish.runtime.store import derived_file

    manuscript = write_manuscript(tmp_path / "feature")
    output = tmp_path / "out"
    photo = manuscript / "photos" / "harbour.jpg"
    made: list[int] = []

    @derived_file("test-derivative")
    def derive(path: Path, long_edge: int) -> tuple[bytes, str]:
        made.append(long_edge)
        return path.read_bytes()[:64] + str(long_edge).encode(), "bin"

    def run() -> object:
        assert derive(photo, 300)[0] == photo.read_bytes()[:64] + b"300"
        return None

    _instead_of_the_build(monkeypatch, run)
    build(manuscript, output, ("epub",))
    assert made == [300]
    _change_caption(manuscript, pytest.MonkeyPatch())  # the build runs again, the photo is unchanged
    build(manuscript, output, ("epub",))
    assert made == [300]
    make_photo(photo, size=(1200, 800))
    build(manuscript, output, ("epub",))
    assert made == [300, 300]
    assert len(list((output / CACHE_DIR / "derived").iterdir())) == 1  # the stale copy was pruned
    derive(photo, 300)  # outside a build nothing is kept or reused
    assert made == [300, 300, 300]


def test_font_subsets_are_reused_for_the_same_characters_and_nothing_is_remembered_as_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from publish.runtime.store import derived_bytes

    manuscript = write_manuscript(tmp_path / "feature")
    output = tmp_path / "out"
    font = manuscript / "feature.md"  # any file stands for the font: the cache keys on its bytes
    calls: list[str] = []

    @derived_bytes("test-subset")
    def subset(path: Path, characters: set[str]) -> bytes | None:
        calls.append("".join(sorted(characters)))
        return None if characters == {" "} else "".join(sorted(characters)).encode()

    def run() -> object:
        assert subset(font, {"b", "a", "c"}) == b"abc"
        assert subset(font, {"c", "a", "b"}) == b"abc"  # a set in another order is the same request
        assert subset(font, {" "}) is None
        assert subset(font, {" "}) is None
        return None

    _instead_of_the_build(monkeypatch, run)
    build(manuscript, output, ("epub",))
    assert calls == ["abc", " "]
