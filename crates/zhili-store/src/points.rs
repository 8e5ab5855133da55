//! Points as written: rule books, entries requested and decided, credits and expiries on the
//! ledger, redemptions. Every movement of the ledger has a key written once (`movement`), and
//! the balance sits under a CHECK: the engine itself refuses a second credit of an entry, a
//! second payment of a redemption, or a balance below zero.

use crate::sql::{append_actions, corrupt, word};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use zhili_domain::chain::{Actor, NewAction};
use zhili_domain::points::{self as rules, Catalogue, EntryState};
use zhili_domain::{DomainError, ErrorCode};

fn refusal(code: ErrorCode, field: Option<&str>, en: &str, zh: &str) -> DomainError {
    let e = DomainError::new(code, en).zh(zh);
    match field {
        Some(f) => e.with_field(f),
        None => e,
    }
}

pub(crate) fn catalogue_row(r: &AnyRow) -> Result<CatalogueRecord> {
    let body: String = r.try_get("body")?;
    Ok(CatalogueRecord {
        village_code: r.try_get("village_code")?,
        version: r.try_get("version")?,
        catalogue: serde_json::from_str::<Catalogue>(&body)
            .map_err(|_| corrupt("point catalogue", &body))?,
        adopted_on: r.try_get("adopted_on")?,
        adopted_by: r.try_get("adopted_by")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) async fn save_catalogue(
    store: &SqlStore,
    actor: &Actor,
    c: &CatalogueRecord,
    now: i64,
) -> Result<i64> {
    let body =
        serde_json::to_string(&c.catalogue).map_err(|e| StoreError::Internal(e.to_string()))?;
    let mut tx = store.write_tx().await?;
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM point_catalogues WHERE village_code = $1",
    )
    .bind(c.village_code.clone())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO point_catalogues (village_code, version, body, adopted_on, adopted_by, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(c.village_code.clone())
    .bind(version)
    .bind(body)
    .bind(c.adopted_on.clone())
    .bind(c.adopted_by.clone())
    .bind(actor.username.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let mut action = actor.action(
        now,
        "points.catalogue",
        &format!("village:{}", c.village_code),
    );
    action.to_state = Some(format!("v{version}"));
    action.opinion = Some(format!("{} {}", c.adopted_on, c.adopted_by));
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(version)
}

pub(crate) async fn catalogues(
    store: &SqlStore,
    village: &str,
    limit: i64,
) -> Result<Vec<CatalogueRecord>> {
    sqlx::query(
        "SELECT * FROM point_catalogues WHERE village_code = $1 ORDER BY version DESC LIMIT $2",
    )
    .bind(village.to_string())
    .bind(limit)
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(catalogue_row)
    .collect()
}

pub(crate) async fn batch(
    store: &SqlStore,
    jobs: &[PointJob],
) -> Result<Vec<std::result::Result<PointOutcome, DomainError>>> {
    let mut tx = store.write_tx().await?;
    let mut out = Vec::with_capacity(jobs.len());
    let mut actions = Vec::with_capacity(jobs.len());
    for job in jobs {
        out.push(match job {
            PointJob::Request { actor, entry, now } => {
                request(&mut tx, actor, entry, *now, &mut actions).await?
            }
            PointJob::Redeem {
                actor,
                redemption,
                now,
            } => redeem(&mut tx, actor, redemption, *now, &mut actions).await?,
        });
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(out)
}

async fn request(
    tx: &mut AnyConnection,
    actor: &Actor,
    e: &NewPointEntry,
    now: i64,
    actions: &mut Vec<NewAction>,
) -> Result<std::result::Result<PointOutcome, DomainError>> {
    if let Some(key) = &e.idem {
        let before: Option<i64> =
            sqlx::query_scalar("SELECT id FROM point_entries WHERE idem = $1")
                .bind(key.clone())
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = before {
            return Ok(Ok(PointOutcome::Requested { id, replay: true }));
        }
    }
    if let Some(event) = e.event_id {
        // One entry per event and item: a report earns its points once.
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM point_entries WHERE event_id = $1 AND item_code = $2 AND village_code = $3 \
             AND state NOT IN ('rejected', 'voided')",
        )
        .bind(event)
        .bind(e.item_code.clone())
        .bind(e.village_code.clone())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = taken {
            return Ok(Err(refusal(
                ErrorCode::Conflict,
                Some("event_id"),
                &format!("event {event} has earned this item already (entry {id})"),
                "该事件已申报过此积分项目",
            )));
        }
    }
    if let Some((cap, from, to)) = e.cap {
        let already: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM point_entries WHERE person_id = $1 AND item_code = $2 \
             AND requested_at >= $3 AND requested_at < $4 AND state NOT IN ('rejected', 'voided')",
        )
        .bind(e.person_id)
        .bind(e.item_code.clone())
        .bind(from)
        .bind(to)
        .fetch_one(&mut *tx)
        .await?;
        if let Err(refused) = rules::within_cap(&e.item_name, Some(cap), already) {
            return Ok(Err(refused));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO point_entries (village_code, person_id, catalogue_version, item_code, item_name, category, points, \
         state, origin, note, event_id, requested_by, requested_at, idem) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(e.village_code.clone())
    .bind(e.person_id)
    .bind(e.catalogue_version)
    .bind(e.item_code.clone())
    .bind(e.item_name.clone())
    .bind(e.category.clone())
    .bind(e.points)
    .bind(e.state.as_str())
    .bind(e.origin.clone())
    .bind(e.note.clone())
    .bind(e.event_id)
    .bind(e.requested_by.clone())
    .bind(now)
    .bind(e.idem.clone())
    .fetch_one(&mut *tx)
    .await?;
    let mut action = actor.action(now, "points.request", &format!("point_entry:{id}"));
    action.to_state = Some(e.state.as_str().into());
    action.opinion = Some(format!(
        "{} {:+} person:{}",
        e.item_name, e.points, e.person_id
    ));
    actions.push(action);
    Ok(Ok(PointOutcome::Requested { id, replay: false }))
}

async fn redeem(
    tx: &mut AnyConnection,
    actor: &Actor,
    r: &NewRedemption,
    now: i64,
    actions: &mut Vec<NewAction>,
) -> Result<std::result::Result<PointOutcome, DomainError>> {
    let key = format!("{}:{}", r.person_id, r.idem);
    let goods =
        sqlx::query("SELECT name, price, active, village_code FROM point_goods WHERE id = $1")
            .bind(r.goods_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(goods) = goods else {
        return Ok(Err(refusal(
            ErrorCode::NotFound,
            Some("goods_id"),
            "no such goods in this village's shop",
            "本村积分超市没有该商品",
        )));
    };
    let (name, price): (String, i64) = (goods.try_get("name")?, goods.try_get("price")?);
    let village: String = goods.try_get("village_code")?;
    if village != r.village_code {
        return Ok(Err(refusal(
            ErrorCode::NotFound,
            Some("goods_id"),
            "no such goods in this village's shop",
            "本村积分超市没有该商品",
        )));
    }
    // The key is taken first: a request repeated while the first is still being written waits
    // for it here (PostgreSQL) or comes after it (SQLite's one writer), then finds it.
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO point_redemptions (goods_id, person_id, village_code, goods_name, price, idem, at, by_user) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idem) DO NOTHING RETURNING id",
    )
    .bind(r.goods_id)
    .bind(r.person_id)
    .bind(r.village_code.clone())
    .bind(name.clone())
    .bind(price)
    .bind(key.clone())
    .bind(now)
    .bind(r.by.clone())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = inserted else {
        let before = crate::point_shop::redemption_by_key(&mut *tx, &key).await?;
        return Ok(Ok(PointOutcome::Redeemed {
            redemption: before,
            replay: true,
        }));
    };
    if goods.try_get::<i64, _>("active")? == 0 {
        undo_redemption(tx, id).await?;
        return Ok(Err(refusal(
            ErrorCode::Conflict,
            Some("goods_id"),
            "these goods are off the shelf",
            "该商品已下架",
        )));
    }
    let stocked =
        sqlx::query("UPDATE point_goods SET stock = stock - 1 WHERE id = $1 AND stock >= 1")
            .bind(r.goods_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if stocked == 0 {
        undo_redemption(tx, id).await?;
        return Ok(Err(refusal(
            ErrorCode::Conflict,
            Some("goods_id"),
            "out of stock",
            "该商品库存不足",
        )));
    }
    let balance: Option<i64> = sqlx::query_scalar(
        "UPDATE point_accounts SET balance = balance - $1, spent = spent + $1 \
         WHERE person_id = $2 AND balance >= $1 RETURNING balance",
    )
    .bind(price)
    .bind(r.person_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(balance) = balance else {
        sqlx::query("UPDATE point_goods SET stock = stock + 1 WHERE id = $1")
            .bind(r.goods_id)
            .execute(&mut *tx)
            .await?;
        undo_redemption(tx, id).await?;
        return Ok(Err(refusal(
            ErrorCode::Conflict,
            Some("goods_id"),
            &format!("not enough points: {name} takes {price}"),
            &format!("积分不足：兑换{name}需{price}分"),
        )));
    };
    sqlx::query(
        "INSERT INTO point_ledger (person_id, village_code, kind, amount, asked, balance_after, redemption_id, movement, at, by_user) \
         VALUES ($1, $2, 'redeem', $3, $3, $4, $5, $6, $7, $8)",
    )
    .bind(r.person_id)
    .bind(r.village_code.clone())
    .bind(-price)
    .bind(balance)
    .bind(id)
    .bind(format!("redemption:{id}"))
    .bind(now)
    .bind(r.by.clone())
    .execute(&mut *tx)
    .await?;
    let mut action = actor.action(now, "points.redeem", &format!("point_redemption:{id}"));
    action.opinion = Some(format!("{name} -{price} person:{}", r.person_id));
    actions.push(action);
    let person_name: String = sqlx::query_scalar("SELECT name FROM people WHERE id = $1")
        .bind(r.person_id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(Ok(PointOutcome::Redeemed {
        redemption: RedemptionRecord {
            id,
            goods_id: r.goods_id,
            goods_name: name,
            person_id: r.person_id,
            person_name,
            village_code: r.village_code.clone(),
            price,
            at: now,
            by: r.by.clone(),
            balance,
        },
        replay: false,
    }))
}

/// A redemption refused after its key was taken gives the key back (inside the same
/// transaction: nothing of it was ever visible).
async fn undo_redemption(tx: &mut AnyConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM point_redemptions WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub(crate) async fn move_entries(
    store: &SqlStore,
    actor: &Actor,
    moves: &[EntryMove],
    now: i64,
) -> Result<Vec<bool>> {
    let mut tx = store.write_tx().await?;
    let mut out = Vec::with_capacity(moves.len());
    let mut actions = Vec::new();
    for m in moves {
        let sql = match m.to {
            EntryState::Appealed => {
                "UPDATE point_entries SET state = $1, appealed_by = $2, appealed_at = $3, appeal = $4, \
                 notice_ends = COALESCE($5, notice_ends) WHERE id = $6 AND state = $7"
            }
            // An appeal decided: dismissed back to notice, or upheld.
            _ if m.from == EntryState::Appealed => {
                "UPDATE point_entries SET state = $1, decided_by = $2, decided_at = $3, appeal_answer = $4, \
                 notice_ends = COALESCE($5, notice_ends) WHERE id = $6 AND state = $7"
            }
            // Approved (on notice until `notice_ends`) or rejected.
            _ => {
                "UPDATE point_entries SET state = $1, decided_by = $2, decided_at = $3, decision_note = $4, notice_ends = $5 \
                 WHERE id = $6 AND state = $7"
            }
        };
        let moved = sqlx::query(sql)
            .bind(m.to.as_str())
            .bind(actor.username.clone())
            .bind(now)
            .bind(m.note.clone())
            .bind(m.notice_ends)
            .bind(m.id)
            .bind(m.from.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if moved {
            let mut a = actor.action(now, "points.decide", &format!("point_entry:{}", m.id));
            a.from_state = Some(m.from.as_str().into());
            a.to_state = Some(m.to.as_str().into());
            a.opinion = m.note.clone();
            actions.push(a);
        }
        out.push(moved);
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(out)
}

pub(crate) async fn release(store: &SqlStore, event_id: i64, now: i64) -> Result<usize> {
    let mut tx = store.write_tx().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE point_entries SET state = 'pending' WHERE event_id = $1 AND state = 'awaiting_event' RETURNING id",
    )
    .bind(event_id)
    .fetch_all(&mut *tx)
    .await?;
    let actions = ids
        .iter()
        .map(|id| {
            let mut a =
                Actor::system().action(now, "points.event_verified", &format!("point_entry:{id}"));
            a.from_state = Some("awaiting_event".into());
            a.to_state = Some("pending".into());
            a.opinion = Some(format!("event:{event_id}"));
            a
        })
        .collect();
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(ids.len())
}

/// Opens the person's account if it is not there yet.
async fn account(tx: &mut AnyConnection, person_id: i64, village: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO point_accounts (person_id, village_code, balance) VALUES ($1, $2, 0) ON CONFLICT (person_id) DO NOTHING",
    )
    .bind(person_id)
    .bind(village.to_string())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub(crate) async fn settle(store: &SqlStore, now: i64, limit: i64) -> Result<Settled> {
    let mut done = Settled::default();
    // Entries whose event passed verification while their release did not happen.
    let stranded: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT e.event_id FROM point_entries e JOIN events v ON v.id = e.event_id \
         WHERE e.state = 'awaiting_event' AND v.status IN ('verified', 'closed', 'evaluated') LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    for event in stranded {
        release(store, event, now).await?;
    }
    let due = sqlx::query(
        "SELECT e.id, e.person_id, e.village_code, e.points, e.catalogue_version, c.body \
         FROM point_entries e JOIN point_catalogues c ON c.village_code = e.village_code AND c.version = e.catalogue_version \
         WHERE e.state = 'notice' AND e.notice_ends <= $1 ORDER BY e.notice_ends, e.id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    let system = Actor::system();
    let mut tx = store.write_tx().await?;
    let mut actions = Vec::new();
    // Each rule book once, however many of its entries are due.
    let mut books: std::collections::HashMap<(String, i64), Catalogue> = Default::default();
    for row in &due {
        let id: i64 = row.try_get("id")?;
        let person: i64 = row.try_get("person_id")?;
        let village: String = row.try_get("village_code")?;
        let points: i64 = row.try_get("points")?;
        let version: i64 = row.try_get("catalogue_version")?;
        let book = (village.clone(), version);
        if !books.contains_key(&book) {
            let body: String = row.try_get("body")?;
            let parsed: Catalogue =
                serde_json::from_str(&body).map_err(|_| corrupt("point catalogue", &body))?;
            books.insert(book.clone(), parsed);
        }
        let c = &books[&book];
        // Only what is still on notice now is credited (an appeal since the read stops it).
        let moved = sqlx::query(
            "UPDATE point_entries SET state = 'credited', credited_at = $1 WHERE id = $2 AND state = 'notice'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            continue;
        }
        account(&mut tx, person, &village).await?;
        let balance: i64 =
            sqlx::query_scalar("SELECT balance FROM point_accounts WHERE person_id = $1")
                .bind(person)
                .fetch_one(&mut *tx)
                .await?;
        let (kind, amount, expires, column) = if points > 0 {
            ("award", points, Some(rules::expires_at(c, now)), "earned")
        } else {
            (
                "deduct",
                rules::deduction_taken(balance, points),
                None,
                "deducted",
            )
        };
        let after: i64 = sqlx::query_scalar(&format!(
            "UPDATE point_accounts SET balance = balance + $1, {column} = {column} + $2 WHERE person_id = $3 RETURNING balance"
        ))
        .bind(amount)
        .bind(amount.abs())
        .bind(person)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO point_ledger (person_id, village_code, kind, amount, asked, balance_after, entry_id, expires_at, movement, at, by_user) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'system')",
        )
        .bind(person)
        .bind(village)
        .bind(kind)
        .bind(amount)
        .bind(points)
        .bind(after)
        .bind(id)
        .bind(expires)
        .bind(format!("entry:{id}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let mut a = system.action(now, "points.credit", &format!("point_entry:{id}"));
        a.from_state = Some("notice".into());
        a.to_state = Some("credited".into());
        a.opinion = Some(format!("{amount:+} person:{person}"));
        actions.push(a);
        done.credited += 1;
    }
    // Expiry: of the points credited before their expiry, what no debit has taken yet.
    let expiring = sqlx::query(
        "SELECT a.person_id, a.village_code, a.balance, a.spent + a.deducted + a.expired AS debited, \
         CAST(SUM(l.amount) AS BIGINT) AS matured, MAX(l.expires_at) AS cutoff \
         FROM point_accounts a JOIN point_ledger l ON l.person_id = a.person_id AND l.kind = 'award' AND l.expires_at <= $1 \
         GROUP BY a.person_id, a.village_code, a.balance, a.spent, a.deducted, a.expired \
         HAVING CAST(SUM(l.amount) AS BIGINT) > a.spent + a.deducted + a.expired LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    for row in &expiring {
        let person: i64 = row.try_get("person_id")?;
        let village: String = row.try_get("village_code")?;
        let balance: i64 = row.try_get("balance")?;
        let take = rules::expiring(row.try_get("matured")?, row.try_get("debited")?).min(balance);
        let cutoff: i64 = row.try_get("cutoff")?;
        if take <= 0 {
            continue;
        }
        let after: i64 = sqlx::query_scalar(
            "UPDATE point_accounts SET balance = balance - $1, expired = expired + $1 WHERE person_id = $2 RETURNING balance",
        )
        .bind(take)
        .bind(person)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO point_ledger (person_id, village_code, kind, amount, asked, balance_after, movement, at, by_user) \
             VALUES ($1, $2, 'expire', $3, $3, $4, $5, $6, 'system')",
        )
        .bind(person)
        .bind(village)
        .bind(-take)
        .bind(after)
        .bind(format!("expire:{person}:{cutoff}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let mut a = system.action(now, "points.expire", &format!("person:{person}"));
        a.opinion = Some(format!("-{take}"));
        actions.push(a);
        done.expired += 1;
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(done)
}

pub(crate) fn entry_state(r: &AnyRow) -> Result<EntryState> {
    word(r, "state", EntryState::parse)
}
