"""Issue 13: `pip install .` (not editable) gives a `publish` that builds: styles, fonts, profiles ship in the wheel.

A wheel is built from a copy of the package's sources (the repository stays clean) and installed into
a fresh virtual environment, away from the repository, with nothing but the wheel. The libraries it
needs are those of the running environment, seen through a .pth file, so the test needs no network;
the editable install's import hook is not among them. The wheel's `publish` then builds a copy of the
bundled manuscript, byte for byte as the repository's `publish` builds it, and a `publish new` one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
from importlib import metadata
from pathlib import Path

import pytest
from conftest import BUNDLED, REPO, run_publish

EPOCH = {"SOURCE_DATE_EPOCH": "1526256000"}


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PIP_NO_INDEX": "1", **(env or {})})
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _editions(output: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in output.iterdir() if p.suffix in (".pdf", ".epub")}


def _builds_wheels_here() -> bool:
    """Whether this environment's setuptools can build the wheel itself: 70.1 and later, or with `wheel`."""
    from packaging.version import Version

    try:
        recent = Version(metadata.version("setuptools")) >= Version("70.1")
    except metadata.PackageNotFoundError:
        return False
    return recent or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `publish` command of a fresh environment that holds the wheel and nothing of the repository."""
    root = tmp_path_factory.mktemp("package")
    source = root / "source"
    shutil.copytree(REPO / "publish", source / "publish", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    offline = _builds_wheels_here()  # else pip fetches setuptools for the build, from an index or its cache
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *(["--no-build-isolation"] if offline else []),
          "-w", root / "wheels", source], cwd=root, env={} if offline else {"PIP_NO_INDEX": ""})
    (wheel,) = (root / "wheels").glob("publish-*.whl")
    environment = root / "env"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root).strip())
    ours = {Path(p) for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]]}
    (purelib / "zz-dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(ours) if p.is_dir()))
    _run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], cwd=root)
    return environment / "bin" / "publish"


def test_the_wheel_holds_the_designers_surface_and_runs_from_its_own_install(installed, tmp_path):
    python = installed.with_name("python")
    where = _run([python, "-c", "import publish, publish.engine.fonts as f; print(publish.__file__); "
                  "print(f.CONFIG_FILE.is_file())"], tmp_path).split()
    assert Path(where[0]).is_relative_to(installed.parent.parent) and where[1] == "True", where
    assert (Path(where[0]).parent / "requirements.lock").is_file()  # a deposit carries it
    styles = Path(where[0]).parent / "styles"
    for name in ("base.css", "print.css", "epub.css", "templates/imprint.html", "templates/epub-nav.xhtml",
                 "fonts/NotoSerifCJKjp-Regular.otf", "fonts/OFL.txt", "icc/FOGRA39-coated.icc"):
        assert (styles / name).is_file(), name


def test_the_installed_publish_builds_the_bundled_manuscript_as_the_repository_does(installed, tmp_path):
    manuscript = tmp_path / "manuscript"
    shutil.copytree(BUNDLED, manuscript)
    _run([installed, "all", manuscript, "-o", tmp_path / "out", "--jobs", "1"], tmp_path, EPOCH)
    built = _editions(tmp_path / "out")
    assert set(built) == {"ties-that-bind.pdf", "ties-that-bind.epub", "ties-that-bind.archive.pdf"}
    here = run_publish("all", str(manuscript), "-o", str(tmp_path / "repository-out"), "--jobs", "1",
                       env=EPOCH, timeout=900)
    assert here.returncode == 0, here.stderr
    assert _editions(tmp_path / "repository-out") == built  # the same bytes, whichever way publish is installed


def test_the_installed_publish_makes_a_new_manuscript_that_builds(installed, tmp_path):
    _run([installed, "new", tmp_path / "mine"], tmp_path)
    _run([installed, "all", tmp_path / "mine", "-o", tmp_path / "out", "--jobs", "1"], tmp_path, EPOCH)
    assert {p.suffix for p in (tmp_path / "out").iterdir()} >= {".pdf", ".epub"}
