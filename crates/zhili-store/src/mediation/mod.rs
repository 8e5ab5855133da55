//! Dispute mediation in SQL: committees, rooms, mediators (here); cases with their parties,
//! mediators, steps and documents (`writes`, `reads`). Every write appends its action in the same
//! transaction; a case's change is written only at the version it was computed from.

mod reads;
mod stars;
mod writes;

pub(crate) use reads::*;
pub(crate) use stars::*;
pub(crate) use writes::*;

use crate::ids::{lock_chain_head, next_id, sync_sequence};
use crate::sql::{append_actions, corrupt, insert_rows, scope_filter, word, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use zhili_domain::chain::Actor;
use zhili_domain::mediation::{self as m, CommitteeKind, Grade};
use zhili_domain::{RegionCode, Scope};

/// `|a|b|` for a list of words, so `LIKE '%|a|%'` finds one.
pub(super) fn bars(words: &[String]) -> String {
    if words.is_empty() {
        String::new()
    } else {
        format!("|{}|", words.join("|"))
    }
}

pub(super) fn unbar(text: &str) -> Vec<String> {
    text.split('|')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) fn region(r: &AnyRow, column: &str) -> Result<RegionCode> {
    let raw: String = r.try_get(column)?;
    RegionCode::parse(&raw).map_err(|_| corrupt(column, &raw))
}

/// The one scope rule for cases: the area's subtree; a department sees only the cases it was
/// referred (the justice bureau, which guides all mediation, sees every case of its area).
pub(crate) fn case_scope(sql: &mut Sql, scope: &Scope) {
    scope_filter(sql, "c.region_code", scope);
    if let Some(d) = &scope.department {
        if d != m::JUSTICE_BUREAU {
            sql.push(" AND c.units LIKE ").bind_text(format!("%|{d}|%"));
        }
    }
}

/// Bodies that serve the scope's area: inside it or above it (a grid worker's village and town
/// committees and the district centre serve their grid too). Committees, rooms and mediators are
/// public bodies, not governed objects: this narrows lists to what concerns the reader.
fn serving(sql: &mut Sql, column: &str, scope: &Scope) {
    sql.push(" AND (");
    crate::sql::scope_condition(sql, column, scope);
    for prefix in scope.prefixes() {
        sql.push(" OR ").bind_text(prefix.to_string());
        sql.push(" LIKE ").push(column).push(" || '%'");
    }
    sql.push(")");
}

pub(super) async fn insert_committee(
    conn: &mut AnyConnection,
    backend: Backend,
    c: &NewCommittee,
    now: i64,
) -> Result<(i64, Vec<i64>, Vec<i64>)> {
    let id = next_id(conn, "mediation_committees").await?;
    insert_rows(
        conn,
        "mediation_committees",
        &[
            "id",
            "name",
            "kind",
            "trade",
            "region_code",
            "unit_id",
            "created_at",
        ],
        vec![vec![
            Arg::Int(id),
            Arg::Text(c.name.clone()),
            Arg::Text(c.kind.as_str().into()),
            c.trade.clone().into(),
            Arg::Text(c.region_code.to_string()),
            c.unit_id.clone().into(),
            Arg::Int(now),
        ]],
    )
    .await?;
    let mut rooms = Vec::new();
    for r in &c.rooms {
        let room = next_id(conn, "mediation_rooms").await?;
        let stars = r.stars.iter().max_by_key(|s| s.year).map_or(0, |s| s.stars);
        insert_rows(
            conn,
            "mediation_rooms",
            &[
                "id",
                "committee_id",
                "name",
                "region_code",
                "stars",
                "created_at",
            ],
            vec![vec![
                Arg::Int(room),
                Arg::Int(id),
                Arg::Text(r.name.clone()),
                Arg::Text(r.region_code.to_string()),
                Arg::Int(stars),
                Arg::Int(now),
            ]],
        )
        .await?;
        insert_stars(conn, room, &r.stars).await?;
        rooms.push(room);
    }
    let mut mediators = Vec::new();
    for md in &c.mediators {
        mediators.push(insert_mediator(conn, id, md, now).await?);
    }
    sync_sequence(conn, backend, "mediation_committees").await?;
    sync_sequence(conn, backend, "mediation_rooms").await?;
    sync_sequence(conn, backend, "mediators").await?;
    Ok((id, rooms, mediators))
}

async fn insert_stars(conn: &mut AnyConnection, room: i64, stars: &[StarRecord]) -> Result<()> {
    let rows = stars
        .iter()
        .map(|s| {
            vec![
                Arg::Int(room),
                Arg::Int(s.year),
                Arg::Int(s.stars),
                s.score.into(),
                Arg::Text(s.basis.clone()),
                Arg::Text(s.decided_by.clone()),
                Arg::Int(s.decided_at),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "mediation_room_stars",
        &[
            "room_id",
            "year",
            "stars",
            "score",
            "basis",
            "decided_by",
            "decided_at",
        ],
        rows,
    )
    .await
}

async fn insert_mediator(
    conn: &mut AnyConnection,
    committee: i64,
    md: &NewMediator,
    now: i64,
) -> Result<i64> {
    let id = next_id(conn, "mediators").await?;
    // A mediator who signs in is named as their account is.
    let mut name = md.name.clone();
    if let Some(u) = &md.username {
        let known: Option<String> =
            sqlx::query_scalar("SELECT display_name FROM users WHERE username = $1")
                .bind(u.clone())
                .fetch_optional(&mut *conn)
                .await?;
        if let Some(n) = known.filter(|n| !n.trim().is_empty()) {
            name = n;
        }
    }
    insert_rows(
        conn,
        "mediators",
        &[
            "id",
            "committee_id",
            "name",
            "grade",
            "specialities",
            "region_code",
            "full_time",
            "username",
            "phone_sealed",
            "phone_masked",
            "created_at",
        ],
        vec![vec![
            Arg::Int(id),
            Arg::Int(committee),
            Arg::Text(name),
            Arg::Text(md.grade.as_str().into()),
            Arg::Text(bars(&md.specialities)),
            Arg::Text(md.region_code.to_string()),
            Arg::Int(md.full_time as i64),
            md.username.clone().into(),
            md.phone_sealed.clone().into(),
            md.phone_masked.clone().into(),
            Arg::Int(now),
        ]],
    )
    .await?;
    Ok(id)
}

pub(crate) async fn add_committees(
    store: &SqlStore,
    actor: &Actor,
    committees: &[NewCommittee],
    now: i64,
) -> Result<Vec<i64>> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let mut ids = Vec::new();
    let mut actions = Vec::new();
    for c in committees {
        let (id, rooms, mediators) = insert_committee(&mut tx, store.backend, c, now).await?;
        actions.push(
            actor
                .action(
                    now,
                    "mediation.committee.add",
                    &format!("mediation_committee:{id}"),
                )
                .opinion(format!(
                    "{} ({} rooms, {} mediators)",
                    c.name,
                    rooms.len(),
                    mediators.len()
                )),
        );
        ids.push(id);
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(ids)
}

pub(crate) async fn add_mediators(
    store: &SqlStore,
    actor: &Actor,
    mediators: &[(i64, NewMediator)],
    now: i64,
) -> Result<Vec<i64>> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let mut ids = Vec::with_capacity(mediators.len());
    let mut actions = Vec::with_capacity(mediators.len());
    for (committee, md) in mediators {
        let id = insert_mediator(&mut tx, *committee, md, now).await?;
        actions.push(
            actor
                .action(now, "mediation.mediator.add", &format!("mediator:{id}"))
                .opinion(format!("{} (committee {committee})", md.name)),
        );
        ids.push(id);
    }
    sync_sequence(&mut tx, store.backend, "mediators").await?;
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(ids)
}

pub(super) const OPEN: &str = "('registered', 'mediating', 'agreed', 'performed')";

pub(crate) async fn committees(store: &SqlStore, scope: &Scope) -> Result<Vec<CommitteeRecord>> {
    let mut q = Sql::new(&format!(
        "SELECT mc.id, mc.name, mc.kind, mc.trade, mc.region_code, mc.unit_id, \
         (SELECT COUNT(*) FROM mediation_rooms r WHERE r.committee_id = mc.id) AS rooms, \
         (SELECT COUNT(*) FROM mediators md WHERE md.committee_id = mc.id AND md.active = 1) AS mediators, \
         (SELECT COUNT(*) FROM mediation_cases c WHERE c.committee_id = mc.id AND c.status IN {OPEN}) AS open_cases \
         FROM mediation_committees mc WHERE 1 = 1"
    ));
    serving(&mut q, "mc.region_code", scope);
    q.push(" ORDER BY mc.region_code, mc.id");
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(CommitteeRecord {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: word(r, "kind", CommitteeKind::from_code)?,
                trade: r.try_get("trade")?,
                region_code: region(r, "region_code")?,
                unit_id: r.try_get("unit_id")?,
                rooms: r.try_get("rooms")?,
                mediators: r.try_get("mediators")?,
                open_cases: r.try_get("open_cases")?,
            })
        })
        .collect()
}

