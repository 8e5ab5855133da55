//! The police below the district bureau — a police station's service window and the village
//! police posts — as units with the area each serves and a place on the map: the point well
//! inside the first grid of its area (the posts' own addresses are not in the registry).

use super::Result;
use crate::state::AppState;
use zhili_domain::user::User;
use zhili_domain::UnitKind;

pub struct PolicePost {
    pub id: String,
    pub name: String,
    pub area_code: String,
    pub lon: f64,
    pub lat: f64,
}

/// The windows and posts the caller's area holds.
pub async fn posts(state: &AppState, user: &User) -> Result<Vec<PolicePost>> {
    let units = state
        .store
        .list_units(&user.scope(), Some(UnitKind::PolicePost))
        .await?;
    let index = state.index();
    let mut out = Vec::with_capacity(units.len());
    for u in units {
        let area = u.region_code.to_string();
        let anchor = index
            .grids
            .iter()
            .filter(|g| g.grid_code.as_str().starts_with(&area))
            .min_by(|a, b| a.grid_code.cmp(&b.grid_code))
            .map(|g| g.anchor);
        if let Some((lon, lat)) = anchor {
            out.push(PolicePost {
                id: u.id,
                name: u.name,
                area_code: area,
                lon,
                lat,
            });
        }
    }
    Ok(out)
}
