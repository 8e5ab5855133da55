//! Residents' accounts, sessions, codes and reports; the outbox; public notices.

use crate::events::EVENT_COLUMNS;
use crate::sql::{append_actions, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use zhili_domain::chain::Actor;
use zhili_domain::resident::{may_send, IssuedCode, Notice};
use zhili_domain::{DomainError, ErrorCode, RegionCode};

const DAY_MS: i64 = 86_400_000;
const RESIDENT_COLUMNS: &str =
    "id, phone_sealed, phone_masked, person_id, grid_code, display_name, created_at, linked_at";

fn resident(r: &AnyRow) -> Result<ResidentRecord> {
    let grid: Option<String> = r.try_get("grid_code")?;
    Ok(ResidentRecord {
        id: r.try_get("id")?,
        phone_sealed: r.try_get("phone_sealed")?,
        phone_masked: r.try_get("phone_masked")?,
        person_id: r.try_get("person_id")?,
        grid_code: grid
            .map(|g| RegionCode::parse(&g).map_err(|_| crate::sql::corrupt("grid code", &g)))
            .transpose()?,
        display_name: r.try_get("display_name")?,
        created_at: r.try_get("created_at")?,
        linked_at: r.try_get("linked_at")?,
    })
}

async fn insert_message(conn: &mut AnyConnection, m: &NewMessage, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO messages (phone_sealed, phone_masked, resident_id, event_id, kind, body, created_at, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued') RETURNING id",
    )
    .bind(m.phone_sealed.clone())
    .bind(m.phone_masked.clone())
    .bind(m.resident_id)
    .bind(m.event_id)
    .bind(m.kind.clone())
    .bind(m.body.clone())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

/// A notice to the resident who reported an event, queued in the event change's transaction.
pub(crate) async fn queue_notice<C: crate::exec::Exec>(
    tx: &mut C,
    resident_id: i64,
    event_id: i64,
    notice: Notice,
    body: &str,
    now: i64,
) -> Result<()> {
    let mut insert = crate::sql::Sql::new(
        "INSERT INTO messages (phone_sealed, phone_masked, resident_id, event_id, kind, body, created_at, state) \
         SELECT phone_sealed, phone_masked, id, $1, $2, $3, $4, 'queued' FROM residents WHERE id = $5",
    );
    insert.args = vec![
        Arg::Int(event_id),
        Arg::Text(notice.as_str().to_string()),
        Arg::Text(body.to_string()),
        Arg::Int(now),
        Arg::Int(resident_id),
    ];
    tx.run(&insert).await?;
    Ok(())
}

/// Many code requests and answers in one transaction (one durable commit), each judged in
/// turn as if alone — a refusal is that job's answer and leaves the others be; a database
/// failure writes none of them.
pub(crate) async fn code_batch(store: &SqlStore, jobs: &[CodeJob]) -> Result<Vec<CodeOutcome>> {
    let mut tx = store.write_tx().await?;
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        out.push(match job {
            CodeJob::Issue {
                phone_blinds,
                code_hash,
                message,
                now,
            } => CodeOutcome::Issued(
                issue_code_on(&mut tx, phone_blinds, code_hash, message, *now).await?,
            ),
            CodeJob::Answer { answer, now } => {
                CodeOutcome::Answered(answer_code_on(&mut tx, answer, *now).await?)
            }
        });
    }
    tx.commit().await?;
    Ok(out)
}

async fn issue_code_on(
    tx: &mut AnyConnection,
    phone_blinds: &[String],
    code_hash: &str,
    message: &NewMessage,
    now: i64,
) -> Result<std::result::Result<(), DomainError>> {
    let Some(current) = phone_blinds.first() else {
        return Err(StoreError::Internal("a code for no number".into()));
    };
    let mut sql = Sql::new("SELECT issued_at FROM resident_codes WHERE phone_blind IN ");
    sql.bind_list(phone_blinds.iter().cloned().map(Arg::Text))
        .push(" AND issued_at > ")
        .bind(Arg::Int(now - DAY_MS));
    let sent: Vec<i64> = sql
        .query()
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
    if let Err(refusal) = may_send(&sent, now) {
        return Ok(Err(refusal));
    }
    // Codes older than a day count for nothing: the number's old rows go as a new one comes.
    let mut sql = Sql::new("DELETE FROM resident_codes WHERE phone_blind IN ");
    sql.bind_list(phone_blinds.iter().cloned().map(Arg::Text))
        .push(" AND issued_at <= ")
        .bind(Arg::Int(now - DAY_MS));
    sql.query().execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO resident_codes (phone_blind, code_hash, issued_at) VALUES ($1, $2, $3)",
    )
    .bind(current.clone())
    .bind(code_hash.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let id = insert_message(&mut *tx, message, now).await?;
    append_actions(
        &mut *tx,
        vec![Actor::system().action(now, "resident.code_sent", &format!("message:{id}"))],
    )
    .await?;
    Ok(Ok(()))
}

async fn answer_code_on(
    tx: &mut AnyConnection,
    a: &CodeAnswer,
    now: i64,
) -> Result<std::result::Result<(ResidentRecord, bool), DomainError>> {
    let mut sql = Sql::new(
        "SELECT id, phone_blind, code_hash, issued_at, attempts, used_at FROM resident_codes \
         WHERE phone_blind IN ",
    );
    sql.bind_list(a.phone_blinds.iter().cloned().map(Arg::Text))
        .push(" ORDER BY issued_at DESC, id DESC LIMIT 1");
    let row = sql.query().fetch_optional(&mut *tx).await?;
    let Some(row) = row else {
        return Ok(Err(DomainError::new(
            ErrorCode::CodeExpired,
            "no code was sent to this number; ask for one",
        )
        .with_field("code")
        .zh("请先获取验证码")));
    };
    let code_id: i64 = row.try_get("id")?;
    // The answer hashed under the key the code was issued under.
    let issued_under: String = row.try_get("phone_blind")?;
    let answer_hash = a
        .phone_blinds
        .iter()
        .position(|b| *b == issued_under)
        .and_then(|i| a.answer_hashes.get(i))
        .ok_or_else(|| StoreError::Internal("a code answer without its hash".into()))?;
    let issued = IssuedCode {
        phone: String::new(),
        hash: row.try_get("code_hash")?,
        issued_at: row.try_get("issued_at")?,
        attempts: row.try_get::<i64, _>("attempts")?.clamp(0, u32::MAX as i64) as u32,
        used_at: row.try_get("used_at")?,
    };
    let (kept, verdict) = issued.verify(answer_hash, now);
    if kept != issued {
        // Only from the state read: a concurrent answer that moved it first wins.
        let moved = sqlx::query(
            "UPDATE resident_codes SET attempts = $1, used_at = $2 WHERE id = $3 AND attempts = $4 AND used_at IS NULL",
        )
        .bind(kept.attempts as i64)
        .bind(kept.used_at)
        .bind(code_id)
        .bind(issued.attempts as i64)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(Err(DomainError::new(
                ErrorCode::CodeExpired,
                "the code was used already; ask for a new one",
            )
            .with_field("code")
            .zh("验证码已使用，请重新获取")));
        }
    }
    if let Err(refusal) = verdict {
        return Ok(Err(refusal));
    }
    let found = resident_by_blinds(&mut *tx, &a.phone_blinds).await?;
    let (record, created) = match found {
        Some(r) => (r, false),
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO residents (phone_blind, phone_sealed, phone_masked, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(a.phone_blinds[0].clone())
            .bind(a.phone_sealed.clone())
            .bind(a.phone_masked.clone())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let r = ResidentRecord {
                id,
                phone_sealed: a.phone_sealed.clone(),
                phone_masked: a.phone_masked.clone(),
                person_id: None,
                grid_code: None,
                display_name: None,
                created_at: now,
                linked_at: None,
            };
            (r, true)
        }
    };
    sqlx::query(
        "INSERT INTO resident_sessions (token_hash, resident_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(a.token_hash.clone())
    .bind(record.id)
    .bind(now)
    .bind(a.expires_at)
    .execute(&mut *tx)
    .await?;
    let subject = format!("resident:{}", record.id);
    let mut actions = Vec::with_capacity(2);
    if created {
        actions.push(record.actor().action(now, "resident.sign_up", &subject));
    }
    actions.push(record.actor().action(now, "resident.sign_in", &subject));
    append_actions(&mut *tx, actions).await?;
    Ok(Ok((record, created)))
}

pub(crate) async fn by_phone(
    store: &SqlStore,
    blinds: &[String],
) -> Result<Option<ResidentRecord>> {
    let mut conn = store.pool.acquire().await?;
    resident_by_blinds(&mut conn, blinds).await
}

/// The resident whose number's blind index is one of `blinds` (one per key of the ring).
async fn resident_by_blinds(
    conn: &mut AnyConnection,
    blinds: &[String],
) -> Result<Option<ResidentRecord>> {
    if blinds.is_empty() {
        return Ok(None);
    }
    let mut sql = Sql::new(&format!(
        "SELECT {RESIDENT_COLUMNS} FROM residents WHERE phone_blind IN "
    ));
    sql.bind_list(blinds.iter().cloned().map(Arg::Text))
        .push(" LIMIT 1");
    sql.query()
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(resident)
        .transpose()
}

pub(crate) async fn queue_message(
    store: &SqlStore,
    actor: &Actor,
    m: &NewMessage,
    now: i64,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    let id = insert_message(&mut tx, m, now).await?;
    let subject = match m.event_id {
        Some(e) => format!("event:{e}"),
        None => format!("message:{id}"),
    };
    let mut action = actor.action(now, &format!("message.{}", m.kind), &subject);
    action.opinion = Some(format!("message:{id} to {}", m.phone_masked));
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn by_token(
    store: &SqlStore,
    token_hash: &str,
    now: i64,
) -> Result<Option<ResidentRecord>> {
    let row = sqlx::query(
        "SELECT r.id, r.phone_sealed, r.phone_masked, r.person_id, r.grid_code, r.display_name, r.created_at, r.linked_at \
         FROM resident_sessions s JOIN residents r ON r.id = s.resident_id \
         WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2",
    )
    .bind(token_hash.to_string())
    .bind(now)
    .fetch_optional(&store.pool)
    .await?;
    row.as_ref().map(resident).transpose()
}

pub(crate) async fn end_session(
    store: &SqlStore,
    r: &ResidentRecord,
    token_hash: &str,
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    let ended = sqlx::query(
        "UPDATE resident_sessions SET ended_at = $1 WHERE token_hash = $2 AND resident_id = $3 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(token_hash.to_string())
    .bind(r.id)
    .execute(&mut *tx)
    .await?;
    if ended.rows_affected() > 0 {
        append_actions(
            &mut tx,
            vec![r
                .actor()
                .action(now, "resident.sign_out", &format!("resident:{}", r.id))],
        )
        .await?;
    }
    tx.commit().await
}

fn not_linkable() -> DomainError {
    DomainError::invalid(
        "id_number",
        "no registered person can be linked with this ID number and name; ask your village station",
    )
    .zh("无法用这个身份证号和姓名关联到登记的人员，请到村（社区）综治站核实")
}

pub(crate) async fn link(
    store: &SqlStore,
    r: &ResidentRecord,
    id_blinds: &[String],
    name: &str,
    max_tries: i64,
    now: i64,
) -> Result<std::result::Result<ResidentRecord, DomainError>> {
    let mut tx = store.write_tx().await?;
    let tries: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM resident_link_tries WHERE resident_id = $1 AND at > $2",
    )
    .bind(r.id)
    .bind(now - DAY_MS)
    .fetch_one(&mut *tx)
    .await?;
    if tries >= max_tries {
        let oldest: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MIN(at), $2) FROM resident_link_tries WHERE resident_id = $1 AND at > $3",
        )
        .bind(r.id)
        .bind(now)
        .bind(now - DAY_MS)
        .fetch_one(&mut *tx)
        .await?;
        return Ok(Err(DomainError::new(
            ErrorCode::RateLimited,
            "too many tries to link today",
        )
        .zh("今天的关联尝试次数已用完，请明天再试或到村（社区）综治站办理")
        .retry_after((oldest + DAY_MS - now).max(1))));
    }
    sqlx::query("INSERT INTO resident_link_tries (resident_id, at) VALUES ($1, $2)")
        .bind(r.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let mut sql = Sql::new("SELECT p.id, p.name, p.grid_code FROM people p WHERE p.id_blind IN ");
    sql.bind_list(id_blinds.iter().cloned().map(Arg::Text))
        .push(" AND p.id_type = '111' AND NOT EXISTS (SELECT 1 FROM residents o WHERE o.person_id = p.id AND o.id <> ")
        .bind(Arg::Int(r.id))
        .push(") LIMIT 1");
    let person = sql.query().fetch_optional(&mut *tx).await?;
    let found = match person {
        Some(p) if p.try_get::<String, _>("name")? == name => Some(p),
        _ => None,
    };
    let Some(p) = found else {
        // The try is kept; nothing says why it failed.
        tx.commit().await?;
        return Ok(Err(not_linkable()));
    };
    let person_id: i64 = p.try_get("id")?;
    let grid: String = p.try_get("grid_code")?;
    sqlx::query(
        "UPDATE residents SET person_id = $1, grid_code = $2, display_name = $3, linked_at = $4 WHERE id = $5",
    )
    .bind(person_id)
    .bind(grid.clone())
    .bind(name.to_string())
    .bind(now)
    .bind(r.id)
    .execute(&mut *tx)
    .await?;
    append_actions(
        &mut tx,
        vec![r
            .actor()
            .action(now, "resident.link", &format!("person:{person_id}"))],
    )
    .await?;
    tx.commit().await?;
    let mut linked = r.clone();
    linked.person_id = Some(person_id);
    linked.grid_code = RegionCode::parse(&grid).ok();
    linked.display_name = Some(name.to_string());
    linked.linked_at = Some(now);
    Ok(Ok(linked))
}

pub(crate) async fn events(
    store: &SqlStore,
    resident_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<EventRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE e.resident_id = "
    ));
    sql.bind(Arg::Int(resident_id));
    if let Some(before) = before {
        sql.push(" AND e.id < ").bind(Arg::Int(before));
    }
    sql.push(" ORDER BY e.id DESC LIMIT ")
        .bind(Arg::Int(limit.clamp(1, 200)));
    crate::events::read_listed(store, sql).await
}

