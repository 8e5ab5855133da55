-- Passwords as GB/T 22239 asks: when each was set (for expiry; an older account counts from its
-- creation), whether the next sign-in must change it (a new account, a reset by an
-- administrator), and the last ones kept hashed so that a new one cannot repeat them. A session
-- begun under a password that must change can do nothing but change it.
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
CREATE TABLE password_history (
    user_id BIGINT NOT NULL REFERENCES users (id),
    password_hash TEXT NOT NULL,
    set_at BIGINT NOT NULL
);
CREATE INDEX password_history_of ON password_history (user_id, set_at);
