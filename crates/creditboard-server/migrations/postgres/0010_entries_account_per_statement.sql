-- Every entry belongs to an account that exists, checked once per statement instead of once
-- per row. The foreign key checked each of a 1,000-entry batch's rows with a query of its own,
-- about 4 ms of a batch's 6 ms insert; a statement now looks up the accounts its rows name
-- once, locking them as the foreign key did (FOR KEY SHARE), so an account being deleted
-- meanwhile is waited for and then refused. An account whose entries exist is never deleted.

ALTER TABLE entries DROP CONSTRAINT IF EXISTS entries_account_fkey;

CREATE FUNCTION entries_name_an_account() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named  BIGINT;
    locked BIGINT;
BEGIN
    SELECT COUNT(DISTINCT account) INTO named FROM added;
    SELECT COUNT(*) INTO locked
        FROM (SELECT 1 FROM accounts WHERE id IN (SELECT account FROM added) FOR KEY SHARE) AS a;
    IF locked <> named THEN
        RAISE EXCEPTION 'an entry names an account that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER entries_name_an_account AFTER INSERT ON entries
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION entries_name_an_account();

CREATE FUNCTION accounts_keep_their_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'DELETE' OR NEW.id <> OLD.id)
        AND EXISTS (SELECT 1 FROM entries WHERE account = OLD.id) THEN
        RAISE EXCEPTION 'account % has entries: it cannot be removed or renamed', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER accounts_keep_their_entries BEFORE DELETE OR UPDATE OF id ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_keep_their_entries();
