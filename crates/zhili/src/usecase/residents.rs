//! Residents as users: a code to a phone, the answer that signs them up and in, linking
//! themselves to their registered person, reporting, following, adding to, rating and
//! confirming their own reports, their notices and their village's public notices.
//!
//! A resident is not a staff account: their token opens only the `/api/v1/resident` doors,
//! and every read here is keyed by the resident (their own reports, their own messages).

use super::intake::{self, Report};
use super::{invalid, not_found, Error, Result};
use crate::crypto::{self, Sealed};
use crate::state::{AppState, EventNotice};
use rand::RngCore;
use std::net::IpAddr;
use zhili_domain::event::{self, Channel, Command};
use zhili_domain::resident::{self as rules, CODE_TTL_MS, RESEND_AFTER_MS};
use zhili_domain::{DomainError, ErrorCode, Level, Scope};
use zhili_store::{CodeAnswer, CodeJob, CodeOutcome, EventRecord, NewMessage, ResidentRecord};

/// How long a resident's session lasts (a phone stays signed in).
pub const SESSION_MS: i64 = 30 * 86_400_000;
/// Link attempts an account may make in a day.
pub const LINK_TRIES_PER_DAY: i64 = 5;

/// The number's blind index under each key of the ring, the current first.
fn phone_blinds(state: &AppState, phone: &str) -> Vec<String> {
    state.key.blinds("resident.phone", phone)
}

fn too_many(wait_ms: i64) -> super::Error {
    DomainError::new(
        ErrorCode::RateLimited,
        "too many requests from this address",
    )
    .zh("请求过于频繁，请稍后再试")
    .retry_after(wait_ms)
    .into()
}

/// A code was queued for the number.
pub struct CodeSent {
    pub expires_in_ms: i64,
    pub resend_after_ms: i64,
}

/// Sends a one-time code to `phone` (a number that has no account yet gets one on the right
/// answer). Rationed per number (one a minute, ten a day) and per address.
pub async fn request_code(state: &AppState, phone: &str, from: IpAddr) -> Result<CodeSent> {
    let phone = rules::mobile("phone", phone)?;
    let now = crate::now_ms();
    state.code_requests.take(from, now).map_err(too_many)?;
    let code = rules::code_from(rand::rngs::OsRng.next_u64());
    let hash = rules::code_hash(&state.key.code_key(), &phone, &code);
    let message = NewMessage {
        phone_sealed: state.key.seal(&phone, Sealed::ResidentPhone),
        phone_masked: crypto::mask_phone(&phone),
        resident_id: None,
        event_id: None,
        kind: "code".into(),
        body: rules::code_text(&code),
    };
    let outcome = state
        .write_code(CodeJob::Issue {
            phone_blinds: phone_blinds(state, &phone),
            code_hash: hash,
            message,
            now,
        })
        .await?;
    match outcome {
        CodeOutcome::Issued(issued) => issued?,
        CodeOutcome::Answered(_) => return Err(Error::Store(mixed_up())),
    }
    state.messages_queued.notify_one();
    Ok(CodeSent {
        expires_in_ms: CODE_TTL_MS,
        resend_after_ms: RESEND_AFTER_MS,
    })
}

/// The code writer answered one kind of job with another's outcome: its own fault.
fn mixed_up() -> zhili_store::StoreError {
    zhili_store::StoreError::Internal("the code writer answered with another job's outcome".into())
}

/// A resident's session just started.
pub struct SignedIn {
    pub token: String,
    pub expires_at: i64,
    pub resident: ResidentRecord,
    /// The account was opened by this answer.
    pub created: bool,
}

/// Judges the answer to the latest code sent to `phone`: the right one signs the resident in
/// (opening their account the first time).
pub async fn answer_code(
    state: &AppState,
    phone: &str,
    code: &str,
    from: IpAddr,
) -> Result<SignedIn> {
    let phone = rules::mobile("phone", phone)?;
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("code", "the six digits of the code"));
    }
    let now = crate::now_ms();
    state.code_answers.take(from, now).map_err(too_many)?;
    let token = crate::auth::new_token().replacen("zl_", "zr_", 1);
    let expires_at = now + SESSION_MS;
    let answer = CodeAnswer {
        phone_blinds: phone_blinds(state, &phone),
        phone_sealed: state.key.seal(&phone, Sealed::ResidentPhone),
        phone_masked: crypto::mask_phone(&phone),
        answer_hashes: state
            .key
            .code_keys()
            .iter()
            .map(|k| rules::code_hash(k, &phone, code))
            .collect(),
        token_hash: crate::auth::token_hash(&token),
        expires_at,
    };
    let (resident, created) = match state.write_code(CodeJob::Answer { answer, now }).await? {
        CodeOutcome::Answered(answered) => answered?,
        CodeOutcome::Issued(_) => return Err(Error::Store(mixed_up())),
    };
    Ok(SignedIn {
        token,
        expires_at,
        resident,
        created,
    })
}

