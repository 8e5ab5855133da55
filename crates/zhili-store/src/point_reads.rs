//! Points as read: entries with the person's name, accounts, a person's ledger, a period's
//! movements summed per person (the monthly publication and the quarterly ranking).

use crate::points::entry_state;
use crate::sql::{digit_prefix, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::Row;

const ENTRY_COLUMNS: &str = "e.id, e.village_code, e.person_id, e.catalogue_version, e.item_code, e.item_name, e.category, \
     e.points, e.state, e.origin, e.note, e.event_id, e.requested_by, e.requested_at, e.idem, e.decided_by, e.decided_at, \
     e.decision_note, e.notice_ends, e.appeal, e.appealed_by, e.appealed_at, e.appeal_answer, e.credited_at, \
     p.name AS person_name, p.grid_code";

fn entry_row(r: &AnyRow) -> Result<PointEntryRecord> {
    Ok(PointEntryRecord {
        id: r.try_get("id")?,
        entry: NewPointEntry {
            village_code: r.try_get("village_code")?,
            person_id: r.try_get("person_id")?,
            catalogue_version: r.try_get("catalogue_version")?,
            item_code: r.try_get("item_code")?,
            item_name: r.try_get("item_name")?,
            category: r.try_get("category")?,
            points: r.try_get("points")?,
            state: entry_state(r)?,
            origin: r.try_get("origin")?,
            note: r.try_get("note")?,
            event_id: r.try_get("event_id")?,
            requested_by: r.try_get("requested_by")?,
            idem: r.try_get("idem")?,
            cap: None,
        },
        person_name: r.try_get("person_name")?,
        grid_code: r.try_get("grid_code")?,
        requested_at: r.try_get("requested_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        decision_note: r.try_get("decision_note")?,
        notice_ends: r.try_get("notice_ends")?,
        appeal: r.try_get("appeal")?,
        appealed_by: r.try_get("appealed_by")?,
        appealed_at: r.try_get("appealed_at")?,
        appeal_answer: r.try_get("appeal_answer")?,
        credited_at: r.try_get("credited_at")?,
    })
}

pub(crate) async fn entry(store: &SqlStore, id: i64) -> Result<Option<PointEntryRecord>> {
    sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM point_entries e JOIN people p ON p.id = e.person_id WHERE e.id = $1"
    ))
    .bind(id)
    .fetch_optional(&store.pool)
    .await?
    .as_ref()
    .map(entry_row)
    .transpose()
}

pub(crate) async fn entries(store: &SqlStore, q: &EntryQuery) -> Result<Vec<PointEntryRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {ENTRY_COLUMNS} FROM point_entries e JOIN people p ON p.id = e.person_id WHERE 1 = 1"
    ));
    digit_prefix(&mut sql, "e.village_code", &q.prefix);
    if let Some(grids) = &q.grid_prefixes {
        sql.push(" AND ");
        crate::scope_sql::under_any(&mut sql, "p.grid_code", grids);
    }
    if !q.states.is_empty() {
        sql.push(" AND e.state IN (");
        for (n, s) in q.states.iter().enumerate() {
            if n > 0 {
                sql.push(", ");
            }
            sql.bind_text(s.as_str());
        }
        sql.push(")");
    }
    if let Some(person) = q.person_id {
        sql.push(" AND e.person_id = ")
            .bind(crate::sql::Arg::Int(person));
    }
    if let Some(before) = q.before_id {
        sql.push(" AND e.id < ").bind(crate::sql::Arg::Int(before));
    }
    sql.push(" ORDER BY e.id DESC LIMIT ")
        .bind(crate::sql::Arg::Int(q.limit.clamp(1, 500)));
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(entry_row)
        .collect()
}

const ACCOUNT_COLUMNS: &str =
    "a.person_id, a.village_code, a.balance, a.earned, a.deducted, a.spent, a.expired, \
     p.name AS person_name, p.grid_code";

fn account_row(r: &AnyRow) -> Result<PointAccount> {
    Ok(PointAccount {
        person_id: r.try_get("person_id")?,
        person_name: r.try_get("person_name")?,
        grid_code: r.try_get("grid_code")?,
        village_code: r.try_get("village_code")?,
        balance: r.try_get("balance")?,
        earned: r.try_get("earned")?,
        deducted: r.try_get("deducted")?,
        spent: r.try_get("spent")?,
        expired: r.try_get("expired")?,
    })
}

