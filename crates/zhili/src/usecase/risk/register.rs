//! The risk register (风险台账): a risk registered by the centres and stations over its area
//! (from an alert in one step, which it then names), owned by a unit that follows it; its
//! measures, level and review day edited, brought under control, closed and reopened — each
//! change at the version read and recorded.

use crate::state::AppState;
use crate::usecase::{forbidden, not_found, Result};
use zhili_domain::calendar::china_day;
use zhili_domain::risk::{AlertCommand, RiskDraft, RiskLink, RiskLinkKind, RiskStatus, RiskStep};
use zhili_domain::user::User;
use zhili_domain::{DomainError, RegionCode, Role};
use zhili_store::{AlertRegistered, RiskRecord};

/// A risk to register: where, and whether it comes from an alert (read at `alert_version`).
#[derive(Clone, Debug)]
pub struct RegisterRisk {
    pub area_code: String,
    pub draft: RiskDraft,
    pub from_alert: Option<(i64, Option<i64>)>,
}

/// Who registers and edits risks over an area: the district centre, and the town and village
/// stations over their own.
fn registers(user: &User) -> bool {
    matches!(
        user.role,
        Role::DistrictCommander
            | Role::DistrictOperator
            | Role::TownOperator
            | Role::VillageOperator
    )
}

/// Who changes a registered risk: those who register over its area, and its owner unit.
fn may_change(user: &User, risk: &RiskRecord) -> bool {
    registers(user) || user.unit_id.as_deref() == Some(risk.owner_unit.as_str())
}

pub(crate) fn links_json(links: &[RiskLink]) -> String {
    serde_json::Value::Array(
        links
            .iter()
            .map(|l| serde_json::json!({"kind": l.kind.as_str(), "id": l.id}))
            .collect(),
    )
    .to_string()
}

/// The links as stored.
pub fn links_of(r: &RiskRecord) -> Vec<RiskLink> {
    let raw: Vec<serde_json::Value> = serde_json::from_str(&r.links).unwrap_or_default();
    raw.iter()
        .filter_map(|v| {
            Some(RiskLink {
                kind: RiskLinkKind::from_code(v.get("kind")?.as_str()?)?,
                id: v.get("id")?.as_i64()?,
            })
        })
        .collect()
}

/// Each link names something the caller sees (404 with the link's field otherwise).
async fn links_exist(state: &AppState, user: &User, links: &[RiskLink]) -> Result<()> {
    let scope = user.scope();
    for (i, l) in links.iter().enumerate() {
        let found = match l.kind {
            RiskLinkKind::Alert => state.store.alert(&scope, l.id).await?.is_some(),
            RiskLinkKind::Event => state.store.get_event(&scope, l.id).await?.is_some(),
            RiskLinkKind::Case => state.store.case(&scope, l.id).await?.is_some(),
            RiskLinkKind::Person => state.store.get_person(&scope, l.id).await?.is_some(),
        };
        if !found {
            return Err(not_found(
                &format!("links[{i}].id"),
                format!("{} {} not found", l.kind.as_str(), l.id),
            ));
        }
    }
    Ok(())
}

/// The owner unit exists (a department, or a centre or station the caller sees).
async fn owner_exists(state: &AppState, user: &User, unit: &str) -> Result<()> {
    let known = state.store.get_unit(&user.scope(), unit).await?.is_some();
    if known {
        Ok(())
    } else {
        Err(not_found("owner_unit", format!("unit {unit} not found")))
    }
}

/// Registers a risk as `user`; answers it as stored.
pub async fn register(state: &AppState, user: &User, r: RegisterRisk) -> Result<RiskRecord> {
    if !registers(user) {
        return Err(forbidden(
            "the centres and stations register risks over their area",
        ));
    }
    let now = crate::now_ms();
    let today = china_day(now);
    let mut draft = r.draft.check(today)?;
    let area = RegionCode::parse(&r.area_code)
        .ok()
        .filter(|a| state.index().names.contains_key(a.as_str()))
        .ok_or_else(|| not_found("area_code", format!("no area {}", r.area_code)))?;
    if !user.scope().sees_region(&area) {
        return Err(not_found("area_code", format!("no area {area} of yours")));
    }
    owner_exists(state, user, &draft.owner_unit).await?;
    let alert = match r.from_alert {
        None => None,
        Some((id, version)) => {
            let a = state
                .store
                .alert(&user.scope(), id)
                .await?
                .ok_or_else(|| not_found("alert_id", format!("alert {id} not found")))?;
            if version.is_some_and(|v| v != a.version) {
                return Err(zhili_store::StoreError::conflict(format!(
                    "the alert is at version {}; reload it",
                    a.version
                ))
                .into());
            }
            let from = a.handling.state_at(now);
            // The id is the register's to give: the command is checked with a placeholder.
            let handling = a
                .handling
                .apply(&AlertCommand::Registered { risk_id: i64::MAX }, now)?;
            let link = RiskLink {
                kind: RiskLinkKind::Alert,
                id: a.id,
            };
            if !draft.links.contains(&link) {
                draft.links.insert(0, link);
            }
            Some(AlertRegistered {
                alert_id: a.id,
                expected_version: a.version,
                action: user
                    .actor()
                    .action(
                        now,
                        "risk.alert.to_register",
                        &format!("risk_alert:{}", a.id),
                    )
                    .states(Some(from.as_str()), Some(handling.state.as_str())),
                handling,
            })
        }
    };
    if draft.links.len() > zhili_domain::risk::MAX_RISK_LINKS {
        return Err(crate::usecase::invalid(
            "links",
            "the alert's link makes one too many",
        ));
    }
    links_exist(state, user, &draft.links).await?;
    let mut record = RiskRecord {
        id: 0,
        title: draft.title.clone(),
        description: draft.description.clone(),
        level: draft.level.as_str().into(),
        area_code: area.to_string(),
        owner_unit: draft.owner_unit.clone(),
        measures: draft.measures.clone(),
        review_on: draft.review_on,
        status: RiskStatus::Open.as_str().into(),
        links: links_json(&draft.links),
        note: None,
        registered_by: user.username.clone(),
        registered_at: now,
        version: 1,
        updated_at: now,
    };
    let action = user
        .actor()
        .action(now, "risk.register", "risk:new")
        .states(None, Some(RiskStatus::Open.as_str()))
        .opinion(format!(
            "{}（{}，{}）",
            record.title,
            draft.level.label_zh(),
            record.owner_unit
        ));
    record.id = state.store.register_risk(&record, action, alert).await?;
    Ok(record)
}

