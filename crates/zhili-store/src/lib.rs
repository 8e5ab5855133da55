//! Storage of zhili, area by area (`area`: one trait each for regions, units, accounts,
//! places, things, people, situations, events, attachments, reference data, the record, and
//! the bulk loads of the demo and the tests; `Store` is all of them). `SqlStore` implements them on SQLite (bundled, WAL,
//! synchronous=FULL: the embedded default) and on PostgreSQL (the scale-out engine), with
//! the same SQL where the engines agree and per-engine DDL where they do not.
//!
//! Every query that lists or reads governed objects takes a `Scope`; the filter is built in
//! one place (`scope_filter`), so no caller can forget it.

mod area;
mod attachments;
mod counts;
mod events;
mod ids;
mod lookups;
mod migrate;
mod people;
mod sign_in;
mod situations;
mod sql;
pub mod testing;
mod things;
mod trend;
mod users;

pub use area::*;
pub use events::DEFAULT_WORKING_HOURS;
pub use sql::SqlStore;

use zhili_domain::chain::Actor;
use zhili_domain::org::OrgKind;
use zhili_domain::person::KeyGroup;
use zhili_domain::situation::{LinkTarget, Sensitivity, SituationKind, Source};
use zhili_domain::thing::{ThingKind, ThingState};
use zhili_domain::user::{Attempts, User};
use zhili_domain::{DomainError, ErrorCode, Level, Region, RegionCode, RegionKind, Unit};

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

/// A region version with its boundary as GeoJSON text (when asked for).
#[derive(Clone, Debug, PartialEq)]
pub struct RegionRecord {
    pub region: Region,
    pub geometry: Option<String>,
}

/// A region to write: the store assigns the version.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRegion {
    pub code: RegionCode,
    pub name: String,
    pub kind: RegionKind,
    pub geometry: String,
}

#[derive(Clone, Debug, Default)]
pub struct RegionFilter {
    pub level: Option<Level>,
    pub parent: Option<RegionCode>,
    pub with_geometry: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub retired: usize,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: zhili_domain::Role,
    pub unit_id: Option<String>,
    pub region_code: RegionCode,
    pub department: Option<String>,
    pub password_hash: String,
}

