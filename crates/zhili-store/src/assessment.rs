//! The pilot's assessment schemes, a version per edit for each year and group of units.

use crate::ids::lock_chain_head;
use crate::sql::append_actions;
use crate::*;
use sqlx::Row;
use zhili_domain::chain::Actor;

pub(crate) async fn latest(
    store: &SqlStore,
    year: i64,
    unit_group: &str,
) -> Result<Option<SchemeVersion>> {
    let row = sqlx::query(
        "SELECT year, unit_group, version, scheme, set_by, set_at FROM assessment_schemes \
         WHERE year = $1 AND unit_group = $2 ORDER BY version DESC LIMIT 1",
    )
    .bind(year)
    .bind(unit_group.to_string())
    .fetch_optional(&store.pool)
    .await?;
    row.map(|r| {
        Ok(SchemeVersion {
            year: r.try_get("year")?,
            unit_group: r.try_get("unit_group")?,
            version: r.try_get("version")?,
            scheme: r.try_get("scheme")?,
            set_by: r.try_get("set_by")?,
            set_at: r.try_get("set_at")?,
        })
    })
    .transpose()
}

pub(crate) async fn put(
    store: &SqlStore,
    actor: &Actor,
    year: i64,
    unit_group: &str,
    scheme: &str,
    now: i64,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    // The chain head's lock also serialises two edits of one scheme (one version each).
    lock_chain_head(&mut tx).await?;
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM assessment_schemes \
         WHERE year = $1 AND unit_group = $2",
    )
    .bind(year)
    .bind(unit_group.to_string())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO assessment_schemes (year, unit_group, version, scheme, set_by, set_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(year)
    .bind(unit_group.to_string())
    .bind(version)
    .bind(scheme.to_string())
    .bind(actor.username.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    append_actions(
        &mut tx,
        vec![actor
            .action(
                now,
                "assessment.scheme",
                &format!("assessment_scheme:{year}:{unit_group}:{version}"),
            )
            .opinion(scheme.to_string())],
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// Adds each row's `n` (by its `unit` column) to the counts' field `slot`.
async fn tally(
    store: &SqlStore,
    sql: &str,
    binds: &[i64],
    out: &mut std::collections::BTreeMap<String, UnitCounts>,
    slots: &[fn(&mut UnitCounts) -> &mut i64],
) -> Result<()> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    for r in q.fetch_all(&store.pool).await? {
        let Some(unit) = r.try_get::<Option<String>, _>("unit")? else {
            continue;
        };
        let counts = out.entry(unit.clone()).or_insert_with(|| UnitCounts {
            unit,
            ..Default::default()
        });
        for (i, slot) in slots.iter().enumerate() {
            *slot(counts) += r.try_get::<i64, _>(format!("n{i}").as_str())?;
        }
    }
    Ok(())
}

pub(crate) async fn counts(
    store: &SqlStore,
    from: i64,
    to: i64,
    now: i64,
    today: i64,
) -> Result<Vec<UnitCounts>> {
    use zhili_domain::mediation::Status as M;
    let mut out = std::collections::BTreeMap::new();
    let closed: [fn(&mut UnitCounts) -> &mut i64; 4] = [
        |c| &mut c.closed,
        |c| &mut c.on_time,
        |c| &mut c.rated,
        |c| &mut c.satisfied,
    ];
    // Closed in the period, by the unit that led them and by the town they happened in.
    for unit in ["lead_unit", "town_code"] {
        let sql = format!(
            "SELECT {unit} AS unit, COUNT(*) AS n0, \
             SUM(CASE WHEN handle_late = 0 THEN 1 ELSE 0 END) AS n1, \
             SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END) AS n2, \
             SUM(CASE WHEN satisfaction >= 4 THEN 1 ELSE 0 END) AS n3 \
             FROM events WHERE closed_at >= $1 AND closed_at < $2 AND status = 'closed' \
             GROUP BY {unit}"
        );
        tally(store, &sql, &[from, to], &mut out, &closed).await?;
        let sql = format!(
            "SELECT {unit} AS unit, COUNT(*) AS n0 FROM events WHERE status IN ({}) \
             AND step_due IS NOT NULL AND step_due < $1 GROUP BY {unit}",
            crate::events::open_statuses()
        );
        tally(store, &sql, &[now], &mut out, &[|c| &mut c.overdue_events]).await?;
    }
    tally(
        store,
        "SELECT substr(grid_code, 1, 9) AS unit, COUNT(*) AS n0 FROM key_roles \
         WHERE next_visit_due < $1 GROUP BY substr(grid_code, 1, 9)",
        &[now],
        &mut out,
        &[|c| &mut c.overdue_visits],
    )
    .await?;
    // Reviews past their day, by the unit that owns the risk and by the town it lies in.
    for unit in ["owner_unit", "substr(area_code, 1, 9)"] {
        let sql = format!(
            "SELECT {unit} AS unit, COUNT(*) AS n0 FROM risk_register \
             WHERE status IN ('open', 'controlled') AND review_on < $1 GROUP BY {unit}"
        );
        tally(
            store,
            &sql,
            &[today],
            &mut out,
            &[|c| &mut c.overdue_reviews],
        )
        .await?;
    }
    // Cases registered in the period: those mediated to an end, and those settled.
    let listed = |pick: fn(M) -> bool| {
        M::ALL
            .iter()
            .filter(|s| pick(**s))
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ended = listed(|s| !matches!(s, M::Registered | M::Mediating | M::Refused));
    let settled = listed(M::settled);
    let sql = format!(
        "SELECT substr(region_code, 1, 9) AS unit, \
         SUM(CASE WHEN status IN ({ended}) THEN 1 ELSE 0 END) AS n0, \
         SUM(CASE WHEN status IN ({settled}) THEN 1 ELSE 0 END) AS n1 \
         FROM mediation_cases WHERE registered_at >= $1 AND registered_at < $2 \
         GROUP BY substr(region_code, 1, 9)"
    );
    tally(
        store,
        &sql,
        &[from, to],
        &mut out,
        &[|c| &mut c.mediation_ended, |c| &mut c.mediation_settled],
    )
    .await?;
    Ok(out.into_values().collect())
}

pub(crate) async fn result(
    store: &SqlStore,
    year: i64,
    unit_group: &str,
) -> Result<Option<PublishedResult>> {
    let row = sqlx::query(
        "SELECT year, unit_group, scheme_version, results, published_by, published_at \
         FROM assessment_results WHERE year = $1 AND unit_group = $2",
    )
    .bind(year)
    .bind(unit_group.to_string())
    .fetch_optional(&store.pool)
    .await?;
    row.map(|r| {
        Ok(PublishedResult {
            year: r.try_get("year")?,
            unit_group: r.try_get("unit_group")?,
            scheme_version: r.try_get("scheme_version")?,
            results: r.try_get("results")?,
            published_by: r.try_get("published_by")?,
            published_at: r.try_get("published_at")?,
        })
    })
    .transpose()
}

pub(crate) async fn published_groups(store: &SqlStore, year: i64) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT unit_group FROM assessment_results WHERE year = $1")
        .bind(year)
        .fetch_all(&store.pool)
        .await?;
    rows.iter().map(|r| Ok(r.try_get("unit_group")?)).collect()
}

/// Published once: the chain head's lock orders two publications, the second finds the first.
pub(crate) async fn publish(store: &SqlStore, actor: &Actor, r: &PublishedResult) -> Result<()> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM assessment_results WHERE year = $1 AND unit_group = $2",
    )
    .bind(r.year)
    .bind(r.unit_group.clone())
    .fetch_one(&mut *tx)
    .await?;
    if n > 0 {
        return Err(StoreError::conflict(format!(
            "the {} assessment of {} is published already",
            r.unit_group, r.year
        )));
    }
    sqlx::query(
        "INSERT INTO assessment_results (year, unit_group, scheme_version, results, published_by, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(r.year)
    .bind(r.unit_group.clone())
    .bind(r.scheme_version)
    .bind(r.results.clone())
    .bind(r.published_by.clone())
    .bind(r.published_at)
    .execute(&mut *tx)
    .await?;
    append_actions(
        &mut tx,
        vec![actor
            .action(
                r.published_at,
                "assessment.publish",
                &format!("assessment:{}:{}", r.year, r.unit_group),
            )
            .opinion(format!("方案第 {} 版", r.scheme_version))],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Each unit's closures and ratings per China day in [from, to) (ms): by the unit that led
/// them and by the town they happened in, closed events only.
pub(crate) async fn closure_days(store: &SqlStore, from: i64, to: i64) -> Result<Vec<ClosureDay>> {
    let mut out = Vec::new();
    for unit in ["lead_unit", "town_code"] {
        let sql = format!(
            "SELECT {unit} AS unit, (closed_at + {offset}) / {day} AS day, COUNT(*) AS closed, \
             SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END) AS rated, \
             SUM(CASE WHEN satisfaction >= 4 THEN 1 ELSE 0 END) AS satisfied \
             FROM events WHERE closed_at >= $1 AND closed_at < $2 AND status = 'closed' \
             AND {unit} IS NOT NULL GROUP BY {unit}, (closed_at + {offset}) / {day}",
            offset = zhili_domain::calendar::CHINA_OFFSET_MS,
            day = zhili_domain::calendar::DAY_MS,
        );
        for r in sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .fetch_all(&store.pool)
            .await?
        {
            out.push(ClosureDay {
                unit: r.try_get("unit")?,
                day: r.try_get("day")?,
                closed: r.try_get("closed")?,
                rated: r.try_get("rated")?,
                satisfied: r.try_get("satisfied")?,
            });
        }
    }
    Ok(out)
}
