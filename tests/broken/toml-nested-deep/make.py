from pathlib import Path


def make(case: Path) -> None:
    """An array nested 5,000 deep: the TOML reader would run out of stack."""
    toml = 'title = "A Small Feature"\nlanguage = "en"\ndate = 2020-05-01\nsubjects = ' + "[" * 5000 + "]" * 5000
    (case / "publication.toml").write_text(toml + "\n", encoding="utf-8")
