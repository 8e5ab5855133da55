//! Accounts, sign-in and sessions.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use sqlx::Row;
use zhili_domain::chain::Actor;
use zhili_domain::user::Attempts;
use zhili_domain::user::{LoginPolicy, User};
use zhili_domain::RegionCode;
use zhili_domain::Scope;

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: zhili_domain::Role,
    pub unit_id: Option<String>,
    pub region_code: RegionCode,
    pub department: Option<String>,
    pub password_hash: String,
    /// The work phone, sealed, and its mask for lists.
    pub phone_enc: Option<String>,
    pub phone_masked: Option<String>,
    /// The first sign-in must set a password of the user's own (an account an administrator
    /// made); not for the demo's and tests' accounts.
    pub must_change_password: bool,
}

/// Which accounts an administrator lists.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Part of the username or display name.
    pub text: Option<String>,
    pub role: Option<zhili_domain::Role>,
    pub limit: i64,
    pub offset: i64,
}

/// An account as administration sees it (never its password hash).
#[derive(Clone, Debug)]
pub struct UserListing {
    pub user: User,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub last_sign_in_at: Option<i64>,
    pub phone_masked: Option<String>,
}

/// What an administrator changes of an account (`None`: left as it is).
#[derive(Clone, Debug, Default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    /// A new work phone sealed and masked, or `Some(None)` to remove it.
    pub phone: Option<Option<(String, String)>>,
    /// Stop (true) or start (false) the account.
    pub disabled: Option<bool>,
}

/// Someone to call about a grid: its workers and its village station's operators.
#[derive(Clone, Debug)]
pub struct Contact {
    pub username: String,
    pub display_name: String,
    pub role: zhili_domain::Role,
    pub phone_enc: Option<String>,
}

/// A new password as stored.
#[derive(Clone, Debug)]
pub struct PasswordChange {
    pub password_hash: String,
    /// Set by an administrator: the owner changes it at the next sign-in.
    pub must_change: bool,
    /// Earlier hashes kept for the policy's "not one of the last N".
    pub keep: i64,
}

/// What sign-in needs: the account and its password hash.
#[derive(Clone, Debug)]
pub struct LoginRecord {
    pub user: User,
    pub password_hash: String,
    /// Stopped by an administrator: the right password still does not sign it in.
    pub disabled: bool,
    /// Set by an administrator (a new account, a reset): the owner must change it.
    pub must_change_password: bool,
    /// When the password was set (the account's creation for one older than the record).
    pub password_changed_at: i64,
}

/// The sign-in failure counters of a name at a place, and at every unfamiliar place of the
/// name (`None` when this place is familiar: the owner signed in from it lately).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignInState {
    pub place: Attempts,
    pub unfamiliar: Option<Attempts>,
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn insert_users(&self, actor: &Actor, users: &[NewUser], now: i64) -> Result<()>;

    async fn find_login(&self, username: &str) -> Result<Option<LoginRecord>>;

    /// The failure counters of `username` (an account or not) at `place`.
    async fn sign_in_state(&self, username: &str, place: &str, now: i64) -> Result<SignInState>;

    /// Counts one wrong password for `username` at `place` atomically (and at every
    /// unfamiliar place when `place` is one); records it for an account. Answers until when
    /// the place is now locked, if it is.
    async fn record_login_failure(
        &self,
        username: &str,
        user: Option<&User>,
        place: &str,
        policy: &LoginPolicy,
        now: i64,
    ) -> Result<Option<i64>>;

    /// Starts a session after a right password, unless the place locked meanwhile (then
    /// answers until when, and starts nothing).
    async fn record_login_success(
        &self,
        user: &User,
        place: &str,
        token_hash: &str,
        expires_at: i64,
        policy: &LoginPolicy,
        now: i64,
    ) -> Result<Option<i64>>;

    async fn user_by_token(&self, token_hash: &str, now: i64) -> Result<Option<User>>;

    async fn revoke_token(&self, user: &User, token_hash: &str, now: i64) -> Result<()>;

    /// Sets a new password hash (the one it replaces kept in the history, the `keep` newest
    /// of which are kept), whether the owner must change it at the next sign-in, and ends every
    /// session of the user. False when no such user.
    async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        change: &PasswordChange,
        now: i64,
    ) -> Result<bool>;

    /// The account's earlier password hashes, newest first (at most `limit`).
    async fn password_history(&self, username: &str, limit: i64) -> Result<Vec<String>>;

    async fn count_users(&self) -> Result<i64>;

    /// Changes an account's name, work phone or whether it may sign in (stopping it ends its
    /// sessions), recorded. False when no such user.
    async fn change_account(
        &self,
        actor: &Actor,
        username: &str,
        change: &AccountChange,
        now: i64,
    ) -> Result<bool>;

    /// Lifts every sign-in lock of the name, recorded.
    async fn unlock_account(&self, actor: &Actor, username: &str, now: i64) -> Result<()>;

    /// The working accounts of a grid (its workers, and whoever holds a post on it: its
    /// leader, part-time workers, assistants) and of its village (the station's
    /// operators), by role then name.
    async fn grid_contacts(&self, grid: &RegionCode, village: &RegionCode) -> Result<Vec<Contact>>;

    /// Which of these usernames are accounts (one query per thousand names).
    async fn existing_usernames(&self, names: &[String]) -> Result<Vec<String>>;

    /// Accounts anchored in the scope's subtree, by username; and how many match.
    async fn list_users(
        &self,
        scope: &Scope,
        filter: &UserFilter,
    ) -> Result<(i64, Vec<UserListing>)>;
}

