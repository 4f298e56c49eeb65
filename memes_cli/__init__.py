"""`memes`: the command-line client of the memes api. It speaks HTTP to the api like any other
client and imports nothing of the server's code."""
