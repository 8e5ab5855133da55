//! Joint-defence compounds, routes, shifts and check-ins as written and read.

use crate::sql::{append_actions, corrupt, digit_prefix, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::Row;
use zhili_domain::chain::Actor;

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(e.to_string()))
}

fn parsed<T: serde::de::DeserializeOwned>(r: &AnyRow, column: &str) -> Result<T> {
    let raw: String = r.try_get(column)?;
    serde_json::from_str(&raw).map_err(|_| corrupt(column, &raw))
}

pub(crate) async fn create_compound(
    store: &SqlStore,
    actor: &Actor,
    c: &CompoundRecord,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO compounds (village_code, name, lead_unit, members, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(c.village_code.clone())
    .bind(c.name.clone())
    .bind(c.lead_unit.clone())
    .bind(json(&c.members)?)
    .bind(actor.username.clone())
    .bind(c.created_at)
    .fetch_one(&mut *tx)
    .await?;
    let mut a = actor.action(c.created_at, "patrol.compound", &format!("compound:{id}"));
    a.opinion = Some(format!("{} 1+{}", c.name, c.members.len()));
    append_actions(&mut tx, vec![a]).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn compounds(
    store: &SqlStore,
    prefix: Option<&str>,
    id: Option<i64>,
) -> Result<Vec<CompoundRecord>> {
    let mut sql = Sql::new("SELECT * FROM compounds WHERE 1 = 1");
    if let Some(p) = prefix {
        digit_prefix(&mut sql, "village_code", p);
    }
    if let Some(id) = id {
        sql.push(" AND id = ").bind(Arg::Int(id));
    }
    sql.push(" ORDER BY village_code, id LIMIT 500");
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(CompoundRecord {
                id: r.try_get("id")?,
                village_code: r.try_get("village_code")?,
                name: r.try_get("name")?,
                lead_unit: r.try_get("lead_unit")?,
                members: parsed(r, "members")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

pub(crate) async fn create_route(store: &SqlStore, actor: &Actor, r: &RouteRecord) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO patrol_routes (compound_id, name, checkpoints, codes, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(r.compound_id)
    .bind(r.route.name.clone())
    .bind(json(&r.route.checkpoints)?)
    .bind(json(&r.codes)?)
    .bind(r.created_at)
    .fetch_one(&mut *tx)
    .await?;
    let mut a = actor.action(
        r.created_at,
        "patrol.route",
        &format!("compound:{}", r.compound_id),
    );
    a.opinion = Some(format!("{} ({})", r.route.name, r.route.checkpoints.len()));
    append_actions(&mut tx, vec![a]).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn routes(
    store: &SqlStore,
    compound_id: Option<i64>,
    id: Option<i64>,
) -> Result<Vec<RouteRecord>> {
    let mut sql = Sql::new("SELECT * FROM patrol_routes WHERE 1 = 1");
    if let Some(c) = compound_id {
        sql.push(" AND compound_id = ").bind(Arg::Int(c));
    }
    if let Some(id) = id {
        sql.push(" AND id = ").bind(Arg::Int(id));
    }
    sql.push(" ORDER BY id LIMIT 200");
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(RouteRecord {
                id: r.try_get("id")?,
                compound_id: r.try_get("compound_id")?,
                route: zhili_domain::patrol::Route {
                    name: r.try_get("name")?,
                    checkpoints: parsed(r, "checkpoints")?,
                },
                codes: parsed(r, "codes")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

pub(crate) async fn create_shift(store: &SqlStore, actor: &Actor, s: &ShiftRecord) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO patrol_shifts (route_id, village_code, team, starts_at, ends_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(s.route_id)
    .bind(s.village_code.clone())
    .bind(s.team.clone())
    .bind(s.starts_at)
    .bind(s.ends_at)
    .bind(actor.username.clone())
    .fetch_one(&mut *tx)
    .await?;
    let mut a = actor.action(s.starts_at, "patrol.shift", &format!("patrol_shift:{id}"));
    a.opinion = Some(s.team.clone());
    append_actions(&mut tx, vec![a]).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn shifts(
    store: &SqlStore,
    prefix: &str,
    id: Option<i64>,
    limit: i64,
) -> Result<Vec<ShiftRecord>> {
    let mut sql = Sql::new("SELECT * FROM patrol_shifts WHERE 1 = 1");
    digit_prefix(&mut sql, "village_code", prefix);
    if let Some(id) = id {
        sql.push(" AND id = ").bind(Arg::Int(id));
    }
    sql.push(" ORDER BY starts_at DESC, id DESC LIMIT ")
        .bind(Arg::Int(limit.clamp(1, 500)));
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            let missed: Option<String> = r.try_get("missed")?;
            Ok(ShiftRecord {
                id: r.try_get("id")?,
                route_id: r.try_get("route_id")?,
                village_code: r.try_get("village_code")?,
                team: r.try_get("team")?,
                starts_at: r.try_get("starts_at")?,
                ends_at: r.try_get("ends_at")?,
                ended_at: r.try_get("ended_at")?,
                missed: missed
                    .map(|m| serde_json::from_str(&m).map_err(|_| corrupt("missed", &m)))
                    .transpose()?,
                created_by: r.try_get("created_by")?,
            })
        })
        .collect()
}

pub(crate) async fn record_check_in(
    store: &SqlStore,
    actor: &Actor,
    c: &CheckInRecord,
) -> Result<Option<i64>> {
    let mut tx = store.write_tx().await?;
    let open: Option<i64> =
        sqlx::query_scalar("SELECT id FROM patrol_shifts WHERE id = $1 AND ended_at IS NULL")
            .bind(c.shift_id)
            .fetch_optional(&mut *tx)
            .await?;
    if open.is_none() {
        return Ok(None);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO patrol_checkins (shift_id, checkpoint, at, received_at, lon, lat, accuracy_m, mock_hint, scanned, flags, by_user, event_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(c.shift_id)
    .bind(c.checkpoint as i64)
    .bind(c.at)
    .bind(c.received_at)
    .bind(c.lon)
    .bind(c.lat)
    .bind(c.accuracy_m)
    .bind(c.mock_hint as i64)
    .bind(c.scanned as i64)
    .bind(json(&c.flags)?)
    .bind(actor.username.clone())
    .bind(c.event_id)
    .fetch_one(&mut *tx)
    .await?;
    let mut a = actor.action(
        c.received_at,
        "patrol.check_in",
        &format!("patrol_shift:{}", c.shift_id),
    );
    let flags: Vec<&str> = c.flags.iter().map(|f| f.as_str()).collect();
    a.opinion = Some(format!("#{} {}", c.checkpoint, flags.join(",")));
    append_actions(&mut tx, vec![a]).await?;
    tx.commit().await?;
    Ok(Some(id))
}

pub(crate) async fn check_ins(store: &SqlStore, shift_id: i64) -> Result<Vec<CheckInRecord>> {
    sqlx::query("SELECT * FROM patrol_checkins WHERE shift_id = $1 ORDER BY id")
        .bind(shift_id)
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(CheckInRecord {
                id: r.try_get("id")?,
                shift_id: r.try_get("shift_id")?,
                checkpoint: r.try_get::<i64, _>("checkpoint")? as usize,
                at: r.try_get("at")?,
                received_at: r.try_get("received_at")?,
                lon: r.try_get("lon")?,
                lat: r.try_get("lat")?,
                accuracy_m: r.try_get("accuracy_m")?,
                mock_hint: r.try_get::<i64, _>("mock_hint")? != 0,
                scanned: r.try_get::<i64, _>("scanned")? != 0,
                flags: parsed(r, "flags")?,
                by: r.try_get("by_user")?,
                event_id: r.try_get("event_id")?,
            })
        })
        .collect()
}

pub(crate) async fn end_shift(
    store: &SqlStore,
    actor: &Actor,
    id: i64,
    missed: &[usize],
    now: i64,
) -> Result<bool> {
    let mut tx = store.write_tx().await?;
    let moved = sqlx::query(
        "UPDATE patrol_shifts SET ended_at = $1, missed = $2 WHERE id = $3 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(json(&missed)?)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 1 {
        let mut a = actor.action(now, "patrol.end", &format!("patrol_shift:{id}"));
        a.opinion = Some(format!("missed {missed:?}"));
        append_actions(&mut tx, vec![a]).await?;
    }
    tx.commit().await?;
    Ok(moved == 1)
}
