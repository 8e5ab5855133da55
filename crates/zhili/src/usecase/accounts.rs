//! Accounts: an administrator (or the operator at the machine) adds an account or sets its
//! password. The password is hashed (argon2id) within the machine's bound of checks; every
//! change is an action in the record; setting a password ends the account's sessions.

use super::{forbidden, invalid, not_found, Result};
use crate::auth::PasswordChecks;
use crate::crypto::{self, DataKey};
use zhili_domain::chain::Actor;
use zhili_domain::user::{self, User};
use zhili_domain::{DomainError, ErrorCode, RegionCode, Role, Scope};
use zhili_store::{AccountChange, NewUser, Store, StoreError};

/// Who changes accounts: a signed-in administrator, within their area; or the operator at
/// the machine (`zhili user …`), who could read the database anyway, over the whole district.
pub enum Caller<'a> {
    Administrator(&'a User),
    Operator,
}

impl Caller<'_> {
    /// Who the record names, and the area the caller sees (`None`: the whole database).
    fn actor_and_scope(&self) -> Result<(Actor, Option<Scope>)> {
        match self {
            Caller::Administrator(u) if u.role.administers() => Ok((u.actor(), Some(u.scope()))),
            Caller::Administrator(_) => Err(forbidden("only administrators manage accounts")),
            Caller::Operator => Ok((
                Actor {
                    username: operator_name(),
                    unit: None,
                },
                None,
            )),
        }
    }
}

/// The operator's name in the record: `cli:` and the machine's user.
pub fn operator_name() -> String {
    format!(
        "cli:{}",
        std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into())
    )
}

/// Every password check is taken: try again shortly (503 with `Retry-After`).
pub fn busy() -> DomainError {
    DomainError::new(
        ErrorCode::Busy,
        "the server is checking as many passwords as it can; try again shortly",
    )
    .zh("服务器繁忙，请稍后再试")
    .retry_after(1_000)
}

/// Checks a new password of `username` against the policy and answers its argon2id hash,
/// computed within the bound.
pub async fn hash_new_password(
    passwords: &PasswordChecks,
    policy: &user::PasswordPolicy,
    username: &str,
    password: String,
) -> Result<String> {
    policy.check(&password, username)?;
    Ok(passwords
        .run(move || crate::auth::hash_password(&password))
        .await
        .map_err(|_| busy())?
        .map_err(StoreError::Internal)?)
}

/// An account as asked for.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub unit_id: Option<String>,
    pub department: Option<String>,
    pub password: String,
    /// The work phone colleagues call.
    pub phone: Option<String>,
}

/// Adds an account anchored in a region of the caller's area; the units it names must exist
/// there and the name must be free. Answers the account as stored.
pub async fn create_account(
    store: &dyn Store,
    passwords: &PasswordChecks,
    policy: &user::PasswordPolicy,
    key: Option<&DataKey>,
    caller: Caller<'_>,
    a: NewAccount,
) -> Result<User> {
    let (actor, scope) = caller.actor_and_scope()?;
    let phone = sealed_phone(key, a.phone.as_deref())?;
    let role = Role::parse(&a.role)
        .ok_or_else(|| invalid("role", format!("{:?} is not a role", a.role)))?;
    let region =
        RegionCode::parse(&a.region_code).map_err(|e| invalid("region_code", e.message))?;
    if scope.as_ref().is_some_and(|s| !s.sees_region(&region)) {
        return Err(not_found(
            "region_code",
            format!("no region {region} in your area"),
        ));
    }
    let department = a.department.filter(|d| !d.is_empty());
    user::validate_account(&a.username, role, &region, department.as_deref()).map_err(
        |mut e| {
            // The domain names the anchor "region"; the command's field is region_code.
            if e.field.as_deref() == Some("region") {
                e.field = Some("region_code".into());
            }
            e
        },
    )?;
    let display_name = zhili_domain::text::line("display_name", &a.display_name, 50)?;
    let whole = Scope::whole(region.clone());
    if store.get_region(&whole, &region, false).await?.is_none() {
        return Err(not_found("region_code", format!("no region {region}")));
    }
    let unit_id = a.unit_id.filter(|u| !u.is_empty());
    // The units named are looked up in the caller's area (the operator's: the account's district).
    let unit_scope = match &scope {
        Some(s) => s.clone(),
        None => Scope::whole(
            region
                .ancestor_at(zhili_domain::Level::District)
                .unwrap_or_else(|| region.clone()),
        ),
    };
    for (field, id) in [("unit_id", &unit_id), ("department", &department)] {
        if let Some(id) = id {
            if store.get_unit(&unit_scope, id).await?.is_none() {
                return Err(not_found(field, format!("no unit {id}")));
            }
        }
    }
    if store.find_login(&a.username).await?.is_some() {
        return Err(
            DomainError::new(ErrorCode::Conflict, format!("{} is taken", a.username))
                .with_field("username")
                .into(),
        );
    }
    let password_hash = hash_new_password(passwords, policy, &a.username, a.password).await?;
    let new = NewUser {
        username: a.username,
        display_name,
        role,
        unit_id,
        region_code: region,
        department,
        password_hash,
        phone_enc: phone.as_ref().map(|p| p.0.clone()),
        phone_masked: phone.map(|p| p.1),
        // A password someone else chose: its owner sets their own at the first sign-in.
        must_change_password: true,
    };
    store
        .insert_users(&actor, std::slice::from_ref(&new), crate::now_ms())
        .await?;
    let created = store
        .find_login(&new.username)
        .await?
        .ok_or_else(|| StoreError::Internal("the new account vanished".into()))?;
    Ok(created.user)
}

