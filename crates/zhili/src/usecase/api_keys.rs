//! API keys for the departments' systems: issued by an administrator for a unit with its scopes
//! and shown once, listed (never the key), revoked, rotated with an overlap in which the old key
//! keeps working with the same scopes; a presented key authenticated — refused alike when it is
//! malformed, unknown, revoked or expired — and its use noted.

use super::{forbidden, not_found, Result};
use crate::state::AppState;
use rand::RngCore;
use zhili_domain::apikey::{self as rules, Read, Refusal, Scopes};
use zhili_domain::event::Channel;
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode, RegionCode, Scope};
use zhili_store::ApiKeyRecord;

/// What an administrator asks for.
#[derive(Clone, Debug)]
pub struct NewKey {
    pub unit_id: String,
    pub name: String,
    pub channels: Vec<String>,
    pub reads: Vec<String>,
    /// The district when none.
    pub area_code: Option<String>,
    pub expires_at: i64,
}

fn administers(user: &User) -> Result<()> {
    if user.role.administers() {
        Ok(())
    } else {
        Err(forbidden("administrators issue and manage API keys"))
    }
}

fn problem(field: &str, en: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::invalid(field, en).zh(zh)
}

/// The scopes asked for, word by word, with the field at fault.
fn scopes_of(state: &AppState, k: &NewKey) -> Result<Scopes> {
    let mut channels = Vec::new();
    for (i, c) in k.channels.iter().enumerate() {
        let c = Channel::parse(c).ok_or_else(|| {
            problem(
                &format!("channels[{i}]"),
                "not a channel",
                "不是已知的上报渠道",
            )
        })?;
        if !channels.contains(&c) {
            channels.push(c);
        }
    }
    let mut reads = Vec::new();
    for (i, r) in k.reads.iter().enumerate() {
        let r = Read::parse(r).ok_or_else(|| {
            problem(
                &format!("reads[{i}]"),
                "own_events or feed",
                "读取权限须为 own_events 或 feed",
            )
        })?;
        if !reads.contains(&r) {
            reads.push(r);
        }
    }
    let district = state
        .index()
        .root
        .clone()
        .ok_or_else(|| problem("area_code", "no district is loaded", "尚未导入区县"))?;
    let area = match &k.area_code {
        None => district,
        Some(raw) => RegionCode::parse(raw)
            .ok()
            .filter(|c| district.contains(c))
            .ok_or_else(|| {
                problem(
                    "area_code",
                    "a region of the district",
                    "须为本区县内的区域编码",
                )
            })?,
    };
    Ok(Scopes {
        channels,
        reads,
        area,
    })
}

fn record(
    user: &User,
    unit_id: &str,
    name: &str,
    scopes: &Scopes,
    now: i64,
    expires_at: i64,
    rotated_from: Option<i64>,
) -> (ApiKeyRecord, String) {
    let (mut id, mut secret) = ([0u8; 6], [0u8; 32]);
    rand::rngs::OsRng.fill_bytes(&mut id);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let key = rules::format_key(id, secret);
    let public_part = rules::public_part(&key)
        .expect("a key formatted here has a key's shape")
        .to_string();
    (
        ApiKeyRecord {
            id: 0,
            unit_id: unit_id.to_string(),
            name: name.trim().to_string(),
            public_part,
            digest: rules::digest(&key),
            channels: scopes
                .channels
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            reads: scopes
                .reads
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            area_code: scopes.area.to_string(),
            created_by: user.username.clone(),
            created_at: now,
            expires_at,
            revoked_at: None,
            last_used_at: None,
            rotated_from,
        },
        key,
    )
}

/// Issues a key for a unit; answers the record and the key, which is shown this once.
pub async fn issue(state: &AppState, user: &User, k: NewKey) -> Result<(ApiKeyRecord, String)> {
    administers(user)?;
    let scopes = scopes_of(state, &k)?;
    let now = crate::now_ms();
    rules::check(&k.name, &scopes, now, k.expires_at)?;
    let district = Scope::whole(
        scopes
            .area
            .ancestor_at(zhili_domain::Level::District)
            .unwrap_or(scopes.area.clone()),
    );
    if state.store.get_unit(&district, &k.unit_id).await?.is_none() {
        return Err(not_found("unit_id", format!("no unit {}", k.unit_id)));
    }
    let (mut rec, key) = record(user, &k.unit_id, &k.name, &scopes, now, k.expires_at, None);
    rec.id = state.store.insert_api_key(&user.actor(), &rec).await?;
    Ok((rec, key))
}

