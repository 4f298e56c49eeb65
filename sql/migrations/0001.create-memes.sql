-- A picture is stored once, under the sha256 of its bytes; memes refer to it.
CREATE TABLE blobs (
    sha256       text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/gif', 'image/webp')),
    size         bigint NOT NULL CHECK (size > 0),
    width        integer NOT NULL CHECK (width > 0),
    height       integer NOT NULL CHECK (height > 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    image_sha256 text NOT NULL REFERENCES blobs (sha256),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Newest first is the order of every list.
CREATE INDEX memes_created_at_id ON memes (created_at DESC, id DESC);
-- Is a blob still in use?
CREATE INDEX memes_image_sha256 ON memes (image_sha256);
