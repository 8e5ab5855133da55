-- Sign-in failures per name as typed (an account or not) and place (the address a sign-in
-- comes from, or '*' for every place the account has not signed in from): counted here
-- with a row lock, so concurrent wrong passwords cannot outrun the count.
CREATE TABLE sign_in_attempts (
    username TEXT NOT NULL,
    place TEXT NOT NULL,
    failures BIGINT NOT NULL,
    locks BIGINT NOT NULL,
    locked_until BIGINT,
    last_failure_at BIGINT,
    -- A successful sign-in from here makes the place familiar to the account until then.
    familiar_until BIGINT,
    PRIMARY KEY (username, place)
);
CREATE INDEX sign_in_attempts_stale ON sign_in_attempts (last_failure_at);
