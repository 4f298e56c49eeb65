CREATE OR REPLACE FUNCTION picture_features_shown() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE blobs SET text = NULL, placeholder = NULL WHERE sha256 = OLD.sha256;
    ELSE
        UPDATE blobs SET text = NEW.text, placeholder = NEW.placeholder
         WHERE sha256 = NEW.sha256
           AND (text, placeholder) IS DISTINCT FROM (NEW.text, NEW.placeholder);
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER picture_features_shown ON picture_features;
CREATE TRIGGER picture_features_shown
    AFTER INSERT OR DELETE OR UPDATE OF text, placeholder ON picture_features
    FOR EACH ROW EXECUTE FUNCTION picture_features_shown();
ALTER TABLE memes DROP COLUMN sensitive_mark;
ALTER TABLE blobs DROP COLUMN nsfw;
DROP INDEX picture_features_no_nsfw;
ALTER TABLE picture_features DROP COLUMN nsfw;
