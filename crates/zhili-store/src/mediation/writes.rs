//! Writing cases: opening, changing at the version read, documents, the demo's load.

use super::{bars, insert_committee, unbar};
use crate::ids::{lock_chain_head, next_id, sync_sequence};
use crate::sql::{append_actions, insert_rows, Arg, Sql};
use crate::*;
use sqlx::AnyConnection;
use zhili_domain::chain::{Actor, NewAction};
use zhili_domain::mediation::{self as m, PartyKind};

/// The case number: the year it was registered (Beijing time) and its id.
fn case_number(id: i64, at: i64) -> String {
    let (year, _, _) = zhili_domain::time::civil_from_days(zhili_domain::calendar::china_day(at));
    format!("黔调〔{year}〕{id:06}号")
}

fn case_row(id: i64, number: &str, c: &NewCase, actor: &Actor, at: i64, updated: i64) -> Vec<Arg> {
    let k = &c.case;
    let confirmation = k.confirmation.map(|x| x.parts());
    vec![
        Arg::Int(id),
        Arg::Text(number.into()),
        Arg::Int(c.committee_id),
        c.room_id.into(),
        Arg::Text(c.region_code.to_string()),
        Arg::Text(c.category.clone()),
        Arg::Text(k.origin.as_str().into()),
        Arg::Text(k.status.as_str().into()),
        Arg::Text(c.title.clone()),
        Arg::Text(c.facts.clone()),
        c.event_id.into(),
        Arg::Text(bars(&c.units)),
        Arg::Text(m::store_consents(&k.consents)),
        Arg::Int(k.sessions),
        Arg::Text(k.limits.to_text()),
        k.step_started.into(),
        k.due.into(),
        Arg::Text(m::clock_str(k.clock).into()),
        Arg::Int(k.extensions),
        k.agreement.map(|f| f.as_str().to_string()).into(),
        k.agreed_at.into(),
        confirmation.map(|x| x.0.to_string()).into(),
        confirmation.map(|x| x.1).into(),
        confirmation.and_then(|x| x.2).into(),
        k.referral.map(|r| r.as_str().to_string()).into(),
        k.closed_at.into(),
        c.terms.clone().into(),
        c.repeat_of.into(),
        Arg::Text(actor.username.clone()),
        Arg::Int(at),
        Arg::Int(updated),
        Arg::Text(case_search(number, c)),
    ]
}

fn case_search(number: &str, c: &NewCase) -> String {
    search_text(&c.title, number, c.parties.iter().map(|p| p.name.as_str()))
}

/// What a case is found by in a list: its title, its number, its parties' names.
pub(crate) fn search_text<'a>(
    title: &str,
    number: &str,
    parties: impl Iterator<Item = &'a str>,
) -> String {
    let mut s = format!("{title} {number}");
    for p in parties {
        s.push(' ');
        s.push_str(p);
    }
    s
}

/// The rows of a case's search terms (each with the case's area and registration time).
pub(crate) fn term_rows(case: i64, search: &str, region: &str, at: i64) -> Vec<Vec<Arg>> {
    zhili_domain::search::index_terms(search)
        .into_iter()
        .map(|t| {
            vec![
                Arg::Text(t),
                Arg::Int(case),
                Arg::Text(region.to_string()),
                Arg::Int(at),
            ]
        })
        .collect()
}

pub(crate) const TERM_COLUMNS: [&str; 4] = ["term", "case_id", "region_code", "registered_at"];

const CASE_INSERT_COLUMNS: [&str; 32] = [
    "id",
    "number",
    "committee_id",
    "room_id",
    "region_code",
    "category",
    "origin",
    "status",
    "title",
    "facts",
    "event_id",
    "units",
    "consents",
    "sessions",
    "limits",
    "step_started",
    "due",
    "clock",
    "extensions",
    "agreement_form",
    "agreed_at",
    "confirmation",
    "confirm_applied_at",
    "confirm_ruled_at",
    "referral",
    "closed_at",
    "terms",
    "repeat_of",
    "registered_by",
    "registered_at",
    "updated_at",
    "search",
];

fn party_rows(case: i64, parties: &[NewParty]) -> Vec<Vec<Arg>> {
    parties
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                Arg::Int(case),
                Arg::Int(i as i64),
                Arg::Text(p.name.clone()),
                Arg::Text(p.kind.unwrap_or(PartyKind::Person).as_str().into()),
                p.id_blind.clone().into(),
                p.id_sealed.clone().into(),
                p.id_masked.clone().into(),
                p.phone_sealed.clone().into(),
                p.phone_masked.clone().into(),
                p.person_id.into(),
                p.house_id.into(),
                Arg::Text(p.address.clone()),
            ]
        })
        .collect()
}

const PARTY_COLUMNS: [&str; 12] = [
    "case_id",
    "seq",
    "name",
    "kind",
    "id_blind",
    "id_sealed",
    "id_masked",
    "phone_sealed",
    "phone_masked",
    "person_id",
    "house_id",
    "address",
];

const STEP_COLUMNS: [&str; 7] = [
    "case_id",
    "step",
    "at",
    "actor",
    "from_status",
    "to_status",
    "detail",
];

