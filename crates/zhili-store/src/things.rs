//! City components and cameras. Every write appends its action in the same transaction.

use crate::sql::{append_actions, insert_rows, scope_filter, Arg, Sql};
use crate::{CameraCount, NewThing, Result, SqlStore, StoreError, ThingFilter, ThingRecord};
use sqlx::any::AnyRow;
use sqlx::Row;
use zhili_domain::chain::Actor;
use zhili_domain::org::OrgKind;
use zhili_domain::thing::{ThingKind, ThingState};
use zhili_domain::{DomainError, ErrorCode, RegionCode, Scope};

const COLUMNS: &str = "t.id, t.kind, t.code, t.name, t.class, t.subclass, t.grid_code, t.lon, t.lat, t.department, t.state, t.coverage, t.last_seen, t.updated_at";

fn from_row(r: &AnyRow) -> Result<ThingRecord> {
    let grid: String = r.try_get("grid_code")?;
    Ok(ThingRecord {
        id: r.try_get("id")?,
        thing: NewThing {
            kind: crate::sql::word(r, "kind", ThingKind::parse)?,
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            class: r.try_get("class")?,
            subclass: r.try_get("subclass")?,
            grid_code: RegionCode::parse(&grid)
                .map_err(|_| crate::sql::corrupt("grid code", &grid))?,
            lon: r.try_get("lon")?,
            lat: r.try_get("lat")?,
            department: r.try_get("department")?,
            state: crate::sql::word(r, "state", ThingState::parse)?,
            coverage: r.try_get("coverage")?,
            last_seen: r.try_get("last_seen")?,
        },
        updated_at: r.try_get("updated_at")?,
    })
}

