//! Stability-risk assessment of major decisions (重大决策社会稳定风险评估): a decision registered
//! over an area by the district centre or a town, the procedure's steps taken through the
//! domain's rules (`zhili_domain::risk::stability`), the conclusion signed by whoever records it,
//! each step at the version read and recorded.

use crate::state::AppState;
use crate::usecase::{forbidden, not_found, Result};
use serde_json::{json, Value};
use zhili_domain::risk::stability::{
    Assessment, Evidence, EvidenceKind, RatedRisk, StabilityLevel, StabilityStatus, StabilityStep,
    Track, Verdict,
};
use zhili_domain::user::User;
use zhili_domain::{RegionCode, Role};
use zhili_store::StabilityRecord;

/// A decision to assess.
#[derive(Clone, Debug)]
pub struct Register {
    pub title: String,
    pub description: String,
    pub area_code: String,
    /// The unit that takes the decision.
    pub decision_unit: String,
    pub track: Track,
}

/// The district centre and the towns assess the decisions over their area.
fn assesses(user: &User) -> bool {
    matches!(
        user.role,
        Role::DistrictCommander | Role::DistrictOperator | Role::TownOperator
    )
}

pub async fn register(state: &AppState, user: &User, r: Register) -> Result<StabilityRecord> {
    if !assesses(user) {
        return Err(forbidden(
            "the district centre and the towns assess major decisions",
        ));
    }
    let title = crate::usecase::intake::text("title", &r.title, 100)?;
    let description = crate::usecase::intake::text("description", &r.description, 5000)?;
    let area = RegionCode::parse(&r.area_code)
        .ok()
        .filter(|a| state.index().names.contains_key(a.as_str()))
        .filter(|a| user.scope().sees_region(a))
        .ok_or_else(|| not_found("area_code", format!("no area {} of yours", r.area_code)))?;
    if state
        .store
        .get_unit(&user.scope(), &r.decision_unit)
        .await?
        .is_none()
    {
        return Err(not_found(
            "decision_unit",
            format!("unit {} not found", r.decision_unit),
        ));
    }
    let now = crate::now_ms();
    let mut a = StabilityRecord {
        id: 0,
        title,
        description,
        area_code: area.to_string(),
        decision_unit: r.decision_unit,
        track: r.track.as_str().into(),
        status: StabilityStatus::Consulting.as_str().into(),
        evidence: "[]".into(),
        risks: "[]".into(),
        level: None,
        conclusion_reason: None,
        signed_by: None,
        signed_at: None,
        verdict: None,
        follow_ups: "[]".into(),
        registered_by: user.username.clone(),
        registered_at: now,
        version: 1,
        updated_at: now,
    };
    let action = user
        .actor()
        .action(now, "stability.register", "stability:new")
        .states(None, Some(StabilityStatus::Consulting.as_str()))
        .opinion(format!("{}（{}）", a.title, r.track.label_zh()));
    a.id = state.store.create_assessment(&a, action).await?;
    Ok(a)
}

fn list(text: &str) -> Vec<Value> {
    serde_json::from_str(text).unwrap_or_default()
}

/// The domain's view of a stored assessment.
pub fn assessment_of(r: &StabilityRecord) -> Assessment {
    Assessment {
        track: Track::from_code(&r.track).unwrap_or(Track::Normal),
        status: StabilityStatus::from_code(&r.status).unwrap_or(StabilityStatus::Consulting),
        evidence: list(&r.evidence)
            .iter()
            .filter_map(|e| {
                Some(Evidence {
                    kind: EvidenceKind::from_code(e.get("kind")?.as_str()?)?,
                    summary: e.get("summary")?.as_str()?.to_string(),
                    participants: e.get("participants")?.as_i64()?,
                })
            })
            .collect(),
        risks: list(&r.risks)
            .iter()
            .filter_map(|x| {
                Some(RatedRisk {
                    title: x.get("title")?.as_str()?.to_string(),
                    likelihood: x.get("likelihood")?.as_i64()?,
                    impact: x.get("impact")?.as_i64()?,
                    measures: x.get("measures")?.as_str()?.to_string(),
                })
            })
            .collect(),
        level: r.level.as_deref().and_then(StabilityLevel::from_code),
        verdict: r.verdict.as_deref().and_then(Verdict::from_code),
    }
}

/// Takes `step` on assessment `id` as `user` at the version they read; answers it as it now is.
pub async fn step(
    state: &AppState,
    user: &User,
    id: i64,
    version: Option<i64>,
    step: StabilityStep,
) -> Result<StabilityRecord> {
    let r = state
        .store
        .assessment(&user.scope(), id)
        .await?
        .ok_or_else(|| not_found("id", format!("assessment {id} not found")))?;
    if !assesses(user) {
        return Err(forbidden(
            "the district centre and the towns assess major decisions",
        ));
    }
    if version.is_some_and(|v| v != r.version) {
        return Err(zhili_store::StoreError::conflict(format!(
            "the assessment is at version {}; reload it",
            r.version
        ))
        .into());
    }
    let before = assessment_of(&r);
    let after = before.apply(&step)?;
    let now = crate::now_ms();
    let mut next = StabilityRecord {
        status: after.status.as_str().into(),
        evidence: Value::Array(
            after
                .evidence
                .iter()
                .map(|e| json!({"kind": e.kind.as_str(), "summary": e.summary, "participants": e.participants}))
                .collect(),
        )
        .to_string(),
        risks: Value::Array(
            after
                .risks
                .iter()
                .map(|x| json!({"title": x.title, "likelihood": x.likelihood, "impact": x.impact, "measures": x.measures}))
                .collect(),
        )
        .to_string(),
        level: after.level.map(|l| l.as_str().to_string()),
        verdict: after.verdict.map(|v| v.as_str().to_string()),
        updated_at: now,
        ..r.clone()
    };
    let (name, opinion) = match &step {
        StabilityStep::Consult(e) => (
            "consult",
            format!("{}：{}人", e.kind.label_zh(), e.participants),
        ),
        StabilityStep::Rate(risks) => ("rate", format!("风险点 {} 项", risks.len())),
        StabilityStep::Conclude { level, reason } => {
            next.signed_by = Some(user.username.clone());
            next.signed_at = Some(now);
            next.conclusion_reason = reason
                .as_ref()
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty());
            (
                "conclude",
                format!(
                    "{}{}",
                    level.label_zh(),
                    reason
                        .as_deref()
                        .map(|x| format!("：{x}"))
                        .unwrap_or_default()
                ),
            )
        }
        StabilityStep::Decide(v) => ("decide", v.label_zh().to_string()),
        StabilityStep::Implement => ("implement", String::new()),
        StabilityStep::FollowUp { note, .. } => {
            let mut ups = list(&r.follow_ups);
            ups.push(json!({"at": zhili_domain::time::rfc3339(now), "by": user.username, "note": note.trim()}));
            next.follow_ups = Value::Array(ups).to_string();
            ("follow_up", note.trim().to_string())
        }
    };
    let action = user
        .actor()
        .action(
            now,
            &format!("stability.{name}"),
            &format!("stability:{id}"),
        )
        .states(Some(before.status.as_str()), Some(after.status.as_str()))
        .opinion(opinion);
    state.store.update_assessment(&next, action).await?;
    Ok(StabilityRecord {
        version: r.version + 1,
        ..next
    })
}
