//! Reading cases: one, a filtered page, their steps, an earlier case of the same parties,
//! documents.

use super::{case_scope, region, unbar, OPEN};
use crate::sql::{corrupt, scope_filter, word, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::Row;
use zhili_domain::mediation::{
    self as m, stored_consents, AgreementForm, Case, Confirmation, Limits, Origin, PartyKind,
    Referral, Status,
};
use zhili_domain::Scope;

const CASE_COLUMNS: &str = "c.id, c.number, c.committee_id, mc.name AS committee_name, c.room_id, \
    r.name AS room_name, c.region_code, c.category, c.origin, c.status, c.title, c.facts, c.event_id, \
    c.units, c.consents, c.sessions, c.limits, c.step_started, c.due, c.clock, c.extensions, \
    c.agreement_form, c.agreed_at, c.terms, c.confirmation, c.confirm_applied_at, c.confirm_ruled_at, \
    c.referral, c.closed_at, c.repeat_of, c.registered_by, c.registered_at, c.updated_at, c.version, \
    (SELECT COUNT(*) FROM mediation_cases x WHERE x.repeat_of = c.id) AS repeats";

const CASE_FROM: &str =
    " FROM mediation_cases c JOIN mediation_committees mc ON mc.id = c.committee_id \
    LEFT JOIN mediation_rooms r ON r.id = c.room_id WHERE 1 = 1";

fn case_from_row(r: &AnyRow) -> Result<CaseRecord> {
    let consents: String = r.try_get("consents")?;
    let limits: String = r.try_get("limits")?;
    let units: String = r.try_get("units")?;
    let agreement: Option<String> = r.try_get("agreement_form")?;
    let confirmation: Option<String> = r.try_get("confirmation")?;
    let referral: Option<String> = r.try_get("referral")?;
    let case = Case {
        status: word(r, "status", Status::parse)?,
        origin: word(r, "origin", Origin::parse)?,
        consents: stored_consents(&consents).ok_or_else(|| corrupt("consents", &consents))?,
        mediators: Vec::new(),
        sessions: r.try_get("sessions")?,
        limits: Limits::from_text(&limits).ok_or_else(|| corrupt("limits", &limits))?,
        step_started: r.try_get("step_started")?,
        due: r.try_get("due")?,
        clock: word(r, "clock", m::parse_clock)?,
        extensions: r.try_get("extensions")?,
        agreement: match agreement {
            None => None,
            Some(a) => Some(AgreementForm::parse(&a).ok_or_else(|| corrupt("agreement", &a))?),
        },
        agreed_at: r.try_get("agreed_at")?,
        confirmation: match confirmation {
            None => None,
            Some(k) => Some(
                Confirmation::from_parts(
                    &k,
                    r.try_get::<Option<i64>, _>("confirm_applied_at")?
                        .unwrap_or(0),
                    r.try_get("confirm_ruled_at")?,
                )
                .ok_or_else(|| corrupt("confirmation", &k))?,
            ),
        },
        referral: match referral {
            None => None,
            Some(k) => Some(Referral::parse(&k).ok_or_else(|| corrupt("referral", &k))?),
        },
        closed_at: r.try_get("closed_at")?,
    };
    Ok(CaseRecord {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        committee_id: r.try_get("committee_id")?,
        committee_name: r.try_get("committee_name")?,
        room_id: r.try_get("room_id")?,
        room_name: r.try_get("room_name")?,
        region_code: region(r, "region_code")?,
        category: r.try_get("category")?,
        title: r.try_get("title")?,
        facts: r.try_get("facts")?,
        event_id: r.try_get("event_id")?,
        units: unbar(&units),
        parties: Vec::new(),
        mediators: Vec::new(),
        case,
        terms: r.try_get("terms")?,
        repeat_of: r.try_get("repeat_of")?,
        repeats: r.try_get("repeats")?,
        registered_by: r.try_get("registered_by")?,
        registered_at: r.try_get("registered_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

/// Fills the parties (whole, or names and kinds for a list) and mediators of `cases`.
async fn fill(store: &SqlStore, cases: &mut [CaseRecord], whole: bool) -> Result<()> {
    if cases.is_empty() {
        return Ok(());
    }
    let ids = || cases.iter().map(|c| Arg::Int(c.id)).collect::<Vec<_>>();
    let mut q = Sql::new(
        "SELECT case_id, seq, name, kind, id_masked, phone_masked, id_sealed, phone_sealed, person_id, house_id, address \
         FROM mediation_parties WHERE case_id IN ",
    );
    q.bind_list(ids()).push(" ORDER BY case_id, seq");
    let mut parties: std::collections::HashMap<i64, Vec<NewParty>> = Default::default();
    for r in q.query().fetch_all(&store.pool).await? {
        let kind: String = r.try_get("kind")?;
        let mut p = NewParty {
            name: r.try_get("name")?,
            kind: PartyKind::from_code(&kind),
            ..NewParty::default()
        };
        if whole {
            p.id_masked = r.try_get("id_masked")?;
            p.phone_masked = r.try_get("phone_masked")?;
            p.id_sealed = r.try_get("id_sealed")?;
            p.phone_sealed = r.try_get("phone_sealed")?;
            p.person_id = r.try_get("person_id")?;
            p.house_id = r.try_get("house_id")?;
            p.address = r.try_get("address")?;
        }
        parties.entry(r.try_get("case_id")?).or_default().push(p);
    }
    let mut q = Sql::new(
        "SELECT cm.case_id, md.id, md.name, md.username FROM mediation_case_mediators cm \
         JOIN mediators md ON md.id = cm.mediator_id WHERE cm.case_id IN ",
    );
    q.bind_list(ids()).push(" ORDER BY cm.case_id, md.id");
    let mut mediators: std::collections::HashMap<i64, Vec<CaseMediator>> = Default::default();
    for r in q.query().fetch_all(&store.pool).await? {
        mediators
            .entry(r.try_get("case_id")?)
            .or_default()
            .push(CaseMediator {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                username: r.try_get("username")?,
            });
    }
    for c in cases {
        c.parties = parties.remove(&c.id).unwrap_or_default();
        c.mediators = mediators.remove(&c.id).unwrap_or_default();
        c.case.mediators = c.mediators.iter().map(|m| m.id.to_string()).collect();
    }
    Ok(())
}

pub(crate) async fn case(store: &SqlStore, scope: &Scope, id: i64) -> Result<Option<CaseRecord>> {
    let mut q = Sql::new(&format!("SELECT {CASE_COLUMNS}{CASE_FROM} AND c.id = "));
    q.bind(Arg::Int(id));
    case_scope(&mut q, scope);
    let Some(row) = q.query().fetch_optional(&store.pool).await? else {
        return Ok(None);
    };
    let mut cases = [case_from_row(&row)?];
    fill(store, &mut cases, true).await?;
    let [c] = cases;
    Ok(Some(c))
}

pub(crate) async fn case_steps(store: &SqlStore, id: i64) -> Result<Vec<CaseStep>> {
    let rows = sqlx::query(
        "SELECT s.step, s.at, s.actor, u.display_name, s.from_status, s.to_status, s.detail \
         FROM mediation_steps s LEFT JOIN users u ON u.username = s.actor WHERE s.case_id = $1 ORDER BY s.id",
    )
    .bind(id)
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CaseStep {
                step: r.try_get("step")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                actor_name: r.try_get("display_name")?,
                from_status: r.try_get("from_status")?,
                to_status: r.try_get("to_status")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}

pub(crate) async fn cases(
    store: &SqlStore,
    scope: &Scope,
    f: &CaseFilter,
) -> Result<(i64, Vec<CaseRecord>)> {
    let mut filter = Sql::new("");
    case_scope(&mut filter, scope);
    if !f.statuses.is_empty() {
        filter
            .push(" AND c.status IN ")
            .bind_list(f.statuses.iter().map(|s| Arg::Text(s.as_str().to_string())));
    }
    if let Some(c) = f.committee_id {
        filter.push(" AND c.committee_id = ").bind(Arg::Int(c));
    }
    if let Some(r) = f.room_id {
        filter.push(" AND c.room_id = ").bind(Arg::Int(r));
    }
    if let Some(r) = &f.region {
        filter
            .push(" AND c.region_code LIKE ")
            .bind_text(format!("{r}%"));
    }
    if let Some(k) = &f.category {
        // A subcategory by equality (its index), a major class by its prefix.
        if k.len() == 4 {
            filter.push(" AND c.category = ").bind_text(k.clone());
        } else {
            filter
                .push(" AND c.category LIKE ")
                .bind_text(format!("{k}%"));
        }
    }
    // A mediator's cases from the mediator's side (their index), not case by case.
    if let Some(u) = &f.mediator_username {
        filter.push(
            " AND c.id IN (SELECT cm.case_id FROM mediation_case_mediators cm JOIN mediators md ON md.id = cm.mediator_id \
             WHERE md.username = ",
        );
        filter.bind_text(u.clone()).push(")");
    }
    if let Some(md) = f.mediator_id {
        filter.push(
            " AND c.id IN (SELECT cm.case_id FROM mediation_case_mediators cm WHERE cm.mediator_id = ",
        );
        filter.bind(Arg::Int(md)).push(")");
    }
    if let Some(now) = f.overdue_at {
        filter.push(&format!(" AND c.status IN {OPEN} AND c.due < "));
        filter.bind(Arg::Int(now));
    }
    if f.repeats_only {
        filter.push(" AND c.repeat_of IS NOT NULL");
    }
    if let Some(e) = f.event_id {
        filter.push(" AND c.event_id = ").bind(Arg::Int(e));
    }
    if let Some(from) = f.from {
        filter.push(" AND c.registered_at >= ").bind(Arg::Int(from));
    }
    if let Some(to) = f.to {
        filter.push(" AND c.registered_at < ").bind(Arg::Int(to));
    }
    if let Some(text) = &f.text {
        search_filter(&mut filter, text);
    }
    let (count, ids, order) = match one_letter_search(scope, f) {
        Some(terms) => (
            Sql::with_filter(
                "SELECT COUNT(*) AS n FROM mediation_case_terms t WHERE 1 = 1",
                &terms,
            ),
            Sql::with_filter(
                "SELECT t.case_id FROM mediation_case_terms t WHERE 1 = 1",
                &terms,
            ),
            " ORDER BY t.registered_at DESC, t.case_id DESC LIMIT ",
        ),
        None => (
            Sql::with_filter(
                "SELECT COUNT(*) AS n FROM mediation_cases c WHERE 1 = 1",
                &filter,
            ),
            Sql::with_filter("SELECT c.id FROM mediation_cases c WHERE 1 = 1", &filter),
            " ORDER BY c.registered_at DESC, c.id DESC LIMIT ",
        ),
    };
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    // The page's ids first (narrow rows to sort), then their columns: the columns (a count of
    // repeats among them) are worked out for the page only.
    let mut page = Sql::new(&format!("SELECT {CASE_COLUMNS}{CASE_FROM} AND c.id IN ("));
    page.append(&ids);
    page.push(order).bind(Arg::Int(f.limit));
    page.push(" OFFSET ").bind(Arg::Int(f.offset));
    page.push(") ORDER BY c.registered_at DESC, c.id DESC");
    let rows = page.query().fetch_all(&store.pool).await?;
    let mut items = rows.iter().map(case_from_row).collect::<Result<Vec<_>>>()?;
    fill(store, &mut items, false).await?;
    Ok((total, items))
}

/// A search of one letter without case (a surname), narrowed by area or time at most, is the
/// letter's term rows alone (they carry the area and the registration time): no case row is
/// read to count or page it. A department's scope reads the case rows (what was referred).
fn one_letter_search(scope: &Scope, f: &CaseFilter) -> Option<Sql> {
    let text = f.text.as_deref()?.trim();
    let mut letters = text.chars();
    let letter = letters.next()?;
    let caseless = letter.is_alphanumeric() && !letter.is_lowercase() && !letter.is_uppercase();
    let only_text = f.statuses.is_empty()
        && f.committee_id.is_none()
        && f.room_id.is_none()
        && f.category.is_none()
        && f.mediator_username.is_none()
        && f.mediator_id.is_none()
        && f.overdue_at.is_none()
        && !f.repeats_only
        && f.event_id.is_none();
    let departmental = scope
        .department
        .as_deref()
        .is_some_and(|d| d != m::JUSTICE_BUREAU);
    if letters.next().is_some() || !caseless || !only_text || departmental {
        return None;
    }
    let mut terms = Sql::new("");
    terms.push(" AND t.term = ").bind_text(letter.to_string());
    scope_filter(&mut terms, "t.region_code", scope);
    if let Some(r) = &f.region {
        terms
            .push(" AND t.region_code LIKE ")
            .bind_text(format!("{r}%"));
    }
    if let Some(from) = f.from {
        terms.push(" AND t.registered_at >= ").bind(Arg::Int(from));
    }
    if let Some(to) = f.to {
        terms.push(" AND t.registered_at < ").bind(Arg::Int(to));
    }
    Some(terms)
}

/// Cases whose title, number or parties' names hold `text`: the cases indexed under every
/// term of the query (see `zhili_domain::search`), each then checked for the query itself (without
/// case).
fn search_filter(filter: &mut Sql, text: &str) {
    use zhili_domain::search::{query_terms, Term};
    let terms = query_terms(text);
    if !terms.is_empty() {
        filter.push(" AND c.id IN (");
        for (i, term) in terms.iter().enumerate() {
            if i > 0 {
                filter.push(" INTERSECT ");
            }
            filter.push("SELECT t.case_id FROM mediation_case_terms t WHERE t.term ");
            match term {
                Term::Exact(t) => {
                    filter.push("= ").bind_text(t.clone());
                }
                // A run's terms hold ASCII letters and digits only, all below '~'.
                Term::Prefix(p) => {
                    filter.push(">= ").bind_text(p.clone());
                    filter.push(" AND t.term < ").bind_text(format!("{p}~"));
                }
            }
        }
        filter.push(")");
    }
    filter
        .push(" AND LOWER(c.search) LIKE LOWER(")
        .bind_text(crate::events::like_pattern(text))
        .push(") ESCAPE '\\'");
}

pub(crate) async fn earlier_case(
    store: &SqlStore,
    blinds: &[String],
    people: &[i64],
    houses: &[i64],
    since: i64,
) -> Result<Option<i64>> {
    if blinds.is_empty() && people.is_empty() && houses.is_empty() {
        return Ok(None);
    }
    let mut q = Sql::new(
        "SELECT MAX(p.case_id) AS id FROM mediation_parties p JOIN mediation_cases c ON c.id = p.case_id \
         WHERE c.registered_at >= ",
    );
    q.bind(Arg::Int(since)).push(" AND (1 = 0");
    if !blinds.is_empty() {
        q.push(" OR p.id_blind IN ")
            .bind_list(blinds.iter().map(|b| Arg::Text(b.clone())));
    }
    if !people.is_empty() {
        q.push(" OR p.person_id IN ")
            .bind_list(people.iter().map(|p| Arg::Int(*p)));
    }
    if !houses.is_empty() {
        q.push(" OR p.house_id IN ")
            .bind_list(houses.iter().map(|h| Arg::Int(*h)));
    }
    q.push(")");
    Ok(q.query().fetch_one(&store.pool).await?.try_get("id")?)
}

fn document_from_row(r: &AnyRow) -> Result<DocumentRecord> {
    Ok(DocumentRecord {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        kind: word(r, "kind", m::DocumentKind::from_code)?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) async fn documents(store: &SqlStore, case_id: i64) -> Result<Vec<DocumentRecord>> {
    let rows = sqlx::query(
        "SELECT id, case_id, kind, sha256, size, created_by, created_at FROM mediation_documents \
         WHERE case_id = $1 ORDER BY id DESC",
    )
    .bind(case_id)
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(document_from_row).collect()
}

pub(crate) async fn document(
    store: &SqlStore,
    id: i64,
) -> Result<Option<(DocumentRecord, String)>> {
    let Some(r) = sqlx::query(
        "SELECT id, case_id, kind, sha256, size, created_by, created_at, sealed FROM mediation_documents WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&store.pool)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some((document_from_row(&r)?, r.try_get("sealed")?)))
}

/// The cases of the scope registered in [from, to), with what the statistics count.
pub(crate) async fn stat_cases(
    store: &SqlStore,
    scope: &Scope,
    from: i64,
    to: i64,
) -> Result<Vec<StatCase>> {
    let mut q = Sql::new(&format!(
        "SELECT c.id, c.region_code, c.category, c.committee_id, c.registered_at, c.agreed_at, c.due, \
         {} FROM mediation_cases c WHERE c.registered_at >= ",
        super::FACT_COLUMNS
    ));
    q.bind(Arg::Int(from))
        .push(" AND c.registered_at < ")
        .bind(Arg::Int(to));
    case_scope(&mut q, scope);
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(StatCase {
                id: r.try_get("id")?,
                region_code: r.try_get("region_code")?,
                category: r.try_get("category")?,
                committee_id: r.try_get("committee_id")?,
                registered_at: r.try_get("registered_at")?,
                agreed_at: r.try_get("agreed_at")?,
                due: r.try_get("due")?,
                facts: super::facts_from_row(r)?,
            })
        })
        .collect()
}

/// Who mediated the scope's cases registered in [from, to): (case, mediator, name).
pub(crate) async fn stat_mediators(
    store: &SqlStore,
    scope: &Scope,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, i64, String)>> {
    let mut q = Sql::new(
        "SELECT cm.case_id, md.id, md.name FROM mediation_case_mediators cm \
         JOIN mediators md ON md.id = cm.mediator_id JOIN mediation_cases c ON c.id = cm.case_id \
         WHERE c.registered_at >= ",
    );
    q.bind(Arg::Int(from))
        .push(" AND c.registered_at < ")
        .bind(Arg::Int(to));
    case_scope(&mut q, scope);
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("case_id")?, r.try_get("id")?, r.try_get("name")?)))
        .collect()
}
