"""Test helpers shared by more than one subject folder (importable because pyproject puts tests/ on the path)."""
