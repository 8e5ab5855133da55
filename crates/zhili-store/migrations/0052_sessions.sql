-- Sessions as an operator and their owner see them: where each began, when it was last used
-- (written in batches, at most a minute late), and how long it may stay unused (the policy at
-- its sign-in; NULL for sessions begun before: no idle limit).
ALTER TABLE tokens ADD COLUMN place TEXT;
ALTER TABLE tokens ADD COLUMN last_seen_at BIGINT;
ALTER TABLE tokens ADD COLUMN idle_ms BIGINT;
