//! People, houses, key roles and visits. Every write appends its action in the same
//! transaction; actions name people by id, never by identity number.

use crate::sql::{append_actions, insert_rows, scope_filter, Arg, Sql};
use crate::{
    DueVisit, HouseRecord, KeyRoleRecord, NewHouse, NewPerson, NewVisit, PeopleFilter,
    PersonRecord, Result, SqlStore, StoreError, VisitRecord,
};
use sqlx::any::AnyRow;
use sqlx::Row;
use zhili_domain::calendar::DAY_MS;
use zhili_domain::chain::Actor;
use zhili_domain::person::KeyGroup;
use zhili_domain::{DomainError, RegionCode, Scope};

fn code(raw: &str) -> Result<RegionCode> {
    RegionCode::parse(raw).map_err(|_| crate::sql::corrupt("grid code", raw))
}

const HOUSE_COLUMNS: &str =
    "h.id, h.code, h.address, h.grid_code, h.lon, h.lat, h.usage, h.rented, h.hazards, \
     (SELECT COUNT(*) FROM people o WHERE o.house_id = h.id) AS occupants";

fn house_from_row(r: &AnyRow) -> Result<HouseRecord> {
    let grid: String = r.try_get("grid_code")?;
    Ok(HouseRecord {
        id: r.try_get("id")?,
        house: NewHouse {
            code: r.try_get("code")?,
            address: r.try_get("address")?,
            grid_code: code(&grid)?,
            lon: r.try_get("lon")?,
            lat: r.try_get("lat")?,
            usage: r.try_get("usage")?,
            rented: r.try_get::<i64, _>("rented")? != 0,
            hazards: r.try_get("hazards")?,
        },
        occupants: r.try_get("occupants")?,
    })
}

/// Houses in one transaction, all or none: a code registered already refuses the batch.
pub(crate) async fn create_houses(
    store: &SqlStore,
    actor: &Actor,
    houses: &[NewHouse],
    now: i64,
) -> Result<Vec<i64>> {
    let mut tx = store.write_tx().await?;
    let codes: Vec<String> = houses.iter().map(|h| h.code.clone()).collect();
    if let Some(code) = taken_in(&mut tx, crate::CodeKind::House, &codes)
        .await?
        .first()
    {
        return Err(StoreError::Domain(
            DomainError::new(
                zhili_domain::ErrorCode::Conflict,
                format!("house {code} is registered already"),
            )
            .with_field("code"),
        ));
    }
    let mut ids = Vec::with_capacity(houses.len());
    let mut actions = Vec::with_capacity(houses.len());
    for h in houses {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO houses (code, address, grid_code, lon, lat, usage, rented, hazards, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(h.code.clone())
        .bind(h.address.clone())
        .bind(h.grid_code.to_string())
        .bind(h.lon)
        .bind(h.lat)
        .bind(h.usage.clone())
        .bind(i64::from(h.rented))
        .bind(h.hazards.clone())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        actions.push(
            actor
                .action(now, "house.create", &format!("house:{id}"))
                .opinion(h.code.clone()),
        );
        ids.push(id);
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(ids)
}

/// Which of `codes` are taken already, of houses, organisations (credit codes) or things.
pub(crate) async fn taken_in(
    conn: &mut sqlx::AnyConnection,
    kind: crate::CodeKind,
    codes: &[String],
) -> Result<Vec<String>> {
    let (table, column) = match kind {
        crate::CodeKind::House => ("houses", "code"),
        crate::CodeKind::OrgCredit => ("orgs", "credit_code"),
        crate::CodeKind::Thing => ("things", "code"),
        crate::CodeKind::Committee => ("mediation_committees", "name"),
        crate::CodeKind::Mediator => ("mediators", "(CAST(committee_id AS TEXT) || '|' || name)"),
    };
    let mut taken = Vec::new();
    for chunk in codes.chunks(500) {
        let mut sql = Sql::new(&format!(
            "SELECT {column} AS code FROM {table} WHERE {column} IN "
        ));
        sql.bind_list(chunk.iter().map(|c| Arg::Text(c.clone())));
        for row in sql.query().fetch_all(&mut *conn).await? {
            taken.push(row.try_get("code")?);
        }
    }
    Ok(taken)
}

pub(crate) async fn list_houses(
    store: &SqlStore,
    scope: &Scope,
    f: &crate::HouseFilter,
) -> Result<(i64, Vec<HouseRecord>)> {
    let mut filter = Sql::new("");
    scope_filter(&mut filter, "h.grid_code", scope);
    if let Some(r) = &f.region {
        filter
            .push(" AND h.grid_code LIKE ")
            .bind_text(format!("{r}%"));
    }
    if let Some(text) = &f.text {
        crate::sql::contains_any(&mut filter, &["h.address", "h.code"], text);
    }
    let count = Sql::with_filter("SELECT COUNT(*) AS n FROM houses h WHERE 1 = 1", &filter);
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut sql = Sql::with_filter(
        &format!("SELECT {HOUSE_COLUMNS} FROM houses h WHERE 1 = 1"),
        &filter,
    );
    sql.push(" ORDER BY h.code LIMIT ").bind(Arg::Int(f.limit));
    sql.push(" OFFSET ").bind(Arg::Int(f.offset));
    let rows = sql.query().fetch_all(&store.pool).await?;
    let houses = rows.iter().map(house_from_row).collect::<Result<_>>()?;
    Ok((total, houses))
}

pub(crate) async fn get_house(
    store: &SqlStore,
    scope: &Scope,
    id: i64,
) -> Result<Option<HouseRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {HOUSE_COLUMNS} FROM houses h WHERE h.id = "
    ));
    sql.bind(Arg::Int(id));
    scope_filter(&mut sql, "h.grid_code", scope);
    let row = sql.query().fetch_optional(&store.pool).await?;
    row.as_ref().map(house_from_row).transpose()
}

