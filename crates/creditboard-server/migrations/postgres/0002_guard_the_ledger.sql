-- The database guards the ledger itself, whatever writes to it: an entry's key is written
-- once per account (the idempotency the ledger promises), and an entry, once written, is
-- never changed or removed.
CREATE UNIQUE INDEX entries_key ON entries (account, op_key);

CREATE FUNCTION refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable: % of entries is refused', TG_OP;
END
$$;

CREATE TRIGGER entries_are_immutable BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();

CREATE TRIGGER entries_are_never_truncated BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
