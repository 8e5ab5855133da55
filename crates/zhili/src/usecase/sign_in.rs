//! Signing in: the password checked within the machine's bound, failures counted per
//! account and place (`zhili_domain::user::LoginPolicy`), names that are not accounts
//! treated exactly like accounts (the same work, the same counting, the same answers).

use crate::auth;
use crate::state::AppState;
use zhili_domain::user::User;
use zhili_store::StoreError;

/// A session just started.
pub struct SignedIn {
    pub token: String,
    pub expires_at: i64,
    pub user: User,
}

/// Why a sign-in was refused.
#[derive(Debug)]
pub enum Refusal {
    /// Wrong name or password (which of the two is not told).
    Wrong,
    /// Too many wrong passwords from this place (or from unfamiliar places) lately.
    Locked {
        until: i64,
        now: i64,
    },
    /// The right password for an account an administrator stopped.
    Disabled,
    /// Every password check is taken; try again shortly.
    Busy,
    /// Too many sign-ins a minute for this name or from this address.
    Limited(zhili_domain::DomainError),
    Store(StoreError),
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Refusal::Store(e)
    }
}

/// One sign-in at a time per name on this server: the lock check, the password check and
/// the count then happen in turn, so concurrent guesses cannot all pass the check before
/// the first failure is counted (the count itself is atomic in the database, which bounds
/// what several servers can race to the number of servers).
#[derive(Default)]
pub struct Turns {
    names:
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

/// How long a sign-in waits for its name's turn before `Busy`.
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Turns {
    async fn take(&self, name: &str) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        let turn = {
            let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
            if names.len() > 1024 {
                // Forget names nobody is waiting on.
                names.retain(|_, t| std::sync::Arc::strong_count(t) > 1);
            }
            names.entry(name.to_string()).or_default().clone()
        };
        tokio::time::timeout(TURN_WAIT, turn.lock_owned())
            .await
            .ok()
    }
}

/// Signs `username` in from `place` (the client's address).
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    place: &str,
) -> Result<SignedIn, Refusal> {
    if username.is_empty() || username.len() > 64 || password.len() > 1024 {
        return Err(Refusal::Wrong);
    }
    // Counted before any work: a script spraying names or passwords is turned away cheaply.
    count_try(state, username, place).map_err(Refusal::Limited)?;
    let _turn = state
        .sign_in_turns
        .take(username)
        .await
        .ok_or(Refusal::Busy)?;
    let policy = &state.policy;
    let now = crate::now_ms();
    let counters = state.store.sign_in_state(username, place, now).await?;
    if let Some(until) = policy.locked_until(counters.place, counters.unfamiliar, now) {
        return Err(Refusal::Locked { until, now });
    }
    let record = state.store.find_login(username).await?;
    // An absent account is checked against a decoy hash: the same time, memory and bound.
    let hash = record.as_ref().map_or_else(
        || auth::decoy_hash().to_string(),
        |r| r.password_hash.clone(),
    );
    let guess = password.to_string();
    let right = state
        .password_checks
        .run(move || auth::verify_password(&guess, &hash))
        .await
        .map_err(|_| Refusal::Busy)?;
    let now = crate::now_ms();
    let record = match record {
        Some(record) if right => record,
        other => return Err(failed(state, username, other.map(|r| r.user), place).await),
    };
    // Told only to someone who knows the password: a stopped account is not a secret from
    // its owner, and a guesser learns nothing a wrong answer would not tell.
    if record.disabled {
        return Err(Refusal::Disabled);
    }
    // A password set by someone else, or past its age: the session can only change it.
    let mut record = record;
    record.user.must_change_password =
        record.must_change_password || policy.password.expired(record.password_changed_at, now);
    start_session(state, record.user, place, now).await
}

/// A session for `user` after a right password (a sign-in, or a password just changed).
async fn start_session(
    state: &AppState,
    user: User,
    place: &str,
    now: i64,
) -> Result<SignedIn, Refusal> {
    let policy = &state.policy;
    let token = auth::new_token();
    let expires_at = now + policy.token_ttl_ms;
    if let Some(until) = state
        .store
        .record_login_success(
            &user,
            place,
            &auth::token_hash(&token),
            expires_at,
            policy,
            now,
        )
        .await?
    {
        // A concurrent wrong guess locked this place while the password was checked.
        return Err(Refusal::Locked { until, now });
    }
    let mut user = user;
    // The grids grid staff work on now, as every later request reads them with the session.
    if user.role.on_the_grids() {
        user.grids = state
            .store
            .staffed_grids(user.id, now)
            .await?
            .iter()
            .filter_map(|g| zhili_domain::RegionCode::parse(g).ok())
            .collect();
    }
    Ok(SignedIn {
        token,
        expires_at,
        user,
    })
}

