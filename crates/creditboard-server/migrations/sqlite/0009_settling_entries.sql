-- The entries that settle another (a hold's capture or release, a refund, a purchase's or
-- top-up's payment), by the entry they reverse: a listing opened from a snapshot reads what
-- became of each job it shows without the entries around it. Only those kinds are indexed,
-- so a usage event costs the insert nothing more.
CREATE INDEX IF NOT EXISTS entries_reversing ON entries (account, json_extract(body, '$.reverses'))
    WHERE kind IN ('hold_capture', 'hold_release', 'refund', 'purchase', 'auto_top_up');
