from lubdub.cli import main

main()
