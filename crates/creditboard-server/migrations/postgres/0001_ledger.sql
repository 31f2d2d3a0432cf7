-- One row per account: its configuration and rate card as the domain's JSON, versioned so
-- every server process notices a settings change.
CREATE TABLE accounts (
    id             TEXT   PRIMARY KEY,
    config         TEXT   NOT NULL,
    rate_card      TEXT   NOT NULL,
    opened_at      TEXT   NOT NULL,
    config_version BIGINT NOT NULL DEFAULT 1
);

-- The ledger: append-only, ids contiguous per account. The primary key is what keeps two
-- writers from both appending entry N: the second insert fails and its request is retried.
CREATE TABLE entries (
    account TEXT   NOT NULL REFERENCES accounts (id),
    id      BIGINT NOT NULL,
    at_ms   BIGINT NOT NULL,
    meter   TEXT   NOT NULL,
    kind    TEXT   NOT NULL,
    amount  BIGINT NOT NULL,
    op_key  TEXT   NOT NULL,
    body    TEXT   NOT NULL,
    PRIMARY KEY (account, id)
);

-- Bearer tokens, stored as SHA-256 hashes. kind: member | service | embed.
CREATE TABLE tokens (
    hash          TEXT   PRIMARY KEY,
    account       TEXT   NOT NULL REFERENCES accounts (id),
    kind          TEXT   NOT NULL,
    member        TEXT,
    expires_at_ms BIGINT,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX tokens_by_account ON tokens (account);

-- Settings changes (top-ups, member caps, alerts) in order; accounts.config is the result.
-- Other server processes apply the ones they have not seen.
CREATE TABLE settings_changes (
    account TEXT   NOT NULL REFERENCES accounts (id),
    version BIGINT NOT NULL,
    change  TEXT   NOT NULL,
    PRIMARY KEY (account, version)
);
