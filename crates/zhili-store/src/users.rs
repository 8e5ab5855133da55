//! Accounts as administration lists them: scoped, searchable, a page at a time.

use crate::sql::{scope_filter, user_from_row, Arg, Sql, USER_COLUMNS};
use crate::{Result, SqlStore, UserFilter, UserListing};
use sqlx::Row;
use zhili_domain::Scope;

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
            "SELECT {USER_COLUMNS}, a.locked_until, u.created_at FROM users u \
             LEFT JOIN sign_in_attempts a ON a.username = u.username AND a.place = '{}' WHERE 1 = 1",
            zhili_domain::user::UNFAMILIAR_PLACES
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
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((total, users))
}
