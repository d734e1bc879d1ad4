"""Issue 13: `publish reproduce BAG` rebuilds a deposit's editions from the bag alone, compared byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bagit
import pytest
from conftest import run_publish, write_manuscript

from publish.runtime.toolchain import versions

SLUG = "a-small-feature"
EDITIONS = [f"data/editions/{SLUG}.pdf", f"data/editions/{SLUG}.epub", f"data/editions/{SLUG}.archive.pdf"]


@pytest.fixture(scope="module")
def bag(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reproduce")
    manuscript = write_manuscript(root / "ms", photos={"photos/harbour.jpg": {"size": (900, 600), "dpi": 72}})
    run = run_publish("deposit", str(manuscript), "-o", str(root / "out"), env={"SOURCE_DATE_EPOCH": "1588291200"})
    assert run.returncode == 0, run.stderr
    return root / "out" / f"{SLUG}-deposit"


def _copy(bag: Path, tmp_path: Path) -> Path:
    copy = tmp_path / bag.name
    shutil.copytree(bag, copy)
    return copy


def _remade_checksums(bag: Path) -> None:
    """What a forger does after changing a file: the manifests made anew, so the bag validates."""
    bagit.Bag(str(bag)).save(manifests=True)


def test_the_bag_carries_its_build_record_and_lock(bag: Path) -> None:
    record = json.loads((bag / "metadata" / "build.json").read_text(encoding="utf-8"))
    assert record["build_date"] == "2020-05-01T00:00:00Z" and record["build_date_source"] == "SOURCE_DATE_EPOCH"
    assert {o["edition"] for o in record["outputs"]} == {"pdf", "epub", "archive"}
    assert record["tools"] == versions()
    assert "--hash=sha256:" in (bag / "metadata" / "requirements.lock").read_text(encoding="utf-8")
    manifest = (bag / "tagmanifest-sha256.txt").read_text(encoding="utf-8")
    assert "metadata/build.json" in manifest and "metadata/requirements.lock" in manifest


def test_an_untouched_bag_reproduces_byte_for_byte_whatever_the_date_now(bag: Path) -> None:
    run = run_publish("reproduce", str(bag), env={"SOURCE_DATE_EPOCH": "1700000000"}, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    for name in [*EDITIONS, "metadata/onix.xml"]:
        assert f"identical  {name}" in run.stdout
    assert "DIFFERS" not in run.stdout and "byte for byte" in run.stdout


def test_an_edition_changed_in_the_bag_is_named(bag: Path, tmp_path: Path) -> None:
    tampered = _copy(bag, tmp_path)
    epub = tampered / f"data/editions/{SLUG}.epub"
    epub.write_bytes(epub.read_bytes() + b"\0")
    run = run_publish("reproduce", str(tampered), timeout=900)
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"DIFFERS    data/editions/{SLUG}.epub" in run.stdout
    assert f"identical  data/editions/{SLUG}.pdf" in run.stdout
    assert "checksums no longer match" in run.stdout and "Traceback" not in run.stderr


def test_a_manuscript_changed_with_new_checksums_is_caught_by_the_rebuild(bag: Path, tmp_path: Path) -> None:
    forged = _copy(bag, tmp_path)
    text = forged / "data/manuscript/feature.md"
    text.write_text(text.read_text(encoding="utf-8").replace("first paragraph", "first forged paragraph"),
                    encoding="utf-8")
    _remade_checksums(forged)
    assert run_publish("verify", str(forged)).returncode == 0  # the bag alone cannot tell
    run = run_publish("reproduce", str(forged), timeout=900)
    assert run.returncode == 2, run.stdout + run.stderr
    for name in EDITIONS:
        assert f"DIFFERS    {name}" in run.stdout
    assert "the tools are the ones the record names" in run.stdout
    assert "3 of 6 files differ" in run.stderr or "files differ" in run.stderr


def test_tools_other_than_the_records_are_named_with_what_to_do(bag: Path, tmp_path: Path) -> None:
    other = _copy(bag, tmp_path)
    path = other / "metadata" / "build.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["tools"]["harfbuzz"] = "2.0.0"
    record["tools"]["pyphen"] = "0.9.0"
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    _remade_checksums(other)
    run = run_publish("reproduce", str(other), timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr  # the editions are still the same bytes here
    assert f"harfbuzz 2.0.0 in the bag's record, {versions()['harfbuzz']} here: a system library" in run.stdout
    assert "pyphen 0.9.0 in the bag's record" in run.stdout and "requirements.lock" in run.stdout


def test_a_folder_that_is_no_bag_is_told_so(tmp_path: Path) -> None:
    run = run_publish("reproduce", str(tmp_path))
    assert run.returncode == 2 and "is not a BagIt bag" in run.stderr and "hint:" in run.stderr