pub(crate) async fn registered_blinds(
    store: &SqlStore,
    scope: &Scope,
    id_type: &str,
    blinds: &[String],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in blinds.chunks(500) {
        let mut sql = Sql::new("SELECT p.id_blind FROM people p WHERE p.id_type = ");
        sql.bind_text(id_type).push(" AND p.id_blind IN ");
        sql.bind_list(chunk.iter().map(|b| Arg::Text(b.clone())));
        scope_filter(&mut sql, "p.grid_code", scope);
        for r in sql.query().fetch_all(&store.pool).await? {
            out.push(r.try_get("id_blind")?);
        }
    }
    Ok(out)
}

/// Which of these blind indexes are registered, read on the caller's connection (inside a
/// write transaction, or not).
async fn registered_in(
    conn: &mut sqlx::AnyConnection,
    id_type: &str,
    blinds: &[String],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in blinds.chunks(500) {
        let mut sql = Sql::new("SELECT id_blind FROM people WHERE id_type = ");
        sql.bind_text(id_type).push(" AND id_blind IN ");
        sql.bind_list(chunk.iter().map(|b| Arg::Text(b.clone())));
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(r.try_get("id_blind")?);
        }
    }
    Ok(out)
}

pub(crate) async fn create_people(
    store: &SqlStore,
    actor: &Actor,
    people: &[NewPerson],
    now: i64,
) -> Result<Vec<i64>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = store.write_tx().await?;
    // The chain head's lock first: ids come from MAX(id), and every writer of people
    // appends to the chain, so this serialises them on PostgreSQL too.
    crate::ids::lock_chain_head(&mut tx).await?;
    let mut seen = std::collections::HashMap::new();
    for (i, p) in people.iter().enumerate() {
        if let Some(first) = seen.insert((p.id_type.as_str(), p.id_blind.as_str()), i) {
            return Err(StoreError::conflict(format!(
                "people[{i}] has the same document as people[{first}]"
            )));
        }
    }
    let mut by_type: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for p in people {
        let blinds = by_type.entry(&p.id_type).or_default();
        blinds.push(p.id_blind.clone());
        blinds.extend(p.id_blinds_older.iter().cloned());
    }
    for (id_type, blinds) in by_type {
        // Which one is not told: the caller's own area was checked before (and answered
        // by row); what is left here is registered in an area the caller does not see.
        if !registered_in(&mut tx, id_type, &blinds).await?.is_empty() {
            return Err(StoreError::Domain(
                DomainError::new(
                    zhili_domain::ErrorCode::Conflict,
                    "registered already (here or in another area; the district centre can move a registration); nothing was written",
                )
                .zh("已登记（在本辖区或其他辖区，跨辖区迁移请联系区综治中心）；未写入任何数据")
                .with_field("id_number"),
            ));
        }
    }
    let first: i64 = crate::ids::next_id(&mut tx, "people").await?;
    let ids: Vec<i64> = (first..first + people.len() as i64).collect();
    let rows = people
        .iter()
        .zip(&ids)
        .map(|(p, id)| person_row(*id, p, p.house_id, now))
        .collect();
    insert_rows(&mut tx, "people", &PEOPLE_COLUMNS, rows).await?;
    crate::ids::sync_sequence(&mut tx, store.backend, "people").await?;
    let actions = ids
        .iter()
        .zip(people)
        .map(|(id, p)| {
            actor
                .action(now, "person.create", &format!("person:{id}"))
                .opinion(format!("{} {}", p.grid_code, p.population_type))
        })
        .collect();
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(ids)
}

