//! Migrations, written once with a placeholder for the one thing the engines spell
//! differently (auto-numbered keys), applied in order at start.

use crate::{Backend, Result};
use sqlx::AnyPool;
use sqlx::Executor;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_foundation.sql")),
    (2, include_str!("../migrations/0002_events.sql")),
    (3, include_str!("../migrations/0003_place_cells.sql")),
    (4, include_str!("../migrations/0004_event_counts.sql")),
    (5, include_str!("../migrations/0005_attachments.sql")),
    (6, include_str!("../migrations/0006_trend.sql")),
    (7, include_str!("../migrations/0007_people.sql")),
    (8, include_str!("../migrations/0008_things.sql")),
    (9, include_str!("../migrations/0009_orgs.sql")),
    (10, include_str!("../migrations/0010_situations.sql")),
    (11, include_str!("../migrations/0011_sign_in_attempts.sql")),
    (12, include_str!("../migrations/0012_id_lookups.sql")),
    (
        13,
        include_str!("../migrations/0013_attachment_uploads.sql"),
    ),
    (14, include_str!("../migrations/0014_waiting.sql")),
    (15, include_str!("../migrations/0015_account_state.sql")),
    (16, include_str!("../migrations/0016_mediation.sql")),
    (17, include_str!("../migrations/0017_mediation_limits.sql")),
    (18, include_str!("../migrations/0018_mediation_terms.sql")),
    (19, include_str!("../migrations/0019_risk.sql")),
    (20, include_str!("../migrations/0020_risk_register.sql")),
    (21, include_str!("../migrations/0021_risk_stocks.sql")),
    (22, include_str!("../migrations/0022_stability.sql")),
    (23, include_str!("../migrations/0023_risk_reads.sql")),
    (24, include_str!("../migrations/0024_risk_sectors.sql")),
    (25, include_str!("../migrations/0025_assessment.sql")),
    (26, include_str!("../migrations/0026_pilot.sql")),
    (27, include_str!("../migrations/0027_pilot_inspections.sql")),
    (
        28,
        include_str!("../migrations/0028_assessment_results.sql"),
    ),
    (29, include_str!("../migrations/0029_actions_by_actor.sql")),
    (
        30,
        include_str!("../migrations/0030_assessment_reviews.sql"),
    ),
    (
        31,
        include_str!("../migrations/0031_pilot_monthly_reports.sql"),
    ),
    (32, include_str!("../migrations/0032_pilot_meetings.sql")),
    (33, include_str!("../migrations/0033_pilot_checklist.sql")),
    (
        34,
        include_str!("../migrations/0034_pilot_sites_projects.sql"),
    ),
    (35, include_str!("../migrations/0035_residents.sql")),
    (36, include_str!("../migrations/0036_desk.sql")),
    (37, include_str!("../migrations/0037_surveys.sql")),
    (38, include_str!("../migrations/0038_points.sql")),
    (39, include_str!("../migrations/0039_deliberation.sql")),
    (40, include_str!("../migrations/0040_wule.sql")),
    (41, include_str!("../migrations/0041_patrols.sql")),
    (42, include_str!("../migrations/0042_grid_staffing.sql")),
    (43, include_str!("../migrations/0043_api_keys.sql")),
    (44, include_str!("../migrations/0044_events_by_key.sql")),
    (45, include_str!("../migrations/0045_webhooks.sql")),
    (
        46,
        include_str!("../migrations/0046_events_near_covering.sql"),
    ),
    (47, include_str!("../migrations/0047_partitions.sql")),
    (
        48,
        include_str!("../migrations/0048_events_fewer_indexes.sql"),
    ),
    (
        49,
        include_str!("../migrations/0049_events_overdue_by_group.sql"),
    ),
    (50, include_str!("../migrations/0050_key_reseal.sql")),
    (51, include_str!("../migrations/0051_password_policy.sql")),
];

/// The schema version this build writes.
pub(crate) const LATEST: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

