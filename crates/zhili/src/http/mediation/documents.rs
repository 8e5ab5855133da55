//! A case's documents as .docx: made from the case (the record keeps each one's SHA-256) and
//! downloaded as made (each reading recorded).

use crate::http::error::{ApiResult, Json, Path, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::mediation::documents;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_store::DocumentRecord;

#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    pub id: i64,
    /// application, agreement, confirmation
    pub kind: String,
    pub kind_label: String,
    /// The file's SHA-256, as the record keeps it.
    pub sha256: String,
    pub size: i64,
    pub created_by: String,
    pub created_at: String,
}

pub(super) fn view(d: &DocumentRecord) -> DocumentView {
    DocumentView {
        id: d.id,
        kind: d.kind.as_str().into(),
        kind_label: d.kind.label_zh().into(),
        sha256: d.sha256.clone(),
        size: d.size,
        created_by: d.created_by.clone(),
        created_at: zhili_domain::time::rfc3339(d.created_at),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentBody {
    /// application (人民调解申请书), agreement (人民调解协议书), confirmation (司法确认申请书)
    #[schema(schema_with = crate::http::schema::document_kind)]
    pub kind: String,
}

#[utoipa::path(post, path = "/api/v1/mediation/cases/{id}/documents", tag = "mediation", params(("id" = i64, Path, minimum = 1)), request_body = DocumentBody, security(("bearer" = [])),
    responses((status = 201, body = DocumentView, description = "made from the case as it now is; its SHA-256 is in the record"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not the case's committee, mediator or court"),
              (status = 404, body = crate::http::error::ErrorBody),
              (status = 409, body = crate::http::error::ErrorBody, description = "invalid_transition: the case has nothing of the kind to put in writing yet")))]
pub async fn make(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<DocumentBody>,
) -> ApiResult<(StatusCode, axum::Json<DocumentView>)> {
    let id = crate::http::events::parse_id(&id)?;
    let (record, _) = documents::generate(&state, &user.user, id, &body.kind).await?;
    Ok((StatusCode::CREATED, axum::Json(view(&record))))
}

#[utoipa::path(get, path = "/api/v1/mediation/documents/{id}", tag = "mediation", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, description = "the .docx as it was made (the reading is recorded)", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
              (status = 403, body = crate::http::error::ErrorBody), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn download(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::response::Response> {
    let id = crate::http::events::parse_id(&id)?;
    let (record, bytes, case) = documents::read(&state, &user.user, id).await?;
    Ok(crate::http::download::docx(
        &format!("mediation-{}-{}.docx", case.id, record.kind.as_str()),
        &format!("{}-{}.docx", record.kind.label_zh(), case.number),
        bytes,
    ))
}