const PEOPLE_COLUMNS: [&str; 15] = [
    "id",
    "id_type",
    "id_blind",
    "id_sealed",
    "id_masked",
    "name",
    "sex",
    "birth_date",
    "phone_sealed",
    "phone_masked",
    "population_type",
    "house_id",
    "grid_code",
    "details",
    "created_at",
];

/// One person's row, in `PEOPLE_COLUMNS` order.
fn person_row(id: i64, p: &NewPerson, house_id: Option<i64>, now: i64) -> Vec<Arg> {
    vec![
        Arg::Int(id),
        Arg::Text(p.id_type.clone()),
        Arg::Text(p.id_blind.clone()),
        Arg::Text(p.id_sealed.clone()),
        Arg::Text(p.id_masked.clone()),
        Arg::Text(p.name.clone()),
        p.sex.clone().into(),
        p.birth_date.clone().into(),
        p.phone_sealed.clone().into(),
        p.phone_masked.clone().into(),
        Arg::Text(p.population_type.clone()),
        house_id.map_or(Arg::NullInt, Arg::Int),
        Arg::Text(p.grid_code.to_string()),
        Arg::Text(p.details.clone()),
        Arg::Int(now),
    ]
}

const PERSON_COLUMNS: &str = "p.id, p.id_type, p.id_blind, p.id_sealed, p.id_masked, p.name, p.sex, p.birth_date, \
     p.phone_sealed, p.phone_masked, p.population_type, p.house_id, p.grid_code, p.details, p.created_at, \
     (SELECT h.address FROM houses h WHERE h.id = p.house_id) AS house_address";

fn person_from_row(r: &AnyRow) -> Result<PersonRecord> {
    let grid: String = r.try_get("grid_code")?;
    Ok(PersonRecord {
        id: r.try_get("id")?,
        person: NewPerson {
            id_type: r.try_get("id_type")?,
            id_blind: r.try_get("id_blind")?,
            id_blinds_older: Vec::new(),
            id_sealed: r.try_get("id_sealed")?,
            id_masked: r.try_get("id_masked")?,
            name: r.try_get("name")?,
            sex: r.try_get("sex")?,
            birth_date: r.try_get("birth_date")?,
            phone_sealed: r.try_get("phone_sealed")?,
            phone_masked: r.try_get("phone_masked")?,
            population_type: r.try_get("population_type")?,
            house_id: r.try_get("house_id")?,
            grid_code: code(&grid)?,
            details: r.try_get("details")?,
        },
        house_address: r.try_get("house_address")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) async fn list_people(
    store: &SqlStore,
    scope: &Scope,
    f: &PeopleFilter,
) -> Result<(i64, Vec<PersonRecord>)> {
    let mut filter = Sql::new("");
    scope_filter(&mut filter, "p.grid_code", scope);
    if let Some(r) = &f.region {
        crate::sql::digit_prefix(&mut filter, "p.grid_code", r.as_str());
    }
    if !f.id_blinds.is_empty() {
        filter
            .push(" AND p.id_blind IN ")
            .bind_list(f.id_blinds.iter().cloned().map(Arg::Text));
    }
    if let Some(t) = &f.population_type {
        filter
            .push(" AND p.population_type = ")
            .bind_text(t.clone());
    }
    if let Some(k) = &f.key_group {
        filter
            .push(" AND EXISTS (SELECT 1 FROM key_roles k WHERE k.person_id = p.id AND k.kind = ")
            .bind_text(k.clone());
        filter.push(")");
    }
    if let Some(text) = &f.text {
        let pattern = crate::events::like_pattern(text);
        filter.push(" AND (p.name LIKE ").bind_text(pattern.clone());
        filter
            .push(" ESCAPE '\\' OR EXISTS (SELECT 1 FROM houses h WHERE h.id = p.house_id AND h.address LIKE ")
            .bind_text(pattern);
        filter.push(" ESCAPE '\\'))");
    }
    let count = Sql::with_filter("SELECT COUNT(*) AS n FROM people p WHERE 1 = 1", &filter);
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut page = Sql::with_filter(
        &format!("SELECT {PERSON_COLUMNS} FROM people p WHERE 1 = 1"),
        &filter,
    );
    page.push(" ORDER BY p.id DESC LIMIT ")
        .bind(Arg::Int(f.limit));
    page.push(" OFFSET ").bind(Arg::Int(f.offset));
    let rows = page.query().fetch_all(&store.pool).await?;
    let people = rows.iter().map(person_from_row).collect::<Result<_>>()?;
    Ok((total, people))
}

pub(crate) async fn get_person(
    store: &SqlStore,
    scope: &Scope,
    id: i64,
) -> Result<Option<PersonRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {PERSON_COLUMNS} FROM people p WHERE p.id = "
    ));
    sql.bind(Arg::Int(id));
    scope_filter(&mut sql, "p.grid_code", scope);
    let row = sql.query().fetch_optional(&store.pool).await?;
    row.as_ref().map(person_from_row).transpose()
}