/// Sets an account's password, lifts its lock and ends its sessions; its owner changes it at
/// the next sign-in. Accounts outside an administrator's area do not exist for them.
/// Answers the account.
pub async fn set_password(
    store: &dyn Store,
    passwords: &PasswordChecks,
    policy: &user::PasswordPolicy,
    caller: Caller<'_>,
    username: &str,
    password: String,
) -> Result<User> {
    let (actor, scope) = caller.actor_and_scope()?;
    let target = account_in_reach(store, &scope, username).await?;
    let password_hash = hash_new_password(passwords, policy, username, password).await?;
    let change = zhili_store::PasswordChange {
        password_hash,
        must_change: true,
        keep: policy.history as i64,
    };
    store
        .set_password(&actor, username, &change, crate::now_ms())
        .await?;
    Ok(target)
}

/// A work phone checked, sealed and masked (`None` for none or an empty one).
fn sealed_phone(key: Option<&DataKey>, raw: Option<&str>) -> Result<Option<(String, String)>> {
    let Some(raw) = raw.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let digits = crypto::normalize_phone(raw).map_err(|mut e| {
        e.field = Some("phone".into());
        e
    })?;
    let key = key.ok_or_else(|| StoreError::Internal("no data key to seal a phone".into()))?;
    Ok(Some((
        key.seal(&digits, crypto::Sealed::StaffPhone),
        crypto::mask_phone(&digits),
    )))
}

/// The account named, if the caller may see it (an account outside an administrator's
/// area does not exist for them).
async fn account_in_reach(
    store: &dyn Store,
    scope: &Option<Scope>,
    username: &str,
) -> Result<User> {
    store
        .find_login(username)
        .await?
        .map(|r| r.user)
        .filter(|u| scope.as_ref().is_none_or(|s| s.sees_region(&u.region_code)))
        .ok_or_else(|| not_found("username", format!("user {username} not found")))
}

/// What an administrator changes of an account (`None`: left as it is).
#[derive(Clone, Debug, Default)]
pub struct AccountEdit {
    pub display_name: Option<String>,
    /// A new work phone; an empty one removes it.
    pub phone: Option<String>,
    /// Stop (true) or start (false) the account.
    pub disabled: Option<bool>,
}

/// Renames an account, sets its work phone, or stops or starts it (a stopped account cannot
/// sign in and its sessions end at once). An administrator cannot stop their own account.
pub async fn change_account(
    store: &dyn Store,
    key: &DataKey,
    caller: Caller<'_>,
    username: &str,
    edit: AccountEdit,
) -> Result<User> {
    let (actor, scope) = caller.actor_and_scope()?;
    let target = account_in_reach(store, &scope, username).await?;
    if edit.disabled == Some(true) && target.username == actor.username {
        return Err(
            DomainError::new(ErrorCode::Conflict, "you cannot stop your own account")
                .with_field("disabled")
                .zh("不能停用自己的账号")
                .into(),
        );
    }
    let display_name = edit
        .display_name
        .map(|n| zhili_domain::text::line("display_name", &n, 50))
        .transpose()?;
    let phone = match edit.phone {
        None => None,
        Some(raw) => Some(sealed_phone(Some(key), Some(&raw))?),
    };
    let change = AccountChange {
        display_name,
        phone,
        disabled: edit.disabled,
    };
    if change.display_name.is_none() && change.phone.is_none() && change.disabled.is_none() {
        // Nothing named, nothing written (and nothing recorded).
        return Ok(target);
    }
    store
        .change_account(&actor, username, &change, crate::now_ms())
        .await?;
    account_in_reach(store, &scope, username).await
}

/// Lifts the sign-in locks of an account (wrong passwords from any place are forgotten).
pub async fn unlock_account(store: &dyn Store, caller: Caller<'_>, username: &str) -> Result<User> {
    let (actor, scope) = caller.actor_and_scope()?;
    let target = account_in_reach(store, &scope, username).await?;
    store
        .unlock_account(&actor, username, crate::now_ms())
        .await?;
    Ok(target)
}
