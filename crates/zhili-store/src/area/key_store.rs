//! Every sealed value the database holds, and the re-seal that moves them to the data key
//! ring's current key after a rotation. The store never sees a key or a plain value: it
//! lists values not yet under the current key, and writes back what the caller sealed again.

use crate::sql::SqlStore;
use crate::Result;
use async_trait::async_trait;

/// A column of sealed values: the field name bound into each (as `Sealed::context` in the
/// application), and the blind index kept of the plain value, if any (its column and the
/// context it is computed under).
#[derive(Clone, Copy, Debug)]
pub struct SealedColumn {
    pub column: &'static str,
    pub field: &'static str,
    pub blind: Option<(&'static str, &'static str)>,
}

/// A table with sealed columns, and its key (one or two integer columns).
#[derive(Clone, Copy, Debug)]
pub struct SealedTable {
    pub table: &'static str,
    pub key: &'static [&'static str],
    pub columns: &'static [SealedColumn],
}

const fn sealed(column: &'static str, field: &'static str) -> SealedColumn {
    SealedColumn {
        column,
        field,
        blind: None,
    }
}

const fn indexed(
    column: &'static str,
    field: &'static str,
    blind_column: &'static str,
    blind_context: &'static str,
) -> SealedColumn {
    SealedColumn {
        column,
        field,
        blind: Some((blind_column, blind_context)),
    }
}

/// Every sealed column of the schema. A new sealed column is added here, or a rotation
/// would leave it under the old key (the status and the retirement would then refuse).
pub const SEALED_TABLES: &[SealedTable] = &[
    SealedTable {
        table: "users",
        key: &["id"],
        columns: &[sealed("phone_enc", "user.phone")],
    },
    SealedTable {
        table: "people",
        key: &["id"],
        columns: &[
            indexed("id_sealed", "person.id_number", "id_blind", "id_number"),
            sealed("phone_sealed", "person.phone"),
        ],
    },
    SealedTable {
        table: "orgs",
        key: &["id"],
        columns: &[sealed("contact_phone_sealed", "org.contact_phone")],
    },
    SealedTable {
        table: "mediators",
        key: &["id"],
        columns: &[sealed("phone_sealed", "user.phone")],
    },
    SealedTable {
        table: "mediation_parties",
        key: &["case_id", "seq"],
        columns: &[
            indexed("id_sealed", "person.id_number", "id_blind", "id_number"),
            sealed("phone_sealed", "person.phone"),
        ],
    },
    SealedTable {
        table: "mediation_documents",
        key: &["id"],
        columns: &[sealed("sealed", "mediation.document")],
    },
    SealedTable {
        table: "residents",
        key: &["id"],
        columns: &[indexed(
            "phone_sealed",
            "resident.phone",
            "phone_blind",
            "resident.phone",
        )],
    },
    SealedTable {
        table: "messages",
        key: &["id"],
        columns: &[sealed("phone_sealed", "resident.phone")],
    },
    SealedTable {
        table: "webhook_subscriptions",
        key: &["id"],
        columns: &[
            sealed("secret_enc", "webhook.secret"),
            sealed("previous_secret_enc", "webhook.secret"),
        ],
    },
    SealedTable {
        table: "events",
        key: &["id"],
        columns: &[indexed(
            "reporter_phone_enc",
            "reporter_phone",
            "reporter_phone_blind",
            "reporter_phone",
        )],
    },
];

/// A row with a value not under the current key: its key and each sealed column's value.
#[derive(Clone, Debug)]
pub struct SealedRow {
    pub key: Vec<i64>,
    pub values: Vec<Option<String>>,
}

/// One value sealed again: written only if the column still holds `old` (a change made
/// meanwhile wins), with the plain value's blind index under the current key if the column
/// has one.
#[derive(Clone, Debug)]
pub struct Resealed {
    pub key: Vec<i64>,
    pub column: usize,
    pub old: String,
    pub new: String,
    pub blind: Option<String>,
}

/// Where a table's re-seal under a key stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResealProgress {
    /// The last row passed (in key order); none before the first batch.
    pub after: Option<Vec<i64>>,
    pub resealed: i64,
    /// When a pass from the start found nothing left under an older key.
    pub done_at: Option<i64>,
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Up to `limit` rows after `after` (in key order) with a value of some sealed column
    /// that is not under key `current`.
    async fn stale_sealed(
        &self,
        table: &SealedTable,
        current: u32,
        after: Option<&[i64]>,
        limit: i64,
    ) -> Result<Vec<SealedRow>>;

    /// How many values of each sealed column of `table` are not under key `current`.
    async fn count_stale_sealed(&self, table: &SealedTable, current: u32) -> Result<Vec<i64>>;

    async fn reseal_progress(&self, table: &SealedTable, current: u32) -> Result<ResealProgress>;

    /// Writes the values sealed again (each only where the column still holds the old one)
    /// and the table's progress (`after` the last row passed; `None`: start again), with
    /// one action in the record. Answers how many values were written.
    async fn write_resealed(
        &self,
        table: &SealedTable,
        current: u32,
        values: &[Resealed],
        after: Option<&[i64]>,
        now: i64,
    ) -> Result<u64>;

    /// Records that a pass over `table` found nothing left under an older key.
    async fn finish_reseal(&self, table: &SealedTable, current: u32, now: i64) -> Result<()>;
}

#[async_trait]
impl KeyStore for SqlStore {
    async fn stale_sealed(
        &self,
        table: &SealedTable,
        current: u32,
        after: Option<&[i64]>,
        limit: i64,
    ) -> Result<Vec<SealedRow>> {
        crate::key_reseal::stale_rows(self, table, current, after, limit).await
    }

    async fn count_stale_sealed(&self, table: &SealedTable, current: u32) -> Result<Vec<i64>> {
        crate::key_reseal::count_stale(self, table, current).await
    }

    async fn reseal_progress(&self, table: &SealedTable, current: u32) -> Result<ResealProgress> {
        crate::key_reseal::progress(self, table, current).await
    }

    async fn write_resealed(
        &self,
        table: &SealedTable,
        current: u32,
        values: &[Resealed],
        after: Option<&[i64]>,
        now: i64,
    ) -> Result<u64> {
        crate::key_reseal::write(self, table, current, values, after, now).await
    }

    async fn finish_reseal(&self, table: &SealedTable, current: u32, now: i64) -> Result<()> {
        crate::key_reseal::finish(self, table, current, now).await
    }
}
