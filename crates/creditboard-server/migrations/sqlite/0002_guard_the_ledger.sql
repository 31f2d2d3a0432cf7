-- The database guards the ledger itself, whatever writes to it: an entry's key is written
-- once per account (the idempotency the ledger promises), and an entry, once written, is
-- never changed or removed.
CREATE UNIQUE INDEX entries_key ON entries (account, op_key);

CREATE TRIGGER entries_are_never_updated BEFORE UPDATE ON entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable: an UPDATE of entries is refused');
END;

CREATE TRIGGER entries_are_never_deleted BEFORE DELETE ON entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable: a DELETE of entries is refused');
END;
