//! Dispute mediation (人民调解): committees with their rooms and mediators, and cases with their
//! parties, mediators and steps. A case changes once: the store writes its new state only if it
//! is still at the version read, with its step and its action in the same transaction.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::{Actor, NewAction};
use zhili_domain::mediation::{Case, CommitteeKind, Grade, PartyKind, Status};
use zhili_domain::{RegionCode, Scope};

/// A committee with the rooms and mediators it starts with.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCommittee {
    pub name: String,
    pub kind: CommitteeKind,
    /// The trade a trade committee serves (医患, 交通, 劳动, 婚姻家庭 …).
    pub trade: Option<String>,
    /// The area it serves: its village, town, or the district.
    pub region_code: RegionCode,
    /// The unit that runs it (a village station, a town centre, the justice bureau).
    pub unit_id: Option<String>,
    pub rooms: Vec<NewRoom>,
    pub mediators: Vec<NewMediator>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewRoom {
    pub name: String,
    pub region_code: RegionCode,
    /// Its star levels year by year; the latest is its level now.
    pub stars: Vec<StarRecord>,
}

/// A room's star level for a year, how it was reached and who decided it.
#[derive(Clone, Debug, PartialEq)]
pub struct StarRecord {
    pub year: i64,
    pub stars: i64,
    pub score: Option<f64>,
    /// The criteria's values and the reviewer's adjustments (JSON).
    pub basis: String,
    pub decided_by: String,
    pub decided_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewMediator {
    pub name: String,
    pub grade: Grade,
    pub specialities: Vec<String>,
    pub region_code: RegionCode,
    pub full_time: bool,
    /// The account they sign in with, if they have one: their queue and their steps.
    pub username: Option<String>,
    pub phone_sealed: Option<String>,
    pub phone_masked: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CommitteeRecord {
    pub id: i64,
    pub name: String,
    pub kind: CommitteeKind,
    pub trade: Option<String>,
    pub region_code: RegionCode,
    pub unit_id: Option<String>,
    pub rooms: i64,
    pub mediators: i64,
    pub open_cases: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RoomRecord {
    pub id: i64,
    pub committee_id: i64,
    pub committee_name: String,
    pub name: String,
    pub region_code: RegionCode,
    pub stars: i64,
    pub history: Vec<StarRecord>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MediatorRecord {
    pub id: i64,
    pub committee_id: i64,
    pub committee_name: String,
    pub mediator: NewMediator,
    pub active: bool,
    pub open_cases: i64,
}

/// A party as written: identifiers arrive sealed, masked and blind-indexed by the caller.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NewParty {
    pub name: String,
    pub kind: Option<PartyKind>,
    pub id_blind: Option<String>,
    pub id_sealed: Option<String>,
    pub id_masked: Option<String>,
    pub phone_sealed: Option<String>,
    pub phone_masked: Option<String>,
    pub person_id: Option<i64>,
    pub house_id: Option<i64>,
    pub address: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewCase {
    pub committee_id: i64,
    pub room_id: Option<i64>,
    /// Where the dispute is: a grid or a village.
    pub region_code: RegionCode,
    /// The dispute's kind: an event category that opens disputes (0101–0110).
    pub category: String,
    pub title: String,
    pub facts: String,
    pub event_id: Option<i64>,
    /// Departments it was referred by or to (the court's 诉前委派 …), who see it.
    pub units: Vec<String>,
    pub parties: Vec<NewParty>,
    pub mediator_ids: Vec<i64>,
    pub case: Case,
    /// An earlier case of the same parties or house within the repeat window.
    pub repeat_of: Option<i64>,
    /// The agreement's terms (a loaded case that was settled); none when a case opens.
    pub terms: Option<String>,
    /// The committee's name, for the record of the event a case comes from.
    pub committee_name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseMediator {
    pub id: i64,
    pub name: String,
    pub username: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseRecord {
    pub id: i64,
    pub number: String,
    pub committee_id: i64,
    pub committee_name: String,
    pub room_id: Option<i64>,
    pub room_name: Option<String>,
    pub region_code: RegionCode,
    pub category: String,
    pub title: String,
    pub facts: String,
    pub event_id: Option<i64>,
    pub units: Vec<String>,
    /// Every party (in a list, names and kinds only).
    pub parties: Vec<NewParty>,
    pub mediators: Vec<CaseMediator>,
    pub case: Case,
    /// The agreement's terms and the manner of performance.
    pub terms: Option<String>,
    pub repeat_of: Option<i64>,
    /// Later cases that repeat this one.
    pub repeats: i64,
    pub registered_by: String,
    pub registered_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// One step of a case as its timeline shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseStep {
    pub step: String,
    pub at: i64,
    pub actor: String,
    /// The actor's display name, when read (not written).
    pub actor_name: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    /// The step's fields (minutes, attendees, reason, terms …) as JSON.
    pub detail: String,
}

/// A case's change, written only if the case is still at `expected_version`.
#[derive(Clone, Debug)]
pub struct CaseChange {
    pub case_id: i64,
    pub expected_version: i64,
    pub case: Case,
    /// The mediators now assigned, when the step assigns them.
    pub mediator_ids: Option<Vec<i64>>,
    pub terms: Option<String>,
    pub add_units: Vec<String>,
    /// An event the step raised (a referral to the police …).
    pub event_id: Option<i64>,
    pub step: CaseStep,
    pub action: NewAction,
    /// Other records the change makes (the outcome in the timeline of the event it came from).
    pub also: Vec<NewAction>,
}

/// A document generated from a case (its bytes are kept sealed by the caller).
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentRecord {
    pub id: i64,
    pub case_id: i64,
    pub kind: zhili_domain::mediation::DocumentKind,
    pub sha256: String,
    pub size: i64,
    pub created_by: String,
    pub created_at: i64,
}

/// A case as the statistics count it.
#[derive(Clone, Debug)]
pub struct StatCase {
    pub id: i64,
    pub region_code: String,
    pub category: String,
    pub committee_id: i64,
    pub registered_at: i64,
    pub agreed_at: Option<i64>,
    pub due: Option<i64>,
    pub facts: zhili_domain::mediation::stars::CaseFacts,
}

#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub statuses: Vec<Status>,
    pub committee_id: Option<i64>,
    pub room_id: Option<i64>,
    pub region: Option<RegionCode>,
    pub category: Option<String>,
    /// The cases assigned to the mediator signing in with this account.
    pub mediator_username: Option<String>,
    pub mediator_id: Option<i64>,
    /// Only open cases past their deadline at this time.
    pub overdue_at: Option<i64>,
    pub repeats_only: bool,
    pub event_id: Option<i64>,
    /// Registered in [from, to).
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub text: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Everything the demo's year of mediation writes at once.
#[derive(Clone, Debug, Default)]
pub struct MediationLoad {
    pub committees: Vec<NewCommittee>,
    /// Cases with (opener, registered at, every step); `committee_id`, `room_id`,
    /// `mediator_ids` and `repeat_of` are positions: the committee in `committees`, the room
    /// and mediators within that committee, the earlier case in `cases`.
    pub cases: Vec<(NewCase, Actor, i64, Vec<CaseStep>)>,
}

#[async_trait]
pub trait MediationStore: Send + Sync {
    /// Committees with their rooms and mediators, in one transaction; the committees' ids.
    async fn add_committees(
        &self,
        actor: &Actor,
        committees: &[NewCommittee],
        now: i64,
    ) -> Result<Vec<i64>>;

    /// Mediators, each of a committee, in one transaction; their ids.
    async fn add_mediators(
        &self,
        actor: &Actor,
        mediators: &[(i64, NewMediator)],
        now: i64,
    ) -> Result<Vec<i64>>;

    /// Committees serving an area of the scope.
    async fn committees(&self, scope: &Scope) -> Result<Vec<CommitteeRecord>>;

    /// Rooms in the scope (with their star history), by committee.
    async fn rooms(&self, scope: &Scope, committee_id: Option<i64>) -> Result<Vec<RoomRecord>>;

    /// Mediators in the scope (or of one committee), with how many open cases each holds.
    async fn mediators(
        &self,
        scope: &Scope,
        committee_id: Option<i64>,
        active_only: bool,
    ) -> Result<Vec<MediatorRecord>>;

    /// Opens a case with its parties and first step; its id and number.
    async fn open_case(
        &self,
        actor: &Actor,
        case: &NewCase,
        step: &CaseStep,
        now: i64,
    ) -> Result<(i64, String)>;

    /// Writes a step of a case; 409 `conflict` if the case moved on since it was read.
    async fn change_case(&self, change: &CaseChange, now: i64) -> Result<()>;

    async fn case(&self, scope: &Scope, id: i64) -> Result<Option<CaseRecord>>;

    async fn case_steps(&self, id: i64) -> Result<Vec<CaseStep>>;

    async fn cases(&self, scope: &Scope, filter: &CaseFilter) -> Result<(i64, Vec<CaseRecord>)>;

    /// The latest case since `since` sharing a party (by blind index or registered person) or a
    /// house with the given ones: a repeat dispute.
    async fn earlier_case(
        &self,
        blinds: &[String],
        people: &[i64],
        houses: &[i64],
        since: i64,
    ) -> Result<Option<i64>>;

    /// Keeps a generated document (sealed) with its action in one transaction; its id.
    async fn add_document(
        &self,
        document: &DocumentRecord,
        sealed: &str,
        action: NewAction,
    ) -> Result<i64>;

    /// The documents of a case, newest first.
    async fn documents(&self, case_id: i64) -> Result<Vec<DocumentRecord>>;

    /// One document with its sealed bytes.
    async fn document(&self, id: i64) -> Result<Option<(DocumentRecord, String)>>;

    /// Every case of a room registered in [from, to), with what the star review counts.
    async fn review_facts(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, zhili_domain::mediation::stars::CaseFacts)>>;

    /// Rooms' stars for a year (replacing that year's), each room's level set to its latest
    /// year's, with the actions, in one transaction.
    async fn write_stars(
        &self,
        year: i64,
        stars: &[(i64, StarRecord)],
        actions: Vec<NewAction>,
    ) -> Result<()>;

    /// The scope's cases registered in [from, to), as the statistics count them.
    async fn stat_cases(&self, scope: &Scope, from: i64, to: i64) -> Result<Vec<StatCase>>;

    /// Who mediated those cases: (case, mediator, name).
    async fn stat_mediators(
        &self,
        scope: &Scope,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64, String)>>;

    /// The star criteria's latest version (JSON), if the district set any.
    async fn star_criteria(&self) -> Result<Option<(i64, String)>>;

    /// A new version of the star criteria; its number.
    async fn put_star_criteria(&self, actor: &Actor, criteria: &str, now: i64) -> Result<i64>;

    /// The time limits' latest version (`Limits::to_text`), if the district set any.
    async fn mediation_limits(&self) -> Result<Option<(i64, String)>>;

    /// A new version of the time limits; its number.
    async fn put_mediation_limits(&self, actor: &Actor, limits: &str, now: i64) -> Result<i64>;

    /// The demo's mediation: committees, rooms, mediators and cases with their history.
    async fn load_mediation(&self, actor: &Actor, load: &MediationLoad, now: i64) -> Result<()>;
}

#[async_trait]
impl MediationStore for SqlStore {
    async fn add_committees(
        &self,
        actor: &Actor,
        committees: &[NewCommittee],
        now: i64,
    ) -> Result<Vec<i64>> {
        crate::mediation::add_committees(self, actor, committees, now).await
    }

    async fn add_mediators(
        &self,
        actor: &Actor,
        mediators: &[(i64, NewMediator)],
        now: i64,
    ) -> Result<Vec<i64>> {
        crate::mediation::add_mediators(self, actor, mediators, now).await
    }

    async fn committees(&self, scope: &Scope) -> Result<Vec<CommitteeRecord>> {
        crate::mediation::committees(self, scope).await
    }

    async fn rooms(&self, scope: &Scope, committee_id: Option<i64>) -> Result<Vec<RoomRecord>> {
        crate::mediation::rooms(self, scope, committee_id).await
    }

    async fn mediators(
        &self,
        scope: &Scope,
        committee_id: Option<i64>,
        active_only: bool,
    ) -> Result<Vec<MediatorRecord>> {
        crate::mediation::mediators(self, scope, committee_id, active_only).await
    }

    async fn open_case(
        &self,
        actor: &Actor,
        case: &NewCase,
        step: &CaseStep,
        now: i64,
    ) -> Result<(i64, String)> {
        crate::mediation::open_case(self, actor, case, step, now).await
    }

    async fn change_case(&self, change: &CaseChange, now: i64) -> Result<()> {
        crate::mediation::change_case(self, change, now).await
    }

    async fn case(&self, scope: &Scope, id: i64) -> Result<Option<CaseRecord>> {
        crate::mediation::case(self, scope, id).await
    }

    async fn case_steps(&self, id: i64) -> Result<Vec<CaseStep>> {
        crate::mediation::case_steps(self, id).await
    }

    async fn cases(&self, scope: &Scope, filter: &CaseFilter) -> Result<(i64, Vec<CaseRecord>)> {
        crate::mediation::cases(self, scope, filter).await
    }

    async fn earlier_case(
        &self,
        blinds: &[String],
        people: &[i64],
        houses: &[i64],
        since: i64,
    ) -> Result<Option<i64>> {
        crate::mediation::earlier_case(self, blinds, people, houses, since).await
    }

    async fn load_mediation(&self, actor: &Actor, load: &MediationLoad, now: i64) -> Result<()> {
        crate::mediation::load_mediation(self, actor, load, now).await
    }

    async fn review_facts(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, zhili_domain::mediation::stars::CaseFacts)>> {
        crate::mediation::review_facts(self, from, to).await
    }

    async fn write_stars(
        &self,
        year: i64,
        stars: &[(i64, StarRecord)],
        actions: Vec<NewAction>,
    ) -> Result<()> {
        crate::mediation::write_stars(self, year, stars, actions).await
    }

    async fn star_criteria(&self) -> Result<Option<(i64, String)>> {
        crate::mediation::star_criteria(self).await
    }

    async fn stat_cases(&self, scope: &Scope, from: i64, to: i64) -> Result<Vec<StatCase>> {
        crate::mediation::stat_cases(self, scope, from, to).await
    }

    async fn stat_mediators(
        &self,
        scope: &Scope,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64, String)>> {
        crate::mediation::stat_mediators(self, scope, from, to).await
    }

    async fn put_star_criteria(&self, actor: &Actor, criteria: &str, now: i64) -> Result<i64> {
        crate::mediation::put_star_criteria(self, actor, criteria, now).await
    }

    async fn mediation_limits(&self) -> Result<Option<(i64, String)>> {
        crate::mediation::mediation_limits(self).await
    }

    async fn put_mediation_limits(&self, actor: &Actor, limits: &str, now: i64) -> Result<i64> {
        crate::mediation::put_mediation_limits(self, actor, limits, now).await
    }

    async fn add_document(
        &self,
        document: &DocumentRecord,
        sealed: &str,
        action: NewAction,
    ) -> Result<i64> {
        crate::mediation::add_document(self, document, sealed, action).await
    }

    async fn documents(&self, case_id: i64) -> Result<Vec<DocumentRecord>> {
        crate::mediation::documents(self, case_id).await
    }

    async fn document(&self, id: i64) -> Result<Option<(DocumentRecord, String)>> {
        crate::mediation::document(self, id).await
    }
}
