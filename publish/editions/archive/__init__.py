"""The archive edition: a tagged PDF/A-3 carrying its sources, and the library deposit around it."""