/// A password tried for `username` from `place`, counted at the sign-in door's rate.
fn count_try(
    state: &AppState,
    username: &str,
    place: &str,
) -> Result<(), zhili_domain::DomainError> {
    let address = place
        .parse()
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    state.rate_limits.take(
        crate::rate_limit::Door::SignIn,
        Some(username),
        address,
        crate::now_ms(),
    )
}

/// Counts a wrong password; the answer is the lock it caused, if any.
async fn failed(state: &AppState, username: &str, user: Option<User>, place: &str) -> Refusal {
    let now = crate::now_ms();
    match state
        .store
        .record_login_failure(username, user.as_ref(), place, &state.policy, now)
        .await
    {
        Ok(Some(until)) => Refusal::Locked { until, now },
        Ok(None) => Refusal::Wrong,
        Err(e) => Refusal::Store(e),
    }
}

/// Ends the session a token started: the token stops working on every server at once (the
/// cache of this one is cleared, the others read the revocation from the database).
pub async fn sign_out(state: &AppState, user: &User, token_hash: &str) -> Result<(), StoreError> {
    state.forget_token(token_hash);
    state
        .store
        .revoke_token(user, token_hash, crate::now_ms())
        .await
}

/// Why a password change was refused.
#[derive(Debug)]
pub enum ChangeRefusal {
    /// The current password given is wrong.
    Wrong,
    /// The new one breaks the policy, or repeats a recent one.
    Invalid(zhili_domain::DomainError),
    Refusal(Refusal),
}

impl From<StoreError> for ChangeRefusal {
    fn from(e: StoreError) -> Self {
        ChangeRefusal::Refusal(Refusal::Store(e))
    }
}

/// The signed-in owner changes their own password: the current one checked, the new one
/// checked against the policy, the account's name and its last passwords (all in one bounded
/// job: argon2 checks are the costly part), then set. Every session of the account ends, this
/// one too, and a new session starts with the new password: the answer is its token.
pub async fn change_own_password(
    state: &AppState,
    user: &User,
    current: &str,
    new: String,
    place: &str,
) -> Result<SignedIn, ChangeRefusal> {
    // A stolen session cannot be used to guess the password faster than a sign-in can.
    count_try(state, &user.username, place)
        .map_err(|e| ChangeRefusal::Refusal(Refusal::Limited(e)))?;
    let policy = state.policy.password;
    policy
        .check(&new, &user.username)
        .map_err(ChangeRefusal::Invalid)?;
    if current.len() > 1024 {
        return Err(ChangeRefusal::Wrong);
    }
    let record = state
        .store
        .find_login(&user.username)
        .await?
        .ok_or(ChangeRefusal::Wrong)?;
    let history = state
        .store
        .password_history(&user.username, policy.history.saturating_sub(1) as i64)
        .await?;
    let (current, now_hash) = (current.to_string(), record.password_hash.clone());
    let checked = state
        .password_checks
        .run(move || {
            if !auth::verify_password(&current, &now_hash) {
                return Err(ChangeRefusal::Wrong);
            }
            let earlier = std::iter::once(&now_hash).chain(history.iter());
            if earlier.clone().any(|h| auth::verify_password(&new, h)) {
                return Err(ChangeRefusal::Invalid(policy.reused()));
            }
            auth::hash_password(&new)
                .map_err(|e| ChangeRefusal::Refusal(Refusal::Store(StoreError::Internal(e))))
        })
        .await
        .map_err(|_| ChangeRefusal::Refusal(Refusal::Busy))??;
    let change = zhili_store::PasswordChange {
        password_hash: checked,
        must_change: false,
        keep: policy.history as i64,
    };
    let now = crate::now_ms();
    state
        .store
        .set_password(&user.actor(), &user.username, &change, now)
        .await?;
    state.forget_user(user.id);
    let mut user = record.user;
    user.must_change_password = false;
    start_session(state, user, place, now)
        .await
        .map_err(ChangeRefusal::Refusal)
}
