//! Residents' points: each village's rule book (versioned), entries on their way to the
//! ledger, the append-only ledger with the balance it keeps (never below zero), the points
//! shop with its stock, redemptions paid once, and the monthly publications.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::points::{Catalogue, EntryState};

#[derive(Clone, Debug, PartialEq)]
pub struct CatalogueRecord {
    pub village_code: String,
    pub version: i64,
    pub catalogue: Catalogue,
    /// The day the village's assembly adopted it, and which assembly.
    pub adopted_on: String,
    pub adopted_by: String,
    pub created_by: String,
    pub created_at: i64,
}

/// An entry as it is put forward (awarded, claimed, or raised by a verified report).
#[derive(Clone, Debug, PartialEq)]
pub struct NewPointEntry {
    pub village_code: String,
    pub person_id: i64,
    pub catalogue_version: i64,
    pub item_code: String,
    pub item_name: String,
    pub category: String,
    pub points: i64,
    /// Pending, or awaiting its event's verification.
    pub state: EntryState,
    /// award (by staff), claim (by the resident), report (a resident's verified report)
    pub origin: String,
    pub note: String,
    pub event_id: Option<i64>,
    pub requested_by: String,
    /// Asked twice with one key, the entry is made once (the second answer is the first).
    pub idem: Option<String>,
    /// The item's cap, counted over the entries not turned down in [from, to).
    pub cap: Option<(zhili_domain::points::Cap, i64, i64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PointEntryRecord {
    pub id: i64,
    pub entry: NewPointEntry,
    pub person_name: String,
    pub grid_code: String,
    pub requested_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
    pub notice_ends: Option<i64>,
    pub appeal: Option<String>,
    pub appealed_by: Option<String>,
    pub appealed_at: Option<i64>,
    pub appeal_answer: Option<String>,
    pub credited_at: Option<i64>,
}

/// A redemption asked for: one of the goods for a person, once per key.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRedemption {
    pub goods_id: i64,
    pub person_id: i64,
    pub village_code: String,
    /// The caller's key for this redemption; the same key never pays twice.
    pub idem: String,
    pub by: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RedemptionRecord {
    pub id: i64,
    pub goods_id: i64,
    pub goods_name: String,
    pub person_id: i64,
    pub person_name: String,
    pub village_code: String,
    pub price: i64,
    pub at: i64,
    pub by: String,
    /// The balance after it was paid (as it is now, for a repeated request).
    pub balance: i64,
}

/// What the points writer does, many at a time in one transaction, each judged as if alone.
#[derive(Clone, Debug, PartialEq)]
pub enum PointJob {
    Request {
        actor: Actor,
        entry: NewPointEntry,
        now: i64,
    },
    Redeem {
        actor: Actor,
        redemption: NewRedemption,
        now: i64,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum PointOutcome {
    /// The entry's id; `replay` when the key had made it before.
    Requested { id: i64, replay: bool },
    Redeemed {
        redemption: RedemptionRecord,
        replay: bool,
    },
}

/// A decision on one entry: from the state it was seen in to the next.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryMove {
    pub id: i64,
    pub from: EntryState,
    pub to: EntryState,
    /// The decision's or the appeal's reason.
    pub note: Option<String>,
    /// Set on approval.
    pub notice_ends: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct EntryQuery {
    /// Region prefix (a village, or any area above it).
    pub prefix: String,
    /// The people's grids under this prefix (a grid worker's own).
    /// For grid staff: the grids whose people's entries they read (none: nothing).
    pub grid_prefixes: Option<Vec<String>>,
    pub states: Vec<EntryState>,
    pub person_id: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointAccount {
    pub person_id: i64,
    pub person_name: String,
    pub grid_code: String,
    pub village_code: String,
    pub balance: i64,
    pub earned: i64,
    pub deducted: i64,
    pub spent: i64,
    pub expired: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerRecord {
    pub id: i64,
    pub person_id: i64,
    /// award, deduct, redeem, expire
    pub kind: String,
    pub amount: i64,
    /// What the entry asked (a deduction may take less than it asked, never below zero).
    pub asked: i64,
    pub balance_after: i64,
    pub entry_id: Option<i64>,
    pub redemption_id: Option<i64>,
    pub expires_at: Option<i64>,
    pub at: i64,
    pub by: String,
}

/// One person's movements over a period, summed from the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodSum {
    pub person_id: i64,
    pub person_name: String,
    pub grid_code: String,
    pub awarded: i64,
    pub deducted: i64,
    pub spent: i64,
    pub expired: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewGoods {
    pub village_code: String,
    pub name: String,
    pub price: i64,
    pub stock: i64,
    pub funding: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GoodsRecord {
    pub id: i64,
    pub goods: NewGoods,
    pub active: bool,
    pub redeemed: i64,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PublicationRecord {
    pub village_code: String,
    pub month: String,
    /// The list as posted (JSON of the use case's view), frozen.
    pub body: String,
    pub published_by: String,
    pub published_at: i64,
}

/// What one settling pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    pub credited: usize,
    pub expired: usize,
}

#[async_trait]
pub trait PointStore {
    /// Keeps a new version of the village's rule book; answers its version.
    async fn save_point_catalogue(
        &self,
        actor: &Actor,
        c: &CatalogueRecord,
        now: i64,
    ) -> Result<i64>;

    /// The village's rule book in force (the newest version).
    async fn point_catalogue(&self, village: &str) -> Result<Option<CatalogueRecord>>;

    /// Every version, newest first.
    async fn point_catalogue_versions(&self, village: &str) -> Result<Vec<CatalogueRecord>>;

    /// Requests and redemptions in one transaction, each judged in turn as if alone.
    async fn point_batch(
        &self,
        jobs: &[PointJob],
    ) -> Result<Vec<std::result::Result<PointOutcome, zhili_domain::DomainError>>>;

    /// Decisions, each taken only if the entry is still as seen (false where it was not).
    async fn move_point_entries(
        &self,
        actor: &Actor,
        moves: &[EntryMove],
        now: i64,
    ) -> Result<Vec<bool>>;

    /// Entries waiting for this event move on to the village's approval; answers how many.
    async fn release_point_entries(&self, event_id: i64, now: i64) -> Result<usize>;

    /// Credits entries whose notice is over and takes points that expired, up to `limit`
    /// of each.
    async fn settle_points(&self, now: i64, limit: i64) -> Result<Settled>;

    async fn point_entry(&self, id: i64) -> Result<Option<PointEntryRecord>>;

    async fn point_entries(&self, q: &EntryQuery) -> Result<Vec<PointEntryRecord>>;

    async fn point_account(&self, person_id: i64) -> Result<Option<PointAccount>>;

    async fn point_ledger(&self, person_id: i64, limit: i64) -> Result<Vec<LedgerRecord>>;

    /// The accounts under a region prefix, highest balance first.
    async fn point_accounts(&self, prefix: &str, limit: i64) -> Result<Vec<PointAccount>>;

    /// Each person's movements in [from, to) in a village, from the ledger.
    async fn point_period_sums(&self, village: &str, from: i64, to: i64) -> Result<Vec<PeriodSum>>;

    async fn create_point_goods(&self, actor: &Actor, g: &NewGoods, now: i64) -> Result<i64>;

    /// Adds stock (or takes it, never below zero) and turns the goods on or off.
    async fn restock_point_goods(
        &self,
        actor: &Actor,
        id: i64,
        add: i64,
        active: bool,
        now: i64,
    ) -> Result<()>;

    async fn point_goods(&self, prefix: &str) -> Result<Vec<GoodsRecord>>;

    async fn point_goods_one(&self, id: i64) -> Result<Option<GoodsRecord>>;

    async fn point_redemptions(
        &self,
        prefix: &str,
        person_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<RedemptionRecord>>;

    /// Posts a month's list, once (409 when the month is posted already).
    async fn publish_point_month(&self, actor: &Actor, p: &PublicationRecord) -> Result<()>;

    async fn point_publication(
        &self,
        village: &str,
        month: &str,
    ) -> Result<Option<PublicationRecord>>;

    /// The months posted in a village, newest first (without their lists).
    async fn point_publications(&self, village: &str) -> Result<Vec<(String, i64)>>;

    /// Each person's balance as it stood before `at` in a village (their last movement's).
    async fn point_balances_at(&self, village: &str, at: i64) -> Result<Vec<(i64, i64)>>;

    /// The registered person a resident account is linked to.
    async fn person_of_resident(&self, resident_id: i64) -> Result<Option<i64>>;
}

#[async_trait]
impl PointStore for SqlStore {
    async fn save_point_catalogue(
        &self,
        actor: &Actor,
        c: &CatalogueRecord,
        now: i64,
    ) -> Result<i64> {
        crate::points::save_catalogue(self, actor, c, now).await
    }

    async fn point_catalogue(&self, village: &str) -> Result<Option<CatalogueRecord>> {
        Ok(crate::points::catalogues(self, village, 1).await?.pop())
    }

    async fn point_catalogue_versions(&self, village: &str) -> Result<Vec<CatalogueRecord>> {
        crate::points::catalogues(self, village, 100).await
    }

    async fn point_batch(
        &self,
        jobs: &[PointJob],
    ) -> Result<Vec<std::result::Result<PointOutcome, zhili_domain::DomainError>>> {
        crate::points::batch(self, jobs).await
    }

    async fn move_point_entries(
        &self,
        actor: &Actor,
        moves: &[EntryMove],
        now: i64,
    ) -> Result<Vec<bool>> {
        crate::points::move_entries(self, actor, moves, now).await
    }

    async fn release_point_entries(&self, event_id: i64, now: i64) -> Result<usize> {
        crate::points::release(self, event_id, now).await
    }

    async fn settle_points(&self, now: i64, limit: i64) -> Result<Settled> {
        crate::points::settle(self, now, limit).await
    }

    async fn point_entry(&self, id: i64) -> Result<Option<PointEntryRecord>> {
        crate::point_reads::entry(self, id).await
    }

    async fn point_entries(&self, q: &EntryQuery) -> Result<Vec<PointEntryRecord>> {
        crate::point_reads::entries(self, q).await
    }

    async fn point_account(&self, person_id: i64) -> Result<Option<PointAccount>> {
        crate::point_reads::account(self, person_id).await
    }

    async fn point_ledger(&self, person_id: i64, limit: i64) -> Result<Vec<LedgerRecord>> {
        crate::point_reads::ledger(self, person_id, limit).await
    }

    async fn point_accounts(&self, prefix: &str, limit: i64) -> Result<Vec<PointAccount>> {
        crate::point_reads::accounts(self, prefix, limit).await
    }

    async fn point_period_sums(&self, village: &str, from: i64, to: i64) -> Result<Vec<PeriodSum>> {
        crate::point_reads::period_sums(self, village, from, to).await
    }

    async fn create_point_goods(&self, actor: &Actor, g: &NewGoods, now: i64) -> Result<i64> {
        crate::point_shop::create(self, actor, g, now).await
    }

    async fn restock_point_goods(
        &self,
        actor: &Actor,
        id: i64,
        add: i64,
        active: bool,
        now: i64,
    ) -> Result<()> {
        crate::point_shop::restock(self, actor, id, add, active, now).await
    }

    async fn point_goods(&self, prefix: &str) -> Result<Vec<GoodsRecord>> {
        crate::point_shop::goods(self, prefix, None).await
    }

    async fn point_goods_one(&self, id: i64) -> Result<Option<GoodsRecord>> {
        Ok(crate::point_shop::goods(self, "", Some(id)).await?.pop())
    }

    async fn point_redemptions(
        &self,
        prefix: &str,
        person_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<RedemptionRecord>> {
        crate::point_shop::redemptions(self, prefix, person_id, limit).await
    }

    async fn publish_point_month(&self, actor: &Actor, p: &PublicationRecord) -> Result<()> {
        crate::point_shop::publish(self, actor, p).await
    }

    async fn point_publication(
        &self,
        village: &str,
        month: &str,
    ) -> Result<Option<PublicationRecord>> {
        crate::point_shop::publication(self, village, month).await
    }

    async fn point_publications(&self, village: &str) -> Result<Vec<(String, i64)>> {
        crate::point_shop::publications(self, village).await
    }

    async fn point_balances_at(&self, village: &str, at: i64) -> Result<Vec<(i64, i64)>> {
        crate::point_reads::balances_at(self, village, at).await
    }

    async fn person_of_resident(&self, resident_id: i64) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT person_id FROM residents WHERE id = $1")
                .bind(resident_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }
}
