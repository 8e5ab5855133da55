//! The reception desk (群众诉求接待中心) and the 12345 hotline: find a caller by their number
//! (through its blind index, charged to the operator's lookup budget and recorded), see their
//! earlier reports and the cases opened from them, take a new appeal in one form (placed by its
//! grid or village when the caller gives no position), give the receipt (printed, and sent to a
//! mobile number), reply to the caller once their case closes, and the hotline's figures.

use super::intake::{self, Report};
use super::{forbidden, invalid, not_found, Error, Result};
use crate::crypto::{self, Sealed};
use crate::state::AppState;
use zhili_domain::desk::{self as rules, DeskCounts, Reply};
use zhili_domain::event::{Channel, Command, Status};
use zhili_domain::user::User;
use zhili_domain::{Level, RegionCode, Role};
use zhili_store::{CallerCase, EventRecord, NewMessage, ReplyRecord, ResidentRecord};

/// Who works the desk: the district centre (its reception and hotline) and the town centres.
pub fn works_the_desk(user: &User) -> bool {
    matches!(
        user.role,
        Role::DistrictOperator | Role::DistrictCommander | Role::TownOperator
    )
}

fn desk_only(user: &User) -> Result<()> {
    if works_the_desk(user) {
        Ok(())
    } else {
        Err(forbidden("the reception desk is the centres' operators'"))
    }
}

/// A caller as the desk finds them.
pub struct Caller {
    pub phone_masked: String,
    /// Their resident account, if they have one (linked or not).
    pub resident: Option<ResidentRecord>,
    /// Their reports in the operator's area, newest first.
    pub events: Vec<EventRecord>,
    /// Mediation cases opened from those reports.
    pub cases: Vec<CallerCase>,
}

fn phone_of(raw: &str) -> Result<String> {
    crypto::normalize_phone(raw).map_err(|e| {
        Error::from(zhili_domain::DomainError {
            field: Some("phone".into()),
            ..e
        })
    })
}

/// Finds a caller by their number: their reports (by phone, and through their resident
/// account) and the cases opened from them. Each lookup is charged and recorded.
pub async fn find_caller(state: &AppState, user: &User, phone: &str) -> Result<Caller> {
    desk_only(user)?;
    let phone = phone_of(phone)?;
    let masked = crypto::mask_phone(&phone);
    state
        .charge_lookups(
            &user.actor(),
            1,
            "caller",
            &format!("desk lookup of {masked}"),
        )
        .await?;
    let scope = user.scope();
    let mut events = state
        .store
        .caller_events(&scope, &state.key.blinds("reporter_phone", &phone), 50)
        .await?;
    let resident = state
        .store
        .resident_by_phone(&state.key.blinds("resident.phone", &phone))
        .await?;
    if let Some(r) = &resident {
        for e in state.store.resident_events(r.id, None, 50).await? {
            let assisting: Vec<String> = e
                .case
                .assisting_units
                .iter()
                .map(|u| u.to_string())
                .collect();
            if scope.sees_event(&e.case.grid, e.case.lead_unit.as_deref(), &assisting)
                && !events.iter().any(|x| x.id == e.id)
            {
                events.push(e);
            }
        }
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.id));
    events.truncate(50);
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let cases = state.store.cases_of_events(&ids).await?;
    Ok(Caller {
        phone_masked: masked,
        resident,
        events,
        cases,
    })
}

/// An appeal as the desk takes it.
pub struct Appeal {
    pub phone: String,
    pub name: Option<String>,
    /// hotline or walk_in
    pub channel: Channel,
    pub category: String,
    pub description: String,
    /// The grid, or the village, it concerns (when no position is given).
    pub place: Option<RegionCode>,
    /// Where it is, when the caller can say exactly (WGS84).
    pub position: Option<(f64, f64)>,
}

/// An appeal taken: the event, and whether a receipt went to the caller's mobile.
pub struct Taken {
    pub event: EventRecord,
    pub receipt_sent: bool,
    pub duplicate_suggestion: Option<i64>,
}

/// Where an appeal placed by its area is put: a grid's inner point, or a village's first grid's.
fn anchor_of(state: &AppState, place: &RegionCode) -> Result<(f64, f64)> {
    let index = state.index();
    let chain = match place.level() {
        Level::Grid => index.chain(place.as_str()),
        Level::Village => index
            .grids
            .iter()
            .filter(|g| g.grid_code.ancestor_at(Level::Village).as_ref() == Some(place))
            .min_by(|a, b| a.grid_code.cmp(&b.grid_code)),
        _ => None,
    };
    chain
        .map(|c| c.anchor)
        .ok_or_else(|| invalid("place", "a grid or a village of the district"))
}