/// A house or building of a grid.
#[derive(Clone, Debug, PartialEq)]
pub struct NewHouse {
    pub code: String,
    pub address: String,
    pub grid_code: RegionCode,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// 住宅, 商铺, 厂房, 出租屋 …
    pub usage: String,
    pub rented: bool,
    pub hazards: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HouseRecord {
    pub id: i64,
    pub house: NewHouse,
    pub occupants: i64,
}

/// A person to write; identifiers arrive sealed, masked and blind-indexed by the caller,
/// which holds the key.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPerson {
    pub id_type: String,
    pub id_blind: String,
    pub id_sealed: String,
    pub id_masked: String,
    pub name: String,
    pub sex: Option<String>,
    /// YYYY-MM-DD
    pub birth_date: Option<String>,
    pub phone_sealed: Option<String>,
    pub phone_masked: Option<String>,
    pub population_type: String,
    pub house_id: Option<i64>,
    pub grid_code: RegionCode,
    /// The fields a population type needs (JSON object).
    pub details: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PersonRecord {
    pub id: i64,
    pub person: NewPerson,
    pub house_address: Option<String>,
    pub created_at: i64,
}

#[derive(Clone, Debug, Default)]
pub struct PeopleFilter {
    /// Part of a name or a house address.
    pub text: Option<String>,
    /// An exact identity number, as its blind index.
    pub id_blind: Option<String>,
    pub region: Option<RegionCode>,
    pub key_group: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KeyRoleRecord {
    pub person_id: i64,
    pub kind: KeyGroup,
    pub risk_level: Option<i64>,
    pub visit_every_days: i64,
    pub details: String,
    pub since: i64,
    pub last_visit_at: Option<i64>,
    pub next_visit_due: i64,
    pub grid_code: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewVisit {
    pub person_id: i64,
    pub kind: KeyGroup,
    pub at: i64,
    pub place: String,
    pub findings: String,
    /// JSON array of photo ids.
    pub attachments: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VisitRecord {
    pub id: i64,
    pub visit: NewVisit,
    pub visitor: String,
    pub grid_code: String,
}

/// A key person whose visit is due before the instant asked about.
#[derive(Clone, Debug, PartialEq)]
pub struct DueVisit {
    pub role: KeyRoleRecord,
    pub name: String,
    pub id_masked: String,
}

/// A map layer of places and things.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceLayer {
    Houses,
    Orgs,
    Components,
    Cameras,
}

/// One point of a place layer.
#[derive(Clone, Debug, PartialEq)]
pub struct MapPoint {
    pub id: i64,
    pub lon: f64,
    pub lat: f64,
    pub label: String,
    /// Houses: their use; organisations: their kind; components: their class; cameras: coverage.
    pub kind: String,
    /// Houses: hazard, rented or normal; things: their state; organisations: empty.
    pub state: String,
}

/// Which houses a list shows.
#[derive(Clone, Debug, Default)]
pub struct HouseFilter {
    pub region: Option<RegionCode>,
    /// Text in the address or the house code.
    pub text: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// The unique codes places and things are registered under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    House,
    OrgCredit,
    Thing,
}

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

/// An organisation or site.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOrg {
    pub kind: OrgKind,
    pub name: String,
    pub credit_code: Option<String>,
    pub address: String,
    pub grid_code: RegionCode,
    pub lon: f64,
    pub lat: f64,
    /// The responsible person.
    pub contact_name: String,
    pub contact_phone_sealed: Option<String>,
    pub contact_phone_masked: Option<String>,
    pub staff: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrgRecord {
    pub id: i64,
    pub org: NewOrg,
}

/// A city component or a camera.
#[derive(Clone, Debug, PartialEq)]
pub struct NewThing {
    pub kind: ThingKind,
    pub code: String,
    pub name: String,
    /// Components: major class and subclass codes; cameras: empty.
    pub class: String,
    pub subclass: String,
    pub grid_code: RegionCode,
    pub lon: f64,
    pub lat: f64,
    /// The responsible department (D01…), if any.
    pub department: Option<String>,
    /// One of the kind's states.
    pub state: ThingState,
    /// Cameras: road, community, school, market, river, other.
    pub coverage: Option<String>,
    pub last_seen: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThingRecord {
    pub id: i64,
    pub thing: NewThing,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Default)]
pub struct ThingFilter {
    pub kind: Option<ThingKind>,
    pub region: Option<RegionCode>,
    pub state: Option<ThingState>,
    pub limit: i64,
    pub offset: i64,
}

/// Cameras under one region code prefix, and how many are online.
#[derive(Clone, Debug, PartialEq)]
pub struct CameraCount {
    pub prefix: String,
    pub total: i64,
    pub online: i64,
}

/// A population written in bulk (the demo city's): people name their house, key roles and
/// visits their person, by position in these lists.
#[derive(Clone, Debug, Default)]
pub struct PopulationLoad {
    pub houses: Vec<NewHouse>,
    pub people: Vec<(NewPerson, Option<usize>)>,
    /// `person_id` is a position in `people`.
    pub roles: Vec<KeyRoleRecord>,
    /// `person_id` is a position in `people`; with the visitor's username.
    pub visits: Vec<(NewVisit, String)>,
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
}

/// Everything a new city starts with.
#[derive(Clone, Debug, Default)]
pub struct CityLoad {
    pub regions: Vec<NewRegion>,
    pub units: Vec<Unit>,
    pub users: Vec<NewUser>,
    pub meta: Vec<(String, String)>,
}

/// The reference data of the closed loop, as stored now.
#[derive(Clone, Debug, Default)]
pub struct ReferenceData {
    pub categories: Vec<zhili_domain::reference::Category>,
    pub rules: Vec<zhili_domain::reference::DispatchRule>,
    /// (YYYY-MM-DD, kind, name)
    pub days: Vec<(String, zhili_domain::calendar::DayKind, String)>,
    /// e.g. `08:30-12:00,14:00-17:30`
    pub working_hours: String,
}

/// A report to file. The region chain comes from locating the point.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub channel: zhili_domain::event::Channel,
    pub category: String,
    pub category_version: i64,
    pub description: String,
    pub lon: f64,
    pub lat: f64,
    pub occurred_at: i64,
    pub reporter_name: Option<String>,
    pub reporter_phone_enc: Option<String>,
    pub reporter_phone_masked: Option<String>,
    pub duplicate_of: Option<i64>,
    /// The case as the state machine starts it.
    pub case: zhili_domain::event::Case,
    /// The opening record's attachments (JSON array).
    pub attachments: String,
    /// What the event concerns (the person a key-group event was opened for, …).
    pub links: Vec<(LinkTarget, i64)>,
}

/// An event as stored.
#[derive(Clone, Debug)]
pub struct EventRecord {
    pub id: i64,
    pub case_number: String,
    pub channel: zhili_domain::event::Channel,
    pub category: String,
    pub category_version: i64,
    pub description: String,
    pub lon: f64,
    pub lat: f64,
    pub occurred_at: i64,
    pub reported_at: i64,
    pub reporter_name: Option<String>,
    pub reporter_phone_enc: Option<String>,
    pub reporter_phone_masked: Option<String>,
    pub duplicate_of: Option<i64>,
    pub merged_into: Option<i64>,
    pub case: zhili_domain::event::Case,
    pub version: i64,
    pub updated_at: i64,
}

/// An open event as the map shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct EventPoint {
    pub id: i64,
    pub lon: f64,
    pub lat: f64,
    pub status: zhili_domain::event::Status,
    pub category: String,
    pub grid_code: String,
    pub step_started: Option<i64>,
    pub step_due: Option<i64>,
    pub clock: zhili_domain::calendar::Clock,
}

/// A stored photo, without its bytes. `sha256` (hex) is its id.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AttachmentInfo {
    pub sha256: String,
    pub media_type: String,
    pub size: i64,
    pub width: i64,
    pub height: i64,
}

