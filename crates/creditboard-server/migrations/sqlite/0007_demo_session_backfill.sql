-- Session copies made before they were recorded: counted from now, so they expire too.
INSERT INTO demo_sessions (account, created_at_ms)
SELECT id, CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM accounts
WHERE id LIKE '%.session.%' AND id NOT IN (SELECT account FROM demo_sessions);
