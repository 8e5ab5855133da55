//! The regions: boundaries with their versions, the grids an import replaces.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use sqlx::AnyConnection;
use sqlx::Row;
use zhili_domain::chain::{Actor, NewAction};
use zhili_domain::{Level, Region, RegionKind};
use zhili_domain::{RegionCode, Scope};

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

#[async_trait]
pub trait RegionStore: Send + Sync {
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
}

#[async_trait]
impl RegionStore for SqlStore {
    async fn list_regions(
        &self,
        scope: &Scope,
        filter: &RegionFilter,
    ) -> Result<Vec<RegionRecord>> {
        let mut sql = Self::region_select(filter.with_geometry);
        sql.push(" AND valid_to IS NULL");
        scope_filter(&mut sql, "code", scope);
        if let Some(level) = filter.level {
            sql.push(" AND level = ").bind_text(level.as_str());
        }
        if let Some(parent) = &filter.parent {
            sql.push(" AND parent_code = ").bind_text(parent.as_str());
        }
        sql.push(" ORDER BY code");
        self.fetch_regions(&sql, filter.with_geometry).await
    }

    async fn get_region(
        &self,
        scope: &Scope,
        code: &RegionCode,
        with_geometry: bool,
    ) -> Result<Option<RegionRecord>> {
        let mut sql = Self::region_select(with_geometry);
        sql.push(" AND valid_to IS NULL AND code = ")
            .bind_text(code.as_str());
        scope_filter(&mut sql, "code", scope);
        Ok(self.fetch_regions(&sql, with_geometry).await?.pop())
    }

    async fn region_versions(&self, scope: &Scope, code: &RegionCode) -> Result<Vec<RegionRecord>> {
        let mut sql = Self::region_select(true);
        sql.push(" AND code = ").bind_text(code.as_str());
        scope_filter(&mut sql, "code", scope);
        sql.push(" ORDER BY version");
        self.fetch_regions(&sql, true).await
    }

    async fn regions_generation(&self) -> Result<i64> {
        Ok(self
            .meta("regions_generation")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    async fn upsert_regions(
        &self,
        actor: &Actor,
        regions: &[NewRegion],
        now: i64,
    ) -> Result<ImportSummary> {
        let mut tx = self.write_tx().await?;
        let mut summary = ImportSummary::default();
        let mut actions = Vec::new();
        for r in regions {
            write_region(&mut tx, actor, r, now, &mut summary, &mut actions).await?;
        }
        if !actions.is_empty() {
            bump_generation(&mut tx).await?;
            append_actions(&mut tx, actions).await?;
        }
        tx.commit().await?;
        Ok(summary)
    }

    async fn replace_grids(
        &self,
        actor: &Actor,
        villages: &[RegionCode],
        grids: &[NewRegion],
        now: i64,
    ) -> Result<ImportSummary> {
        let mut tx = self.write_tx().await?;
        let mut summary = ImportSummary::default();
        let mut actions = Vec::new();
        for g in grids {
            write_region(&mut tx, actor, g, now, &mut summary, &mut actions).await?;
        }
        let keep: std::collections::HashSet<&str> = grids.iter().map(|g| g.code.as_str()).collect();
        for v in villages {
            let rows = sqlx::query("SELECT id, code, version FROM regions WHERE parent_code = $1 AND level = 'grid' AND valid_to IS NULL")
                .bind(v.as_str())
                .fetch_all(&mut *tx)
                .await?;
            for row in rows {
                let code: String = row.try_get("code")?;
                if keep.contains(code.as_str()) {
                    continue;
                }
                let id: i64 = row.try_get("id")?;
                let version: i64 = row.try_get("version")?;
                sqlx::query("UPDATE regions SET valid_to = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                summary.retired += 1;
                actions.push(
                    actor
                        .action(now, "region.retire", &format!("region:{code}"))
                        .states(Some(&format!("v{version}")), Some("retired")),
                );
            }
        }
        if !actions.is_empty() {
            bump_generation(&mut tx).await?;
            append_actions(&mut tx, actions).await?;
        }
        tx.commit().await?;
        Ok(summary)
    }
}

/// Writes one region: nothing if unchanged, else closes the current version and adds the next.
pub(crate) async fn write_region(
    conn: &mut AnyConnection,
    actor: &Actor,
    r: &NewRegion,
    now: i64,
    summary: &mut ImportSummary,
    actions: &mut Vec<NewAction>,
) -> Result<()> {
    let code = r.code.as_str();
    let current = current_version(conn, code).await?;
    if let Some(c) = &current {
        if c.name == r.name
            && c.kind == r.kind.as_str()
            && c.geometry.as_deref() == Some(r.geometry.as_str())
        {
            summary.unchanged += 1;
            return Ok(());
        }
        sqlx::query("UPDATE regions SET valid_to = $1 WHERE id = $2")
            .bind(now)
            .bind(c.id)
            .execute(&mut *conn)
            .await?;
    }
    let version = match &current {
        Some(c) => c.version + 1,
        None => {
            let max: Option<i64> =
                sqlx::query_scalar("SELECT MAX(version) FROM regions WHERE code = $1")
                    .bind(code)
                    .fetch_one(&mut *conn)
                    .await?;
            max.unwrap_or(0) + 1
        }
    };
    sqlx::query(
        "INSERT INTO regions (code, version, name, level, kind, parent_code, geometry, valid_from, valid_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
    )
    .bind(code)
    .bind(version)
    .bind(r.name.clone())
    .bind(r.code.level().as_str())
    .bind(r.kind.as_str())
    .bind(r.code.parent().map(|p| p.to_string()))
    .bind(r.geometry.clone())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let (verb, from) = match &current {
        Some(c) => {
            summary.updated += 1;
            ("region.update", Some(format!("v{}", c.version)))
        }
        None => {
            summary.created += 1;
            ("region.create", None)
        }
    };
    let to = format!("v{version}");
    actions.push(
        actor
            .action(now, verb, &format!("region:{code}"))
            .states(from.as_deref(), Some(&to))
            .opinion(r.name.clone()),
    );
    Ok(())
}

pub(crate) async fn bump_generation(conn: &mut AnyConnection) -> Result<()> {
    // Stored as text in `meta`; read, add one, write back inside the caller's transaction.
    let current: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'regions_generation'")
            .fetch_optional(&mut *conn)
            .await?;
    let next = current.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0) + 1;
    sqlx::query("UPDATE meta SET value = $1 WHERE key = 'regions_generation'")
        .bind(next.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

struct CurrentVersion {
    id: i64,
    version: i64,
    name: String,
    kind: String,
    geometry: Option<String>,
}

async fn current_version(conn: &mut AnyConnection, code: &str) -> Result<Option<CurrentVersion>> {
    let row = sqlx::query("SELECT id, version, name, kind, geometry FROM regions WHERE code = $1 AND valid_to IS NULL")
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(CurrentVersion {
            id: r.try_get("id")?,
            version: r.try_get("version")?,
            name: r.try_get("name")?,
            kind: r.try_get("kind")?,
            geometry: r.try_get("geometry")?,
        })
    })
    .transpose()
}
