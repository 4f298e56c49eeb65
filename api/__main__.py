from api.cli import main

if __name__ == "__main__":  # not again in the api workers multiprocessing spawns (cli.serve)
    main()
