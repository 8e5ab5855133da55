//! Sign-in failures counted per name and place. Each count is read and written under the
//! row's lock (the upsert takes it on PostgreSQL; SQLite's write transaction is exclusive),
//! so forty wrong passwords at once count forty.

use crate::sql::{append_actions, SqlStore};
use crate::{Result, SignInState};
use sqlx::{AnyConnection, Row};
use zhili_domain::chain::Actor;
use zhili_domain::user::{Attempts, LoginPolicy, User, UNFAMILIAR_PLACES};

fn attempts_of(r: &sqlx::any::AnyRow) -> Result<Attempts> {
    Ok(Attempts {
        failures: r.try_get("failures")?,
        locks: r.try_get("locks")?,
        locked_until: r.try_get("locked_until")?,
        last_failure_at: r.try_get("last_failure_at")?,
    })
}

/// The counters of a name at a place (and at every unfamiliar place, unless this place is
/// familiar), read on `conn`.
async fn read(
    conn: &mut AnyConnection,
    username: &str,
    place: &str,
    now: i64,
) -> Result<SignInState> {
    let rows = sqlx::query(
        "SELECT place, failures, locks, locked_until, last_failure_at, familiar_until \
         FROM sign_in_attempts WHERE username = $1 AND (place = $2 OR place = $3)",
    )
    .bind(username)
    .bind(place)
    .bind(UNFAMILIAR_PLACES)
    .fetch_all(&mut *conn)
    .await?;
    let mut state = SignInState {
        place: Attempts::default(),
        unfamiliar: Some(Attempts::default()),
    };
    let mut familiar = false;
    for r in &rows {
        let at: String = r.try_get("place")?;
        if at == UNFAMILIAR_PLACES {
            state.unfamiliar = Some(attempts_of(r)?);
        } else {
            state.place = attempts_of(r)?;
            familiar = r
                .try_get::<Option<i64>, _>("familiar_until")?
                .is_some_and(|until| until > now);
        }
    }
    if familiar {
        state.unfamiliar = None;
    }
    Ok(state)
}

pub(crate) async fn state(
    store: &SqlStore,
    username: &str,
    place: &str,
    now: i64,
) -> Result<SignInState> {
    let mut conn = store.pool.acquire().await?;
    read(&mut conn, username, place, now).await
}

/// Takes the rows' locks (creating them if new) for the rest of the transaction.
async fn lock_rows(conn: &mut AnyConnection, username: &str, places: &[&str]) -> Result<()> {
    for place in places {
        sqlx::query(
            "INSERT INTO sign_in_attempts (username, place, failures, locks) VALUES ($1, $2, 0, 0) \
             ON CONFLICT (username, place) DO UPDATE SET failures = sign_in_attempts.failures",
        )
        .bind(username)
        .bind(*place)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn write(conn: &mut AnyConnection, username: &str, place: &str, a: &Attempts) -> Result<()> {
    sqlx::query(
        "UPDATE sign_in_attempts SET failures = $1, locks = $2, locked_until = $3, last_failure_at = $4 \
         WHERE username = $5 AND place = $6",
    )
    .bind(a.failures)
    .bind(a.locks)
    .bind(a.locked_until)
    .bind(a.last_failure_at)
    .bind(username)
    .bind(place)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Counts one wrong password for `username` at `place` (and at every unfamiliar place when
/// `place` is one); for an account, records it (and a lock it caused) in the chain.
/// Answers until when the place is now locked, if it is.
pub(crate) async fn failure(
    store: &SqlStore,
    username: &str,
    user: Option<&User>,
    place: &str,
    policy: &LoginPolicy,
    now: i64,
) -> Result<Option<i64>> {
    let mut tx = store.write_tx().await?;
    lock_rows(&mut tx, username, &[place, UNFAMILIAR_PLACES]).await?;
    let before = read(&mut tx, username, place, now).await?;
    let here = policy.after_failure(before.place, policy.max_failures, now);
    write(&mut tx, username, place, &here).await?;
    let mut newly_locked = here.locks > before.place.locks;
    let everywhere = before.unfamiliar.map(|u| {
        let after = policy.after_failure(u, policy.max_unfamiliar_failures, now);
        newly_locked |= after.locks > u.locks;
        after
    });
    if let Some(all) = &everywhere {
        write(&mut tx, username, UNFAMILIAR_PLACES, all).await?;
    }
    // Names nobody signs in with any more are forgotten once their locks could not matter.
    sqlx::query(
        "DELETE FROM sign_in_attempts WHERE last_failure_at < $1 \
         AND (familiar_until IS NULL OR familiar_until < $2)",
    )
    .bind(now - policy.reset_ms - policy.max_lock_ms)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if let Some(user) = user {
        let actor = user.actor();
        let subject = format!("user:{}", user.username);
        let mut actions = vec![actor
            .action(now, "auth.login_failed", &subject)
            .opinion(format!("failure {} from {place}", here.failures))];
        if newly_locked {
            actions.push(
                actor
                    .action(now, "auth.locked", &subject)
                    .states(Some("active"), Some("locked"))
                    .opinion(
                        if everywhere.is_some_and(|a| a.locked_until > here.locked_until) {
                            "every unfamiliar place".to_string()
                        } else {
                            format!("from {place}")
                        },
                    ),
            );
        }
        append_actions(&mut tx, actions).await?;
    }
    tx.commit().await?;
    Ok(policy.locked_until(here, everywhere, now))
}

/// A right password: unless the place locked meanwhile (a concurrent wrong guess), forgets
/// its failures, makes it familiar, and starts the session. Answers the lock otherwise.
pub(crate) async fn success(
    store: &SqlStore,
    user: &User,
    place: &str,
    token_hash: &str,
    expires_at: i64,
    policy: &LoginPolicy,
    now: i64,
) -> Result<Option<i64>> {
    let mut tx = store.write_tx().await?;
    lock_rows(&mut tx, &user.username, &[place]).await?;
    let state = read(&mut tx, &user.username, place, now).await?;
    if let Some(until) = policy.locked_until(state.place, state.unfamiliar, now) {
        tx.commit().await?;
        return Ok(Some(until));
    }
    sqlx::query(
        "UPDATE sign_in_attempts SET failures = 0, locks = 0, locked_until = NULL, \
         last_failure_at = NULL, familiar_until = $1 WHERE username = $2 AND place = $3",
    )
    .bind(now + policy.familiar_ms)
    .bind(&user.username)
    .bind(place)
    .execute(&mut *tx)
    .await?;
    // An expired password is kept to be changed from now on, whatever the session does.
    sqlx::query(
        "UPDATE users SET last_sign_in_at = $1, must_change_password = CASE WHEN $2 = 1 THEN 1 ELSE must_change_password END WHERE id = $3",
    )
        .bind(now)
        .bind(i64::from(user.must_change_password))
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO tokens (token_hash, user_id, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, NULL)")
        .bind(token_hash)
        .bind(user.id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
    let actor: Actor = user.actor();
    append_actions(
        &mut tx,
        vec![actor
            .action(now, "auth.login", &format!("user:{}", user.username))
            .opinion(format!("from {place}"))],
    )
    .await?;
    tx.commit().await?;
    Ok(None)
}

/// A new password ends every lock of the account.
pub(crate) async fn forget(conn: &mut AnyConnection, username: &str) -> Result<()> {
    sqlx::query(
        "UPDATE sign_in_attempts SET failures = 0, locks = 0, locked_until = NULL, last_failure_at = NULL \
         WHERE username = $1",
    )
    .bind(username)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
