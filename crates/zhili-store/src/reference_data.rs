//! The closed loop's reference data as stored: categories with their versions, the
//! ordered dispatch rules, the working calendar; seeded from the shipped defaults.

use crate::sql::{append_actions, corrupt, set_meta_in};
use crate::{ReferenceData, Result, SqlStore};
use sqlx::{AnyConnection, Row};
use zhili_domain::calendar::DayKind;
use zhili_domain::chain::Actor;
use zhili_domain::event::MatterClass;
use zhili_domain::reference::{Category, DispatchRule, Lead};
use zhili_domain::{RegionCode, UnitId};

pub const DEFAULT_WORKING_HOURS: &str = "08:30-12:00,14:00-17:30";

pub(crate) async fn reference(store: &SqlStore) -> Result<ReferenceData> {
    let rows = sqlx::query(
        "SELECT code, version, major, minor, matter_class, urgent, accept_hours, handle_hours, lead, opens_dispute \
         FROM categories WHERE valid_to IS NULL ORDER BY code",
    )
    .fetch_all(&store.pool)
    .await?;
    let categories = rows
        .iter()
        .map(|r| {
            let class: String = r.try_get("matter_class")?;
            let lead: String = r.try_get("lead")?;
            Ok(Category {
                code: r.try_get("code")?,
                major: r.try_get("major")?,
                minor: r.try_get("minor")?,
                class: MatterClass::parse(&class).ok_or_else(|| corrupt("matter class", &class))?,
                urgent: r.try_get::<i64, _>("urgent")? != 0,
                accept_hours: r.try_get("accept_hours")?,
                handle_hours: r.try_get("handle_hours")?,
                lead: Lead::parse(&lead).map_err(|_| corrupt("lead", &lead))?,
                opens_dispute: r.try_get::<i64, _>("opens_dispute")? != 0,
                version: r.try_get("version")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = sqlx::query("SELECT position, category_prefix, region_code, lead, assisting FROM dispatch_rules WHERE valid_to IS NULL ORDER BY position")
        .fetch_all(&store.pool)
        .await?;
    let rules = rows
        .iter()
        .map(|r| {
            let region: String = r.try_get("region_code")?;
            let lead: String = r.try_get("lead")?;
            let assisting: String = r.try_get("assisting")?;
            Ok(DispatchRule {
                position: r.try_get("position")?,
                category_prefix: r.try_get("category_prefix")?,
                region: RegionCode::parse(&region).map_err(|_| corrupt("region code", &region))?,
                lead: Lead::parse(&lead).map_err(|_| corrupt("lead", &lead))?,
                assisting: assisting
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|u| UnitId::parse(u).map_err(|_| corrupt("unit id", u)))
                    .collect::<Result<_>>()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = sqlx::query("SELECT day, kind, name FROM calendar_days ORDER BY day")
        .fetch_all(&store.pool)
        .await?;
    let days = rows
        .iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok((
                r.try_get("day")?,
                DayKind::parse(&kind).ok_or_else(|| corrupt("day kind", &kind))?,
                r.try_get("name")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let working_hours: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'working_hours'")
            .fetch_optional(&store.pool)
            .await?;
    Ok(ReferenceData {
        categories,
        rules,
        days,
        working_hours: working_hours.unwrap_or_else(|| DEFAULT_WORKING_HOURS.to_string()),
    })
}

pub(crate) async fn seed_reference(
    store: &SqlStore,
    actor: &Actor,
    data: &ReferenceData,
    now: i64,
) -> Result<bool> {
    let mut tx = store.write_tx().await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM categories")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(false);
    }
    for c in &data.categories {
        insert_category(&mut tx, c, 1, now).await?;
    }
    insert_rules(&mut tx, &data.rules, now).await?;
    insert_days(&mut tx, &data.days).await?;
    set_meta_in(&mut tx, "working_hours", &data.working_hours).await?;
    let summary = format!(
        "{} categories, {} dispatch rules, {} calendar days, working hours {}",
        data.categories.len(),
        data.rules.len(),
        data.days.len(),
        data.working_hours
    );
    append_actions(
        &mut tx,
        vec![actor
            .action(now, "reference.seed", "reference")
            .opinion(summary)],
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn put_categories(
    store: &SqlStore,
    actor: &Actor,
    categories: &[Category],
    now: i64,
) -> Result<Vec<Category>> {
    let mut tx = store.write_tx().await?;
    let mut stored = Vec::with_capacity(categories.len());
    let mut actions = Vec::with_capacity(categories.len());
    for c in categories {
        let current: Option<i64> = sqlx::query_scalar(
            "SELECT version FROM categories WHERE code = $1 AND valid_to IS NULL",
        )
        .bind(c.code.clone())
        .fetch_optional(&mut *tx)
        .await?;
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM categories WHERE code = $1")
                .bind(c.code.clone())
                .fetch_one(&mut *tx)
                .await?;
        let version = last.unwrap_or(0) + 1;
        sqlx::query("UPDATE categories SET valid_to = $1 WHERE code = $2 AND valid_to IS NULL")
            .bind(now)
            .bind(c.code.clone())
            .execute(&mut *tx)
            .await?;
        insert_category(&mut tx, c, version, now).await?;
        let summary = format!(
            "{} {}/{} {} {}h/{}h lead {}",
            c.code,
            c.major,
            c.minor,
            c.class.as_str(),
            c.accept_hours,
            c.handle_hours,
            c.lead.as_str()
        );
        actions.push(
            actor
                .action(now, "category.put", &format!("category:{}", c.code))
                .states(
                    current.map(|v| format!("v{v}")).as_deref(),
                    Some(&format!("v{version}")),
                )
                .opinion(summary),
        );
        stored.push(Category {
            version,
            ..c.clone()
        });
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(stored)
}

pub(crate) async fn replace_dispatch_rules(
    store: &SqlStore,
    actor: &Actor,
    rules: &[DispatchRule],
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    sqlx::query("UPDATE dispatch_rules SET valid_to = $1 WHERE valid_to IS NULL")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    insert_rules(&mut tx, rules, now).await?;
    append_actions(
        &mut tx,
        vec![actor
            .action(now, "dispatch_rules.replace", "dispatch_rules")
            .opinion(format!("{} rules", rules.len()))],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn running_working_steps(
    store: &SqlStore,
    after: i64,
) -> Result<Vec<crate::RunningStep>> {
    let rows = sqlx::query(&format!(
        "SELECT id, step_started, step_due FROM events WHERE clock = 'working' \
         AND step_due IS NOT NULL AND step_started IS NOT NULL AND step_due > $1 AND status IN ({}) ORDER BY id",
        crate::events::open_statuses()
    ))
    .bind(after)
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(crate::RunningStep {
                event_id: r.try_get("id")?,
                started: r.try_get("step_started")?,
                due: r.try_get("step_due")?,
            })
        })
        .collect()
}

pub(crate) async fn replace_calendar_year(
    store: &SqlStore,
    actor: &Actor,
    year: i64,
    days: &[(String, DayKind, String)],
    working_hours: &str,
    moved: &[crate::MovedDue],
    now: i64,
) -> Result<Vec<crate::MovedDue>> {
    let mut tx = store.write_tx().await?;
    sqlx::query("DELETE FROM calendar_days WHERE day LIKE $1")
        .bind(format!("{year:04}-%"))
        .execute(&mut *tx)
        .await?;
    insert_days(&mut tx, days).await?;
    set_meta_in(&mut tx, "working_hours", working_hours).await?;
    let summary = format!("{} days; working hours {working_hours}", days.len());
    let mut actions = vec![actor
        .action(now, "calendar.replace", &format!("calendar:{year}"))
        .opinion(summary)];
    let mut written = Vec::new();
    for m in moved {
        let updated = sqlx::query(
            "UPDATE events SET step_due = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND step_due = $4",
        )
        .bind(m.to)
        .bind(now)
        .bind(m.event_id)
        .bind(m.from)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 1 {
            actions.push(
                actor
                    .action(now, "due_moved", &format!("event:{}", m.event_id))
                    .opinion(m.note.clone()),
            );
            written.push(m.clone());
        }
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(written)
}

async fn insert_category(
    conn: &mut AnyConnection,
    c: &Category,
    version: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO categories (code, version, major, minor, matter_class, urgent, accept_hours, handle_hours, lead, opens_dispute, valid_from, valid_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)",
    )
    .bind(c.code.clone())
    .bind(version)
    .bind(c.major.clone())
    .bind(c.minor.clone())
    .bind(c.class.as_str())
    .bind(c.urgent as i64)
    .bind(c.accept_hours)
    .bind(c.handle_hours)
    .bind(c.lead.as_str().to_string())
    .bind(c.opens_dispute as i64)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_rules(conn: &mut AnyConnection, rules: &[DispatchRule], now: i64) -> Result<()> {
    for r in rules {
        sqlx::query("INSERT INTO dispatch_rules (position, category_prefix, region_code, lead, assisting, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5, $6, NULL)")
            .bind(r.position)
            .bind(r.category_prefix.clone())
            .bind(r.region.to_string())
            .bind(r.lead.as_str().to_string())
            .bind(
                r.assisting
                    .iter()
                    .map(UnitId::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn insert_days(conn: &mut AnyConnection, days: &[(String, DayKind, String)]) -> Result<()> {
    for (day, kind, name) in days {
        sqlx::query("INSERT INTO calendar_days (day, kind, name) VALUES ($1, $2, $3)")
            .bind(day.clone())
            .bind(kind.as_str())
            .bind(name.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