pub(crate) async fn create_things(
    store: &SqlStore,
    actor: &Actor,
    things: &[NewThing],
    now: i64,
) -> Result<Vec<i64>> {
    if things.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = store.write_tx().await?;
    crate::ids::lock_chain_head(&mut tx).await?;
    let codes: Vec<String> = things.iter().map(|t| t.code.clone()).collect();
    if let Some(code) = crate::people::taken_in(&mut tx, crate::CodeKind::Thing, &codes)
        .await?
        .first()
    {
        let at = things.iter().position(|t| t.code == *code).unwrap_or(0);
        return Err(StoreError::Domain(
            DomainError::new(
                ErrorCode::Conflict,
                format!("things[{at}]: {code} is registered already"),
            )
            .with_field("code"),
        ));
    }
    let first: i64 = crate::ids::next_id(&mut tx, "things").await?;
    let ids: Vec<i64> = (first..first + things.len() as i64).collect();
    let mut actions = Vec::with_capacity(things.len());
    let rows = things
        .iter()
        .zip(&ids)
        .map(|(t, id)| {
            actions.push(
                actor
                    .action(now, &format!("{}.create", t.kind), &format!("thing:{id}"))
                    .opinion(t.code.clone()),
            );
            vec![
                Arg::Int(*id),
                Arg::Text(t.kind.as_str().into()),
                Arg::Text(t.code.clone()),
                Arg::Text(t.name.clone()),
                Arg::Text(t.class.clone()),
                Arg::Text(t.subclass.clone()),
                Arg::Text(t.grid_code.to_string()),
                Arg::Float(t.lon),
                Arg::Float(t.lat),
                t.department.clone().into(),
                Arg::Text(t.state.as_str().into()),
                t.coverage.clone().into(),
                t.last_seen.map_or(Arg::NullInt, Arg::Int),
                Arg::Int(now),
                Arg::Int(now),
            ]
        })
        .collect();
    insert_rows(
        &mut tx,
        "things",
        &[
            "id",
            "kind",
            "code",
            "name",
            "class",
            "subclass",
            "grid_code",
            "lon",
            "lat",
            "department",
            "state",
            "coverage",
            "last_seen",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    crate::ids::sync_sequence(&mut tx, store.backend, "things").await?;
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(ids)
}

fn filter_sql(scope: &Scope, f: &ThingFilter) -> Sql {
    let mut filter = Sql::new("");
    scope_filter(&mut filter, "t.grid_code", scope);
    if let Some(k) = &f.kind {
        filter.push(" AND t.kind = ").bind_text(k.as_str());
    }
    if let Some(r) = &f.region {
        filter
            .push(" AND t.grid_code LIKE ")
            .bind_text(format!("{r}%"));
    }
    if let Some(s) = &f.state {
        filter.push(" AND t.state = ").bind_text(s.as_str());
    }
    if let Some(c) = &f.code {
        filter.push(" AND t.code = ").bind_text(c.clone());
    }
    filter
}

pub(crate) async fn list_things(
    store: &SqlStore,
    scope: &Scope,
    f: &ThingFilter,
) -> Result<(i64, Vec<ThingRecord>)> {
    let filter = filter_sql(scope, f);
    let count = Sql::with_filter("SELECT COUNT(*) AS n FROM things t WHERE 1 = 1", &filter);
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut page = Sql::with_filter(
        &format!("SELECT {COLUMNS} FROM things t WHERE 1 = 1"),
        &filter,
    );
    page.push(" ORDER BY t.code LIMIT ").bind(Arg::Int(f.limit));
    page.push(" OFFSET ").bind(Arg::Int(f.offset));
    let rows = page.query().fetch_all(&store.pool).await?;
    Ok((total, rows.iter().map(from_row).collect::<Result<_>>()?))
}

pub(crate) async fn get_thing(
    store: &SqlStore,
    scope: &Scope,
    id: i64,
) -> Result<Option<ThingRecord>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM things t WHERE t.id = "));
    sql.bind(Arg::Int(id));
    scope_filter(&mut sql, "t.grid_code", scope);
    let row = sql.query().fetch_optional(&store.pool).await?;
    row.as_ref().map(from_row).transpose()
}

pub(crate) async fn set_thing_state(
    store: &SqlStore,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    state: ThingState,
    now: i64,
) -> Result<Option<ThingRecord>> {
    let mut tx = store.write_tx().await?;
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM things t WHERE t.id = "));
    sql.bind(Arg::Int(id));
    scope_filter(&mut sql, "t.grid_code", scope);
    let Some(found) = sql.query().fetch_optional(&mut *tx).await? else {
        return Ok(None);
    };
    let mut found = from_row(&found)?;
    let seen = if state == ThingState::Online {
        Some(now)
    } else {
        found.thing.last_seen
    };
    sqlx::query("UPDATE things SET state = $1, last_seen = $2, updated_at = $3 WHERE id = $4")
        .bind(state.to_string())
        .bind(seen)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    append_actions(
        &mut tx,
        vec![actor
            .action(
                now,
                &format!("{}.state", found.thing.kind),
                &format!("thing:{id}"),
            )
            .states(
                Some(found.thing.state.as_str()),
                Some(ThingState::as_str(state)),
            )],
    )
    .await?;
    tx.commit().await?;
    found.thing.state = state;
    found.thing.last_seen = seen;
    found.updated_at = now;
    Ok(Some(found))
}

pub(crate) async fn camera_counts(
    store: &SqlStore,
    scope: &Scope,
    region: &RegionCode,
    prefix_len: usize,
) -> Result<Vec<CameraCount>> {
    let mut sql = Sql::new(&format!(
        "SELECT substr(t.grid_code, 1, {prefix_len}) AS k, COUNT(*) AS n, \
         SUM(CASE WHEN t.state = 'online' THEN 1 ELSE 0 END) AS online \
         FROM things t WHERE t.kind = 'camera' AND t.grid_code LIKE "
    ));
    sql.bind_text(format!("{region}%"));
    scope_filter(&mut sql, "t.grid_code", scope);
    sql.push(" GROUP BY 1 ORDER BY 1");
    let rows = sql.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(CameraCount {
                prefix: r.try_get("k")?,
                total: r.try_get("n")?,
                online: r.try_get("online")?,
            })
        })
        .collect()
}