pub(crate) async fn rooms(
    store: &SqlStore,
    scope: &Scope,
    committee: Option<i64>,
) -> Result<Vec<RoomRecord>> {
    let mut q = Sql::new(
        "SELECT r.id, r.committee_id, mc.name AS committee_name, r.name, r.region_code, r.stars \
         FROM mediation_rooms r JOIN mediation_committees mc ON mc.id = r.committee_id WHERE 1 = 1",
    );
    serving(&mut q, "r.region_code", scope);
    if let Some(c) = committee {
        q.push(" AND r.committee_id = ").bind(Arg::Int(c));
    }
    q.push(" ORDER BY r.region_code, r.id");
    let rows = q.query().fetch_all(&store.pool).await?;
    let mut rooms: Vec<RoomRecord> = rows
        .iter()
        .map(|r| {
            Ok(RoomRecord {
                id: r.try_get("id")?,
                committee_id: r.try_get("committee_id")?,
                committee_name: r.try_get("committee_name")?,
                name: r.try_get("name")?,
                region_code: region(r, "region_code")?,
                stars: r.try_get("stars")?,
                history: Vec::new(),
            })
        })
        .collect::<Result<_>>()?;
    let mut q = Sql::new(
        "SELECT s.room_id, s.year, s.stars, s.score, s.basis, s.decided_by, s.decided_at \
         FROM mediation_room_stars s JOIN mediation_rooms r ON r.id = s.room_id WHERE 1 = 1",
    );
    serving(&mut q, "r.region_code", scope);
    if let Some(c) = committee {
        q.push(" AND r.committee_id = ").bind(Arg::Int(c));
    }
    q.push(" ORDER BY s.room_id, s.year");
    let mut by_room: std::collections::HashMap<i64, Vec<StarRecord>> = Default::default();
    for r in q.query().fetch_all(&store.pool).await? {
        by_room
            .entry(r.try_get("room_id")?)
            .or_default()
            .push(StarRecord {
                year: r.try_get("year")?,
                stars: r.try_get("stars")?,
                score: r.try_get("score")?,
                basis: r.try_get("basis")?,
                decided_by: r.try_get("decided_by")?,
                decided_at: r.try_get("decided_at")?,
            });
    }
    for room in &mut rooms {
        room.history = by_room.remove(&room.id).unwrap_or_default();
    }
    Ok(rooms)
}

