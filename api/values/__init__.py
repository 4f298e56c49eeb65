"""Plain values several layers pass around: a listing and its cursor, a meme's words."""
