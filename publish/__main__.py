from publish.cli import main

main()