pub(crate) async fn account(store: &SqlStore, person_id: i64) -> Result<Option<PointAccount>> {
    sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM point_accounts a JOIN people p ON p.id = a.person_id WHERE a.person_id = $1"
    ))
    .bind(person_id)
    .fetch_optional(&store.pool)
    .await?
    .as_ref()
    .map(account_row)
    .transpose()
}

pub(crate) async fn accounts(
    store: &SqlStore,
    prefix: &str,
    limit: i64,
) -> Result<Vec<PointAccount>> {
    let mut sql = Sql::new(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM point_accounts a JOIN people p ON p.id = a.person_id WHERE 1 = 1"
    ));
    digit_prefix(&mut sql, "a.village_code", prefix);
    sql.push(" ORDER BY a.balance DESC, a.person_id LIMIT ")
        .bind(crate::sql::Arg::Int(limit.clamp(1, 2000)));
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(account_row)
        .collect()
}

pub(crate) async fn ledger(
    store: &SqlStore,
    person_id: i64,
    limit: i64,
) -> Result<Vec<LedgerRecord>> {
    let rows = sqlx::query(
        "SELECT id, person_id, kind, amount, asked, balance_after, entry_id, redemption_id, expires_at, at, by_user \
         FROM point_ledger WHERE person_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(person_id)
    .bind(limit.clamp(1, 1000))
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LedgerRecord {
                id: r.try_get("id")?,
                person_id: r.try_get("person_id")?,
                kind: r.try_get("kind")?,
                amount: r.try_get("amount")?,
                asked: r.try_get("asked")?,
                balance_after: r.try_get("balance_after")?,
                entry_id: r.try_get("entry_id")?,
                redemption_id: r.try_get("redemption_id")?,
                expires_at: r.try_get("expires_at")?,
                at: r.try_get("at")?,
                by: r.try_get("by_user")?,
            })
        })
        .collect()
}

pub(crate) async fn period_sums(
    store: &SqlStore,
    village: &str,
    from: i64,
    to: i64,
) -> Result<Vec<PeriodSum>> {
    let sum = |kind: &str| {
        format!("CAST(COALESCE(SUM(CASE WHEN l.kind = '{kind}' THEN l.amount ELSE 0 END), 0) AS BIGINT)")
    };
    let rows = sqlx::query(&format!(
        "SELECT l.person_id, p.name AS person_name, p.grid_code, {} AS awarded, {} AS deducted, {} AS spent, {} AS expired \
         FROM point_ledger l JOIN people p ON p.id = l.person_id \
         WHERE l.village_code = $1 AND l.at >= $2 AND l.at < $3 \
         GROUP BY l.person_id, p.name, p.grid_code",
        sum("award"),
        sum("deduct"),
        sum("redeem"),
        sum("expire")
    ))
    .bind(village.to_string())
    .bind(from)
    .bind(to)
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PeriodSum {
                person_id: r.try_get("person_id")?,
                person_name: r.try_get("person_name")?,
                grid_code: r.try_get("grid_code")?,
                awarded: r.try_get("awarded")?,
                deducted: r.try_get("deducted")?,
                spent: r.try_get("spent")?,
                expired: r.try_get("expired")?,
            })
        })
        .collect()
}

pub(crate) async fn balances_at(
    store: &SqlStore,
    village: &str,
    at: i64,
) -> Result<Vec<(i64, i64)>> {
    // The balance now less what moved since: reads the movements after `at` (few, for the
    // months people look at) instead of every movement before it.
    let now: Vec<(i64, i64)> =
        sqlx::query("SELECT person_id, balance FROM point_accounts WHERE village_code = $1")
            .bind(village.to_string())
            .fetch_all(&store.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("person_id")?, r.try_get("balance")?)))
            .collect::<Result<_>>()?;
    let later: std::collections::HashMap<i64, i64> = sqlx::query(
        "SELECT person_id, CAST(SUM(amount) AS BIGINT) AS moved FROM point_ledger \
         WHERE village_code = $1 AND at >= $2 GROUP BY person_id",
    )
    .bind(village.to_string())
    .bind(at)
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("person_id")?, r.try_get("moved")?)))
    .collect::<Result<_>>()?;
    Ok(now
        .into_iter()
        .map(|(person, balance)| (person, balance - later.get(&person).copied().unwrap_or(0)))
        .collect())
}
