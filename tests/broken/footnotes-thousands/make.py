from pathlib import Path

NOTES = 2000


def make(case: Path) -> None:
    """2,000 footnotes, one of them cited but never written."""
    calls = " ".join(f"Claim {n}.[^{n}]" for n in range(1, NOTES + 1))
    notes = "".join(f"[^{n}]: Source {n}.\n" for n in range(1, NOTES + 1) if n != 1234)
    text = "# A Small Feature\n\n" + calls + "\n\n" + notes
    (case / "feature.md").write_text(text, encoding="utf-8")
