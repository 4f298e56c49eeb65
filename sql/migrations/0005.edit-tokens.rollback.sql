ALTER TABLE memes DROP COLUMN edit_token_sha256;
