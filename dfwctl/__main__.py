from dfwctl.cli import main

main()
