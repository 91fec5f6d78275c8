-- Accounts, sign-in sessions and failed sign-ins (team mode).
CREATE TABLE accounts (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT        NOT NULL UNIQUE,
    role          TEXT        NOT NULL CHECK (role IN ('learner', 'admin')),
    password_hash TEXT,                       -- NULL: signs in through OIDC only
    disabled      BOOLEAN     NOT NULL DEFAULT FALSE,
    created       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE sessions (
    token_hash TEXT        PRIMARY KEY,       -- sha256 of the token; the token itself is never stored
    account_id BIGINT      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created    TIMESTAMPTZ NOT NULL,
    expires    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires);
CREATE TABLE signin_failures (
    id      BIGSERIAL   PRIMARY KEY,
    account TEXT        NOT NULL,
    address TEXT        NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX signin_failures_account ON signin_failures (account, at);
CREATE INDEX signin_failures_address ON signin_failures (address, at);
