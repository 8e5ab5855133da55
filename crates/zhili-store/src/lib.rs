//! Storage of zhili, area by area (`area`: one trait each for regions, units, accounts,
//! places, things, people, situations, events, attachments, reference data, the record, and
//! the bulk loads of the demo and the tests; `Store` is all of them). `SqlStore` implements them on SQLite (bundled, WAL,
//! synchronous=FULL: the embedded default) and on PostgreSQL (the scale-out engine), with
//! the same SQL where the engines agree and per-engine DDL where they do not.
//!
//! Every query that lists or reads governed objects takes a `Scope`; the filter is built in
//! one place (`scope_filter`), so no caller can forget it.

mod api_keys;
mod area;
mod assessment;
mod assessment_reviews;
mod attachments;
mod chain_check;
mod counts;
mod deliberations;
mod desk;
mod event_change;
mod event_near;
mod events;
mod exec;
mod history;
mod history_load;
mod ids;
mod key_reseal;
mod lite_writer;
mod lookups;
mod mediation;
mod migrate;
mod partitions;
mod patrols;
mod people;
mod pilot;
mod pilot_checklist;
mod pilot_ledger;
mod pilot_monthly;
mod point_reads;
mod point_shop;
mod points;
mod reference_data;
mod replica;
mod residents;
mod risk;
mod risk_meetings;
mod risk_register;
mod risk_sources;
mod rows;
mod scope_sql;
mod sign_in;
mod situations;
mod snapshot;
mod sql;
mod stability;
mod staffing;
mod surveys;
pub mod testing;
mod things;
mod trend;
mod users;
mod versions;
mod wal;
mod webhook_queue;
mod webhooks;
mod wule;

pub use area::*;
pub use history_load::HistoryLoad;
pub use partitions::{Detached, Partition, ARCHIVED_THROUGH};
pub use reference_data::DEFAULT_WORKING_HOURS;
pub use sql::SqlStore;

use zhili_domain::{DomainError, ErrorCode};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub enum StoreError {
    /// A refusal the caller can act on (conflict, not found, bad value).
    Domain(DomainError),
    /// The database failed; not the caller's fault. The driver's error is kept whole (its
    /// kind, SQLSTATE and cause) for the log and for callers that tell failures apart.
    Database(std::sync::Arc<sqlx::Error>),
    /// Something of the server's own failed: a task stopped, a stored value unreadable.
    Internal(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Domain(e) => write!(f, "{e}"),
            StoreError::Database(e) => write!(f, "database error: {e}"),
            StoreError::Internal(e) => write!(f, "internal error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Database(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(std::sync::Arc::new(e))
    }
}

impl From<DomainError> for StoreError {
    fn from(e: DomainError) -> Self {
        StoreError::Domain(e)
    }
}

impl StoreError {
    pub fn conflict(msg: impl Into<String>) -> Self {
        StoreError::Domain(DomainError::new(ErrorCode::Conflict, msg))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Everything the store does, area by area. Callers bring the areas they use into scope
/// (`use zhili_store::prelude::*`).
pub trait Store:
    RegionStore
    + UnitStore
    + UserStore
    + PlaceStore
    + ThingStore
    + PeopleStore
    + SituationStore
    + MediationStore
    + RiskStore
    + AlertStore
    + RegisterStore
    + DeskStore
    + ResidentStore
    + StabilityStore
    + SurveyStore
    + PointStore
    + DeliberationStore
    + WuleStore
    + StaffingStore
    + ApiKeyStore
    + WebhookStore
    + PatrolStore
    + AssessmentStore
    + PilotStore
    + EventStore
    + AttachmentStore
    + ReferenceStore
    + RecordStore
    + KeyStore
    + Loads
    + Send
    + Sync
{
    fn backend(&self) -> Backend;
}

/// The store's traits, for `use zhili_store::prelude::*`.
pub mod prelude {
    pub use crate::area::*;
    pub use crate::Store;
}

/// Opens the store at `url` (`sqlite:PATH`, a plain file path, or `postgres://…`) and
/// applies pending migrations.
pub async fn open(url: &str) -> Result<SqlStore> {
    SqlStore::open(url).await
}

/// Deletes everything at `url`: the SQLite file, or every table of the PostgreSQL schema.
pub async fn destroy(url: &str) -> Result<()> {
    SqlStore::destroy(url).await
}
