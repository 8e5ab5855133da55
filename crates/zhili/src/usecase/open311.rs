//! Open311 GeoReport v2 for the departments' systems: the service list from our categories,
//! a request filed with a system's API key through the same intake as every other door, and
//! the requests that key's unit filed followed to closure, step by step (FixMyStreet's
//! updates). A key reports through its `hotline` channel, else its `department` channel; it
//! reads what its unit's systems filed when it holds the `own_events` read.

use super::api_keys::{area_scope as area, key_actor};
use super::intake::{self, Report};
use super::{forbidden, not_found, Result};
use crate::state::{AppState, EventNotice};
use zhili_domain::apikey::Read;
use zhili_domain::event::{Channel, Status};
use zhili_domain::open311::{self as rules, Attribute, Submission};
use zhili_domain::reference::Category;
use zhili_store::{ApiKeyRecord, EventFilter, EventRecord};

/// The services: every category of the taxonomy, by its four-digit code.
pub fn services(state: &AppState) -> Vec<Category> {
    let reference = state.reference();
    let mut all: Vec<Category> = reference.categories.values().cloned().collect();
    all.sort_by(|a, b| a.code.cmp(&b.code));
    all
}

/// One service's definition: its attributes.
pub fn definition(state: &AppState, code: &str) -> Result<(Category, Vec<Attribute>)> {
    let category = state
        .reference()
        .categories
        .get(code)
        .cloned()
        .ok_or_else(|| not_found("service_code", format!("no service {code:?}")))?;
    let attributes = rules::attributes(&category);
    Ok((category, attributes))
}

/// The channel a key files requests through.
fn filing_channel(key: &ApiKeyRecord) -> Result<Channel> {
    [Channel::Hotline, Channel::Department]
        .into_iter()
        .find(|c| key.channels.iter().any(|k| k == c.as_str()))
        .ok_or_else(|| {
            forbidden("this API key may not file requests (no hotline or department channel)")
        })
}

/// Files a request as the system holding `key` (already authenticated): checked as the
/// standard has it, placed in its grid inside the key's area, written with its record.
pub async fn create(
    state: &AppState,
    key: &ApiKeyRecord,
    form: &[(String, String)],
) -> Result<EventRecord> {
    let channel = filing_channel(key)?;
    let reference = state.reference();
    let s: Submission = rules::submission(form, |code| reference.categories.get(code).cloned())?;
    let now = crate::now_ms();
    let scope = area(key)?;
    let report = Report {
        channel,
        category: s.service_code,
        description: s.description,
        lon: s.lon,
        lat: s.lat,
        occurred_at: s.occurred_at,
        reporter_name: s.reporter_name,
        reporter_phone: s.reporter_phone,
        photos: Vec::new(),
        links: Vec::new(),
    };
    let placed = intake::place(state, &reference, report, &key.public_part, &scope, now).await?;
    let mut new = intake::new_event(placed, &state.key, &reference.calendar, now);
    new.api_key_id = Some(key.id);
    let record = state.submit_report(key_actor(key), new, now).await?;
    state.notify(EventNotice::of(&record, "report", now));
    Ok(record)
}

fn reads(key: &ApiKeyRecord) -> Result<()> {
    if key.reads.iter().any(|r| r == Read::OwnEvents.as_str()) {
        Ok(())
    } else {
        Err(forbidden(
            "this API key may not read requests (no own_events read)",
        ))
    }
}

/// What a query of requests asks (already parsed from the standard's parameters).
#[derive(Clone, Debug, Default)]
pub struct RequestQuery {
    /// Case numbers: when given, every other filter is ignored (as the standard says).
    pub ids: Option<Vec<String>>,
    pub service_codes: Vec<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// open or closed.
    pub status: Option<String>,
}

/// The requests this key's unit filed, newest first, at most 1,000.
pub async fn requests(
    state: &AppState,
    key: &ApiKeyRecord,
    q: RequestQuery,
) -> Result<Vec<EventRecord>> {
    reads(key)?;
    let mut filter = EventFilter {
        reported_by_keys_of: Some(key.unit_id.clone()),
        limit: rules::MAX_REQUESTS,
        ..Default::default()
    };
    if let Some(ids) = q.ids.filter(|ids| !ids.is_empty()) {
        filter.case_numbers = Some(ids);
    } else {
        let (from, to) = rules::window(q.start, q.end, crate::now_ms())?;
        filter.reported_from = Some(from);
        filter.reported_to = Some(to);
        filter.categories = q.service_codes;
        match q.status.as_deref() {
            None => {}
            Some("open") => filter.open = true,
            Some("closed") => filter.finished = true,
            Some(_) => {
                return Err(
                    zhili_domain::DomainError::invalid("status", "open or closed")
                        .zh("状态须为 open 或 closed")
                        .into(),
                )
            }
        }
    }
    let (events, _) = state.store.list_events(&area(key)?, &filter).await?;
    Ok(events)
}

/// One request this key's unit filed, by its service request id (the case number).
pub async fn request(state: &AppState, key: &ApiKeyRecord, id: &str) -> Result<EventRecord> {
    let q = RequestQuery {
        ids: Some(vec![id.to_string()]),
        ..Default::default()
    };
    requests(state, key, q)
        .await?
        .pop()
        .ok_or_else(|| not_found("service_request_id", format!("no request {id:?}")))
}

/// One step of a request as FixMyStreet's updates extension reads it.
#[derive(Clone, Debug)]
pub struct Update {
    /// The record's sequence number: unique and increasing.
    pub update_id: i64,
    pub service_request_id: String,
    pub status: &'static str,
    pub at: i64,
    /// The new status in officials' words, and the opinion given with the step.
    pub description: String,
}

/// The status changes in [start, end) of the requests this key's unit filed, oldest first.
pub async fn updates(
    state: &AppState,
    key: &ApiKeyRecord,
    start: Option<i64>,
    end: Option<i64>,
) -> Result<Vec<Update>> {
    reads(key)?;
    let (from, to) = rules::window(start, end, crate::now_ms())?;
    let filter = EventFilter {
        reported_by_keys_of: Some(key.unit_id.clone()),
        updated_from: Some(from),
        limit: rules::MAX_REQUESTS,
        ..Default::default()
    };
    let (events, _) = state.store.list_events(&area(key)?, &filter).await?;
    let numbers: std::collections::HashMap<i64, &str> = events
        .iter()
        .map(|e| (e.id, e.case_number.as_str()))
        .collect();
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let actions = state
        .store
        .event_actions_between(&ids, from, to, rules::MAX_REQUESTS)
        .await?;
    let mut out = Vec::new();
    for a in actions {
        let Some(to_state) = a.to_state.as_deref().and_then(Status::parse) else {
            continue;
        };
        let from_state = a.from_state.as_deref().and_then(Status::parse);
        let Some(status) = rules::update_status(&a.action, from_state, to_state) else {
            continue;
        };
        let Some(number) = a
            .subject
            .strip_prefix("event:")
            .and_then(|id| id.parse::<i64>().ok())
            .and_then(|id| numbers.get(&id))
        else {
            continue;
        };
        // The opening record's opinion is the channel and category, not words for a caller.
        let opinion = (a.action != "report").then_some(a.opinion).flatten();
        let description = match opinion {
            Some(o) if !o.trim().is_empty() => format!("{}：{}", to_state.label_zh(), o.trim()),
            _ => to_state.label_zh().to_string(),
        };
        out.push(Update {
            update_id: a.seq,
            service_request_id: number.to_string(),
            status,
            at: a.at,
            description,
        });
    }
    Ok(out)
}
