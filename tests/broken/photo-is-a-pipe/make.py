import os
from pathlib import Path


def make(case: Path) -> None:
    """photos/harbour.jpg is a named pipe: opening it to read would wait forever."""
    (case / "photos").mkdir(exist_ok=True)
    os.mkfifo(case / "photos" / "harbour.jpg")