#[async_trait]
impl UserStore for SqlStore {
    async fn existing_usernames(&self, names: &[String]) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for chunk in names.chunks(1000) {
            let mut q = Sql::new("SELECT username FROM users WHERE username IN ");
            q.bind_list(chunk.iter().cloned().map(Arg::Text));
            for r in q.query().fetch_all(&self.pool).await? {
                found.push(r.try_get("username")?);
            }
        }
        Ok(found)
    }

    async fn insert_users(&self, actor: &Actor, users: &[NewUser], now: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let actions = insert_users_in(&mut tx, actor, users, now).await?;
        append_actions(&mut tx, actions).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn find_login(&self, username: &str) -> Result<Option<LoginRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash, u.disabled_at, u.must_change_password, \
             COALESCE(u.password_changed_at, u.created_at) AS password_changed_at FROM users u WHERE u.username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(LoginRecord {
                user: user_from_row(&r)?,
                password_hash: r.try_get("password_hash")?,
                disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
                password_changed_at: r.try_get("password_changed_at")?,
            })
        })
        .transpose()
    }

    async fn sign_in_state(
        &self,
        username: &str,
        place: &str,
        now: i64,
    ) -> Result<crate::SignInState> {
        crate::sign_in::state(self, username, place, now).await
    }

    async fn record_login_failure(
        &self,
        username: &str,
        user: Option<&User>,
        place: &str,
        policy: &LoginPolicy,
        now: i64,
    ) -> Result<Option<i64>> {
        crate::sign_in::failure(self, username, user, place, policy, now).await
    }

    async fn record_login_success(
        &self,
        user: &User,
        place: &str,
        token_hash: &str,
        expires_at: i64,
        policy: &LoginPolicy,
        now: i64,
    ) -> Result<Option<i64>> {
        crate::sign_in::success(self, user, place, token_hash, expires_at, policy, now).await
    }

    async fn user_by_token(&self, token_hash: &str, now: i64) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.disabled_at IS NULL"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(mut user) = row.map(|r| user_from_row(&r)).transpose()? else {
            return Ok(None);
        };
        // Grid staff see where they are posted and what they cover now (`Scope::staffed`).
        if user.role.on_the_grids() {
            user.grids = crate::staffing::staffed_grids(&self.pool, user.id, now)
                .await?
                .iter()
                .filter_map(|g| RegionCode::parse(g).ok())
                .collect();
        }
        Ok(Some(user))
    }

    async fn revoke_token(&self, user: &User, token_hash: &str, now: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(token_hash)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() > 0 {
            let actor = Actor {
                username: user.username.clone(),
                unit: user.unit_id.clone(),
            };
            append_actions(
                &mut tx,
                vec![actor.action(now, "auth.logout", &format!("user:{}", user.username))],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        change: &PasswordChange,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query("SELECT id, password_hash FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let id: i64 = row.try_get("id")?;
        let old: String = row.try_get("password_hash")?;
        sqlx::query(
            "INSERT INTO password_history (user_id, password_hash, set_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(old)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Only the newest are kept: the rest are hashes nobody needs.
        sqlx::query(
            "DELETE FROM password_history WHERE user_id = $1 AND set_at < COALESCE((SELECT set_at FROM password_history \
             WHERE user_id = $1 ORDER BY set_at DESC LIMIT 1 OFFSET $2), -1)",
        )
        .bind(id)
        .bind(change.keep.max(1) - 1)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_at = $2, must_change_password = $3 WHERE id = $4",
        )
        .bind(&change.password_hash)
        .bind(now)
        .bind(i64::from(change.must_change))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        crate::sign_in::forget(&mut tx, username).await?;
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let mut done = actor.action(now, "user.passwd", &format!("user:{username}"));
        if change.must_change {
            done.opinion = Some("to be changed at the next sign-in".into());
        }
        append_actions(&mut tx, vec![done]).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn password_history(&self, username: &str, limit: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT h.password_hash FROM password_history h JOIN users u ON u.id = h.user_id \
             WHERE u.username = $1 ORDER BY h.set_at DESC LIMIT $2",
        )
        .bind(username)
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get("password_hash")?))
            .collect()
    }

    async fn change_account(
        &self,
        actor: &Actor,
        username: &str,
        change: &AccountChange,
        now: i64,
    ) -> Result<bool> {
        crate::users::change_account(self, actor, username, change, now).await
    }

    async fn unlock_account(&self, actor: &Actor, username: &str, now: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        crate::sign_in::forget(&mut tx, username).await?;
        append_actions(
            &mut tx,
            vec![actor.action(now, "user.unlock", &format!("user:{username}"))],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn grid_contacts(&self, grid: &RegionCode, village: &RegionCode) -> Result<Vec<Contact>> {
        crate::users::grid_contacts(self, grid, village).await
    }

    async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn list_users(
        &self,
        scope: &Scope,
        filter: &crate::UserFilter,
    ) -> Result<(i64, Vec<crate::UserListing>)> {
        crate::users::list_users(self, scope, filter).await
    }
}
