"""What every stage uses while a build runs: processes, progress, the derived-file store, safe output."""
