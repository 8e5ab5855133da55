//! People, their key groups and visits, and the lookups and reads the law asks to be counted.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::{Actor, NewAction};
use zhili_domain::person::KeyGroup;
use zhili_domain::{RegionCode, Scope};

/// A person to write; identifiers arrive sealed, masked and blind-indexed by the caller,
/// which holds the key.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPerson {
    pub id_type: String,
    pub id_blind: String,
    /// The number's blind index under the ring's older keys, while a rotation re-keys: a
    /// registration under an older index is the same person (never stored; empty when read).
    pub id_blinds_older: Vec<String>,
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
    /// An exact identity number, as its blind index under each key of the ring (empty: any).
    pub id_blinds: Vec<String>,
    pub region: Option<RegionCode>,
    /// A population type code (registered, floating, …).
    pub population_type: Option<String>,
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

#[async_trait]
pub trait PeopleStore: Send + Sync {
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
}

#[async_trait]
impl PeopleStore for SqlStore {
    async fn create_people(
        &self,
        actor: &Actor,
        people: &[crate::NewPerson],
        now: i64,
    ) -> Result<Vec<i64>> {
        crate::people::create_people(self, actor, people, now).await
    }

    async fn registered_blinds(
        &self,
        scope: &Scope,
        id_type: &str,
        blinds: &[String],
    ) -> Result<Vec<String>> {
        crate::people::registered_blinds(self, scope, id_type, blinds).await
    }

    async fn charge_lookups(
        &self,
        actor: &Actor,
        n: i64,
        budget: i64,
        subject: &str,
        note: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        crate::lookups::charge(self, actor, n, budget, subject, note, now).await
    }

    async fn list_people(
        &self,
        scope: &Scope,
        filter: &crate::PeopleFilter,
    ) -> Result<(i64, Vec<crate::PersonRecord>)> {
        crate::people::list_people(self, scope, filter).await
    }

    async fn get_person(&self, scope: &Scope, id: i64) -> Result<Option<crate::PersonRecord>> {
        crate::people::get_person(self, scope, id).await
    }

    async fn record_read(&self, action: NewAction) -> Result<()> {
        crate::situations::record_read(self, action).await
    }

    async fn add_key_role(
        &self,
        actor: &Actor,
        role: &crate::KeyRoleRecord,
        now: i64,
    ) -> Result<()> {
        crate::people::add_key_role(self, actor, role, now).await
    }

    async fn key_roles(&self, scope: &Scope, person_id: i64) -> Result<Vec<crate::KeyRoleRecord>> {
        crate::people::key_roles(self, scope, person_id).await
    }

    async fn key_groups_of(
        &self,
        person_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, Vec<String>>> {
        crate::people::key_groups_of(self, person_ids).await
    }

    async fn record_visit(
        &self,
        actor: &Actor,
        visit: &crate::NewVisit,
        now: i64,
    ) -> Result<crate::VisitRecord> {
        crate::people::record_visit(self, actor, visit, now).await
    }

    async fn visits(
        &self,
        scope: &Scope,
        person_id: i64,
        limit: i64,
    ) -> Result<Vec<crate::VisitRecord>> {
        crate::people::visits(self, scope, person_id, limit).await
    }

    async fn due_visits(
        &self,
        scope: &Scope,
        region: Option<&RegionCode>,
        now: i64,
        limit: i64,
    ) -> Result<(i64, Vec<crate::DueVisit>)> {
        crate::people::due_visits(self, scope, region, now, limit).await
    }
}
