-- Downscaled WebP copies of a picture, made on first request and stored as blobs of their own.
-- depends: 0002.tags-search-counts

CREATE TABLE thumbnails (
    blob_sha256 text NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
    size        text NOT NULL CHECK (size IN ('thumb', 'small')),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes       bigint NOT NULL CHECK (bytes > 0),
    width       integer NOT NULL CHECK (width > 0),
    height      integer NOT NULL CHECK (height > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blob_sha256, size)
);
-- Is a stored thumbnail still used by another picture?
CREATE INDEX thumbnails_sha256 ON thumbnails (sha256);
