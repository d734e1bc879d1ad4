from pathlib import Path


def make(case: Path) -> None:
    """Latin-1 bytes in a file the author believes is UTF-8: "café" saved by an old editor."""
    (case / "feature.md").write_bytes(b"# A Small Feature\n\nThe first paragraph, at the caf\xe9.\n")
