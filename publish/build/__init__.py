"""The pipeline: load, lay out, write the editions asked for; the build cache, record and report around it."""
