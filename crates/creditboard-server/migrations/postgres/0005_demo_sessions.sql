-- The demo's private copies of its accounts (`--demo`, `session=`): when each was made, so
-- they expire and their count holds across restarts. Disposable by design, they are the
-- only accounts whose entries may be deleted.
CREATE TABLE demo_sessions (
    account       TEXT   PRIMARY KEY REFERENCES accounts (id),
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX demo_sessions_by_age ON demo_sessions (created_at_ms);

CREATE OR REPLACE FUNCTION refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM demo_sessions WHERE account = OLD.account) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'ledger entries are immutable: % of entries is refused', TG_OP;
END
$$;