pub(crate) async fn mediators(
    store: &SqlStore,
    scope: &Scope,
    committee: Option<i64>,
    active_only: bool,
) -> Result<Vec<MediatorRecord>> {
    let mut q = Sql::new(&format!(
        "SELECT md.id, md.committee_id, mc.name AS committee_name, md.name, md.grade, md.specialities, \
         md.region_code, md.full_time, md.username, md.phone_sealed, md.phone_masked, md.active, \
         (SELECT COUNT(*) FROM mediation_case_mediators cm JOIN mediation_cases c ON c.id = cm.case_id \
          WHERE cm.mediator_id = md.id AND c.status IN {OPEN}) AS open_cases \
         FROM mediators md JOIN mediation_committees mc ON mc.id = md.committee_id WHERE 1 = 1"
    ));
    serving(&mut q, "md.region_code", scope);
    if let Some(c) = committee {
        q.push(" AND md.committee_id = ").bind(Arg::Int(c));
    }
    if active_only {
        q.push(" AND md.active = 1");
    }
    q.push(" ORDER BY md.committee_id, md.id");
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            let specialities: String = r.try_get("specialities")?;
            Ok(MediatorRecord {
                id: r.try_get("id")?,
                committee_id: r.try_get("committee_id")?,
                committee_name: r.try_get("committee_name")?,
                mediator: NewMediator {
                    name: r.try_get("name")?,
                    grade: word(r, "grade", Grade::from_code)?,
                    specialities: unbar(&specialities),
                    region_code: region(r, "region_code")?,
                    full_time: r.try_get::<i64, _>("full_time")? != 0,
                    username: r.try_get("username")?,
                    phone_sealed: r.try_get("phone_sealed")?,
                    phone_masked: r.try_get("phone_masked")?,
                },
                active: r.try_get::<i64, _>("active")? != 0,
                open_cases: r.try_get("open_cases")?,
            })
        })
        .collect()
}
