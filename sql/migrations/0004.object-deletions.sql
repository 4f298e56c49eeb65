-- The store's objects (pictures and thumbnails) that are due to be deleted, and uploads in
-- flight, so that cleanup survives crashes and no row ever stands for a deleted object.
-- depends: 0003.thumbnails

-- An outbox: a deletion is recorded in the transaction that leaves its object unreferenced,
-- carried out after the commit, and tried again (due_at) until media confirms it.
CREATE TABLE object_deletions (
    key          text PRIMARY KEY CHECK (key ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    due_at       timestamptz NOT NULL DEFAULT now(),
    -- An attempt may be under way until then: nothing stores the key again before.
    leased_until timestamptz,
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text
);
CREATE INDEX object_deletions_due_at ON object_deletions (due_at);

-- An upload between storing its object and committing the row that refers to it: until
-- expires_at, nothing deletes the object.
CREATE TABLE object_uploads (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key        text NOT NULL CHECK (key ~ '^[0-9a-f]{64}$'),
    expires_at timestamptz NOT NULL
);
CREATE INDEX object_uploads_key ON object_uploads (key);
