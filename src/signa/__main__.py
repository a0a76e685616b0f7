from signa.cli import main

main()
