"""The command line: parses arguments, runs the pipeline, speaks to authors."""
