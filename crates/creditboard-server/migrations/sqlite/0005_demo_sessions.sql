-- The demo's private copies of its accounts (`--demo`, `session=`): when each was made, so
-- they expire and their count holds across restarts. Disposable by design, they are the
-- only accounts whose entries may be deleted.
CREATE TABLE demo_sessions (
    account       TEXT   PRIMARY KEY REFERENCES accounts (id),
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX demo_sessions_by_age ON demo_sessions (created_at_ms);

DROP TRIGGER entries_are_never_deleted;
CREATE TRIGGER entries_are_never_deleted BEFORE DELETE ON entries
WHEN old.account NOT IN (SELECT account FROM demo_sessions)
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable: a DELETE of entries is refused');
END;
