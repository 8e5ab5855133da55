//! Accounts as administration lists them: scoped, searchable, a page at a time.

use crate::sql::{append_actions, scope_filter, user_from_row, Arg, Sql, USER_COLUMNS};
use crate::{AccountChange, Contact, Result, SqlStore, UserFilter, UserListing};
use sqlx::Row;
use zhili_domain::chain::Actor;
use zhili_domain::{RegionCode, Role, Scope};

pub(crate) async fn list_users(
    store: &SqlStore,
    scope: &Scope,
    f: &UserFilter,
) -> Result<(i64, Vec<UserListing>)> {
    let mut filter = Sql::new("");
    scope_filter(&mut filter, "u.region_code", scope);
    if let Some(role) = f.role {
        filter.push(" AND u.role = ").bind_text(role.as_str());
    }
    if let Some(text) = &f.text {
        crate::sql::contains_any(&mut filter, &["u.username", "u.display_name"], text);
    }
    let count = Sql::with_filter("SELECT COUNT(*) AS n FROM users u WHERE 1 = 1", &filter);
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut page = Sql::with_filter(
        &format!(
            // Locked from any place: the administrator sees that someone cannot get in.
            "SELECT {USER_COLUMNS}, a.locked_until, u.created_at, u.disabled_at, u.last_sign_in_at, u.phone_masked FROM users u \
             LEFT JOIN (SELECT username, MAX(locked_until) AS locked_until FROM sign_in_attempts GROUP BY username) a \
             ON a.username = u.username WHERE 1 = 1"
        ),
        &filter,
    );
    page.push(" ORDER BY u.username LIMIT ")
        .bind(Arg::Int(f.limit));
    page.push(" OFFSET ").bind(Arg::Int(f.offset));
    let rows = page.query().fetch_all(&store.pool).await?;
    let users = rows
        .iter()
        .map(|r| {
            Ok(UserListing {
                user: user_from_row(r)?,
                locked_until: r.try_get("locked_until")?,
                created_at: r.try_get("created_at")?,
                disabled_at: r.try_get("disabled_at")?,
                last_sign_in_at: r.try_get("last_sign_in_at")?,
                phone_masked: r.try_get("phone_masked")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((total, users))
}

pub(crate) async fn change_account(
    store: &SqlStore,
    actor: &Actor,
    username: &str,
    change: &AccountChange,
    now: i64,
) -> Result<bool> {
    let mut tx = store.write_tx().await?;
    let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(false);
    };
    // What changed, for the record (never the phone itself).
    let mut said = Vec::new();
    if let Some(name) = &change.display_name {
        sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        said.push(format!("display_name {name}"));
    }
    if let Some(phone) = &change.phone {
        let (enc, masked) = phone.clone().unzip();
        sqlx::query("UPDATE users SET phone_enc = $1, phone_masked = $2 WHERE id = $3")
            .bind(enc)
            .bind(masked.clone())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        said.push(format!("phone {}", masked.as_deref().unwrap_or("-")));
    }
    let mut state = None;
    if let Some(disabled) = change.disabled {
        sqlx::query(
            "UPDATE users SET disabled_at = CASE WHEN $1 = 1 THEN COALESCE(disabled_at, $2) ELSE NULL END WHERE id = $3",
        )
        .bind(disabled as i64)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if disabled {
            sqlx::query(
                "UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        state = Some(if disabled { "disabled" } else { "enabled" });
    }
    let mut action = actor
        .action(now, "user.change", &format!("user:{username}"))
        .states(None, state);
    if !said.is_empty() {
        action = action.opinion(said.join("; "));
    }
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn grid_contacts(
    store: &SqlStore,
    grid: &RegionCode,
    village: &RegionCode,
) -> Result<Vec<Contact>> {
    let rows = sqlx::query(
        "SELECT username, display_name, role, phone_enc FROM users \
         WHERE disabled_at IS NULL AND ((region_code = $1 AND role = $2) OR (region_code = $3 AND role = $4) \
         OR id IN (SELECT user_id FROM grid_posts WHERE grid_code = $1 AND ended_at IS NULL)) \
         ORDER BY role, username LIMIT 50",
    )
    .bind(grid.to_string())
    .bind(Role::GridWorker.as_str())
    .bind(village.to_string())
    .bind(Role::VillageOperator.as_str())
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(Contact {
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                role: Role::parse(&role)
                    .ok_or_else(|| crate::StoreError::Internal(format!("stored role {role}")))?,
                phone_enc: r.try_get("phone_enc")?,
            })
        })
        .collect()
}
