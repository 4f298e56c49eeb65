-- Who may change a meme: the sha256 of the secret edit token its creator was given, never the
-- token itself. NULL (fixtures, generated memes): only the moderator's ADMIN_TOKEN may.
-- depends: 0004.object-deletions

ALTER TABLE memes ADD COLUMN edit_token_sha256 bytea;
