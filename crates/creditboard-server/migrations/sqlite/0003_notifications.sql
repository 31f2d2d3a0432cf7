-- Low-balance notifications as they fired, written in the transaction of the entries that
-- fired them: a restart or another process lists these, never a recomputation with the
-- levels of the day. seq orders several fired by one entry.
CREATE TABLE notifications (
    account TEXT    NOT NULL REFERENCES accounts (id),
    entry   INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    body    TEXT    NOT NULL,
    PRIMARY KEY (account, entry, seq)
) WITHOUT ROWID;
