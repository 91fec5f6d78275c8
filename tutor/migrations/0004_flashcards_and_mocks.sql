-- Flashcards get their own Leitner cards per learner (every reviewed card is scheduled, unlike
-- quiz items, which enter review only when missed), and each learner's mock exams keep their
-- items so the next mock can avoid them.
CREATE TABLE card_reviews (
    learner       BIGINT      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    card_id       TEXT        NOT NULL,
    box           INTEGER     NOT NULL,
    due           TIMESTAMPTZ NOT NULL,
    last_answered TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (learner, card_id)
);
CREATE TABLE mock_exams (
    id       BIGSERIAL   PRIMARY KEY,
    learner  BIGINT      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    started  TIMESTAMPTZ NOT NULL,
    item_ids JSONB       NOT NULL
);
CREATE INDEX mock_exams_learner_started ON mock_exams (learner, started);
