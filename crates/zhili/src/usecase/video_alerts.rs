//! Video alerts (雪亮工程): the video platform posts what a camera saw — the camera's code, the
//! alert type, when, a snapshot — with its key. It becomes an event at the camera's place and
//! grid, of the category its type maps to (`data/video-alert-types.csv`), with the snapshot
//! kept as its photo (judged by its bytes, as every photo is) and the camera linked. A camera
//! repeating itself — the same camera, the same category, while the event it raised in the
//! last half hour is still open — is answered with that event, and nothing new is written.

use super::intake::{self, Report};
use super::{evidence, forbidden, not_found, Result};
use crate::state::{AppState, EventNotice};
use zhili_domain::event::Channel;
use zhili_domain::situation::LinkTarget;
use zhili_domain::thing::ThingKind;
use zhili_domain::DomainError;
use zhili_store::{ApiKeyRecord, EventFilter, EventRecord, ThingFilter};

/// A repeat within this long of the camera's open event is the same alert.
pub const REPEAT_WINDOW_MS: i64 = 30 * 60_000;
/// How old an alert may be when it arrives (a platform catching up after an outage).
pub const MAX_AGE_MS: i64 = 7 * 86_400_000;

/// What the platform posts.
#[derive(Clone, Debug)]
pub struct VideoAlert {
    pub camera_code: String,
    pub alert_type: String,
    pub occurred_at: Option<i64>,
    /// The snapshot's bytes (a JPEG, PNG or WebP).
    pub snapshot: Vec<u8>,
    pub description: Option<String>,
}

/// The event the alert became, or the open one it repeats.
pub struct Raised {
    pub event: EventRecord,
    pub repeat: bool,
}

fn invalid(field: &str, en: impl Into<String>, zh: impl Into<String>) -> super::Error {
    DomainError::invalid(field, en).zh(zh).into()
}

/// Raises an event from a camera's alert, as the platform holding `key` (authenticated).
pub async fn raise(state: &AppState, key: &ApiKeyRecord, a: VideoAlert) -> Result<Raised> {
    if !key
        .channels
        .iter()
        .any(|c| c == Channel::VideoAlert.as_str())
    {
        return Err(forbidden(
            "this API key may not post video alerts (no video_alert channel)",
        ));
    }
    let area = super::api_keys::area_scope(key)?;
    let kind = crate::reference::video_alert_types()
        .into_iter()
        .find(|t| t.code == a.alert_type)
        .ok_or_else(|| {
            invalid(
                "alert_type",
                "not an alert type of data/video-alert-types.csv",
                "不是已知的预警类型",
            )
        })?;
    let code = zhili_domain::text::line("camera_code", &a.camera_code, 64)?;
    let (_, cameras) = state
        .store
        .list_things(
            &area,
            &ThingFilter {
                kind: Some(ThingKind::Camera),
                code: Some(code.clone()),
                limit: 1,
                ..Default::default()
            },
        )
        .await?;
    let camera = cameras
        .into_iter()
        .next()
        .ok_or_else(|| not_found("camera_code", format!("no camera {code} in the key's area")))?;
    let now = crate::now_ms();
    if let Some(t) = a.occurred_at {
        // Before the snapshot is kept (intake checks it again, as for every door).
        intake::not_ahead(t, now)?;
        if t < now - MAX_AGE_MS {
            return Err(invalid(
                "occurred_at",
                "an alert older than seven days",
                "预警时间早于七天前",
            ));
        }
    }
    let description = a
        .description
        .as_deref()
        .map(|d| zhili_domain::text::note("description", d, 500))
        .transpose()?;
    // A repeat: the camera's open event of this category from the last half hour.
    let (open, _) = state
        .store
        .list_events(
            &area,
            &EventFilter {
                linked: Some((LinkTarget::Thing, camera.id)),
                categories: vec![kind.category.to_string()],
                reported_from: Some(now - REPEAT_WINDOW_MS),
                open: true,
                limit: 1,
                ..Default::default()
            },
        )
        .await?;
    if let Some(event) = open.into_iter().next() {
        // Still a real image, or the platform learns it sends something else.
        zhili_domain::image::inspect(&a.snapshot)?;
        return Ok(Raised {
            event,
            repeat: true,
        });
    }
    let actor = super::api_keys::key_actor(key);
    let photo = evidence::store_photo(state, &actor, &a.snapshot).await?;
    let reference = state.reference();
    let mut text = format!(
        "视频预警：{}（摄像机 {} {}）",
        kind.name, camera.thing.name, camera.thing.code
    );
    if let Some(d) = description {
        text.push('\n');
        text.push_str(&d);
    }
    let report = Report {
        channel: Channel::VideoAlert,
        category: kind.category.to_string(),
        description: text,
        lon: camera.thing.lon,
        lat: camera.thing.lat,
        occurred_at: a.occurred_at,
        reporter_name: None,
        reporter_phone: None,
        photos: vec![photo.info.sha256],
        links: vec![evidence::LinkRef {
            kind: "thing".into(),
            id: camera.id,
        }],
    };
    let placed = intake::place(state, &reference, report, &actor.username, &area, now).await?;
    let mut new = intake::new_event(placed, &state.key, &reference.calendar, now);
    new.api_key_id = Some(key.id);
    let event = state.submit_report(actor, new, now).await?;
    state.notify(EventNotice::of(&event, "report", now));
    Ok(Raised {
        event,
        repeat: false,
    })
}
