"""Issue 13: `publish all`, `publish pdf` and `publish deposit` in any order give and keep the same edition bytes.

The PDF in the output folder is the PDF inside the bag, and a command answered from the cache puts
back the same bytes a real build writes. Between commands the machine gains (and loses) fonts named
like the bundled ones, as when a user installs Debian's Noto fonts: nothing may change.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import make_decoy_fonts, run_publish, user_machine, write_manuscript

EPOCH = {"SOURCE_DATE_EPOCH": "1588291200"}
SLUG = "a-small-feature"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _editions(output: Path) -> dict[str, str]:
    """Every edition file in the folder and in its bag, by where it lies."""
    found = {}
    for name in (f"{SLUG}.pdf", f"{SLUG}.epub", f"{SLUG}.archive.pdf"):
        for where, folder in (("output", output), ("bag", output / f"{SLUG}-deposit" / "data" / "editions")):
            if (folder / name).is_file():
                found[f"{where}/{name}"] = _sha(folder / name)
    return found


@pytest.fixture(scope="module")
def manuscript(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_manuscript(tmp_path_factory.mktemp("order") / "ms",
                            photos={"photos/harbour.jpg": {"size": (900, 600), "dpi": 72}})


@pytest.fixture(scope="module")
def decoys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_decoy_fonts(tmp_path_factory.mktemp("decoys"), (
        "NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf", "NotoSerif-Italic.ttf", "NotoSerifDisplay-Regular.ttf",
        "NotoSerifDisplay-Bold.ttf", "NotoSerifDisplay-Italic.ttf", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"))


# Each command with the machine it runs on: "+" one with decoy fonts, "-" one without.
@pytest.mark.parametrize("commands", [("all-", "pdf+", "deposit+", "all-", "pdf+"),
                                      ("deposit-", "pdf+", "all+", "deposit-")],
                         ids=["all-pdf-deposit", "deposit-pdf-all"])
def test_commands_in_any_order_give_and_keep_the_same_edition_bytes(tmp_path, manuscript, decoys, commands):
    output = tmp_path / "out"
    machines = {"-": user_machine(tmp_path / "plain"), "+": user_machine(tmp_path / "fonts", decoys)}
    seen: dict[str, str] = {}  # edition file name → its one sha256
    for step in commands:
        command, machine = step[:-1], machines[step[-1]]
        run = run_publish(command, str(manuscript), "-o", str(output), env={**machine, **EPOCH})
        assert run.returncode == 0, (command, run.stderr)
        for where, sha in _editions(output).items():
            name = where.split("/", 1)[1]
            assert seen.setdefault(name, sha) == sha, f"after `publish {command}` {where} differs"
    assert set(seen) == {f"{SLUG}.pdf", f"{SLUG}.epub", f"{SLUG}.archive.pdf"}
    files = _editions(output)
    assert files[f"output/{SLUG}.pdf"] == files[f"bag/{SLUG}.pdf"]