pub(crate) async fn create_orgs(
    store: &SqlStore,
    actor: &Actor,
    orgs: &[crate::NewOrg],
    now: i64,
) -> Result<Vec<i64>> {
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = store.write_tx().await?;
    crate::ids::lock_chain_head(&mut tx).await?;
    let codes: Vec<String> = orgs.iter().filter_map(|o| o.credit_code.clone()).collect();
    if let Some(code) = crate::people::taken_in(&mut tx, crate::CodeKind::OrgCredit, &codes)
        .await?
        .first()
    {
        return Err(StoreError::Domain(
            DomainError::new(ErrorCode::Conflict, format!("{code} is registered already"))
                .with_field("credit_code"),
        ));
    }
    let first: i64 = crate::ids::next_id(&mut tx, "orgs").await?;
    let ids: Vec<i64> = (first..first + orgs.len() as i64).collect();
    let mut actions = Vec::with_capacity(orgs.len());
    let rows = orgs
        .iter()
        .zip(&ids)
        .map(|(o, id)| {
            actions.push(
                actor
                    .action(now, "org.create", &format!("org:{id}"))
                    .opinion(o.kind.as_str()),
            );
            vec![
                Arg::Int(*id),
                Arg::Text(o.kind.as_str().into()),
                Arg::Text(o.name.clone()),
                o.credit_code.clone().into(),
                Arg::Text(o.address.clone()),
                Arg::Text(o.grid_code.to_string()),
                Arg::Float(o.lon),
                Arg::Float(o.lat),
                Arg::Text(o.contact_name.clone()),
                o.contact_phone_sealed.clone().into(),
                o.contact_phone_masked.clone().into(),
                Arg::Int(o.staff),
                Arg::Int(now),
            ]
        })
        .collect();
    insert_rows(
        &mut tx,
        "orgs",
        &[
            "id",
            "kind",
            "name",
            "credit_code",
            "address",
            "grid_code",
            "lon",
            "lat",
            "contact_name",
            "contact_phone_sealed",
            "contact_phone_masked",
            "staff",
            "created_at",
        ],
        rows,
    )
    .await?;
    crate::ids::sync_sequence(&mut tx, store.backend, "orgs").await?;
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(ids)
}

pub(crate) async fn list_orgs(
    store: &SqlStore,
    scope: &Scope,
    kind: Option<OrgKind>,
    region: Option<&RegionCode>,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<crate::OrgRecord>)> {
    let mut filter = Sql::new("");
    scope_filter(&mut filter, "o.grid_code", scope);
    if let Some(k) = kind {
        filter.push(" AND o.kind = ").bind_text(k.as_str());
    }
    if let Some(r) = region {
        filter
            .push(" AND o.grid_code LIKE ")
            .bind_text(format!("{r}%"));
    }
    let count = Sql::with_filter("SELECT COUNT(*) AS n FROM orgs o WHERE 1 = 1", &filter);
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut page = Sql::with_filter(
        &format!("SELECT {ORG_COLUMNS} FROM orgs o WHERE 1 = 1"),
        &filter,
    );
    page.push(" ORDER BY o.id LIMIT ").bind(Arg::Int(limit));
    page.push(" OFFSET ").bind(Arg::Int(offset));
    let rows = page.query().fetch_all(&store.pool).await?;
    let orgs = rows.iter().map(org_from_row).collect::<Result<_>>()?;
    Ok((total, orgs))
}

const ORG_COLUMNS: &str =
    "o.id, o.kind, o.name, o.credit_code, o.address, o.grid_code, o.lon, o.lat, o.contact_name, \
     o.contact_phone_sealed, o.contact_phone_masked, o.staff";

fn org_from_row(r: &AnyRow) -> Result<crate::OrgRecord> {
    let grid: String = r.try_get("grid_code")?;
    Ok(crate::OrgRecord {
        id: r.try_get("id")?,
        org: crate::NewOrg {
            kind: crate::sql::word(r, "kind", OrgKind::parse)?,
            name: r.try_get("name")?,
            credit_code: r.try_get("credit_code")?,
            address: r.try_get("address")?,
            grid_code: RegionCode::parse(&grid)
                .map_err(|_| crate::sql::corrupt("grid code", &grid))?,
            lon: r.try_get("lon")?,
            lat: r.try_get("lat")?,
            contact_name: r.try_get("contact_name")?,
            contact_phone_sealed: r.try_get("contact_phone_sealed")?,
            contact_phone_masked: r.try_get("contact_phone_masked")?,
            staff: r.try_get("staff")?,
        },
    })
}