pub(crate) async fn add_key_role(
    store: &SqlStore,
    actor: &Actor,
    k: &KeyRoleRecord,
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT person_id FROM key_roles WHERE person_id = $1 AND kind = $2")
            .bind(k.person_id)
            .bind(k.kind.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_some() {
        return Err(StoreError::conflict(format!(
            "person {} is in {} already",
            k.person_id, k.kind
        )));
    }
    sqlx::query(
        "INSERT INTO key_roles (person_id, kind, risk_level, visit_every_days, details, since, last_visit_at, next_visit_due, grid_code) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(k.person_id)
    .bind(k.kind.as_str())
    .bind(k.risk_level)
    .bind(k.visit_every_days)
    .bind(k.details.clone())
    .bind(k.since)
    .bind(k.last_visit_at)
    .bind(k.next_visit_due)
    .bind(k.grid_code.clone())
    .execute(&mut *tx)
    .await?;
    append_actions(
        &mut tx,
        vec![actor
            .action(now, "person.key_role", &format!("person:{}", k.person_id))
            .opinion(k.kind.as_str())],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

const ROLE_COLUMNS: &str = "k.person_id, k.kind, k.risk_level, k.visit_every_days, k.details, k.since, k.last_visit_at, k.next_visit_due, k.grid_code";

fn role_from_row(r: &AnyRow) -> Result<KeyRoleRecord> {
    Ok(KeyRoleRecord {
        person_id: r.try_get("person_id")?,
        kind: crate::sql::word(r, "kind", KeyGroup::parse)?,
        risk_level: r.try_get("risk_level")?,
        visit_every_days: r.try_get("visit_every_days")?,
        details: r.try_get("details")?,
        since: r.try_get("since")?,
        last_visit_at: r.try_get("last_visit_at")?,
        next_visit_due: r.try_get("next_visit_due")?,
        grid_code: r.try_get("grid_code")?,
    })
}

pub(crate) async fn key_roles(
    store: &SqlStore,
    scope: &Scope,
    person_id: i64,
) -> Result<Vec<KeyRoleRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {ROLE_COLUMNS} FROM key_roles k WHERE k.person_id = "
    ));
    sql.bind(Arg::Int(person_id));
    scope_filter(&mut sql, "k.grid_code", scope);
    sql.push(" ORDER BY k.kind");
    let rows = sql.query().fetch_all(&store.pool).await?;
    rows.iter().map(role_from_row).collect()
}

pub(crate) async fn key_groups_of(
    store: &SqlStore,
    person_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<String>>> {
    let mut out: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for chunk in person_ids.chunks(500) {
        let mut sql = Sql::new("SELECT person_id, kind FROM key_roles WHERE person_id IN ");
        sql.bind_list(chunk.iter().map(|id| Arg::Int(*id)))
            .push(" ORDER BY person_id, kind");
        for r in sql.query().fetch_all(&store.pool).await? {
            out.entry(r.try_get("person_id")?)
                .or_default()
                .push(r.try_get("kind")?);
        }
    }
    Ok(out)
}

pub(crate) async fn record_visit(
    store: &SqlStore,
    actor: &Actor,
    v: &NewVisit,
    now: i64,
) -> Result<VisitRecord> {
    let mut tx = store.write_tx().await?;
    let role = sqlx::query(&format!(
        "SELECT {ROLE_COLUMNS} FROM key_roles k WHERE k.person_id = $1 AND k.kind = $2"
    ))
    .bind(v.person_id)
    .bind(v.kind.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(role) = role.as_ref().map(role_from_row).transpose()? else {
        return Err(StoreError::Domain(DomainError::invalid(
            "kind",
            format!("person {} is not in {}", v.person_id, v.kind),
        )));
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO visits (person_id, kind, at, place, findings, attachments, visitor, grid_code) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(v.person_id)
    .bind(v.kind.as_str())
    .bind(v.at)
    .bind(v.place.clone())
    .bind(v.findings.clone())
    .bind(v.attachments.clone())
    .bind(actor.username.clone())
    .bind(role.grid_code.clone())
    .fetch_one(&mut *tx)
    .await?;
    // A visit recorded late for an earlier day never moves the schedule back.
    let last = role.last_visit_at.map_or(v.at, |l| l.max(v.at));
    sqlx::query(
        "UPDATE key_roles SET last_visit_at = $1, next_visit_due = $2 WHERE person_id = $3 AND kind = $4",
    )
    .bind(last)
    .bind(last + role.visit_every_days * DAY_MS)
    .bind(v.person_id)
    .bind(v.kind.as_str())
    .execute(&mut *tx)
    .await?;
    append_actions(
        &mut tx,
        vec![actor
            .action(now, "person.visit", &format!("person:{}", v.person_id))
            .opinion(v.kind.as_str())
            .attachments(v.attachments.clone())],
    )
    .await?;
    tx.commit().await?;
    Ok(VisitRecord {
        id,
        visit: v.clone(),
        visitor: actor.username.clone(),
        grid_code: role.grid_code,
    })
}

pub(crate) async fn visits(
    store: &SqlStore,
    scope: &Scope,
    person_id: i64,
    limit: i64,
) -> Result<Vec<VisitRecord>> {
    let mut sql = Sql::new(
        "SELECT id, person_id, kind, at, place, findings, attachments, visitor, grid_code FROM visits \
         WHERE person_id = ",
    );
    sql.bind(Arg::Int(person_id));
    scope_filter(&mut sql, "grid_code", scope);
    sql.push(" ORDER BY at DESC LIMIT ").bind(Arg::Int(limit));
    let rows = sql.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(VisitRecord {
                id: r.try_get("id")?,
                visit: NewVisit {
                    person_id: r.try_get("person_id")?,
                    kind: crate::sql::word(r, "kind", KeyGroup::parse)?,
                    at: r.try_get("at")?,
                    place: r.try_get("place")?,
                    findings: r.try_get("findings")?,
                    attachments: r.try_get("attachments")?,
                },
                visitor: r.try_get("visitor")?,
                grid_code: r.try_get("grid_code")?,
            })
        })
        .collect()
}

pub(crate) async fn due_visits(
    store: &SqlStore,
    scope: &Scope,
    region: Option<&RegionCode>,
    now: i64,
    limit: i64,
) -> Result<(i64, Vec<DueVisit>)> {
    let mut filter = Sql::new(" AND k.next_visit_due < ");
    filter.bind(Arg::Int(now));
    scope_filter(&mut filter, "k.grid_code", scope);
    if let Some(r) = region {
        filter
            .push(" AND k.grid_code LIKE ")
            .bind_text(format!("{r}%"));
    }
    let count = Sql::with_filter("SELECT COUNT(*) AS n FROM key_roles k WHERE 1 = 1", &filter);
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut page = Sql::with_filter(
        &format!(
            "SELECT {ROLE_COLUMNS}, p.name, p.id_masked FROM key_roles k JOIN people p ON p.id = k.person_id WHERE 1 = 1"
        ),
        &filter,
    );
    page.push(" ORDER BY k.next_visit_due LIMIT ")
        .bind(Arg::Int(limit));
    let rows = page.query().fetch_all(&store.pool).await?;
    let due = rows
        .iter()
        .map(|r| {
            Ok(DueVisit {
                role: role_from_row(r)?,
                name: r.try_get("name")?,
                id_masked: r.try_get("id_masked")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok((total, due))
}

pub(crate) async fn load_population(
    store: &SqlStore,
    actor: &Actor,
    load: &crate::PopulationLoad,
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    crate::ids::lock_chain_head(&mut tx).await?;
    let first_house: i64 = crate::ids::next_id(&mut tx, "houses").await?;
    let first_person: i64 = crate::ids::next_id(&mut tx, "people").await?;
    let first_visit: i64 = crate::ids::next_id(&mut tx, "visits").await?;
    let mut actions = Vec::new();
    let houses = load
        .houses
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let id = first_house + i as i64;
            actions.push(
                actor
                    .action(now, "house.create", &format!("house:{id}"))
                    .opinion(h.code.clone()),
            );
            vec![
                Arg::Int(id),
                Arg::Text(h.code.clone()),
                Arg::Text(h.address.clone()),
                Arg::Text(h.grid_code.to_string()),
                h.lon.map_or(Arg::NullInt, Arg::Float),
                h.lat.map_or(Arg::NullInt, Arg::Float),
                Arg::Text(h.usage.clone()),
                Arg::Int(i64::from(h.rented)),
                Arg::Text(h.hazards.clone()),
                Arg::Int(now),
            ]
        })
        .collect();
    insert_rows(&mut tx, "houses", &HOUSE_INSERT_COLUMNS, houses).await?;
    let people = load
        .people
        .iter()
        .enumerate()
        .map(|(i, (p, house))| {
            let id = first_person + i as i64;
            actions.push(
                actor
                    .action(now, "person.create", &format!("person:{id}"))
                    .opinion(format!("{} {}", p.grid_code, p.population_type)),
            );
            person_row(id, p, house.map(|h| first_house + h as i64), now)
        })
        .collect();
    insert_rows(&mut tx, "people", &PEOPLE_COLUMNS, people).await?;
    let roles = load
        .roles
        .iter()
        .map(|k| {
            let person = first_person + k.person_id;
            actions.push(
                actor
                    .action(now, "person.key_role", &format!("person:{person}"))
                    .opinion(k.kind.as_str()),
            );
            vec![
                Arg::Int(person),
                Arg::Text(k.kind.as_str().into()),
                k.risk_level.map_or(Arg::NullInt, Arg::Int),
                Arg::Int(k.visit_every_days),
                Arg::Text(k.details.clone()),
                Arg::Int(k.since),
                k.last_visit_at.map_or(Arg::NullInt, Arg::Int),
                Arg::Int(k.next_visit_due),
                Arg::Text(k.grid_code.clone()),
            ]
        })
        .collect();
    insert_rows(&mut tx, "key_roles", &KEY_ROLE_INSERT_COLUMNS, roles).await?;
    let visits = load
        .visits
        .iter()
        .enumerate()
        .map(|(i, (v, visitor))| {
            let person = first_person + v.person_id;
            let grid = load
                .people
                .get(v.person_id as usize)
                .map(|(p, _)| p.grid_code.to_string())
                .unwrap_or_default();
            actions.push(
                Actor {
                    username: visitor.clone(),
                    unit: None,
                }
                .action(v.at, "person.visit", &format!("person:{person}"))
                .opinion(v.kind.as_str()),
            );
            vec![
                Arg::Int(first_visit + i as i64),
                Arg::Int(person),
                Arg::Text(v.kind.as_str().into()),
                Arg::Int(v.at),
                Arg::Text(v.place.clone()),
                Arg::Text(v.findings.clone()),
                Arg::Text(v.attachments.clone()),
                Arg::Text(visitor.clone()),
                Arg::Text(grid),
            ]
        })
        .collect();
    insert_rows(&mut tx, "visits", &VISIT_INSERT_COLUMNS, visits).await?;
    for table in ["houses", "people", "visits"] {
        crate::ids::sync_sequence(&mut tx, store.backend, table).await?;
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(())
}

/// The columns the bulk load writes, in its rows' order.
const HOUSE_INSERT_COLUMNS: [&str; 10] = [
    "id",
    "code",
    "address",
    "grid_code",
    "lon",
    "lat",
    "usage",
    "rented",
    "hazards",
    "created_at",
];

const KEY_ROLE_INSERT_COLUMNS: [&str; 9] = [
    "person_id",
    "kind",
    "risk_level",
    "visit_every_days",
    "details",
    "since",
    "last_visit_at",
    "next_visit_due",
    "grid_code",
];

const VISIT_INSERT_COLUMNS: [&str; 9] = [
    "id",
    "person_id",
    "kind",
    "at",
    "place",
    "findings",
    "attachments",
    "visitor",
    "grid_code",
];
