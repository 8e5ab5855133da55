//! 五乐社区 evaluations as written and read.

use crate::sql::{append_actions, corrupt, digit_prefix, word, Arg, Sql};
use crate::*;
use sqlx::Row;
use zhili_domain::chain::Actor;
use zhili_domain::wule::State;

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(e.to_string()))
}

pub(crate) async fn save(
    store: &SqlStore,
    actor: &Actor,
    r: &WuleRecord,
    from: Option<State>,
    verb: &str,
) -> Result<bool> {
    let mut tx = store.write_tx().await?;
    let args =
        |q: sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>>| -> Result<_> {
            Ok(q.bind(r.state.as_str())
                .bind(json(&r.scores)?)
                .bind(r.self_total)
                .bind(json(&r.adjustments)?)
                .bind(r.final_total)
                .bind(r.review_note.clone())
                .bind(r.updated_by.clone())
                .bind(r.updated_at)
                .bind(r.submitted_at)
                .bind(r.reviewed_by.clone())
                .bind(r.reviewed_at)
                .bind(r.village_code.clone())
                .bind(r.year))
        };
    let written = match from {
        None => args(sqlx::query(
            "INSERT INTO wule_evaluations (state, scores, self_total, adjustments, final_total, review_note, updated_by, updated_at, \
             submitted_at, reviewed_by, reviewed_at, village_code, year) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (village_code, year) DO NOTHING",
        ))?
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        Some(was) => args(sqlx::query(
            "UPDATE wule_evaluations SET state = $1, scores = $2, self_total = $3, adjustments = $4, final_total = $5, review_note = $6, \
             updated_by = $7, updated_at = $8, submitted_at = $9, reviewed_by = $10, reviewed_at = $11 \
             WHERE village_code = $12 AND year = $13 AND state = $14",
        ))?
        .bind(was.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected(),
    };
    if written == 1 {
        let mut a = actor.action(
            r.updated_at,
            verb,
            &format!("wule:{}:{}", r.village_code, r.year),
        );
        a.from_state = from.map(|s| s.as_str().into());
        a.to_state = Some(r.state.as_str().into());
        a.opinion = Some(format!(
            "{}{}",
            r.final_total.unwrap_or(r.self_total),
            r.review_note
                .as_deref()
                .map(|n| format!(" {n}"))
                .unwrap_or_default()
        ));
        append_actions(&mut tx, vec![a]).await?;
    }
    tx.commit().await?;
    Ok(written == 1)
}

pub(crate) async fn list(
    store: &SqlStore,
    prefix: &str,
    year: i64,
    exact: bool,
) -> Result<Vec<WuleRecord>> {
    let mut sql = Sql::new("SELECT * FROM wule_evaluations WHERE year = ");
    sql.bind(Arg::Int(year));
    if exact {
        sql.push(" AND village_code = ").bind_text(prefix);
    } else {
        digit_prefix(&mut sql, "village_code", prefix);
    }
    sql.push(" ORDER BY village_code");
    let rows = sql.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            let scores: String = r.try_get("scores")?;
            let adjustments: String = r.try_get("adjustments")?;
            Ok(WuleRecord {
                village_code: r.try_get("village_code")?,
                year: r.try_get("year")?,
                state: word(r, "state", State::parse)?,
                scores: serde_json::from_str(&scores).map_err(|_| corrupt("scores", &scores))?,
                self_total: r.try_get("self_total")?,
                adjustments: serde_json::from_str(&adjustments)
                    .map_err(|_| corrupt("adjustments", &adjustments))?,
                final_total: r.try_get("final_total")?,
                review_note: r.try_get("review_note")?,
                updated_by: r.try_get("updated_by")?,
                updated_at: r.try_get("updated_at")?,
                submitted_at: r.try_get("submitted_at")?,
                reviewed_by: r.try_get("reviewed_by")?,
                reviewed_at: r.try_get("reviewed_at")?,
            })
        })
        .collect()
}