pub async fn sign_out(state: &AppState, r: &ResidentRecord, token_hash: &str) -> Result<()> {
    Ok(state
        .store
        .end_resident_session(r, token_hash, crate::now_ms())
        .await?)
}

/// Links the account to the registered person with this ID number and name (a resident
/// identity card's number; the number is looked up through its blind index and never kept
/// or shown). Refused the same way whether the number is unknown, the name differs or
/// another account holds the person.
pub async fn link(
    state: &AppState,
    r: &ResidentRecord,
    id_number: &str,
    name: &str,
) -> Result<ResidentRecord> {
    if r.person_id.is_some() {
        return Err(DomainError::new(
            ErrorCode::InvalidTransition,
            "this account is linked already",
        )
        .zh("账号已关联登记信息")
        .into());
    }
    let today = crate::now_ms().div_euclid(86_400_000);
    let number = id_number.trim().to_ascii_uppercase();
    zhili_domain::id_number::parse(&number, today)?;
    let name = super::intake::text("name", name, 50)?;
    let linked = state
        .store
        .link_resident(
            r,
            &crate::people::blind_ids(&state.key, &number),
            &name,
            LINK_TRIES_PER_DAY,
            crate::now_ms(),
        )
        .await??;
    Ok(linked)
}

/// A report as a resident makes it.
pub struct ResidentReport {
    pub category: String,
    pub description: String,
    pub lon: f64,
    pub lat: f64,
    pub occurred_at: Option<i64>,
    pub photos: Vec<String>,
}

/// Reports an event from the resident's own account, anywhere in the district's grids.
pub async fn report(
    state: &AppState,
    r: &ResidentRecord,
    report: ResidentReport,
) -> Result<EventRecord> {
    let index = state.index();
    let root = index
        .root
        .clone()
        .ok_or_else(|| invalid("location", "no district is loaded yet"))?;
    let phone = state
        .key
        .open(&r.phone_sealed, Sealed::ResidentPhone)
        .map_err(|e| zhili_store::StoreError::Internal(e.to_string()))?;
    let reference = state.reference();
    let now = crate::now_ms();
    let mut placed = intake::place(
        state,
        &reference,
        Report {
            channel: Channel::Resident,
            category: report.category,
            description: report.description,
            lon: report.lon,
            lat: report.lat,
            occurred_at: report.occurred_at,
            reporter_name: r.display_name.clone(),
            reporter_phone: Some(phone),
            photos: report.photos,
            links: vec![],
        },
        &r.actor().username,
        // Residents report wherever they are in the district; they read nothing through it.
        &Scope::whole(root),
        now,
    )
    .await?;
    placed.resident = Some(r.id);
    let new = intake::new_event(placed, &state.key, &reference.calendar, now);
    let record = state.submit_report(r.actor(), new, now).await?;
    state.notify(EventNotice::of(&record, "report", now));
    Ok(record)
}

/// One of the resident's own reports; anyone else's is absent (404).
pub async fn own_event(state: &AppState, r: &ResidentRecord, id: i64) -> Result<EventRecord> {
    state
        .store
        .resident_event(r.id, id)
        .await?
        .ok_or_else(|| not_found("id", format!("event {id} not found")))
}

/// A step of their report as a resident follows it.
pub struct Progress {
    pub at: i64,
    /// The recorded action (report, register, dispatch, handle, close, evaluate, supplement …).
    pub action: String,
    /// What it says to the resident: the guidance, a reason, the handling, their addition.
    pub note: Option<String>,
    /// The unit it went to (a dispatch).
    pub unit: Option<String>,
    pub photos: Vec<String>,
}

/// The steps of a report that concern its reporter, in order; the centres' internal moves
/// (returns between units, escalations, extensions, supervision) are not among them.
pub async fn progress(state: &AppState, e: &EventRecord) -> Result<Vec<Progress>> {
    let district = e
        .case
        .grid
        .ancestor_at(Level::District)
        .ok_or_else(|| invalid("id", "the event has no district"))?;
    let (actions, _) = state
        .store
        .event_timeline(&Scope::whole(district), e.id)
        .await?;
    let names = super::risk::unit_names(state).await?;
    Ok(actions
        .into_iter()
        .filter(|a| {
            matches!(
                a.action.as_str(),
                "report"
                    | "register"
                    | "reject"
                    | "merge"
                    | "dispatch"
                    | "accept"
                    | "handle"
                    | "close"
                    | "evaluate"
                    | "reopen"
                    | "supplement"
            )
        })
        .map(|a| {
            let speaks = matches!(
                a.action.as_str(),
                "register" | "reject" | "handle" | "supplement" | "evaluate"
            );
            let unit = (a.action == "dispatch")
                .then(|| {
                    e.case
                        .lead_unit
                        .as_ref()
                        .map(|u| names.get(u.as_str()).cloned().unwrap_or(u.to_string()))
                })
                .flatten();
            Progress {
                at: a.at,
                note: a.opinion.filter(|_| speaks),
                unit,
                photos: serde_json::from_str(&a.attachments).unwrap_or_default(),
                action: a.action,
            }
        })
        .collect())
}

