//! `/api/v1/houses`: the houses of the grids, with the people registered in them.

use super::error::{ApiResult, Json, Query};
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_store::NewHouse;

use super::people::reader;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseBody {
    #[schema(schema_with = super::schema::line_40)]
    pub code: String,
    #[schema(schema_with = super::schema::line_200)]
    pub address: String,
    #[schema(schema_with = super::schema::grid_code)]
    pub grid_code: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// 住宅, 商铺, 厂房, 出租屋, 其他
    #[schema(schema_with = super::schema::house_usage)]
    pub usage: String,
    #[serde(default)]
    pub rented: bool,
    #[serde(default)]
    pub hazards: String,
}

#[derive(Serialize, ToSchema)]
pub struct HouseView {
    pub id: i64,
    pub code: String,
    pub address: String,
    pub grid_code: String,
    /// The grid's name.
    pub grid_name: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub usage: String,
    pub rented: bool,
    pub hazards: String,
    pub occupants: i64,
}

#[utoipa::path(post, path = "/api/v1/houses", tag = "people", request_body = HouseBody, security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not register people"), (status = 201, body = HouseView), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn create_house(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(body): Json<HouseBody>,
) -> ApiResult<(StatusCode, axum::Json<HouseView>)> {
    let input = crate::places::HouseInput {
        code: body.code,
        address: body.address,
        grid_code: body.grid_code,
        lon: body.lon,
        lat: body.lat,
        usage: body.usage,
        rented: body.rented,
        hazards: body.hazards,
    };
    let h = crate::usecase::people::register_house(&state, &user.user, input).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(house_view(&state.index(), h.id, &h.house, h.occupants)),
    ))
}

fn house_view(
    index: &crate::regions::RegionIndex,
    id: i64,
    h: &NewHouse,
    occupants: i64,
) -> HouseView {
    HouseView {
        grid_name: index
            .names
            .get(h.grid_code.as_str())
            .cloned()
            .unwrap_or_default(),
        id,
        code: h.code.clone(),
        address: h.address.clone(),
        grid_code: h.grid_code.to_string(),
        lon: h.lon,
        lat: h.lat,
        usage: h.usage.clone(),
        rented: h.rented,
        hazards: h.hazards.clone(),
        occupants,
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HousesQuery {
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    /// Text in the address or the house code.
    #[param(schema_with = super::schema::search)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct HousePage {
    pub items: Vec<HouseView>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/houses", tag = "people", params(HousesQuery), security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not work with the population registry"), (status = 200, body = HousePage)))]
pub async fn list_houses(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<HousesQuery>,
) -> ApiResult<axum::Json<HousePage>> {
    reader(&user)?;
    let paging = super::error::Paging::of(q.page, q.page_size, 500)?;
    let filter = zhili_store::HouseFilter {
        region: super::things::region_of(q.region.as_deref())?,
        text: super::error::search_text("q", q.q)?,
        limit: paging.size,
        offset: paging.offset(),
    };
    let (total, houses) = state.store.list_houses(&user.user.scope(), &filter).await?;
    let index = state.index();
    Ok(axum::Json(HousePage {
        items: houses
            .iter()
            .map(|h| house_view(&index, h.id, &h.house, h.occupants))
            .collect(),
        total,
    }))
}
