import os
from pathlib import Path


def make(case: Path) -> None:
    """The text cannot be read by the user running the build (the test runs it as another user when root)."""
    os.chmod(case / "feature.md", 0)