/// Takes an appeal as an event of the hotline or the walk-in desk, and sends the receipt to a
/// mobile number (a landline gets the printed one only).
pub async fn take_appeal(state: &AppState, user: &User, a: Appeal) -> Result<Taken> {
    desk_only(user)?;
    if !rules::comes_to_the_desk(a.channel) {
        return Err(invalid("channel", "hotline or walk_in"));
    }
    let (lon, lat) = match (a.position, &a.place) {
        (Some(p), _) => p,
        (None, Some(place)) => anchor_of(state, place)?,
        (None, None) => {
            return Err(invalid(
                "place",
                "the grid or village it concerns, or its position",
            ))
        }
    };
    let phone = phone_of(&a.phone)?;
    let reported = intake::report(
        state,
        user,
        Report {
            channel: a.channel,
            category: a.category,
            description: a.description,
            lon,
            lat,
            occurred_at: None,
            reporter_name: a.name.filter(|n| !n.trim().is_empty()),
            reporter_phone: Some(phone.clone()),
            photos: vec![],
            links: vec![],
        },
    )
    .await?;
    let e = reported.record;
    let receipt_sent = zhili_domain::resident::mobile("phone", &phone).is_ok();
    if receipt_sent {
        let message = NewMessage {
            phone_sealed: state.key.seal(&phone, Sealed::ResidentPhone),
            phone_masked: crypto::mask_phone(&phone),
            resident_id: None,
            event_id: Some(e.id),
            kind: "receipt".into(),
            body: receipt_text(&e.case_number),
        };
        state
            .store
            .queue_message(&user.actor(), &message, crate::now_ms())
            .await?;
        state.messages_queued.notify_one();
    }
    Ok(Taken {
        event: e,
        receipt_sent,
        duplicate_suggestion: reported.duplicate_suggestion,
    })
}

/// The text of the receipt sent to the caller.
pub fn receipt_text(case_number: &str) -> String {
    format!("【治理】您反映的问题已登记，受理编号 {case_number}。办理结果将答复您，也可凭编号或本手机号来电查询进度。")
}

/// Records the reply to the caller of a closed case; a rating they gave becomes the case's
/// satisfaction (the centre's evaluation) when it has none yet.
pub async fn reply(
    state: &AppState,
    user: &User,
    event_id: i64,
    mut reply: Reply,
) -> Result<ReplyRecord> {
    desk_only(user)?;
    let e = state
        .store
        .get_event(&user.scope(), event_id)
        .await?
        .ok_or_else(|| not_found("id", format!("event {event_id} not found")))?;
    reply
        .check(e.case.status, e.channel)
        .map_err(Error::problems)?;
    if state.store.reply_of(e.id).await?.is_some() {
        return Err(Error::from(
            zhili_domain::DomainError::new(
                zhili_domain::ErrorCode::Conflict,
                "the caller has been replied to already",
            )
            .zh("已答复过来电人"),
        ));
    }
    if let (Some(satisfaction), Status::Closed, false) =
        (reply.satisfaction, e.case.status, e.case.reporter_account)
    {
        super::act::act(
            state,
            user,
            super::act::Act {
                event: e.id,
                version: Some(e.version),
                step: super::act::Step::Do(Command::Evaluate { satisfaction }),
                opinion: Some(format!("来电人答复满意度：{satisfaction}")),
                photos: vec![],
            },
        )
        .await?;
    }
    let closed_at = e.case.closed_at.unwrap_or(e.updated_at);
    let due = rules::reply_due(closed_at, &state.reference().calendar);
    Ok(state
        .store
        .record_reply(&user.actor(), e.id, &reply, due, crate::now_ms())
        .await?)
}

/// The hotline's figures over [from, to) in the operator's area.
pub struct Figures {
    pub counts: DeskCounts,
    /// Closed cases not yet replied to whose reply is overdue now.
    pub replies_overdue: i64,
}

pub async fn figures(state: &AppState, user: &User, from: i64, to: i64) -> Result<Figures> {
    let scope = user.scope();
    let mut counts = state.store.desk_counts(&scope, from, to).await?;
    let now = crate::now_ms();
    let calendar = &state.reference().calendar;
    let mut overdue = 0;
    for c in state.store.closed_desk_cases(&scope, from, to).await? {
        let due = rules::reply_due(c.closed_at, calendar);
        match c.replied_at {
            Some(at) => {
                counts.reply_due += 1;
                counts.replied_on_time += (at <= due) as i64;
            }
            None if now > due => {
                counts.reply_due += 1;
                overdue += 1;
            }
            None => {}
        }
    }
    Ok(Figures {
        counts,
        replies_overdue: overdue,
    })
}

/// The desk's closed cases whose caller still waits for the reply, with when it is due, the
/// most urgent first (at most 200).
pub async fn replies_waiting(
    state: &AppState,
    user: &User,
    from: i64,
    to: i64,
) -> Result<Vec<(EventRecord, i64)>> {
    desk_only(user)?;
    let scope = user.scope();
    let calendar = &state.reference().calendar;
    let mut waiting: Vec<(i64, i64)> = state
        .store
        .closed_desk_cases(&scope, from, to)
        .await?
        .into_iter()
        .filter(|c| c.replied_at.is_none())
        .map(|c| (c.id, rules::reply_due(c.closed_at, calendar)))
        .collect();
    waiting.sort_by_key(|&(id, due)| (due, id));
    waiting.truncate(200);
    let ids: Vec<i64> = waiting.iter().map(|&(id, _)| id).collect();
    let mut events: std::collections::HashMap<i64, EventRecord> = state
        .store
        .events_by_ids(&scope, &ids)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    Ok(waiting
        .into_iter()
        .filter_map(|(id, due)| events.remove(&id).map(|e| (e, due)))
        .collect())
}
