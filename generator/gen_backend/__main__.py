from gen_backend.cli import main

main()
