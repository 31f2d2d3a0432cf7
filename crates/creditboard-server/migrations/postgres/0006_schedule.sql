-- When each account next needs a visit without a request: its next refill, rollover or
-- expiry, and its oldest payment still waiting for the provider. NULL: not known yet (the
-- account is visited once and they are written); the background pass reads these instead of
-- opening every account.
ALTER TABLE accounts ADD COLUMN schedule_known BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN due_at_ms BIGINT;
ALTER TABLE accounts ADD COLUMN pending_since_ms BIGINT;
CREATE INDEX accounts_due ON accounts (due_at_ms);