fn step_row(case: i64, s: &CaseStep) -> Vec<Arg> {
    vec![
        Arg::Int(case),
        Arg::Text(s.step.clone()),
        Arg::Int(s.at),
        Arg::Text(s.actor.clone()),
        s.from_status.clone().into(),
        s.to_status.clone().into(),
        Arg::Text(s.detail.clone()),
    ]
}

fn step_action(case: i64, s: &CaseStep, unit: Option<String>) -> NewAction {
    NewAction::new(
        s.at,
        &s.actor,
        &format!("mediation.{}", s.step),
        &format!("mediation_case:{case}"),
    )
    .unit(unit)
    .states(s.from_status.as_deref(), s.to_status.as_deref())
    .opinion(s.detail.clone())
}

pub(crate) async fn open_case(
    store: &SqlStore,
    actor: &Actor,
    c: &NewCase,
    step: &CaseStep,
    now: i64,
) -> Result<(i64, String)> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let id = next_id(&mut tx, "mediation_cases").await?;
    let number = case_number(id, now);
    write_case(
        &mut tx,
        id,
        &number,
        c,
        actor,
        now,
        std::slice::from_ref(step),
    )
    .await?;
    sync_sequence(&mut tx, store.backend, "mediation_cases").await?;
    let mut actions = vec![step_action(id, step, actor.unit.clone())];
    // The event it came from says where it went, in its own timeline.
    if let Some(event) = c.event_id {
        actions.push(
            actor
                .action(step.at, "mediation_opened", &format!("event:{event}"))
                .opinion(format!("{number} {}", c.committee_name)),
        );
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok((id, number))
}

async fn write_case(
    conn: &mut AnyConnection,
    id: i64,
    number: &str,
    c: &NewCase,
    actor: &Actor,
    at: i64,
    steps: &[CaseStep],
) -> Result<()> {
    let row = case_row(id, number, c, actor, at, at);
    insert_rows(conn, "mediation_cases", &CASE_INSERT_COLUMNS, vec![row]).await?;
    let terms = term_rows(id, &case_search(number, c), c.region_code.as_str(), at);
    insert_rows(conn, "mediation_case_terms", &TERM_COLUMNS, terms).await?;
    insert_rows(
        conn,
        "mediation_parties",
        &PARTY_COLUMNS,
        party_rows(id, &c.parties),
    )
    .await?;
    insert_rows(
        conn,
        "mediation_case_mediators",
        &["case_id", "mediator_id"],
        c.mediator_ids
            .iter()
            .map(|m| vec![Arg::Int(id), Arg::Int(*m)])
            .collect(),
    )
    .await?;
    insert_rows(
        conn,
        "mediation_steps",
        &STEP_COLUMNS,
        steps.iter().map(|s| step_row(id, s)).collect(),
    )
    .await
}

