//! Reporting an event, from any door: a grid worker's phone, the hotline desk, a key
//! person's page, the demo's year of history. One checker and one builder, so every event
//! starts the same way: placed in its grid, owned by the level it arrives at, deadlines from
//! its category, the reporter's phone sealed.

use super::evidence::{self, LinkRef};
use crate::crypto::{self, DataKey};
use crate::state::{AppState, EventNotice};
use zhili_domain::calendar::WorkingCalendar;
use zhili_domain::event::{Case, Channel};
use zhili_domain::reference::{intake_owner, Category};
use zhili_domain::situation::LinkTarget;
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode, RegionCode};
use zhili_store::{EventRecord, NewEvent, StoreError};

/// Reports of the same subcategory this close and this recent suggest a duplicate.
pub const DUPLICATE_RADIUS_M: f64 = 100.0;
pub const DUPLICATE_WINDOW_MS: i64 = 24 * 3_600_000;
/// How far ahead of the server's clock an occurrence may be (phones' clocks drift).
pub const CLOCK_SKEW_MS: i64 = 5 * 60_000;

/// A report as a caller makes it; the position in WGS84.
#[derive(Clone, Debug)]
pub struct Report {
    pub channel: Channel,
    /// Four-digit subcategory code.
    pub category: String,
    pub description: String,
    pub lon: f64,
    pub lat: f64,
    /// When it happened, if not now.
    pub occurred_at: Option<i64>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    /// Photo ids the caller uploaded.
    pub photos: Vec<String>,
    pub links: Vec<LinkRef>,
}

/// The event as written, and a duplicate the reporter may open, if one is near.
pub struct Reported {
    pub record: EventRecord,
    pub duplicate_suggestion: Option<i64>,
}

/// A report checked and placed: everything its first record needs.
pub struct Placed<'a> {
    pub channel: Channel,
    pub category: &'a Category,
    pub grid: RegionCode,
    pub description: String,
    pub lon: f64,
    pub lat: f64,
    pub occurred_at: i64,
    pub reporter_name: Option<String>,
    /// Normalised digits.
    pub reporter_phone: Option<String>,
    pub duplicate_of: Option<i64>,
    /// The photo ids as the record keeps them (JSON).
    pub photos: String,
    pub links: Vec<(LinkTarget, i64)>,
    /// The resident account reporting it (they then rate it themselves).
    pub resident: Option<i64>,
}

/// The event a placed report becomes when it arrives at `now`. The one builder.
pub fn new_event(p: Placed, key: &DataKey, calendar: &WorkingCalendar, now: i64) -> NewEvent {
    let owner = intake_owner(p.channel.arrives_at_district(), &p.grid);
    let mut case = Case::reported(
        p.grid,
        p.category.class,
        p.category.limits(),
        owner,
        now,
        calendar,
    );
    case.reporter_account = p.resident.is_some();
    NewEvent {
        channel: p.channel,
        category: p.category.code.clone(),
        category_version: p.category.version,
        description: p.description,
        lon: p.lon,
        lat: p.lat,
        occurred_at: p.occurred_at,
        reporter_name: p.reporter_name,
        reporter_phone_enc: p
            .reporter_phone
            .as_deref()
            .map(|ph| key.seal(ph, crypto::Sealed::ReporterPhone)),
        reporter_phone_masked: p.reporter_phone.as_deref().map(crypto::mask_phone),
        reporter_phone_blind: p.reporter_phone.as_deref().map(|ph| phone_blind(key, ph)),
        duplicate_of: p.duplicate_of,
        case,
        attachments: p.photos,
        links: p.links,
        resident_id: p.resident,
        api_key_id: None,
    }
}

/// The blind index of a caller's number (digits only), as the desk looks it up.
pub fn phone_blind(key: &DataKey, phone: &str) -> String {
    key.blind("reporter_phone", phone)
}

fn refuse(field: &str, message: impl Into<String>, zh: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, message).zh(zh))
}

/// When something happened cannot be ahead of now (beyond clocks' skew): the one check every
/// door makes, the video platform's before it keeps a snapshot.
pub fn not_ahead(occurred_at: i64, now: i64) -> Result<(), StoreError> {
    if occurred_at > now + CLOCK_SKEW_MS {
        return Err(refuse(
            "occurred_at",
            "occurred_at is in the future",
            "发生时间不能晚于现在",
        ));
    }
    Ok(())
}

/// A note of 1 to `max` characters as sent, answered trimmed (`zhili_domain::text::note`).
pub fn text(field: &str, value: &str, max: usize) -> Result<String, StoreError> {
    Ok(zhili_domain::text::note(field, value, max)?)
}

