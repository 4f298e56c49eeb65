-- What processing found, kept on the picture's row where a meme's read finds it: a meme is then
-- one row of memes and one of blobs, each by primary key, with no join to picture_jobs or
-- picture_features and no subquery. Per picture, not per meme: memes share pictures (generated
-- fixtures share a few dozen among millions), and a job's end would otherwise rewrite them all.
-- picture_jobs and picture_features stay the truth; triggers copy what a meme shows from them,
-- in the transaction that changes them, whoever writes (a worker, a fixture, `jobs retry`).
-- depends: 0009.picture-words-weighted

ALTER TABLE blobs
    -- pending until the picture's job is done or has failed for good (queued and running
    -- jobs show as pending); the reason of the failure when it failed.
    ADD COLUMN processing text NOT NULL DEFAULT 'pending'
        CHECK (processing IN ('pending', 'done', 'failed')),
    ADD COLUMN processing_error text,
    -- From picture_features, once the job found them; NULL before.
    ADD COLUMN text text,
    ADD COLUMN placeholder text;

-- A meme shows what it showed when it read the job row itself: queued and running are pending,
-- the error only once the job has failed for good.
CREATE FUNCTION picture_job_shown() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    picture text := OLD.sha256;
    shown text := 'pending';
    error text;
BEGIN
    IF TG_OP <> 'DELETE' THEN
        picture := NEW.sha256;
        IF NEW.state IN ('done', 'failed') THEN
            shown := NEW.state;
        END IF;
        IF NEW.state = 'failed' THEN
            error := NEW.last_error;
        END IF;
    END IF;
    -- Written only when it changes: a claim (queued -> running) writes nothing here.
    UPDATE blobs SET processing = shown, processing_error = error
     WHERE sha256 = picture AND (processing, processing_error) IS DISTINCT FROM (shown, error);
    RETURN NULL;
END $$;
CREATE TRIGGER picture_job_shown
    AFTER INSERT OR DELETE OR UPDATE OF state, last_error ON picture_jobs
    FOR EACH ROW EXECUTE FUNCTION picture_job_shown();

CREATE FUNCTION picture_features_shown() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER picture_features_shown
    AFTER INSERT OR DELETE OR UPDATE OF text, placeholder ON picture_features
    FOR EACH ROW EXECUTE FUNCTION picture_features_shown();

-- The triggers are in place (their tables locked against writes until this commits) before
-- the rows are filled: a job that ends meanwhile cannot be missed.
UPDATE blobs b SET processing = j.state, processing_error = CASE WHEN j.state = 'failed'
                                                                THEN j.last_error END
  FROM picture_jobs j
 WHERE j.sha256 = b.sha256 AND j.state IN ('done', 'failed');
UPDATE blobs b SET text = f.text, placeholder = f.placeholder
  FROM picture_features f
 WHERE f.sha256 = b.sha256;
