//! Photos.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::Scope;

/// A stored photo, without its bytes. `sha256` (hex) is its id.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AttachmentInfo {
    pub sha256: String,
    pub media_type: String,
    pub size: i64,
    pub width: i64,
    pub height: i64,
}

#[async_trait]
pub trait AttachmentStore: Send + Sync {
    /// Stores a photo once per content; true when it was new.
    async fn put_attachment(
        &self,
        actor: &Actor,
        info: &AttachmentInfo,
        bytes: &[u8],
        now: i64,
    ) -> Result<bool>;

    /// The stored photos among `ids`, in the order asked.
    /// The photos among `ids` that `uploader` uploaded (only an uploader may attach one).
    async fn attachment_infos(&self, uploader: &str, ids: &[String])
        -> Result<Vec<AttachmentInfo>>;

    /// A photo with its bytes whoever asks: for evidence whose reader the use cases have
    /// checked (a pilot report's, an assessment review's).
    async fn attachment_held(&self, id: &str) -> Result<Option<(AttachmentInfo, Vec<u8>)>>;

    /// A photo with its bytes, if `username` uploaded it or `scope` sees an event showing it.
    async fn read_attachment(
        &self,
        scope: &Scope,
        username: &str,
        id: &str,
    ) -> Result<Option<(AttachmentInfo, Vec<u8>)>>;
}

#[async_trait]
impl AttachmentStore for SqlStore {
    async fn put_attachment(
        &self,
        actor: &Actor,
        info: &crate::AttachmentInfo,
        bytes: &[u8],
        now: i64,
    ) -> Result<bool> {
        crate::attachments::put(self, actor, info, bytes, now).await
    }

    async fn attachment_infos(
        &self,
        uploader: &str,
        ids: &[String],
    ) -> Result<Vec<crate::AttachmentInfo>> {
        crate::attachments::infos(self, uploader, ids).await
    }

    async fn read_attachment(
        &self,
        scope: &Scope,
        username: &str,
        id: &str,
    ) -> Result<Option<(crate::AttachmentInfo, Vec<u8>)>> {
        crate::attachments::read(self, scope, username, id).await
    }

    async fn attachment_held(&self, id: &str) -> Result<Option<(AttachmentInfo, Vec<u8>)>> {
        crate::attachments::held(self, id).await
    }
}
