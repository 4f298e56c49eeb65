DROP TABLE moderation_log;
DROP INDEX memes_hidden;
ALTER TABLE memes DROP COLUMN visibility;
