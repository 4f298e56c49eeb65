-- Background processing of every picture: a job queue (one job per picture, not per meme) and
-- what the jobs find (OCR text, perceptual hash, placeholder).
-- depends: 0007.idempotency-keys

-- The queue. A worker claims the oldest due job with FOR UPDATE SKIP LOCKED and holds a lease
-- (due_at) that it renews while it works: a worker that dies leaves a job whose lease runs out,
-- and another worker claims it again. `attempts` numbers the claims; a worker's writes name
-- the attempt it claimed, so a worker that lost its lease cannot overwrite a newer one's.
CREATE TABLE picture_jobs (
    sha256      text PRIMARY KEY REFERENCES blobs (sha256) ON DELETE CASCADE,
    state       text NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'running', 'done', 'failed')),
    -- queued: when it may run (later, after a failure); running: when its lease ends.
    due_at      timestamptz NOT NULL DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    worker      text,
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
-- Only jobs still to do are in the index the workers read: done ones cost nothing.
CREATE INDEX picture_jobs_due ON picture_jobs (due_at) WHERE state IN ('queued', 'running');

-- Every picture gets its job in the transaction that stores its row, whoever stores it (an
-- upload, a replaced picture, a fixture).
CREATE FUNCTION picture_job_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO picture_jobs (sha256) VALUES (NEW.sha256) ON CONFLICT (sha256) DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER picture_job_insert AFTER INSERT ON blobs
    FOR EACH ROW EXECUTE FUNCTION picture_job_queued();
INSERT INTO picture_jobs (sha256) SELECT sha256 FROM blobs ON CONFLICT DO NOTHING;

CREATE TABLE picture_features (
    sha256      text PRIMARY KEY REFERENCES blobs (sha256) ON DELETE CASCADE,
    text        text NOT NULL DEFAULT '',  -- the words read in the picture (OCR), a line each
    -- The words of the text and every suffix of each ('simple', like memes.search): OCR often
    -- runs the words of a line together (CATSHATEMONDAY), and a prefix query on the suffixes
    -- finds a word anywhere in such a run (monday:* matches the suffix monday).
    search      tsvector NOT NULL,
    phash       bigint NOT NULL,            -- 64-bit perceptual hash (pHash)
    -- Multi-index hashing: the hash as four 16-bit chunks, each with a B-tree. Two hashes
    -- within distance d have a chunk within d / 4 of each other (pigeonhole), so /similar
    -- looks up those few chunk values and checks the full distance on what they find.
    ph0         integer GENERATED ALWAYS AS ((phash >> 48) & 65535) STORED,
    ph1         integer GENERATED ALWAYS AS ((phash >> 32) & 65535) STORED,
    ph2         integer GENERATED ALWAYS AS ((phash >> 16) & 65535) STORED,
    ph3         integer GENERATED ALWAYS AS (phash & 65535) STORED,
    placeholder text NOT NULL,              -- BlurHash, painted before the thumbnail arrives
    processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX picture_features_search ON picture_features USING gin (search);
CREATE INDEX picture_features_ph0 ON picture_features (ph0);
CREATE INDEX picture_features_ph1 ON picture_features (ph1);
CREATE INDEX picture_features_ph2 ON picture_features (ph2);
CREATE INDEX picture_features_ph3 ON picture_features (ph3);
