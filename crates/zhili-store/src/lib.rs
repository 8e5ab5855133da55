//! Storage of zhili behind one trait. `SqlStore` implements it on SQLite (bundled, WAL,
//! synchronous=FULL: the embedded default) and on PostgreSQL (the scale-out engine), with
//! the same SQL where the engines agree and per-engine DDL where they do not.
//!
//! Every query that lists or reads governed objects takes a `Scope`; the filter is built in
//! one place (`scope_filter`), so no caller can forget it.

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

pub use events::DEFAULT_WORKING_HOURS;
pub use sql::SqlStore;

use async_trait::async_trait;
use zhili_domain::chain::{Action, Actor};
use zhili_domain::situation::{LinkTarget, Sensitivity};
use zhili_domain::user::{Attempts, LoginPolicy, User};
use zhili_domain::{
    DomainError, ErrorCode, Level, Region, RegionCode, RegionKind, Scope, Unit, UnitKind,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug)]
pub enum StoreError {
    /// A refusal the caller can act on (conflict, not found, bad value).
    Domain(DomainError),
    /// The database failed; not the caller's fault.
    Database(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Domain(e) => write!(f, "{e}"),
            StoreError::Database(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e.to_string())
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
    pub kind: String,
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
    pub kind: String,
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
    pub kind: String,
    pub source: String,
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
    pub kind: Option<String>,
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
    pub kind: String,
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
    /// component or camera
    pub kind: String,
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
    /// Components: normal, damaged, lost, occupied; cameras: online, offline.
    pub state: String,
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
    pub kind: Option<String>,
    pub region: Option<RegionCode>,
    pub state: Option<String>,
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

#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;

    // Regions.
    async fn list_regions(&self, scope: &Scope, filter: &RegionFilter)
        -> Result<Vec<RegionRecord>>;
    async fn get_region(
        &self,
        scope: &Scope,
        code: &RegionCode,
        with_geometry: bool,
    ) -> Result<Option<RegionRecord>>;
    /// Every version of a region, oldest first.
    async fn region_versions(&self, scope: &Scope, code: &RegionCode) -> Result<Vec<RegionRecord>>;
    /// Bumped whenever any boundary changes, so servers know to rebuild their index.
    async fn regions_generation(&self) -> Result<i64>;
    /// Writes regions (first versions, or new versions of changed ones) in one transaction.
    async fn upsert_regions(
        &self,
        actor: &Actor,
        regions: &[NewRegion],
        now: i64,
    ) -> Result<ImportSummary>;
    /// Replaces the whole current grid set of each village in `villages` with `grids`.
    async fn replace_grids(
        &self,
        actor: &Actor,
        villages: &[RegionCode],
        grids: &[NewRegion],
        now: i64,
    ) -> Result<ImportSummary>;

    // Units.
    async fn list_units(&self, scope: &Scope, kind: Option<UnitKind>) -> Result<Vec<Unit>>;
    async fn get_unit(&self, scope: &Scope, id: &str) -> Result<Option<Unit>>;
    async fn insert_units(&self, actor: &Actor, units: &[Unit], now: i64) -> Result<()>;

    /// Loads a whole city (regions, units, users, meta) in one transaction: all or nothing.
    async fn load_city(&self, actor: &Actor, city: &CityLoad, now: i64) -> Result<()>;

    // Users and sign-in.
    async fn insert_users(&self, actor: &Actor, users: &[NewUser], now: i64) -> Result<()>;
    async fn find_login(&self, username: &str) -> Result<Option<LoginRecord>>;
    /// The failure counters of `username` (an account or not) at `place`.
    async fn sign_in_state(&self, username: &str, place: &str, now: i64) -> Result<SignInState>;
    /// Counts one wrong password for `username` at `place` atomically (and at every
    /// unfamiliar place when `place` is one); records it for an account. Answers until when
    /// the place is now locked, if it is.
    async fn record_login_failure(
        &self,
        username: &str,
        user: Option<&User>,
        place: &str,
        policy: &LoginPolicy,
        now: i64,
    ) -> Result<Option<i64>>;
    /// Starts a session after a right password, unless the place locked meanwhile (then
    /// answers until when, and starts nothing).
    async fn record_login_success(
        &self,
        user: &User,
        place: &str,
        token_hash: &str,
        expires_at: i64,
        policy: &LoginPolicy,
        now: i64,
    ) -> Result<Option<i64>>;
    async fn user_by_token(&self, token_hash: &str, now: i64) -> Result<Option<User>>;
    async fn revoke_token(&self, user: &User, token_hash: &str, now: i64) -> Result<()>;
    /// Sets a new password hash; ends every session of the user. False when no such user.
    async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<bool>;
    async fn count_users(&self) -> Result<i64>;
    /// Houses in one transaction, all or none (409 when a code is registered already).
    async fn create_houses(&self, actor: &Actor, houses: &[NewHouse], now: i64)
        -> Result<Vec<i64>>;
    /// Which of `codes` are registered already (an import's dry run reports them by row).
    async fn taken_codes(&self, kind: CodeKind, codes: &[String]) -> Result<Vec<String>>;
    /// All or nothing; a code already registered is a conflict naming its position.
    async fn create_things(&self, actor: &Actor, things: &[NewThing], now: i64)
        -> Result<Vec<i64>>;
    async fn list_things(
        &self,
        scope: &Scope,
        filter: &ThingFilter,
    ) -> Result<(i64, Vec<ThingRecord>)>;
    async fn get_thing(&self, scope: &Scope, id: i64) -> Result<Option<ThingRecord>>;
    /// All or nothing; a credit code registered already is a conflict.
    async fn create_orgs(&self, actor: &Actor, orgs: &[NewOrg], now: i64) -> Result<Vec<i64>>;
    async fn get_org(&self, scope: &Scope, id: i64) -> Result<Option<OrgRecord>>;
    /// Points of a place layer inside `bbox` (min lon, min lat, max lon, max lat), at most `limit`.
    async fn map_points(
        &self,
        scope: &Scope,
        layer: PlaceLayer,
        bbox: [f64; 4],
        limit: i64,
    ) -> Result<Vec<MapPoint>>;
    /// Organisations in scope, of one kind or all, under a region; and how many.
    async fn list_orgs(
        &self,
        scope: &Scope,
        kind: Option<&str>,
        region: Option<&RegionCode>,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<OrgRecord>)>;
    /// A new state for one thing in scope (recorded); `None` when it is not there.
    async fn set_thing_state(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        state: &str,
        now: i64,
    ) -> Result<Option<ThingRecord>>;
    /// Cameras by the first `prefix_len` digits of their grid code, under `region`.
    async fn camera_counts(
        &self,
        scope: &Scope,
        region: &RegionCode,
        prefix_len: usize,
    ) -> Result<Vec<CameraCount>>;
    /// Writes a whole population in one transaction, each object with its action.
    async fn load_population(&self, actor: &Actor, load: &PopulationLoad, now: i64) -> Result<()>;
    /// Houses in the scope, by code: the total and one page.
    async fn list_houses(
        &self,
        scope: &Scope,
        filter: &HouseFilter,
    ) -> Result<(i64, Vec<HouseRecord>)>;
    async fn get_house(&self, scope: &Scope, id: i64) -> Result<Option<HouseRecord>>;
    /// All or nothing: a person already registered (same document) fails the whole batch
    /// with a conflict naming its position. Returns the new ids in order.
    async fn create_people(
        &self,
        actor: &Actor,
        people: &[NewPerson],
        now: i64,
    ) -> Result<Vec<i64>>;
    /// Which of these blind indexes (of `id_type`) are registered already.
    /// Which of these blind indexes are registered to people in `scope` (people elsewhere
    /// are not told of).
    async fn registered_blinds(
        &self,
        scope: &Scope,
        id_type: &str,
        blinds: &[String],
    ) -> Result<Vec<String>>;
    /// Charges `n` exact identifier lookups to `actor`'s account against `budget` per 24 hours and
    /// records them in the chain; answers the milliseconds until there is room, if none.
    async fn charge_lookups(
        &self,
        actor: &Actor,
        n: i64,
        budget: i64,
        subject: &str,
        note: &str,
        now: i64,
    ) -> Result<Option<i64>>;
    async fn list_people(
        &self,
        scope: &Scope,
        filter: &PeopleFilter,
    ) -> Result<(i64, Vec<PersonRecord>)>;
    async fn get_person(&self, scope: &Scope, id: i64) -> Result<Option<PersonRecord>>;
    /// Appends one action on its own: a logged read (a person's full identifiers revealed, a
    /// sensitive note read), with who, whom, when and why.
    async fn record_read(&self, action: zhili_domain::chain::NewAction) -> Result<()>;
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
    /// What an event was opened about (people, houses, …).
    /// What an event is linked to (nothing when the event is not in `scope`).
    async fn event_links(&self, scope: &Scope, id: i64) -> Result<Vec<(LinkTarget, i64)>>;
    async fn add_key_role(&self, actor: &Actor, role: &KeyRoleRecord, now: i64) -> Result<()>;
    /// A person's key groups, as far as they lie in `scope`.
    async fn key_roles(&self, scope: &Scope, person_id: i64) -> Result<Vec<KeyRoleRecord>>;
    /// The key groups of each of these people (one query for a page of people).
    async fn key_groups_of(
        &self,
        person_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, Vec<String>>>;
    /// Records a visit and moves the key role's next due date.
    async fn record_visit(&self, actor: &Actor, visit: &NewVisit, now: i64) -> Result<VisitRecord>;
    /// A person's visits in `scope`, newest first.
    async fn visits(&self, scope: &Scope, person_id: i64, limit: i64) -> Result<Vec<VisitRecord>>;
    /// Key roles in scope whose next visit is due before `now`, the longest overdue first;
    /// and how many there are.
    async fn due_visits(
        &self,
        scope: &Scope,
        region: Option<&RegionCode>,
        now: i64,
        limit: i64,
    ) -> Result<(i64, Vec<DueVisit>)>;

    /// Accounts anchored in the scope's subtree, by username; and how many match.
    async fn list_users(
        &self,
        scope: &Scope,
        filter: &UserFilter,
    ) -> Result<(i64, Vec<UserListing>)>;

    // The closed loop.
    async fn reference(&self) -> Result<ReferenceData>;
    /// Stores reference data when none is stored yet (first start); false if some was.
    async fn seed_reference(&self, actor: &Actor, data: &ReferenceData, now: i64) -> Result<bool>;
    /// Reports and changes in one transaction (one durable commit). Each change is written
    /// only if its event is still at the version it was computed from, else it is answered
    /// `invalid_transition`; any other failure writes nothing of the batch.
    async fn write_events(&self, batch: &EventBatch) -> Result<EventsWritten>;
    async fn create_event(&self, actor: &Actor, event: &NewEvent, now: i64) -> Result<EventRecord> {
        let batch = EventBatch {
            reports: vec![(actor.clone(), event.clone(), now)],
            changes: vec![],
        };
        self.write_events(&batch)
            .await?
            .created
            .pop()
            .ok_or_else(|| StoreError::Database("the report was not written".into()))
    }
    async fn get_event(&self, scope: &Scope, id: i64) -> Result<Option<EventRecord>>;
    async fn list_events(
        &self,
        scope: &Scope,
        filter: &EventFilter,
    ) -> Result<(Vec<EventRecord>, i64)>;
    /// Writes a change if the event is still at `expected_version`; else `invalid_transition`.
    async fn change_event(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        change: &EventChange,
        now: i64,
    ) -> Result<EventRecord> {
        let batch = EventBatch {
            reports: vec![],
            changes: vec![ChangeRequest {
                actor: actor.clone(),
                id,
                expected_version,
                change: change.clone(),
                now,
            }],
        };
        self.write_events(&batch)
            .await?
            .changed
            .pop()
            .ok_or_else(|| StoreError::Database("the change was not written".into()))?
    }
    /// The open events in scope, newest first, at most `limit`.
    async fn open_event_points(&self, scope: &Scope, limit: i64) -> Result<Vec<EventPoint>>;
    /// The map points of these events in any status (no scope: for a server-side layer
    /// that is filtered per caller).
    async fn event_points(&self, ids: &[i64]) -> Result<Vec<EventPoint>>;
    /// The events changed by the recorded actions after `after_seq` (at most `limit`
    /// actions), and the last sequence number read. Sequence numbers are taken under the
    /// chain head's lock, so they become visible in order: nothing is skipped.
    async fn changed_events(&self, after_seq: i64, limit: i64) -> Result<(i64, Vec<i64>)>;
    /// Tells every server sharing this database (PostgreSQL NOTIFY, at most 8,000 bytes);
    /// nothing on SQLite, where one process serves.
    async fn publish(&self, channel: &str, payload: &str) -> Result<()>;
    /// What any server publishes on `channel` (its own messages included), or `None` where
    /// no other server can share the database.
    async fn listen(&self, channel: &str) -> Result<Option<tokio::sync::mpsc::Receiver<String>>>;
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
    /// A photo with its bytes, if `username` uploaded it or `scope` sees an event showing it.
    async fn read_attachment(
        &self,
        scope: &Scope,
        username: &str,
        id: &str,
    ) -> Result<Option<(AttachmentInfo, Vec<u8>)>>;
    /// An event's record and steps (nothing when the event is not in `scope`).
    async fn event_timeline(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<(Vec<Action>, Vec<StepRecord>)>;
    /// Events of `category` reported since `since` inside the bounding box (lon/lat), the latest
    /// 50 at most, newest first.
    async fn events_near(
        &self,
        category: &str,
        since: i64,
        bbox: [f64; 4],
    ) -> Result<Vec<(i64, f64, f64)>>;

    /// Writes a category as a new version (closing the current one); returns it as stored.
    async fn put_category(
        &self,
        actor: &Actor,
        category: &zhili_domain::reference::Category,
        now: i64,
    ) -> Result<zhili_domain::reference::Category>;
    /// Replaces the ordered dispatch rules (the old ones are kept, closed).
    async fn replace_dispatch_rules(
        &self,
        actor: &Actor,
        rules: &[zhili_domain::reference::DispatchRule],
        now: i64,
    ) -> Result<()>;
    /// Replaces one year's holidays and make-up days, and the daily working hours.
    async fn replace_calendar_year(
        &self,
        actor: &Actor,
        year: i64,
        days: &[(String, zhili_domain::calendar::DayKind, String)],
        working_hours: &str,
        now: i64,
    ) -> Result<()>;
    /// Loads past cases with their whole record in one transaction (chain in time order).
    async fn load_history(&self, items: &[HistoryItem]) -> Result<()>;
    /// Dashboard counts grouped by child region or lead unit and by status.
    async fn event_stats(&self, scope: &Scope, query: &StatsQuery) -> Result<Vec<StatRow>>;
    /// Reports and closures per day and major category under `region`, in [from, to).
    async fn event_trend(
        &self,
        scope: &Scope,
        region: &RegionCode,
        from: i64,
        to: i64,
    ) -> Result<Vec<TrendRow>>;

    // The record.
    async fn actions(&self, after_seq: i64, limit: i64) -> Result<Vec<Action>>;
    /// The number of the last record and its hash, as the chain head remembers them.
    async fn chain_head(&self) -> Result<(i64, String)>;
    async fn meta(&self, key: &str) -> Result<Option<String>>;
    async fn set_meta(&self, key: &str, value: &str) -> Result<()>;
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
