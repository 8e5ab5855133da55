//! The change feed for the city brain and data warehouses: every recorded step on an event in
//! the key's area, after a cursor (the record's sequence number), in order, as JSON lines. A
//! reader keeps the last cursor it was given and resumes there; nothing is skipped, because
//! sequence numbers become visible in order. The lines carry the case's structured fields,
//! never the reporter's name, phone or words.

use super::{forbidden, Result};
use crate::state::AppState;
use zhili_domain::apikey::Read;
use zhili_domain::event::Status;
use zhili_store::{ApiKeyRecord, EventFilter, EventRecord};

/// Most records one page reads.
pub const MAX_PAGE: i64 = 5000;

/// One step on one event.
#[derive(Clone, Debug)]
pub struct FeedLine {
    pub seq: i64,
    pub at: i64,
    pub action: String,
    pub from_state: Option<Status>,
    pub to_state: Option<Status>,
    /// The event as it is now.
    pub event: EventRecord,
}

/// A page of the feed and the cursor to resume from (the last record read, whether or not
/// it was the reader's).
pub struct FeedPage {
    pub lines: Vec<FeedLine>,
    pub next: i64,
}

/// The steps on events in the key's area after `after`, reading at most `limit` records.
pub async fn page(
    state: &AppState,
    key: &ApiKeyRecord,
    after: i64,
    limit: i64,
) -> Result<FeedPage> {
    if !key.reads.iter().any(|r| r == Read::Feed.as_str()) {
        return Err(forbidden(
            "this API key may not read the feed (no feed read)",
        ));
    }
    let area = super::api_keys::area_scope(key)?;
    let actions = state
        .store
        .actions_after(after.max(0), limit.clamp(1, MAX_PAGE))
        .await?;
    let next = actions.last().map_or(after.max(0), |a| a.seq);
    let of_event = |subject: &str| {
        subject
            .strip_prefix("event:")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let mut ids: Vec<i64> = actions
        .iter()
        .filter_map(|a| of_event(&a.subject))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let events = if ids.is_empty() {
        Vec::new()
    } else {
        let n = ids.len() as i64;
        state
            .store
            .list_events(
                &area,
                &EventFilter {
                    ids: Some(ids),
                    limit: n,
                    ..Default::default()
                },
            )
            .await?
            .0
    };
    let by_id: std::collections::HashMap<i64, &EventRecord> =
        events.iter().map(|e| (e.id, e)).collect();
    let lines = actions
        .into_iter()
        .filter_map(|a| {
            let event = by_id.get(&of_event(&a.subject)?)?;
            Some(FeedLine {
                seq: a.seq,
                at: a.at,
                from_state: a.from_state.as_deref().and_then(Status::parse),
                to_state: a.to_state.as_deref().and_then(Status::parse),
                action: a.action,
                event: (*event).clone(),
            })
        })
        .collect();
    Ok(FeedPage { lines, next })
}
