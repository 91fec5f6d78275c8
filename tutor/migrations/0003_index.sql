-- The index catalog: generations (manifest and chunks) and the serving-generation pointer.
-- Vectors live in the Chroma server, one collection per generation.
CREATE TABLE index_generations (
    name     TEXT        PRIMARY KEY,
    manifest TEXT,                            -- Manifest JSON; NULL until the generation is complete
    created  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE index_chunks (
    generation TEXT    NOT NULL REFERENCES index_generations (name) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    chunk      TEXT    NOT NULL,              -- Chunk JSON, read back with pydantic
    PRIMARY KEY (generation, position)
);
CREATE TABLE index_pointer (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation TEXT    NOT NULL REFERENCES index_generations (name)
);
