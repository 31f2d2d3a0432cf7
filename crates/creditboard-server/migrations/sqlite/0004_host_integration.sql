-- The host product's own tokens, for the whole server: they create accounts and act as the
-- service of every account. Stored as SHA-256 hashes, like the accounts' tokens.
CREATE TABLE host_tokens (
    hash          TEXT   PRIMARY KEY,
    expires_at_ms BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

-- An account is closed, never deleted: its ledger stays, its tokens go, and it answers 410.
ALTER TABLE accounts ADD COLUMN closed_at_ms BIGINT;
-- The SHA-256 of the request that created the account through the API: the same request
-- again is a retry, another one a conflict.
ALTER TABLE accounts ADD COLUMN created_by TEXT;

-- Every change by an admin, the host or the server: who, when, what, before and after.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT    NOT NULL REFERENCES accounts (id),
    at_ms   BIGINT  NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    before  TEXT    NOT NULL,
    after   TEXT    NOT NULL
);
CREATE INDEX audit_by_account ON audit (account, id);

-- Where the host wants events: per account, or (account NULL) for every account.
CREATE TABLE webhook_endpoints (
    id            TEXT   PRIMARY KEY,
    account       TEXT   REFERENCES accounts (id),
    url           TEXT   NOT NULL,
    secret        TEXT   NOT NULL,
    events        TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL,
    deleted_at_ms BIGINT
);
-- One live endpoint per URL and account (or server-wide): a retried registration finds it.
CREATE UNIQUE INDEX webhook_endpoints_once ON webhook_endpoints (COALESCE(account, ''), url)
    WHERE deleted_at_ms IS NULL;

-- Events as they happened, written in the transaction of the entries that made them.
CREATE TABLE webhook_events (
    id            TEXT   PRIMARY KEY,
    account       TEXT   NOT NULL REFERENCES accounts (id),
    type          TEXT   NOT NULL,
    body          TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX webhook_events_by_account ON webhook_events (account, created_at_ms);

-- One event to one endpoint: pending until a 2xx, retried with backoff for a day.
CREATE TABLE webhook_deliveries (
    event      TEXT    NOT NULL REFERENCES webhook_events (id),
    endpoint   TEXT    NOT NULL REFERENCES webhook_endpoints (id),
    state      TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at_ms BIGINT  NOT NULL,
    PRIMARY KEY (event, endpoint)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at_ms);

-- Each try: when, what the endpoint answered (status NULL: no answer), how long it took.
CREATE TABLE webhook_attempts (
    event       TEXT    NOT NULL,
    endpoint    TEXT    NOT NULL,
    n           INTEGER NOT NULL,
    at_ms       BIGINT  NOT NULL,
    status      INTEGER,
    error       TEXT,
    duration_ms BIGINT  NOT NULL,
    PRIMARY KEY (event, endpoint, n)
);
