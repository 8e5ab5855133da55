//! Steps on a case (`step` names the step and which other fields apply), and 当场调解 in one
//! request.

use super::cases::{detail, CaseDetail};
use super::{bad, day_start};
use crate::http::error::{ApiResult, Json, Path};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::mediation::{self as uc, Step};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::mediation::{AgreementForm, Referral};

/// A step on a case: `step` names it and says which other fields apply; every step takes
/// `version` (the version the caller saw: a change by someone else since answers 409).
#[derive(Deserialize, ToSchema)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepRequest {
    /// A party's answer to mediation (the party's position in `parties`); a refusal stops it.
    Consent {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(minimum = 0, maximum = 19)]
        party: i64,
        given: bool,
    },
    /// The committee assigns the mediators (replacing those before).
    Assign {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(min_items = 1, max_items = 5)]
        mediator_ids: Vec<i64>,
    },
    /// A session with its minutes (调解笔录).
    Session {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(min_items = 2, max_items = 50, schema_with = crate::http::schema::names)]
        attendees: Vec<String>,
        #[schema(schema_with = crate::http::schema::note_5000)]
        minutes: String,
        #[schema(schema_with = crate::http::schema::line_100_or_null)]
        place: Option<String>,
        #[schema(schema_with = crate::http::schema::photo_ids_or_null)]
        photos: Option<Vec<String>>,
    },
    /// More days to settle, with every party's consent.
    Extend {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(minimum = 1, maximum = 30)]
        days: i64,
        all_parties_agree: bool,
    },
    /// The agreement (调解协议): the statute's fields and the performance deadline.
    Agree {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = crate::http::schema::agreement_form)]
        form: String,
        #[schema(schema_with = crate::http::schema::note_5000)]
        issues: String,
        #[schema(schema_with = crate::http::schema::note_5000)]
        terms: String,
        #[schema(schema_with = crate::http::schema::note)]
        manner: String,
        /// The last day of performance (`YYYY-MM-DD`, Beijing time), within a year.
        #[schema(schema_with = crate::http::schema::date)]
        perform_by: String,
        #[schema(schema_with = crate::http::schema::photo_ids_or_null)]
        photos: Option<Vec<String>>,
    },
    /// Mediation failed; the parties were told of their other remedies.
    Terminate {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = crate::http::schema::note)]
        reason: String,
        remedies_told: bool,
    },
    /// Both parties apply to the court for judicial confirmation (within 30 days).
    ApplyConfirmation {
        #[schema(minimum = 1)]
        version: Option<i64>,
        joint: bool,
    },
    /// The court's ruling.
    RecordConfirmation {
        #[schema(minimum = 1)]
        version: Option<i64>,
        confirmed: bool,
        #[schema(schema_with = crate::http::schema::note_or_null)]
        ruling: Option<String>,
    },
    /// Whether the agreement was performed.
    RecordPerformance {
        #[schema(minimum = 1)]
        version: Option<i64>,
        performed: bool,
        #[schema(schema_with = crate::http::schema::note_or_null)]
        note: Option<String>,
    },
    /// The follow-up visit (回访).
    FollowUp {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = crate::http::schema::note)]
        note: String,
    },
    /// Handed to litigation, arbitration, letters and calls or the police; one to the police
    /// or that may turn violent raises an event where the case's event was (or at `location`).
    ReferOut {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = crate::http::schema::referral)]
        to: String,
        #[schema(schema_with = crate::http::schema::note)]
        reason: String,
        may_turn_violent: bool,
        location: Option<crate::http::events::Location>,
    },
}