pub(crate) async fn get_org(
    store: &SqlStore,
    scope: &Scope,
    id: i64,
) -> Result<Option<crate::OrgRecord>> {
    let mut q = Sql::new(&format!("SELECT {ORG_COLUMNS} FROM orgs o WHERE o.id = "));
    q.bind(Arg::Int(id));
    scope_filter(&mut q, "o.grid_code", scope);
    q.query()
        .fetch_optional(&store.pool)
        .await?
        .as_ref()
        .map(org_from_row)
        .transpose()
}

/// Open mediation cases at their event's place, under the cases' own scope rule.
async fn dispute_points(
    store: &SqlStore,
    scope: &Scope,
    bbox: [f64; 4],
    limit: i64,
) -> Result<Vec<crate::MapPoint>> {
    let mut q = Sql::new(
        "SELECT c.id, e.lon, e.lat, c.title AS label, c.category AS kind, c.status AS state \
         FROM mediation_cases c JOIN events e ON e.id = c.event_id \
         WHERE c.status IN ('registered', 'mediating', 'agreed', 'performed')",
    );
    crate::mediation::case_scope(&mut q, scope);
    q.push(" AND e.lon >= ").bind(Arg::Float(bbox[0]));
    q.push(" AND e.lat >= ").bind(Arg::Float(bbox[1]));
    q.push(" AND e.lon <= ").bind(Arg::Float(bbox[2]));
    q.push(" AND e.lat <= ").bind(Arg::Float(bbox[3]));
    q.push(" ORDER BY c.id LIMIT ").bind(Arg::Int(limit));
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(crate::MapPoint {
                id: r.try_get("id")?,
                lon: r.try_get("lon")?,
                lat: r.try_get("lat")?,
                label: r.try_get("label")?,
                kind: r.try_get("kind")?,
                state: r.try_get("state")?,
            })
        })
        .collect()
}

/// Points of one map layer inside a box, in the scope: houses (with a position), organisations
/// and sites, components, cameras. At most `limit`, so a wide view stays light.
pub(crate) async fn map_points(
    store: &SqlStore,
    scope: &Scope,
    layer: crate::PlaceLayer,
    bbox: [f64; 4],
    limit: i64,
) -> Result<Vec<crate::MapPoint>> {
    use crate::PlaceLayer;
    let (head, alias) = match layer {
        PlaceLayer::Houses => (
            "SELECT h.id, h.lon, h.lat, h.address AS label, h.usage AS kind, \
             CASE WHEN h.hazards <> '' THEN 'hazard' WHEN h.rented = 1 THEN 'rented' ELSE 'normal' END AS state \
             FROM houses h WHERE h.lon IS NOT NULL",
            "h",
        ),
        PlaceLayer::Orgs => (
            "SELECT o.id, o.lon, o.lat, o.name AS label, o.kind, '' AS state FROM orgs o WHERE 1 = 1",
            "o",
        ),
        PlaceLayer::Components => (
            "SELECT t.id, t.lon, t.lat, t.name AS label, t.class AS kind, t.state FROM things t WHERE t.kind = 'component'",
            "t",
        ),
        PlaceLayer::Cameras => (
            "SELECT t.id, t.lon, t.lat, t.name AS label, t.coverage AS kind, t.state FROM things t WHERE t.kind = 'camera'",
            "t",
        ),
        PlaceLayer::Disputes => return dispute_points(store, scope, bbox, limit).await,
    };
    let mut q = Sql::new(head);
    scope_filter(&mut q, &format!("{alias}.grid_code"), scope);
    q.push(&format!(" AND {alias}.lon >= "))
        .bind(Arg::Float(bbox[0]));
    q.push(&format!(" AND {alias}.lat >= "))
        .bind(Arg::Float(bbox[1]));
    q.push(&format!(" AND {alias}.lon <= "))
        .bind(Arg::Float(bbox[2]));
    q.push(&format!(" AND {alias}.lat <= "))
        .bind(Arg::Float(bbox[3]));
    q.push(&format!(" ORDER BY {alias}.id LIMIT "))
        .bind(Arg::Int(limit));
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(crate::MapPoint {
                id: r.try_get("id")?,
                lon: r.try_get("lon")?,
                lat: r.try_get("lat")?,
                label: r.try_get("label")?,
                kind: r.try_get::<Option<String>, _>("kind")?.unwrap_or_default(),
                state: r.try_get("state")?,
            })
        })
        .collect()
}
