-- Learner progress: every attempt and the Leitner card of each missed item, per learner.
CREATE TABLE attempts (
    id       BIGSERIAL        PRIMARY KEY,
    learner  BIGINT           NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key      TEXT,                            -- client idempotency key: a retried write is stored once
    item_id  TEXT             NOT NULL,
    question TEXT             NOT NULL,
    item     JSONB            NOT NULL,
    answer   JSONB            NOT NULL,
    correct  BOOLEAN          NOT NULL,
    seconds  DOUBLE PRECISION,
    domain   INTEGER          NOT NULL,
    task     TEXT             NOT NULL,
    at       TIMESTAMPTZ      NOT NULL,
    mode     TEXT             NOT NULL DEFAULT 'practice',
    UNIQUE (learner, key)
);
CREATE INDEX attempts_learner_task_at ON attempts (learner, task, at);
CREATE TABLE reviews (
    learner       BIGINT      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    item_id       TEXT        NOT NULL,
    box           INTEGER     NOT NULL,
    due           TIMESTAMPTZ NOT NULL,
    last_answered TIMESTAMPTZ NOT NULL,
    domain        INTEGER     NOT NULL,
    task          TEXT        NOT NULL,
    item          JSONB       NOT NULL,
    PRIMARY KEY (learner, item_id)
);
CREATE INDEX reviews_learner_due ON reviews (learner, due);
-- Items handed out by the HTTP API, by content id, so any app process can grade them.
CREATE TABLE quiz_items (
    id   TEXT  PRIMARY KEY,
    item JSONB NOT NULL
);
