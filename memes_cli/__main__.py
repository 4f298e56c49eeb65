from memes_cli.main import cli

cli()
