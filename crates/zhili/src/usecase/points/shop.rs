//! The points shop (积分超市): goods a village stocks (with where the money comes from) and
//! redemptions — at the station's counter for a person of the village, or by the resident —
//! each paid once per key, never beyond the balance or the stock.

use super::super::{forbidden, invalid, not_found, Error, Result};
use crate::state::AppState;
use zhili_domain::chain::Actor;
use zhili_domain::points as rules;
use zhili_domain::user::User;
use zhili_domain::{Level, Role};
use zhili_store::{
    GoodsRecord, NewGoods, NewRedemption, PointJob, PointOutcome, RedemptionRecord, ResidentRecord,
};

fn station_only(user: &User) -> Result<()> {
    if user.role == Role::VillageOperator {
        Ok(())
    } else {
        Err(forbidden("the village's station keeps its points shop"))
    }
}

pub async fn add_goods(
    state: &AppState,
    user: &User,
    name: &str,
    price: i64,
    stock: i64,
    funding: &str,
) -> Result<GoodsRecord> {
    station_only(user)?;
    let problems = rules::check_goods(name, price, stock, funding);
    if !problems.is_empty() {
        return Err(Error::problems(problems));
    }
    let g = NewGoods {
        village_code: user.region_code.to_string(),
        name: name.trim().to_string(),
        price,
        stock,
        funding: funding.trim().to_string(),
    };
    let id = state
        .store
        .create_point_goods(&user.actor(), &g, crate::now_ms())
        .await?;
    goods_found(state, &user.region_code.to_string(), id).await
}

async fn goods_found(state: &AppState, village: &str, id: i64) -> Result<GoodsRecord> {
    state
        .store
        .point_goods_one(id)
        .await?
        .filter(|g| g.goods.village_code == village)
        .ok_or_else(|| not_found("id", format!("goods {id} not found")))
}

/// Adds stock (or corrects it down), or takes the goods off the shelf.
pub async fn restock(
    state: &AppState,
    user: &User,
    id: i64,
    add: i64,
    active: bool,
) -> Result<GoodsRecord> {
    station_only(user)?;
    let village = user.region_code.to_string();
    goods_found(state, &village, id).await?;
    if add.abs() > 1_000_000 {
        return Err(invalid("add", "at most 1,000,000 either way"));
    }
    state
        .store
        .restock_point_goods(&user.actor(), id, add, active, crate::now_ms())
        .await?;
    goods_found(state, &village, id).await
}

/// The goods of a village's shop.
pub async fn goods(state: &AppState, village: &str) -> Result<Vec<GoodsRecord>> {
    Ok(state.store.point_goods(village).await?)
}

/// A redemption and whether this request paid it (false: the key had paid it before).
pub struct Redeemed {
    pub redemption: RedemptionRecord,
    pub replay: bool,
}

async fn redeem(state: &AppState, actor: Actor, r: NewRedemption) -> Result<Redeemed> {
    let k = &r.idem;
    if !(8..=64).contains(&k.len())
        || !k
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(invalid("key", "8 to 64 letters, digits, '-' or '_'"));
    }
    let now = crate::now_ms();
    match state
        .write_points(PointJob::Redeem {
            actor,
            redemption: r,
            now,
        })
        .await?
    {
        PointOutcome::Redeemed { redemption, replay } => Ok(Redeemed { redemption, replay }),
        PointOutcome::Requested { .. } => Err(zhili_store::StoreError::Internal(
            "a redemption answered as a request".into(),
        )
        .into()),
    }
}

/// The station redeems for a person of its village (at the counter).
pub async fn redeem_for(
    state: &AppState,
    user: &User,
    person_id: i64,
    goods_id: i64,
    key: &str,
) -> Result<Redeemed> {
    station_only(user)?;
    let village = user.region_code.to_string();
    state
        .store
        .get_person(&user.scope(), person_id)
        .await?
        .ok_or_else(|| invalid("person_id", "not a registered person of your village"))?;
    redeem(
        state,
        user.actor(),
        NewRedemption {
            goods_id,
            person_id,
            village_code: village,
            idem: key.to_string(),
            by: user.username.clone(),
        },
    )
    .await
}

/// A linked resident redeems for themself in their village's shop.
pub async fn redeem_own(
    state: &AppState,
    res: &ResidentRecord,
    goods_id: i64,
    key: &str,
) -> Result<Redeemed> {
    let (Some(person), Some(grid)) = (res.person_id, &res.grid_code) else {
        return Err(forbidden(
            "link your account to your registered person first",
        ));
    };
    let village = grid
        .ancestor_at(Level::Village)
        .expect("a grid has a village")
        .to_string();
    let actor = res.actor();
    redeem(
        state,
        actor.clone(),
        NewRedemption {
            goods_id,
            person_id: person,
            village_code: village,
            idem: key.to_string(),
            by: actor.username,
        },
    )
    .await
}
