"""The README's sample diagnostics are what the tool prints for the mistakes the README describes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import BUNDLED, REPO, cli, output_snapshot

README = REPO / "README.md"
# The two mistakes the README describes, made in a copy of the bundled manuscript.
MISTAKES = {"publication.toml": ('title = "Ties that bind"', 'tittle = "Ties that bind"'),
            "ties-that-bind.md": ("(photos/tsubasa-bridge.jpg)", "(photos/tsubasa-brige.jpg)")}


def readme_sample() -> list[str]:
    """The code block after the paragraph that introduces the sample diagnostics."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"Problems in a manuscript are reported.*?```\n(.*?)```", text, re.S)
    assert found, "the README's sample diagnostics block has moved"
    return found.group(1).splitlines()


def test_the_readme_describes_the_mistakes_the_test_makes() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "`title` mistyped `tittle`" in text and "`photos/tsubasa-brige.jpg`" in text


def test_the_readme_sample_is_what_publish_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manuscript = shutil.copytree(BUNDLED, tmp_path / "manuscript")
    for name, (right, wrong) in MISTAKES.items():
        source = (manuscript / name).read_text(encoding="utf-8")
        assert source.count(right) == 1, f"{name} no longer holds {right!r}"
        (manuscript / name).write_text(source.replace(right, wrong), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # as the README's reader runs it: from the folder holding manuscript/
    run = cli("all")
    assert run.returncode == 2
    assert run.stderr.splitlines() == readme_sample()
    assert output_snapshot(tmp_path / "output") == {}  # nothing written (the lock file aside)
