//! The points shop (积分超市) as stored: goods with stock and the source of their funding,
//! redemptions, and the villages' monthly publications.

use crate::sql::{append_actions, digit_prefix, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use zhili_domain::chain::Actor;
use zhili_domain::{DomainError, ErrorCode};

pub(crate) async fn create(store: &SqlStore, actor: &Actor, g: &NewGoods, now: i64) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO point_goods (village_code, name, price, stock, funding, active, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7) RETURNING id",
    )
    .bind(g.village_code.clone())
    .bind(g.name.clone())
    .bind(g.price)
    .bind(g.stock)
    .bind(g.funding.clone())
    .bind(actor.username.clone())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let mut a = actor.action(now, "points.goods", &format!("point_goods:{id}"));
    a.opinion = Some(format!(
        "{} {}分 库存{} 资金来源：{}",
        g.name, g.price, g.stock, g.funding
    ));
    append_actions(&mut tx, vec![a]).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn restock(
    store: &SqlStore,
    actor: &Actor,
    id: i64,
    add: i64,
    active: bool,
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    let moved = sqlx::query(
        "UPDATE point_goods SET stock = stock + $1, active = $2 WHERE id = $3 AND stock + $1 >= 0",
    )
    .bind(add)
    .bind(active as i64)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        return Err(StoreError::Domain(
            DomainError::invalid("add", "stock cannot go below zero").zh("库存不能减到0以下"),
        ));
    }
    let mut a = actor.action(now, "points.restock", &format!("point_goods:{id}"));
    a.opinion = Some(format!("{add:+}{}", if active { "" } else { " 下架" }));
    append_actions(&mut tx, vec![a]).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn goods(
    store: &SqlStore,
    prefix: &str,
    id: Option<i64>,
) -> Result<Vec<GoodsRecord>> {
    let mut sql = Sql::new(
        "SELECT g.*, (SELECT COUNT(*) FROM point_redemptions r WHERE r.goods_id = g.id) AS redeemed \
         FROM point_goods g WHERE 1 = 1",
    );
    match id {
        Some(id) => {
            sql.push(" AND g.id = ").bind(Arg::Int(id));
        }
        None => digit_prefix(&mut sql, "g.village_code", prefix),
    }
    sql.push(" ORDER BY g.village_code, g.price, g.id LIMIT 500");
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(GoodsRecord {
                id: r.try_get("id")?,
                goods: NewGoods {
                    village_code: r.try_get("village_code")?,
                    name: r.try_get("name")?,
                    price: r.try_get("price")?,
                    stock: r.try_get("stock")?,
                    funding: r.try_get("funding")?,
                },
                active: r.try_get::<i64, _>("active")? != 0,
                redeemed: r.try_get("redeemed")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

const REDEMPTION_COLUMNS: &str =
    "r.id, r.goods_id, r.goods_name, r.person_id, p.name AS person_name, r.village_code, \
     r.price, r.at, r.by_user, COALESCE(a.balance, 0) AS balance";

fn redemption_row(r: &AnyRow) -> Result<RedemptionRecord> {
    Ok(RedemptionRecord {
        id: r.try_get("id")?,
        goods_id: r.try_get("goods_id")?,
        goods_name: r.try_get("goods_name")?,
        person_id: r.try_get("person_id")?,
        person_name: r.try_get("person_name")?,
        village_code: r.try_get("village_code")?,
        price: r.try_get("price")?,
        at: r.try_get("at")?,
        by: r.try_get("by_user")?,
        balance: r.try_get("balance")?,
    })
}

pub(crate) async fn redemption_by_key(
    tx: &mut AnyConnection,
    key: &str,
) -> Result<RedemptionRecord> {
    let row = sqlx::query(&format!(
        "SELECT {REDEMPTION_COLUMNS} FROM point_redemptions r JOIN people p ON p.id = r.person_id \
         LEFT JOIN point_accounts a ON a.person_id = r.person_id WHERE r.idem = $1"
    ))
    .bind(key.to_string())
    .fetch_one(&mut *tx)
    .await?;
    redemption_row(&row)
}

pub(crate) async fn redemptions(
    store: &SqlStore,
    prefix: &str,
    person_id: Option<i64>,
    limit: i64,
) -> Result<Vec<RedemptionRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {REDEMPTION_COLUMNS} FROM point_redemptions r JOIN people p ON p.id = r.person_id \
         LEFT JOIN point_accounts a ON a.person_id = r.person_id WHERE 1 = 1"
    ));
    digit_prefix(&mut sql, "r.village_code", prefix);
    if let Some(person) = person_id {
        sql.push(" AND r.person_id = ").bind(Arg::Int(person));
    }
    sql.push(" ORDER BY r.id DESC LIMIT ")
        .bind(Arg::Int(limit.clamp(1, 500)));
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(redemption_row)
        .collect()
}

pub(crate) async fn publish(store: &SqlStore, actor: &Actor, p: &PublicationRecord) -> Result<()> {
    let mut tx = store.write_tx().await?;
    let inserted = sqlx::query(
        "INSERT INTO point_publications (village_code, month, body, published_by, published_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (village_code, month) DO NOTHING",
    )
    .bind(p.village_code.clone())
    .bind(p.month.clone())
    .bind(p.body.clone())
    .bind(p.published_by.clone())
    .bind(p.published_at)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::Domain(
            DomainError::new(
                ErrorCode::Conflict,
                format!("{} is posted already", p.month),
            )
            .with_field("month")
            .zh(format!("{}的积分公示已发布", p.month)),
        ));
    }
    let mut a = actor.action(
        p.published_at,
        "points.publish",
        &format!("village:{}", p.village_code),
    );
    a.opinion = Some(p.month.clone());
    append_actions(&mut tx, vec![a]).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn publication(
    store: &SqlStore,
    village: &str,
    month: &str,
) -> Result<Option<PublicationRecord>> {
    let row = sqlx::query(
        "SELECT village_code, month, body, published_by, published_at FROM point_publications WHERE village_code = $1 AND month = $2",
    )
    .bind(village.to_string())
    .bind(month.to_string())
    .fetch_optional(&store.pool)
    .await?;
    row.map(|r| {
        Ok(PublicationRecord {
            village_code: r.try_get("village_code")?,
            month: r.try_get("month")?,
            body: r.try_get("body")?,
            published_by: r.try_get("published_by")?,
            published_at: r.try_get("published_at")?,
        })
    })
    .transpose()
}

pub(crate) async fn publications(store: &SqlStore, village: &str) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT month, published_at FROM point_publications WHERE village_code = $1 ORDER BY month DESC LIMIT 120",
    )
    .bind(village.to_string())
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("month")?, r.try_get("published_at")?)))
        .collect()
}
