from briefing.cli.app import main

main()