/// A change to write if the event is still at `expected_version`.
#[derive(Clone, Debug)]
pub struct ChangeRequest {
    pub actor: Actor,
    pub id: i64,
    pub expected_version: i64,
    pub change: EventChange,
    pub now: i64,
}

/// What one durable commit of the event writer carries.
#[derive(Clone, Debug, Default)]
pub struct EventBatch {
    /// (reporter, report, reported at)
    pub reports: Vec<(Actor, NewEvent, i64)>,
    pub changes: Vec<ChangeRequest>,
}

/// The batch as written: the created events in order, and each change's outcome in order.
#[derive(Debug, Default)]
pub struct EventsWritten {
    pub created: Vec<EventRecord>,
    pub changed: Vec<Result<EventRecord>>,
}

/// A state change decided by the state machine, to write with its record.
#[derive(Clone, Debug)]
pub struct EventChange {
    pub action: String,
    pub case: zhili_domain::event::Case,
    pub from: zhili_domain::event::Status,
    pub opinion: Option<String>,
    pub attachments: String,
    pub step_done: Option<zhili_domain::event::StepDone>,
    pub merged_into: Option<i64>,
}

#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub status: Option<zhili_domain::event::Status>,
    /// Only events still being worked on (any open status).
    pub open: bool,
    pub category: Option<String>,
    pub region: Option<RegionCode>,
    pub channel: Option<zhili_domain::event::Channel>,
    /// Only events whose running step is past due at this instant.
    pub overdue_at: Option<i64>,
    /// Text in the description or case number.
    pub text: Option<String>,
    /// Only events linked to this person, house, organisation, thing.
    pub linked: Option<(LinkTarget, i64)>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatGroup {
    Town,
    Village,
    Grid,
    /// By lead unit, for the units in `StatsQuery::departments`.
    Department,
}

#[derive(Clone, Debug)]
pub struct StatsQuery {
    pub region: Option<RegionCode>,
    pub group: StatGroup,
    pub now: i64,
    pub today_start: i64,
    /// The lead units counted when grouping by department.
    pub departments: Vec<String>,
}

/// Events reported and closed on one Beijing day in one major category.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendRow {
    /// Days since 1970-01-01 in Beijing time.
    pub day: i64,
    /// The category's first two digits.
    pub major: String,
    pub reported: i64,
    pub closed: i64,
}

/// Counts of the events of one group in one status.
#[derive(Clone, Debug, PartialEq)]
pub struct StatRow {
    pub key: String,
    pub status: zhili_domain::event::Status,
    pub count: i64,
    /// Whose running step is past due now.
    pub overdue: i64,
    /// Never handled late.
    pub handled_on_time: i64,
    pub reworked: i64,
    pub rated: i64,
    /// Rated 4 or 5.
    pub satisfied: i64,
    /// Reported since the start of today.
    pub today: i64,
}

/// A whole past case, for loading history in bulk (the demo's year).
#[derive(Clone, Debug)]
pub struct HistoryItem {
    pub event: NewEvent,
    pub reported_at: i64,
    pub reporter: Actor,
    /// Every change in order; the last one's case is the event's state now.
    pub changes: Vec<HistoryChange>,
}

#[derive(Clone, Debug)]
pub struct HistoryChange {
    pub actor: Actor,
    pub at: i64,
    pub change: EventChange,
}

/// A completed step of an event, for its timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    pub seq: i64,
    pub step: String,
    pub unit: Option<String>,
    pub due: i64,
    pub done_at: i64,
    pub on_time: bool,
}

/// What sign-in needs: the account and its password hash.
#[derive(Clone, Debug)]
pub struct LoginRecord {
    pub user: User,
    pub password_hash: String,
}

/// The sign-in failure counters of a name at a place, and at every unfamiliar place of the
/// name (`None` when this place is familiar: the owner signed in from it lately).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignInState {
    pub place: Attempts,
    pub unfamiliar: Option<Attempts>,
}

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
    + EventStore
    + AttachmentStore
    + ReferenceStore
    + RecordStore
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
