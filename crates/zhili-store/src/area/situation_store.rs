//! Situation notes (社情民意).

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::situation::{LinkTarget, Sensitivity, SituationKind, Source};
use zhili_domain::RegionCode;
use zhili_domain::Scope;

/// A situation note (社情民意).
#[derive(Clone, Debug, PartialEq)]
pub struct NewSituation {
    /// The area it concerns: a grid, village, town or the district.
    pub region_code: RegionCode,
    pub kind: SituationKind,
    pub source: Source,
    pub sensitivity: Sensitivity,
    pub title: String,
    pub content: String,
    pub tags: Vec<String>,
    pub links: Vec<(LinkTarget, i64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SituationRecord {
    pub id: i64,
    /// `links` are filled for a single note, empty in lists.
    pub situation: NewSituation,
    pub author: String,
    pub unit: Option<String>,
    pub created_at: i64,
}

/// Which notes a reader lists: who they are, the most sensitive level their role reads, and
/// the narrowing they asked for.
#[derive(Clone, Debug)]
pub struct SituationFilter {
    pub reader: String,
    pub max_sensitivity: Sensitivity,
    pub region: Option<RegionCode>,
    pub kind: Option<SituationKind>,
    pub sensitivity: Option<Sensitivity>,
    pub tag: Option<String>,
    pub text: Option<String>,
    pub linked: Option<(LinkTarget, i64)>,
    pub limit: i64,
    pub offset: i64,
}

#[async_trait]
pub trait SituationStore: Send + Sync {
    /// Notes, each (author, note, recorded at), written in one transaction; their ids in order.
    async fn create_situations(&self, items: &[(Actor, NewSituation, i64)]) -> Result<Vec<i64>>;

    /// Notes in the scope up to the filter's sensitivity (and the reader's own), newest first.
    async fn list_situations(
        &self,
        scope: &Scope,
        filter: &SituationFilter,
    ) -> Result<(i64, Vec<SituationRecord>)>;

    /// One note with its links, if the reader may see it (the filter's reader and level).
    async fn get_situation(
        &self,
        scope: &Scope,
        filter: &SituationFilter,
        id: i64,
    ) -> Result<Option<SituationRecord>>;
}

#[async_trait]
impl SituationStore for SqlStore {
    async fn create_situations(
        &self,
        items: &[(Actor, crate::NewSituation, i64)],
    ) -> Result<Vec<i64>> {
        crate::situations::create_situations(self, items).await
    }

    async fn list_situations(
        &self,
        scope: &Scope,
        filter: &crate::SituationFilter,
    ) -> Result<(i64, Vec<crate::SituationRecord>)> {
        crate::situations::list_situations(self, scope, filter).await
    }

    async fn get_situation(
        &self,
        scope: &Scope,
        filter: &crate::SituationFilter,
        id: i64,
    ) -> Result<Option<crate::SituationRecord>> {
        crate::situations::get_situation(self, scope, filter, id).await
    }
}
