"""`python -m publish`: the same command as `publish`."""

from publish.cli.main import main

main()