pub(crate) async fn change_case(store: &SqlStore, ch: &CaseChange, now: i64) -> Result<()> {
    let mut tx = store.write_tx().await?;
    let k = &ch.case;
    let confirmation = k.confirmation.map(|x| x.parts());
    let mut q = Sql::new("UPDATE mediation_cases SET status = ");
    q.bind_text(k.status.as_str());
    q.push(", consents = ")
        .bind_text(m::store_consents(&k.consents));
    q.push(", sessions = ").bind(Arg::Int(k.sessions));
    q.push(", step_started = ").bind(k.step_started.into());
    q.push(", due = ").bind(k.due.into());
    q.push(", clock = ").bind_text(m::clock_str(k.clock));
    q.push(", extensions = ").bind(Arg::Int(k.extensions));
    q.push(", agreement_form = ")
        .bind(k.agreement.map(|f| f.as_str().to_string()).into());
    q.push(", agreed_at = ").bind(k.agreed_at.into());
    q.push(", confirmation = ")
        .bind(confirmation.map(|x| x.0.to_string()).into());
    q.push(", confirm_applied_at = ")
        .bind(confirmation.map(|x| x.1).into());
    q.push(", confirm_ruled_at = ")
        .bind(confirmation.and_then(|x| x.2).into());
    q.push(", referral = ")
        .bind(k.referral.map(|r| r.as_str().to_string()).into());
    q.push(", closed_at = ").bind(k.closed_at.into());
    if let Some(terms) = &ch.terms {
        q.push(", terms = ").bind_text(terms.clone());
    }
    if let Some(event) = ch.event_id {
        q.push(", event_id = ").bind(Arg::Int(event));
    }
    q.push(", updated_at = ").bind(Arg::Int(now));
    q.push(", version = version + 1 WHERE id = ")
        .bind(Arg::Int(ch.case_id));
    q.push(" AND version = ")
        .bind(Arg::Int(ch.expected_version));
    if q.query().execute(&mut *tx).await?.rows_affected() != 1 {
        return Err(StoreError::conflict(
            "the case changed since it was read; read it again",
        ));
    }
    if !ch.add_units.is_empty() {
        let units: String = sqlx::query_scalar("SELECT units FROM mediation_cases WHERE id = $1")
            .bind(ch.case_id)
            .fetch_one(&mut *tx)
            .await?;
        let mut all = unbar(&units);
        for u in &ch.add_units {
            if !all.contains(u) {
                all.push(u.clone());
            }
        }
        sqlx::query("UPDATE mediation_cases SET units = $1 WHERE id = $2")
            .bind(bars(&all))
            .bind(ch.case_id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(ids) = &ch.mediator_ids {
        sqlx::query("DELETE FROM mediation_case_mediators WHERE case_id = $1")
            .bind(ch.case_id)
            .execute(&mut *tx)
            .await?;
        insert_rows(
            &mut tx,
            "mediation_case_mediators",
            &["case_id", "mediator_id"],
            ids.iter()
                .map(|m| vec![Arg::Int(ch.case_id), Arg::Int(*m)])
                .collect(),
        )
        .await?;
    }
    insert_rows(
        &mut tx,
        "mediation_steps",
        &STEP_COLUMNS,
        vec![step_row(ch.case_id, &ch.step)],
    )
    .await?;
    let mut actions = vec![ch.action.clone()];
    actions.extend(ch.also.iter().cloned());
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn load_mediation(
    store: &SqlStore,
    actor: &Actor,
    load: &MediationLoad,
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let mut placed = Vec::with_capacity(load.committees.len());
    let mut actions = Vec::new();
    for c in &load.committees {
        let (id, rooms, mediators) = insert_committee(&mut tx, store.backend, c, now).await?;
        actions.push(
            actor
                .action(
                    now,
                    "mediation.committee.add",
                    &format!("mediation_committee:{id}"),
                )
                .opinion(c.name.clone()),
        );
        placed.push((id, rooms, mediators));
    }
    append_actions(&mut tx, actions).await?;
    let first = next_id(&mut tx, "mediation_cases").await?;
    // Ids follow registration time; a repeat names its earlier case by position.
    let mut order: Vec<usize> = (0..load.cases.len()).collect();
    order.sort_by_key(|i| (load.cases[*i].2, *i));
    let mut ids = vec![0i64; load.cases.len()];
    for (rank, i) in order.iter().enumerate() {
        ids[*i] = first + rank as i64;
    }
    for chunk in order.chunks(500) {
        let mut rows = Vec::new();
        let mut parties = Vec::new();
        let mut on_case = Vec::new();
        let mut steps = Vec::new();
        let mut terms = Vec::new();
        let mut actions = Vec::new();
        for i in chunk {
            let (c, opener, at, history) = &load.cases[*i];
            let (committee, rooms, mediators) = &placed[c.committee_id as usize];
            let mut c = c.clone();
            c.committee_id = *committee;
            c.room_id = c.room_id.map(|r| rooms[r as usize]);
            c.mediator_ids = c
                .mediator_ids
                .iter()
                .map(|m| mediators[*m as usize])
                .collect();
            c.repeat_of = c.repeat_of.map(|p| ids[p as usize]);
            let id = ids[*i];
            let number = case_number(id, *at);
            let updated = history.last().map_or(*at, |s| s.at);
            rows.push(case_row(id, &number, &c, opener, *at, updated));
            terms.extend(term_rows(
                id,
                &case_search(&number, &c),
                c.region_code.as_str(),
                *at,
            ));
            parties.extend(party_rows(id, &c.parties));
            on_case.extend(
                c.mediator_ids
                    .iter()
                    .map(|m| vec![Arg::Int(id), Arg::Int(*m)]),
            );
            if let (Some(event), Some(first)) = (c.event_id, history.first()) {
                actions.push(
                    opener
                        .action(first.at, "mediation_opened", &format!("event:{event}"))
                        .opinion(format!("{number} {}", c.committee_name)),
                );
            }
            for s in history {
                steps.push(step_row(id, s));
                actions.push(step_action(id, s, opener.unit.clone()));
            }
        }
        insert_rows(&mut tx, "mediation_cases", &CASE_INSERT_COLUMNS, rows).await?;
        insert_rows(&mut tx, "mediation_case_terms", &TERM_COLUMNS, terms).await?;
        insert_rows(&mut tx, "mediation_parties", &PARTY_COLUMNS, parties).await?;
        insert_rows(
            &mut tx,
            "mediation_case_mediators",
            &["case_id", "mediator_id"],
            on_case,
        )
        .await?;
        insert_rows(&mut tx, "mediation_steps", &STEP_COLUMNS, steps).await?;
        append_actions(&mut tx, actions).await?;
    }
    sync_sequence(&mut tx, store.backend, "mediation_cases").await?;
    sync_sequence(&mut tx, store.backend, "mediation_steps").await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn add_document(
    store: &SqlStore,
    d: &DocumentRecord,
    sealed: &str,
    action: NewAction,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO mediation_documents (case_id, kind, sha256, size, sealed, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(d.case_id)
    .bind(d.kind.as_str())
    .bind(d.sha256.clone())
    .bind(d.size)
    .bind(sealed.to_string())
    .bind(d.created_by.clone())
    .bind(d.created_at)
    .fetch_one(&mut *tx)
    .await?;
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(id)
}