pub(crate) async fn event(
    store: &SqlStore,
    resident_id: i64,
    id: i64,
) -> Result<Option<EventRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE e.resident_id = "
    ));
    sql.bind(Arg::Int(resident_id));
    sql.push(" AND e.id = ").bind(Arg::Int(id));
    Ok(crate::events::read_listed(store, sql).await?.pop())
}

pub(crate) async fn add_to_event(
    store: &SqlStore,
    r: &ResidentRecord,
    event_id: i64,
    text: &str,
    attachments: &str,
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    let mut action = r
        .actor()
        .action(now, "supplement", &format!("event:{event_id}"));
    action.opinion = Some(text.to_string());
    action.attachments = attachments.to_string();
    crate::attachments::link(&mut tx, event_id, &crate::attachments::ids_of(attachments)?).await?;
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await
}

pub(crate) async fn photo(
    store: &SqlStore,
    r: &ResidentRecord,
    sha256: &str,
) -> Result<Option<(AttachmentInfo, Vec<u8>)>> {
    let mine: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM attachment_uploads u WHERE u.sha256 = $1 AND u.username = $2 \
         UNION SELECT 1 FROM event_attachments ea JOIN events e ON e.id = ea.event_id WHERE ea.sha256 = $1 AND e.resident_id = $3",
    )
    .bind(sha256.to_string())
    .bind(r.actor().username)
    .bind(r.id)
    .fetch_optional(&store.pool)
    .await?;
    if mine.is_none() {
        return Ok(None);
    }
    crate::attachments::held(store, sha256).await
}

