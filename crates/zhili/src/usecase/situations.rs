//! 社情民意: a situation note recorded about an area of the caller's, at a sensitivity level,
//! linked to what it concerns.

use super::evidence::{self, LinkRef};
use super::{forbidden, invalid, not_found, Result};
use crate::state::AppState;
use zhili_domain::situation::{self, Sensitivity, SituationKind, Source};
use zhili_domain::user::User;
use zhili_domain::RegionCode;
use zhili_store::{NewSituation, SituationRecord};

/// A note as its author writes it.
#[derive(Clone, Debug, Default)]
pub struct Note {
    /// A grid, village, town or the district, within the author's area.
    pub region_code: String,
    pub kind: String,
    /// `other` when not said.
    pub source: Option<String>,
    /// 1 一般 (default), 2 内部, 3 敏感.
    pub sensitivity: Option<i64>,
    pub title: String,
    pub content: String,
    pub tags: Vec<String>,
    pub links: Vec<LinkRef>,
}

/// Records a note with its links in one transaction and its record.
pub async fn record_note(state: &AppState, user: &User, n: Note) -> Result<SituationRecord> {
    if !situation::may_write(user.role) {
        return Err(forbidden("this role does not record situations"));
    }
    let scope = user.scope();
    let region =
        RegionCode::parse(n.region_code.trim()).map_err(|e| invalid("region_code", e.message))?;
    if !state.index().names.contains_key(region.as_str()) || !scope.sees_region(&region) {
        return Err(not_found(
            "region_code",
            format!("{region} is not an area of yours"),
        ));
    }
    let kind = SituationKind::from_code(&n.kind).ok_or_else(|| {
        invalid(
            "kind",
            "sentiment, dispute_clue, stability, safety_hazard or online_opinion",
        )
    })?;
    let source = match n.source.as_deref() {
        None => Source::Other,
        Some(s) => Source::from_code(s)
            .ok_or_else(|| invalid("source", "visit, resident, meeting, online or other"))?,
    };
    let sensitivity = Sensitivity::from_level(n.sensitivity.unwrap_or(1))
        .ok_or_else(|| invalid("sensitivity", "1 (一般), 2 (内部) or 3 (敏感)"))?;
    let title = zhili_domain::text::line("title", &n.title, 100)?;
    let content = zhili_domain::text::note("content", &n.content, 5000)?;
    let tags = situation::parse_tags(&n.tags)?;
    let links = evidence::checked_links(state, &scope, "links", &n.links).await?;
    let new = NewSituation {
        region_code: region,
        kind,
        source,
        sensitivity,
        title,
        content,
        tags,
        links,
    };
    let now = crate::now_ms();
    let items = [(user.actor(), new, now)];
    let id = state.store.create_situations(&items).await?[0];
    let [(_, situation, _)] = items;
    Ok(SituationRecord {
        id,
        situation,
        author: user.username.clone(),
        unit: user.unit_id.clone(),
        created_at: now,
    })
}