pub async fn list(state: &AppState, user: &User) -> Result<Vec<ApiKeyRecord>> {
    administers(user)?;
    Ok(state.store.api_keys().await?)
}

async fn found(state: &AppState, id: i64) -> Result<ApiKeyRecord> {
    state
        .store
        .api_key(id)
        .await?
        .ok_or_else(|| not_found("id", format!("API key {id} not found")))
}

/// Revokes a key at once.
pub async fn revoke(state: &AppState, user: &User, id: i64) -> Result<ApiKeyRecord> {
    administers(user)?;
    found(state, id).await?;
    let revoked = state
        .store
        .revoke_api_key(&user.actor(), id, crate::now_ms())
        .await?;
    state.forget_keys();
    if !revoked {
        return Err(
            DomainError::new(ErrorCode::Conflict, "the key is revoked already")
                .zh("该密钥已吊销")
                .into(),
        );
    }
    found(state, id).await
}

/// Rotates a working key: a successor with the same unit, name, scopes and end, shown once;
/// the old key works on for `overlap_hours` (not past its own end).
pub async fn rotate(
    state: &AppState,
    user: &User,
    id: i64,
    overlap_hours: i64,
) -> Result<(ApiKeyRecord, String)> {
    administers(user)?;
    let old = found(state, id).await?;
    let now = crate::now_ms();
    if rules::usable(old.expires_at, old.revoked_at, now).is_err() {
        return Err(
            DomainError::new(ErrorCode::Conflict, "only a working key is rotated")
                .zh("只有有效的密钥可以轮换")
                .into(),
        );
    }
    let old_ends = rules::rotation_end(old.expires_at, overlap_hours, now)?;
    let scopes = Scopes {
        channels: old
            .channels
            .iter()
            .filter_map(|c| Channel::parse(c))
            .collect(),
        reads: old.reads.iter().filter_map(|r| Read::parse(r)).collect(),
        area: RegionCode::parse(&old.area_code).map_err(|_| {
            zhili_store::StoreError::Internal(format!("stored area {}", old.area_code))
        })?,
    };
    let (mut rec, key) = record(
        user,
        &old.unit_id,
        &old.name,
        &scopes,
        now,
        old.expires_at,
        Some(id),
    );
    rec.id = state
        .store
        .rotate_api_key(&user.actor(), id, old_ends, &rec, now)
        .await?
        .ok_or_else(|| {
            DomainError::new(ErrorCode::Conflict, "the key stopped working meanwhile")
                .zh("该密钥已失效")
        })?;
    state.forget_keys();
    Ok((rec, key))
}

/// The key presented by a system, if it works now: any refusal reads the same to the caller
/// (403), so a guess learns nothing about which keys exist.
pub async fn authenticate(state: &AppState, presented: &str) -> Result<ApiKeyRecord> {
    let refused = || {
        DomainError::new(
            ErrorCode::Forbidden,
            "a missing, wrong, expired or revoked API key",
        )
        .zh("接口密钥缺失、错误、已过期或已吊销")
    };
    if rules::public_part(presented).is_none() {
        return Err(refused().into());
    }
    let now = crate::now_ms();
    let digest = rules::digest(presented);
    let mut key = match state.cached_key(&digest, now) {
        Some(k) => k,
        None => state
            .store
            .api_key_by_digest(&digest)
            .await?
            .ok_or_else(refused)?,
    };
    match rules::usable(key.expires_at, key.revoked_at, now) {
        Ok(()) => {}
        Err(Refusal::Expired | Refusal::Revoked) => return Err(refused().into()),
    }
    // The last use is written at most once a minute.
    if key.last_used_at.is_none_or(|at| at < now - 60_000) {
        state.store.touch_api_key(key.id, now).await?;
        key.last_used_at = Some(now);
        state.cache_key(&digest, &key, now);
    } else if state.cached_key(&digest, now).is_none() {
        state.cache_key(&digest, &key, now);
    }
    Ok(key)
}

/// The area a key reports into and reads, as the one scope rule takes it.
pub fn area_scope(key: &ApiKeyRecord) -> Result<Scope> {
    RegionCode::parse(&key.area_code)
        .map(Scope::whole)
        .map_err(|_| {
            zhili_store::StoreError::Internal(format!("stored area {}", key.area_code)).into()
        })
}

/// Who the record names for what a system does with its key: the key's public part, its unit.
pub fn key_actor(key: &ApiKeyRecord) -> zhili_domain::chain::Actor {
    zhili_domain::chain::Actor {
        username: key.public_part.clone(),
        unit: Some(key.unit_id.clone()),
    }
}
