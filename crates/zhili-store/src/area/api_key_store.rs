//! API keys of the departments' systems.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;

/// A key as kept: never the key itself.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub unit_id: String,
    pub name: String,
    /// `zk_<id>`: what lists and the record show.
    pub public_part: String,
    pub digest: String,
    /// Channel words (`video_alert`, `hotline`, `department`).
    pub channels: Vec<String>,
    /// Read words (`own_events`, `feed`).
    pub reads: Vec<String>,
    pub area_code: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    /// The key this one succeeded in a rotation.
    pub rotated_from: Option<i64>,
}

#[async_trait]
pub trait ApiKeyStore {
    /// Keeps a new key (id ignored), recorded; answers its id.
    async fn insert_api_key(&self, actor: &Actor, k: &ApiKeyRecord) -> Result<i64>;

    /// A rotation in one transaction: the old key, if still working at `now`, ends at
    /// `old_ends`; its successor (with the old key's scopes, set by the caller) is kept.
    /// `None` when the old key no longer works.
    async fn rotate_api_key(
        &self,
        actor: &Actor,
        old: i64,
        old_ends: i64,
        successor: &ApiKeyRecord,
        now: i64,
    ) -> Result<Option<i64>>;

    /// Revokes a key that is not revoked yet; false otherwise.
    async fn revoke_api_key(&self, actor: &Actor, id: i64, now: i64) -> Result<bool>;

    async fn api_key(&self, id: i64) -> Result<Option<ApiKeyRecord>>;

    async fn api_key_by_digest(&self, digest: &str) -> Result<Option<ApiKeyRecord>>;

    /// Every key, newest first (a district has tens).
    async fn api_keys(&self) -> Result<Vec<ApiKeyRecord>>;

    /// Notes a use; written at most once a minute per key, so a busy system costs no writes.
    async fn touch_api_key(&self, id: i64, now: i64) -> Result<()>;
}

#[async_trait]
impl ApiKeyStore for SqlStore {
    async fn insert_api_key(&self, actor: &Actor, k: &ApiKeyRecord) -> Result<i64> {
        crate::api_keys::insert(self, actor, k).await
    }

    async fn rotate_api_key(
        &self,
        actor: &Actor,
        old: i64,
        old_ends: i64,
        successor: &ApiKeyRecord,
        now: i64,
    ) -> Result<Option<i64>> {
        crate::api_keys::rotate(self, actor, old, old_ends, successor, now).await
    }

    async fn revoke_api_key(&self, actor: &Actor, id: i64, now: i64) -> Result<bool> {
        crate::api_keys::revoke(self, actor, id, now).await
    }

    async fn api_key(&self, id: i64) -> Result<Option<ApiKeyRecord>> {
        Ok(
            crate::api_keys::read(self, Some(("id", crate::sql::Arg::Int(id))))
                .await?
                .pop(),
        )
    }

    async fn api_key_by_digest(&self, digest: &str) -> Result<Option<ApiKeyRecord>> {
        Ok(crate::api_keys::read(
            self,
            Some(("digest", crate::sql::Arg::Text(digest.to_string()))),
        )
        .await?
        .pop())
    }

    async fn api_keys(&self) -> Result<Vec<ApiKeyRecord>> {
        crate::api_keys::read(self, None).await
    }

    async fn touch_api_key(&self, id: i64, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(id)
        .bind(now - 60_000)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
