-- The entries that settle another (a hold's capture or release, a refund, a purchase's or
-- top-up's payment), by the entry they reverse: a listing opened from a snapshot reads what
-- became of each job it shows without the entries around it. Only those kinds are indexed,
-- so a usage event costs the insert nothing more. Built here inside the migration's
-- transaction, it holds up writes to `entries` while it builds; on a large database, build it
-- first with `CREATE INDEX CONCURRENTLY` and the same definition, and this finds it.
CREATE INDEX IF NOT EXISTS entries_reversing ON entries (account, ((body::json ->> 'reverses')::bigint))
    WHERE kind IN ('hold_capture', 'hold_release', 'refund', 'purchase', 'auto_top_up');