impl StepRequest {
    fn step(self) -> ApiResult<(Option<i64>, Step)> {
        use StepRequest as R;
        Ok(match self {
            R::Consent {
                version,
                party,
                given,
            } => (
                version,
                Step::Consent {
                    party: usize::try_from(party).map_err(|_| bad("party", "0 to 19"))?,
                    given,
                },
            ),
            R::Assign {
                version,
                mediator_ids,
            } => (version, Step::Assign { mediator_ids }),
            R::Session {
                version,
                attendees,
                minutes,
                place,
                photos,
            } => (
                version,
                Step::Session {
                    attendees,
                    minutes,
                    place,
                    photos: photos.unwrap_or_default(),
                },
            ),
            R::Extend {
                version,
                days,
                all_parties_agree,
            } => (
                version,
                Step::Extend {
                    days,
                    all_parties_agree,
                },
            ),
            R::Agree {
                version,
                form,
                issues,
                terms,
                manner,
                perform_by,
                photos,
            } => (
                version,
                Step::Agree {
                    form: AgreementForm::parse(&form)
                        .ok_or_else(|| bad("form", "written or oral"))?,
                    issues,
                    terms,
                    manner,
                    // To the end of that day.
                    perform_by: day_start("perform_by", &perform_by)?
                        + zhili_domain::calendar::DAY_MS
                        - 1,
                    photos: photos.unwrap_or_default(),
                },
            ),
            R::Terminate {
                version,
                reason,
                remedies_told,
            } => (
                version,
                Step::Terminate {
                    reason,
                    remedies_told,
                },
            ),
            R::ApplyConfirmation { version, joint } => (version, Step::ApplyConfirmation { joint }),
            R::RecordConfirmation {
                version,
                confirmed,
                ruling,
            } => (version, Step::RecordConfirmation { confirmed, ruling }),
            R::RecordPerformance {
                version,
                performed,
                note,
            } => (version, Step::RecordPerformance { performed, note }),
            R::FollowUp { version, note } => (version, Step::FollowUp { note }),
            R::ReferOut {
                version,
                to,
                reason,
                may_turn_violent,
                location,
            } => (
                version,
                Step::ReferOut {
                    to: Referral::parse(&to)
                        .ok_or_else(|| bad("to", "litigation, arbitration, petition or police"))?,
                    reason,
                    may_turn_violent,
                    location: location.map(|l| l.wgs84()).transpose()?,
                },
            ),
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct StepAnswer {
    pub case: CaseDetail,
    /// The event a referral raised to the command centre.
    pub raised_event: Option<i64>,
    /// The dispute event this outcome handled (it waited on the caller's unit; its closed loop
    /// goes on to verification).
    pub handled_event: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/mediation/cases/{id}/steps", tag = "mediation", params(("id" = i64, Path, minimum = 1)), request_body = StepRequest, security(("bearer" = [])),
    responses((status = 200, body = StepAnswer), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "not_found: the case or a mediator named"),
              (status = 409, body = crate::http::error::ErrorBody, description = "invalid_transition: not allowed now or not for you; conflict: changed meanwhile")))]
pub async fn take_step(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<StepRequest>,
) -> ApiResult<axum::Json<StepAnswer>> {
    let case_id = crate::http::events::parse_id(&id)?;
    let (version, step) = body.step()?;
    let done = uc::step(
        &state,
        &user.user,
        uc::StepInput {
            case_id,
            version,
            step,
        },
    )
    .await?;
    Ok(axum::Json(StepAnswer {
        case: detail(&state, &user.user, done.case).await?,
        raised_event: done.raised_event,
        handled_event: done.handled_event,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnTheSpotBody {
    /// The committee the caller mediates for.
    #[schema(minimum = 1)]
    pub committee_id: i64,
    /// Where it happened: a grid or village of the caller's.
    #[schema(schema_with = crate::http::schema::region_code)]
    pub region_code: String,
    /// A dispute category (0101–0110).
    #[schema(schema_with = crate::http::schema::category)]
    pub category: String,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub facts: String,
    #[schema(min_items = 2, max_items = 20)]
    pub parties: Vec<super::cases::PartyBody>,
    /// Whether the parties agreed on the spot (an oral agreement) or not.
    pub agreed: bool,
    /// The terms agreed (when agreed).
    #[schema(schema_with = crate::http::schema::note_or_null)]
    pub terms: Option<String>,
    /// The last day of performance, `YYYY-MM-DD` (when agreed; default: today).
    #[schema(schema_with = crate::http::schema::date_or_null)]
    pub perform_by: Option<String>,
    /// Why no agreement was reached (when not agreed).
    #[schema(schema_with = crate::http::schema::note_or_null)]
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/mediation/on-the-spot", tag = "mediation", request_body = OnTheSpotBody, security(("bearer" = [])),
    responses((status = 201, body = CaseDetail, description = "the case as recorded: registered, consented, mediated and settled or terminated, each step in the record"),
              (status = 403, body = crate::http::error::ErrorBody, description = "the caller is not a mediator of the committee"),
              (status = 404, body = crate::http::error::ErrorBody), (status = 409, body = crate::http::error::ErrorBody)))]
pub async fn on_the_spot(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<OnTheSpotBody>,
) -> ApiResult<(axum::http::StatusCode, axum::Json<CaseDetail>)> {
    let outcome = if b.agreed {
        let terms = b
            .terms
            .ok_or_else(|| bad("terms", "the terms agreed on the spot"))?;
        let day = match b.perform_by.as_deref() {
            Some(d) => day_start("perform_by", d)?,
            None => {
                let now = crate::now_ms() + 8 * 3_600_000;
                now - now.rem_euclid(zhili_domain::calendar::DAY_MS) - 8 * 3_600_000
            }
        };
        uc::SpotOutcome::Agreed {
            terms,
            perform_by: day + zhili_domain::calendar::DAY_MS - 1,
        }
    } else {
        uc::SpotOutcome::Failed {
            reason: b
                .reason
                .ok_or_else(|| bad("reason", "why no agreement was reached"))?,
        }
    };
    let case = uc::on_the_spot(
        &state,
        &user.user,
        uc::Spot {
            committee_id: b.committee_id,
            region_code: b.region_code,
            category: b.category,
            title: b.title,
            facts: b.facts,
            parties: b
                .parties
                .into_iter()
                .map(super::cases::party_input)
                .collect(),
            outcome,
        },
    )
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        axum::Json(detail(&state, &user.user, case).await?),
    ))
}