const MESSAGE_COLUMNS: &str = "id, phone_sealed, phone_masked, resident_id, event_id, kind, body, created_at, state, via, sent_at, tries, error";

fn message(r: &AnyRow) -> Result<MessageRecord> {
    Ok(MessageRecord {
        id: r.try_get("id")?,
        phone_sealed: r.try_get("phone_sealed")?,
        phone_masked: r.try_get("phone_masked")?,
        resident_id: r.try_get("resident_id")?,
        event_id: r.try_get("event_id")?,
        kind: r.try_get("kind")?,
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
        state: r.try_get("state")?,
        via: r.try_get("via")?,
        sent_at: r.try_get("sent_at")?,
        tries: r.try_get("tries")?,
        error: r.try_get("error")?,
    })
}

pub(crate) async fn messages_of(
    store: &SqlStore,
    resident_id: i64,
    limit: i64,
) -> Result<Vec<MessageRecord>> {
    sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE resident_id = $1 AND kind <> 'code' ORDER BY id DESC LIMIT $2"
    ))
    .bind(resident_id)
    .bind(limit.clamp(1, 200))
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(message)
    .collect()
}

pub(crate) async fn queued(store: &SqlStore, limit: i64) -> Result<Vec<MessageRecord>> {
    sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE state = 'queued' ORDER BY id LIMIT $1"
    ))
    .bind(limit.clamp(1, 1000))
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(message)
    .collect()
}

