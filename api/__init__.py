"""The public meme API."""
