//! What a report, an action, a visit or a note may carry: the caller's own photos and links
//! to what lies in the caller's area. Checked once here for every door.

use crate::state::AppState;
use sha2::{Digest, Sha256};
use zhili_domain::situation::{LinkTarget, MAX_LINKS};
use zhili_domain::user::User;
use zhili_domain::{image, DomainError, ErrorCode, Scope};
use zhili_store::{AttachmentInfo, StoreError};

/// Most photos one report or action carries.
pub const MAX_PHOTOS: usize = 9;

/// A link as a client names it.
#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRef {
    /// person, house, org, thing or event
    #[schema(schema_with = crate::http::schema::link_target)]
    pub kind: String,
    pub id: i64,
}

fn refuse(field: &str, message: String, zh: String) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, message).zh(zh))
}

/// Something named that does not exist for the caller: 404, as anything outside their area.
fn missing(field: &str, message: String, zh: String) -> StoreError {
    StoreError::Domain(
        DomainError::new(ErrorCode::NotFound, message)
            .with_field(field)
            .zh(zh),
    )
}

/// A photo as `user` may see it: their own upload or one on an event in their area (the
/// store's rule), or evidence on a pilot target they read or an assessment entry of theirs
/// (or of every unit, for its readers). Anything else reads as absent.
pub async fn read_photo(
    state: &AppState,
    user: &User,
    id: &str,
) -> crate::usecase::Result<Option<(AttachmentInfo, Vec<u8>)>> {
    if !is_photo_id(id) {
        return Ok(None);
    }
    if let Some(found) = state
        .store
        .read_attachment(&user.scope(), &user.username, id)
        .await?
    {
        return Ok(Some(found));
    }
    let held = pilot_evidence_for(state, user, id).await?
        || ledger_evidence_for(state, user, id).await?
        || crate::usecase::assess::reviews::may_see_photo(state, user, id).await?;
    if !held {
        return Ok(None);
    }
    Ok(state.store.attachment_held(id).await?)
}