pub async fn run(pool: &AnyPool, backend: Backend) -> Result<()> {
    pool.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .await?;
    for &(version, text) in MIGRATIONS {
        let mut tx = match backend {
            Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => pool.begin().await?,
        };
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_some() {
            continue;
        }
        let (id, blob, clustered, collate_c) = match backend {
            Backend::Sqlite => ("INTEGER PRIMARY KEY", "BLOB", " WITHOUT ROWID", ""),
            Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA", "", "COLLATE \"C\""),
        };
        // Comments go first: they may hold semicolons.
        let body: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        for statement in body
            .replace("{id}", id)
            .replace("{blob}", blob)
            .replace("{clustered}", clustered)
            .replace("{collate_c}", collate_c)
            .split(';')
        {
            if !statement.trim().is_empty() {
                tx.execute(statement).await?;
            }
        }
        if version == 3 {
            fill_place_cells(&mut tx).await?;
        }
        if version == 17 {
            fill_case_search(&mut tx).await?;
        }
        if version == 18 {
            fill_case_terms(&mut tx).await?;
        }
        if version == 47 && backend == Backend::Postgres {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            crate::partitions::convert(&mut tx, now).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(0i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Gives mediation cases stored before migration 17 their search text.
async fn fill_case_search(conn: &mut sqlx::AnyConnection) -> Result<()> {
    use sqlx::Row;
    let cases = sqlx::query("SELECT id, title, number FROM mediation_cases")
        .fetch_all(&mut *conn)
        .await?;
    for c in cases {
        let id: i64 = c.try_get("id")?;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM mediation_parties WHERE case_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let title: String = c.try_get("title")?;
        let number: String = c.try_get("number")?;
        let text = crate::mediation::search_text(&title, &number, names.iter().map(String::as_str));
        sqlx::query("UPDATE mediation_cases SET search = $1 WHERE id = $2")
            .bind(text)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Gives mediation cases stored before migration 18 their search terms.
async fn fill_case_terms(conn: &mut sqlx::AnyConnection) -> Result<()> {
    use sqlx::Row;
    let cases = sqlx::query("SELECT id, search, region_code, registered_at FROM mediation_cases")
        .fetch_all(&mut *conn)
        .await?;
    let mut rows = Vec::new();
    for c in cases {
        rows.extend(crate::mediation::term_rows(
            c.try_get("id")?,
            &c.try_get::<String, _>("search")?,
            &c.try_get::<String, _>("region_code")?,
            c.try_get("registered_at")?,
        ));
    }
    crate::sql::insert_rows(
        conn,
        "mediation_case_terms",
        &crate::mediation::TERM_COLUMNS,
        rows,
    )
    .await
}

/// Gives events stored before migration 3 their place cell.
async fn fill_place_cells(conn: &mut sqlx::AnyConnection) -> Result<()> {
    use sqlx::Row;
    let rows = sqlx::query("SELECT id, lon, lat FROM events WHERE place_cell IS NULL")
        .fetch_all(&mut *conn)
        .await?;
    let cells: Vec<(i64, i64)> = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>("id")?,
                zhili_domain::place::cell_of(r.try_get("lon")?, r.try_get("lat")?),
            ))
        })
        .collect::<std::result::Result<_, sqlx::Error>>()?;
    for chunk in cells.chunks(500) {
        // Values are integers computed here, so they are written inline.
        let mut text = String::from("UPDATE events SET place_cell = CASE id");
        for (id, cell) in chunk {
            text.push_str(&format!(" WHEN {id} THEN {cell}"));
        }
        text.push_str(" END WHERE id IN (");
        let ids: Vec<String> = chunk.iter().map(|(id, _)| id.to_string()).collect();
        text.push_str(&ids.join(","));
        text.push(')');
        conn.execute(text.as_str()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// A migration file left out of the list is never applied (0029 once was).
    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), super::MIGRATIONS.len());
        for (i, (name, (version, _))) in files.iter().zip(super::MIGRATIONS).enumerate() {
            assert_eq!(*version, i as i64 + 1);
            assert!(name.starts_with(&format!("{:04}_", version)), "{name}");
        }
    }
}
