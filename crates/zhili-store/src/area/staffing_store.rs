//! Grid staffing: postings of people to grids and covers while someone is away.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::staffing::Post;

/// A posting, with the person it names.
#[derive(Clone, Debug, PartialEq)]
pub struct PostingRecord {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The work phone, masked (never the sealed number).
    pub phone_masked: Option<String>,
    pub grid_code: String,
    pub post: Post,
    pub party_branch_head: bool,
    pub since: i64,
    pub ended_at: Option<i64>,
    pub created_by: String,
}

/// A cover, with the two people it names.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverRecord {
    pub id: i64,
    pub grid_code: String,
    pub absent_user_id: i64,
    pub absent_username: String,
    pub absent_name: String,
    pub cover_user_id: i64,
    pub cover_username: String,
    pub cover_name: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub reason: String,
    pub cancelled_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewCover {
    pub grid_code: String,
    pub absent_user_id: i64,
    pub cover_user_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub reason: String,
}

#[async_trait]
pub trait StaffingStore {
    /// Posts a person to a grid; `None` when they already hold a running post there.
    async fn add_posting(
        &self,
        actor: &Actor,
        user_id: i64,
        grid: &str,
        post: Post,
        party_branch_head: bool,
        now: i64,
    ) -> Result<Option<i64>>;

    /// Ends a running posting; false when it had already ended.
    async fn end_posting(&self, actor: &Actor, id: i64, now: i64) -> Result<bool>;

    async fn posting(&self, id: i64) -> Result<Option<PostingRecord>>;

    /// The running postings on grids under any of `prefixes`.
    async fn postings(&self, prefixes: &[&str]) -> Result<Vec<PostingRecord>>;

    /// Records a cover, unless the absent person's grid is already covered for part of the
    /// time (then `None`), checked in the same transaction.
    async fn add_cover(&self, actor: &Actor, c: &NewCover, now: i64) -> Result<Option<i64>>;

    /// Cancels a cover that has not ended; false when it had ended or was cancelled.
    async fn cancel_cover(&self, actor: &Actor, id: i64, now: i64) -> Result<bool>;

    async fn cover(&self, id: i64) -> Result<Option<CoverRecord>>;

    /// Covers on grids under any of `prefixes` not over by `after`, soonest first.
    async fn covers(&self, prefixes: &[&str], after: i64) -> Result<Vec<CoverRecord>>;

    /// The grids a person leads, serves or covers at `now`: what their scope is made of.
    async fn staffed_grids(&self, user_id: i64, now: i64) -> Result<Vec<String>>;
}

#[async_trait]
impl StaffingStore for SqlStore {
    async fn add_posting(
        &self,
        actor: &Actor,
        user_id: i64,
        grid: &str,
        post: Post,
        party_branch_head: bool,
        now: i64,
    ) -> Result<Option<i64>> {
        crate::staffing::add_posting(self, actor, user_id, grid, post, party_branch_head, now).await
    }

    async fn end_posting(&self, actor: &Actor, id: i64, now: i64) -> Result<bool> {
        crate::staffing::end_posting(self, actor, id, now).await
    }

    async fn posting(&self, id: i64) -> Result<Option<PostingRecord>> {
        Ok(crate::staffing::postings(self, &[], Some(id)).await?.pop())
    }

    async fn postings(&self, prefixes: &[&str]) -> Result<Vec<PostingRecord>> {
        crate::staffing::postings(self, prefixes, None).await
    }

    async fn add_cover(&self, actor: &Actor, c: &NewCover, now: i64) -> Result<Option<i64>> {
        crate::staffing::add_cover(self, actor, c, now).await
    }

    async fn cancel_cover(&self, actor: &Actor, id: i64, now: i64) -> Result<bool> {
        crate::staffing::cancel_cover(self, actor, id, now).await
    }

    async fn cover(&self, id: i64) -> Result<Option<CoverRecord>> {
        Ok(crate::staffing::covers(self, &[], i64::MIN, Some(id))
            .await?
            .pop())
    }

    async fn covers(&self, prefixes: &[&str], after: i64) -> Result<Vec<CoverRecord>> {
        crate::staffing::covers(self, prefixes, after, None).await
    }

    async fn staffed_grids(&self, user_id: i64, now: i64) -> Result<Vec<String>> {
        crate::staffing::staffed_grids(&self.pool, user_id, now).await
    }
}
