-- Accounts an administrator stops (no sign-in, sessions end) and starts again; when each
-- last signed in; the work phone colleagues call (sealed like every phone, masked in lists).
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;
ALTER TABLE users ADD COLUMN phone_enc TEXT;
ALTER TABLE users ADD COLUMN phone_masked TEXT;
CREATE INDEX users_region ON users (region_code, role);
