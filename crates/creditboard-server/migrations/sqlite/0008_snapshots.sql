-- The state of an account's ledger after its first `entries` entries (the domain's
-- LedgerSnapshot, as JSON): a process opens a large account from it and the entries after it
-- instead of replaying them all. Entries never change, so a snapshot stays true; a newer one
-- replaces it.
CREATE TABLE account_snapshots (
    account TEXT    PRIMARY KEY REFERENCES accounts (id),
    entries INTEGER NOT NULL,
    state   TEXT    NOT NULL
);