/// Whether the photo is evidence on a pilot target the user reads.
async fn pilot_evidence_for(state: &AppState, user: &User, id: &str) -> Result<bool, StoreError> {
    let targets = state.store.pilot_photo_targets(id).await?;
    if targets.is_empty() {
        return Ok(false);
    }
    let Ok(scope) = crate::usecase::pilot::target_scope(user) else {
        return Ok(false);
    };
    for t in targets {
        if state.store.pilot_target(&scope, t).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the photo is evidence on a demonstration site or a project the user reads.
async fn ledger_evidence_for(state: &AppState, user: &User, id: &str) -> Result<bool, StoreError> {
    let Ok(scope) = crate::usecase::pilot::target_scope(user) else {
        return Ok(false);
    };
    state.store.pilot_ledger_holds_photo(&scope, id).await
}

/// Whether a string is a photo id (the SHA-256 of its bytes, lower-case hex).
pub fn is_photo_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A list of photo ids: well-formed, not too many, each uploaded by `uploader` (another's
/// photo reads as absent, however its id is known). Answers the JSON kept in the record.
pub async fn checked_photos(
    state: &AppState,
    uploader: &str,
    field: &str,
    ids: &[String],
) -> Result<String, StoreError> {
    if ids.is_empty() {
        return Ok("[]".into());
    }
    if ids.len() > MAX_PHOTOS {
        return Err(refuse(
            field,
            format!("at most {MAX_PHOTOS} photos"),
            format!("最多{MAX_PHOTOS}张照片"),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if !is_photo_id(id) {
            return Err(refuse(
                &format!("{field}[{i}]"),
                "a photo id is the 64-digit hex id answered by POST /api/v1/attachments".into(),
                "照片编号应为上传照片时返回的64位编号".into(),
            ));
        }
    }
    let stored = state.store.attachment_infos(uploader, ids).await?;
    if let Some((i, id)) = ids
        .iter()
        .enumerate()
        .find(|(_, id)| !stored.iter().any(|s| &s.sha256 == *id))
    {
        return Err(missing(
            &format!("{field}[{i}]"),
            format!("no uploaded photo {id}; upload it first"),
            "没有这张已上传的照片，请先上传".into(),
        ));
    }
    let mut unique: Vec<&String> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    Ok(serde_json::to_string(&unique).unwrap_or_else(|_| "[]".into()))
}

/// Each link names something in the caller's area; `field` names the list in errors.
pub async fn checked_links(
    state: &AppState,
    scope: &Scope,
    field: &str,
    refs: &[LinkRef],
) -> Result<Vec<(LinkTarget, i64)>, StoreError> {
    if refs.len() > MAX_LINKS {
        return Err(refuse(
            field,
            format!("at most {MAX_LINKS} links"),
            format!("最多{MAX_LINKS}个关联"),
        ));
    }
    let mut out = Vec::with_capacity(refs.len());
    for (i, r) in refs.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let target = LinkTarget::parse(&r.kind).ok_or_else(|| {
            refuse(
                &at,
                format!("{:?} is not person, house, org, thing or event", r.kind),
                "关联对象应为人员、房屋、组织、部件或事件".into(),
            )
        })?;
        if label_of(state, scope, target, r.id).await?.is_none() {
            return Err(missing(
                &at,
                format!("no {} {} in your area", target.as_str(), r.id),
                "辖区内没有该关联对象".into(),
            ));
        }
        out.push((target, r.id));
    }
    Ok(out)
}

/// The label of a link target the caller sees, or `None` when it is not in their area.
pub async fn label_of(
    state: &AppState,
    scope: &Scope,
    target: LinkTarget,
    id: i64,
) -> Result<Option<String>, StoreError> {
    let store = &state.store;
    Ok(match target {
        LinkTarget::Person => store
            .get_person(scope, id)
            .await?
            .map(|p| format!("{} {}", p.person.name, p.person.id_masked)),
        LinkTarget::House => store
            .get_house(scope, id)
            .await?
            .map(|h| format!("{} {}", h.house.code, h.house.address)),
        LinkTarget::Org => store.get_org(scope, id).await?.map(|o| o.org.name),
        LinkTarget::Thing => store
            .get_thing(scope, id)
            .await?
            .map(|t| format!("{} {}", t.thing.name, t.thing.code)),
        LinkTarget::Event => store
            .get_event(scope, id)
            .await?
            .map(|e| format!("{} {}", e.case_number, e.category)),
    })
}

/// A photo as stored, and whether this upload stored it (the first time anyone sent these
/// bytes) or found it already there.
pub struct Uploaded {
    pub info: AttachmentInfo,
    pub new: bool,
}

/// Stores a photo the caller uploads: judged by its bytes (JPEG, PNG or WebP, whole, within
/// the limits of `zhili_domain::image`), kept without whatever follows its end marker, once
/// under the SHA-256 of what is kept.
pub async fn upload_photo(
    state: &AppState,
    user: &User,
    bytes: &[u8],
) -> Result<Uploaded, StoreError> {
    if !user.role.uploads_photos() {
        return Err(StoreError::Domain(DomainError::new(
            ErrorCode::Forbidden,
            "leaders have read-only access",
        )));
    }
    store_photo(state, &user.actor(), bytes).await
}

/// Stores a photo's bytes for `actor` (a user or a resident), judged by the bytes.
pub async fn store_photo(
    state: &AppState,
    actor: &zhili_domain::chain::Actor,
    bytes: &[u8],
) -> Result<Uploaded, StoreError> {
    let found = image::inspect(bytes)?;
    let bytes = &bytes[..found.len];
    let info = AttachmentInfo {
        sha256: hex::encode(Sha256::digest(bytes)),
        media_type: found.kind.media_type().into(),
        size: bytes.len() as i64,
        width: found.width as i64,
        height: found.height as i64,
    };
    let new = state
        .store
        .put_attachment(actor, &info, bytes, crate::now_ms())
        .await?;
    Ok(Uploaded { info, new })
}