/// A risk the caller may change, at the version they read.
async fn changeable(
    state: &AppState,
    user: &User,
    id: i64,
    version: Option<i64>,
) -> Result<RiskRecord> {
    // Read as the register page reads it (a department sees its sector's risks), so a sector
    // peer's risk is refused as not theirs to change rather than as absent.
    let r = state
        .store
        .risk(&super::reading_scope(state, user).await?, id)
        .await?
        .ok_or_else(|| not_found("id", format!("risk {id} not found")))?;
    if !may_change(user, &r) {
        return Err(forbidden(
            "only the centres and stations over its area or its owner unit change a risk",
        ));
    }
    if version.is_some_and(|v| v != r.version) {
        return Err(zhili_store::StoreError::conflict(format!(
            "the risk is at version {}; reload it",
            r.version
        ))
        .into());
    }
    Ok(r)
}

/// New wording, level, owner, measures, review day or links of a risk.
pub async fn edit(
    state: &AppState,
    user: &User,
    id: i64,
    version: Option<i64>,
    draft: RiskDraft,
) -> Result<RiskRecord> {
    let r = changeable(state, user, id, version).await?;
    if r.status == RiskStatus::Closed.as_str() {
        return Err(DomainError::new(
            zhili_domain::ErrorCode::InvalidTransition,
            "a closed risk is reopened before it is edited",
        )
        .zh("已销号的风险须先重新打开才能修改")
        .into());
    }
    let now = crate::now_ms();
    let draft = draft.check(china_day(now))?;
    if draft.owner_unit != r.owner_unit {
        if !registers(user) {
            return Err(forbidden(
                "only the centres and stations hand a risk to another unit",
            ));
        }
        owner_exists(state, user, &draft.owner_unit).await?;
    }
    let known = links_of(&r);
    let added: Vec<RiskLink> = draft
        .links
        .iter()
        .filter(|l| !known.contains(l))
        .copied()
        .collect();
    links_exist(state, user, &added).await?;
    let next = RiskRecord {
        title: draft.title,
        description: draft.description,
        level: draft.level.as_str().into(),
        owner_unit: draft.owner_unit,
        measures: draft.measures,
        review_on: draft.review_on,
        links: links_json(&draft.links),
        updated_at: now,
        ..r.clone()
    };
    let action = user
        .actor()
        .action(now, "risk.edit", &format!("risk:{id}"))
        .opinion(format!(
            "等级 {}，责任单位 {}，复核 {}；措施：{}",
            next.level,
            next.owner_unit,
            zhili_domain::calendar::date_string(next.review_on),
            next.measures
        ));
    state.store.update_risk(&next, action).await?;
    Ok(RiskRecord {
        version: r.version + 1,
        ..next
    })
}

/// A change of a risk's status (under control, closed, reopened).
pub async fn step(
    state: &AppState,
    user: &User,
    id: i64,
    version: Option<i64>,
    step: RiskStep,
) -> Result<RiskRecord> {
    let r = changeable(state, user, id, version).await?;
    let from = RiskStatus::from_code(&r.status).ok_or_else(|| {
        zhili_store::StoreError::Internal(format!("risk {id}: status {}", r.status))
    })?;
    let (to, note) = step.apply(from)?;
    let now = crate::now_ms();
    let next = RiskRecord {
        status: to.as_str().into(),
        note: note.clone().or(r.note.clone()),
        updated_at: now,
        ..r.clone()
    };
    let action = user
        .actor()
        .action(now, &format!("risk.{}", step.name()), &format!("risk:{id}"))
        .states(Some(from.as_str()), Some(to.as_str()))
        .opinion(note.unwrap_or_default());
    state.store.update_risk(&next, action).await?;
    Ok(RiskRecord {
        version: r.version + 1,
        ..next
    })
}