/// Metres between two WGS84 points a few hundred metres apart (equirectangular).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let kx = 111_195.0 * a.1.to_radians().cos();
    (((a.0 - b.0) * kx).powi(2) + ((a.1 - b.1) * 111_195.0).powi(2)).sqrt()
}

/// Reports an event as `user`: checks it, places it in the caller's grid, suggests a
/// duplicate, writes it with its first record and tells the live streams.
pub async fn report(state: &AppState, user: &User, r: Report) -> Result<Reported, StoreError> {
    if user.role.read_only() {
        return Err(StoreError::Domain(DomainError::new(
            ErrorCode::Forbidden,
            "leaders have read-only access",
        )));
    }
    let reference = state.reference();
    let scope = user.scope();
    let now = crate::now_ms();
    let placed = place(state, &reference, r, &user.username, &scope, now).await?;
    // The reporter is told of the duplicate only if they may open it.
    let duplicate_suggestion = match placed.duplicate_of {
        Some(d) if state.store.event_visible(&scope, d).await? => Some(d),
        _ => None,
    };
    let new = new_event(placed, &state.key, &reference.calendar, now);
    let record = state.submit_report(user.actor(), new, now).await?;
    state.notify(EventNotice::of(&record, "report", now));
    Ok(Reported {
        record,
        duplicate_suggestion,
    })
}

/// A report checked and placed in its grid for a reporter who uploads as `uploader` and sees
/// `scope`: its category, text, position and time, photos and links, the duplicate near it.
pub async fn place<'a>(
    state: &AppState,
    reference: &'a crate::reference::Reference,
    r: Report,
    uploader: &str,
    scope: &zhili_domain::Scope,
    now: i64,
) -> Result<Placed<'a>, StoreError> {
    let category = reference.categories.get(&r.category).ok_or_else(|| {
        StoreError::Domain(
            DomainError::new(
                ErrorCode::NotFound,
                format!("no event category {:?}", r.category),
            )
            .with_field("category")
            .zh("没有这个事件类别"),
        )
    })?;
    let description = text("description", &r.description, 2000)?;
    if !r.lon.is_finite() || !(-180.0..=180.0).contains(&r.lon) {
        return Err(refuse(
            "location.lon",
            "longitude is outside -180..180",
            "经度超出范围",
        ));
    }
    if !r.lat.is_finite() || !(-90.0..=90.0).contains(&r.lat) {
        return Err(refuse(
            "location.lat",
            "latitude is outside -90..90",
            "纬度超出范围",
        ));
    }
    let occurred_at = r.occurred_at.unwrap_or(now);
    not_ahead(occurred_at, now)?;
    let reporter_name = r
        .reporter_name
        .as_deref()
        .map(|n| text("reporter.name", n, 50))
        .transpose()?;
    let reporter_phone = r
        .reporter_phone
        .as_deref()
        .map(crypto::normalize_phone)
        .transpose()?;
    let photos = evidence::checked_photos(state, uploader, "attachments", &r.photos).await?;
    let links = evidence::checked_links(state, scope, "links", &r.links).await?;
    let (lon, lat) = (r.lon, r.lat);
    let outside = || {
        StoreError::Domain(DomainError::new(
            ErrorCode::OutsideCoverage,
            format!("({lon:.6}, {lat:.6}) is outside the grids you cover"),
        ))
    };
    let index = state.index();
    let hit = index.locate.locate(lon, lat).ok_or_else(outside)?;
    let grid = index.grids[hit.shape as usize].grid_code.clone();
    if !scope.sees_region(&grid) {
        return Err(outside());
    }
    // Duplicate: same subcategory, within 100 m, in the last 24 hours.
    let dlat = DUPLICATE_RADIUS_M / 111_195.0;
    let dlon = dlat / lat.to_radians().cos().max(0.01);
    let near = state
        .store
        .events_near(
            &category.code,
            now - DUPLICATE_WINDOW_MS,
            [lon - dlon, lat - dlat, lon + dlon, lat + dlat],
        )
        .await?;
    let duplicate_of = near
        .into_iter()
        .map(|(id, x, y)| (distance_m((lon, lat), (x, y)), id))
        .filter(|(d, _)| *d <= DUPLICATE_RADIUS_M)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id);
    Ok(Placed {
        channel: r.channel,
        category,
        grid,
        description,
        lon,
        lat,
        occurred_at,
        reporter_name,
        reporter_phone,
        duplicate_of,
        photos,
        links,
        resident: None,
    })
}