pub(crate) async fn settle(
    store: &SqlStore,
    settled: &[(i64, MessageOutcome)],
    via: &str,
    max_tries: i64,
    now: i64,
) -> Result<()> {
    if settled.is_empty() {
        return Ok(());
    }
    // One commit for the batch the sender went through, not one per message.
    let mut tx = store.write_tx().await?;
    for (id, outcome) in settled {
        let (state, error) = match outcome {
            MessageOutcome::Sent => ("sent", None),
            MessageOutcome::Held => ("held", None),
            MessageOutcome::Failed(e) => ("failed", Some(e.chars().take(500).collect::<String>())),
        };
        // A failure stays queued for another try until it has had its tries.
        sqlx::query(
            "UPDATE messages SET tries = tries + 1, via = $1, error = $2, \
             state = CASE WHEN $3 = 'failed' AND tries + 1 < $4 THEN 'queued' ELSE $3 END, \
             sent_at = CASE WHEN $3 = 'sent' THEN $5 ELSE sent_at END \
             WHERE id = $6 AND state = 'queued'",
        )
        .bind(via.to_string())
        .bind(error)
        .bind(state)
        .bind(max_tries)
        .bind(now)
        .bind(*id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

pub(crate) async fn outbox(
    store: &SqlStore,
    suffix: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<MessageRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE 1 = 1"
    ));
    if let Some(suffix) = suffix {
        sql.push(" AND phone_masked LIKE ")
            .bind_text(format!("%{suffix}"));
    }
    sql.push(" ORDER BY id DESC LIMIT ")
        .bind(Arg::Int(limit.clamp(1, 500)));
    sql.push(" OFFSET ").bind(Arg::Int(offset.max(0)));
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(message)
        .collect()
}

const NOTICE_COLUMNS: &str =
    "id, region_code, title, body, posted_by, unit, posted_at, withdrawn_at";

fn notice_row(r: &AnyRow) -> Result<NoticeRecord> {
    let region: String = r.try_get("region_code")?;
    Ok(NoticeRecord {
        id: r.try_get("id")?,
        region_code: RegionCode::parse(&region)
            .map_err(|_| crate::sql::corrupt("region code", &region))?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        posted_by: r.try_get("posted_by")?,
        unit: r.try_get("unit")?,
        posted_at: r.try_get("posted_at")?,
        withdrawn_at: r.try_get("withdrawn_at")?,
    })
}

pub(crate) async fn post_notice(
    store: &SqlStore,
    actor: &Actor,
    region: &RegionCode,
    title: &str,
    body: &str,
    now: i64,
) -> Result<NoticeRecord> {
    let mut tx = store.write_tx().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO public_notices (region_code, title, body, posted_by, unit, posted_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(region.to_string())
    .bind(title.to_string())
    .bind(body.to_string())
    .bind(actor.username.clone())
    .bind(actor.unit.clone())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let mut action = actor.action(now, "notice.post", &format!("notice:{id}"));
    action.opinion = Some(title.to_string());
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(NoticeRecord {
        id,
        region_code: region.clone(),
        title: title.to_string(),
        body: body.to_string(),
        posted_by: actor.username.clone(),
        unit: actor.unit.clone(),
        posted_at: now,
        withdrawn_at: None,
    })
}

pub(crate) async fn notices_for(
    store: &SqlStore,
    regions: &[RegionCode],
    limit: i64,
) -> Result<Vec<NoticeRecord>> {
    if regions.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = Sql::new(&format!(
        "SELECT {NOTICE_COLUMNS} FROM public_notices WHERE withdrawn_at IS NULL AND region_code IN ("
    ));
    for (i, r) in regions.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind_text(r.to_string());
    }
    sql.push(") ORDER BY posted_at DESC, id DESC LIMIT ")
        .bind(Arg::Int(limit.clamp(1, 200)));
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(notice_row)
        .collect()
}

pub(crate) async fn notices_under(
    store: &SqlStore,
    prefix: &str,
    limit: i64,
) -> Result<Vec<NoticeRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {NOTICE_COLUMNS} FROM public_notices WHERE region_code LIKE "
    ));
    sql.bind_text(format!("{prefix}%"));
    sql.push(" ORDER BY posted_at DESC, id DESC LIMIT ")
        .bind(Arg::Int(limit.clamp(1, 500)));
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(notice_row)
        .collect()
}

pub(crate) async fn withdraw_notice(
    store: &SqlStore,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    let done = sqlx::query(
        "UPDATE public_notices SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() > 0 {
        append_actions(
            &mut tx,
            vec![actor.action(now, "notice.withdraw", &format!("notice:{id}"))],
        )
        .await?;
    }
    tx.commit().await
}

pub(crate) async fn notice(store: &SqlStore, id: i64) -> Result<Option<NoticeRecord>> {
    sqlx::query(&format!(
        "SELECT {NOTICE_COLUMNS} FROM public_notices WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&store.pool)
    .await?
    .as_ref()
    .map(notice_row)
    .transpose()
}