/// Adds text (and photos) to the resident's own report while it is being worked on.
pub async fn add_to(
    state: &AppState,
    r: &ResidentRecord,
    id: i64,
    text: &str,
    photos: &[String],
) -> Result<()> {
    let e = own_event(state, r, id).await?;
    if !e.case.status.is_open() {
        return Err(DomainError::new(
            ErrorCode::InvalidTransition,
            "the report is finished; nothing can be added to it",
        )
        .zh("事件已办结，不能再补充")
        .into());
    }
    let text = intake::text("text", text, 1000)?;
    let photos =
        super::evidence::checked_photos(state, &r.actor().username, "photos", photos).await?;
    state
        .store
        .add_to_event(r, id, &text, &photos, crate::now_ms())
        .await?;
    Ok(())
}

/// The reporter's own step on their report (a rating, the confirmation of a 私事), through
/// the domain's rule for reporters and the event writer.
async fn reporter_step(
    state: &AppState,
    r: &ResidentRecord,
    id: i64,
    version: Option<i64>,
    command: Command,
    opinion: Option<String>,
) -> Result<EventRecord> {
    let e = own_event(state, r, id).await?;
    if version.is_some_and(|v| v != e.version) {
        return Err(DomainError::new(
            ErrorCode::InvalidTransition,
            format!("the report is at version {}; reload it", e.version),
        )
        .into());
    }
    let now = crate::now_ms();
    let outcome = event::apply_by_reporter(&e.case, &command, now, &state.reference().calendar)?;
    let record = state
        .submit_change(zhili_store::ChangeRequest {
            actor: r.actor(),
            id,
            expected_version: e.version,
            change: zhili_store::EventChange {
                action: command.name().to_string(),
                from: e.case.status,
                case: outcome.case,
                opinion,
                attachments: "[]".into(),
                step_done: outcome.step_done,
                merged_into: None,
            },
            now,
        })
        .await?;
    state.notify(EventNotice::of(&record, command.name(), now));
    Ok(record)
}

/// The resident rates the result of their closed report (1–5, with an optional comment):
/// this is the rating the KPIs count.
pub async fn rate(
    state: &AppState,
    r: &ResidentRecord,
    id: i64,
    version: Option<i64>,
    satisfaction: i64,
    comment: Option<&str>,
) -> Result<EventRecord> {
    let comment = comment
        .filter(|c| !c.trim().is_empty())
        .map(|c| intake::text("comment", c, 500))
        .transpose()?;
    reporter_step(
        state,
        r,
        id,
        version,
        Command::Evaluate { satisfaction },
        comment,
    )
    .await
}

/// The resident confirms that the guidance on their 私事 settled it.
pub async fn confirm(
    state: &AppState,
    r: &ResidentRecord,
    id: i64,
    version: Option<i64>,
) -> Result<EventRecord> {
    reporter_step(
        state,
        r,
        id,
        version,
        Command::Close {
            resident_confirmed: true,
        },
        Some("群众确认已解决".into()),
    )
    .await
}

/// The public notices a resident reads: their village's, its town's and the district's
/// (nothing before they link themselves to a registered person and so to a village).
pub async fn public_notices(
    state: &AppState,
    r: &ResidentRecord,
) -> Result<Vec<zhili_store::NoticeRecord>> {
    let Some(grid) = &r.grid_code else {
        return Ok(vec![]);
    };
    let areas: Vec<_> = [Level::Village, Level::Town, Level::District]
        .into_iter()
        .filter_map(|l| grid.ancestor_at(l))
        .collect();
    Ok(state.store.notices_for(&areas, 50).await?)
}

/// The outbox as an administrator reads it (codes among the messages while no SMS provider
/// is configured); the reading is recorded.
pub async fn read_outbox(
    state: &AppState,
    user: &zhili_domain::user::User,
    phone_last4: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<zhili_store::MessageRecord>> {
    if !user.role.administers() {
        return Err(super::forbidden("administrators only"));
    }
    let list = state.store.outbox(phone_last4, limit, offset).await?;
    let mut action = user
        .actor()
        .action(crate::now_ms(), "outbox.read", "outbox");
    action.opinion = Some(format!(
        "{} messages{}",
        list.len(),
        phone_last4
            .map(|d| format!(" to numbers ending {d}"))
            .unwrap_or_default()
    ));
    state.store.record_read(action).await?;
    Ok(list)
}
