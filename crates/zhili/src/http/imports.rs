//! Spreadsheet imports of people, houses, organisations and components/cameras over HTTP
//! (one at a time, with progress), and their templates.

use super::error::{ApiError, ApiResult, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::sheet_import::Sheet;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::ErrorCode;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every row; write nothing.
    pub dry_run: Option<bool>,
    /// Write the good rows and hand back the rejected ones (default: all or nothing).
    pub partial: Option<bool>,
    /// An id of the caller's choosing (1–64 letters, digits, '-'): the import's progress is
    /// then at `GET /api/v1/imports/{id}/progress` while it runs.
    #[param(schema_with = super::schema::progress_id)]
    pub progress: Option<String>,
}

/// How long an import waits for the one before it before answering 503 busy.
const IMPORT_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// How long a finished import's progress stays readable.
const PROGRESS_KEPT_MS: i64 = 10 * 60_000;

/// Registers an import's progress under the caller's name and id.
fn track(
    state: &AppState,
    user: &CurrentUser,
    id: Option<&str>,
) -> ApiResult<Arc<crate::usecase::sheet_import::Progress>> {
    let progress = Arc::new(crate::usecase::sheet_import::Progress::default());
    let Some(id) = id else {
        return Ok(progress);
    };
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "progress",
            "1 to 64 letters, digits or '-'",
        ));
    }
    let now = crate::now_ms();
    let mut imports = state.imports.lock().unwrap_or_else(|e| e.into_inner());
    imports.retain(|_, (at, _)| now - *at < PROGRESS_KEPT_MS);
    imports.insert(
        format!("{}/{id}", user.user.username),
        (now, progress.clone()),
    );
    Ok(progress)
}

#[derive(Serialize, ToSchema)]
pub struct ImportProgress {
    /// reading, checking, looking_up, writing, done
    pub stage: String,
    pub rows_checked: usize,
    pub rows: usize,
}

#[utoipa::path(get, path = "/api/v1/imports/{id}/progress", tag = "people", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ImportProgress), (status = 404, body = super::error::ErrorBody, description = "no import of yours by that id (yet)")))]
pub async fn import_progress(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ImportProgress>> {
    let progress = state
        .imports
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&format!("{}/{id}", user.user.username))
        .map(|(_, p)| p.clone())
        .ok_or_else(|| ApiError::not_found(&format!("import {id}")))?;
    let (stage, rows_checked, rows) = progress.read();
    Ok(axum::Json(ImportProgress {
        stage: stage.into(),
        rows_checked,
        rows,
    }))
}

#[utoipa::path(post, path = "/api/v1/people/import", tag = "people", params(ImportQuery), security(("bearer" = [])),
    request_body(content = Vec<u8>, description = ".xlsx workbook (first sheet) or CSV (UTF-8 or GB 18030) with the template's columns", content_type = "application/octet-stream"),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not register people"), (status = 200, body = crate::usecase::sheet_import::ImportReport),
              (status = 422, body = super::error::ErrorBody, description = "invalid_rows: details is the report, every problem with its row and column; nothing written. invalid_parameter (field `file`): a file past the limits (rows, columns, cell or unpacked sizes)"),
              (status = 409, body = super::error::ErrorBody, description = "conflict: a row names a person registered in an area the caller does not see (which row is not told); nothing written"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: the account's daily identity-number lookups are spent; `Retry-After` tells when"),
              (status = 503, body = super::error::ErrorBody, description = "busy: another import is running; `Retry-After` tells when to try again")))]
pub async fn import(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ImportQuery>,
    request: axum::extract::Request,
) -> ApiResult<axum::response::Response> {
    import_into(state, user, Sheet::People, q, request).await
}

fn sheet_of(raw: &str) -> ApiResult<Sheet> {
    Sheet::parse(raw).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "sheet",
            format!("{raw:?} is not people, houses, orgs, things, committees or mediators"),
        )
    })
}

#[utoipa::path(post, path = "/api/v1/import/{sheet}", tag = "people", params(("sheet" = String, Path, pattern = "^(people|houses|orgs|things|committees|mediators)$", description = "people, houses, orgs, things, committees (mediation committees with their room) or mediators"), ImportQuery), security(("bearer" = [])),
    request_body(content = Vec<u8>, description = ".xlsx workbook (first sheet) or CSV (UTF-8 or GB 18030) with the template's columns", content_type = "application/octet-stream"),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not register what the sheet holds"), (status = 200, body = crate::usecase::sheet_import::ImportReport),
              (status = 422, body = super::error::ErrorBody, description = "invalid_rows: details is the report, every problem with its row and column; nothing written. invalid_parameter (field `file`): a file past the limits (rows, columns, cell or unpacked sizes)"),
              (status = 409, body = super::error::ErrorBody, description = "conflict: a row names a person registered in an area the caller does not see (which row is not told); nothing written"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: the account's daily identity-number lookups are spent; `Retry-After` tells when"),
              (status = 503, body = super::error::ErrorBody, description = "busy: another import is running; `Retry-After` tells when to try again")))]
pub async fn import_sheet(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(sheet): Path<String>,
    Query(q): Query<ImportQuery>,
    request: axum::extract::Request,
) -> ApiResult<axum::response::Response> {
    let sheet = sheet_of(&sheet)?;
    import_into(state, user, sheet, q, request).await
}

async fn import_into(
    state: Arc<AppState>,
    user: CurrentUser,
    sheet: Sheet,
    q: ImportQuery,
    request: axum::extract::Request,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    // The role is checked before the body is read.
    let importer = crate::usecase::sheet_import::Importer::for_sheet(
        &state,
        &user.user,
        sheet,
        track(&state, &user, q.progress.as_deref())?,
    )?;
    // Wait a little for the import before this one; the body is read only with the slot.
    let _slot = tokio::time::timeout(IMPORT_WAIT, state.import_slots.acquire())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Busy,
                "another import is running; try again when it has finished",
            )
            .zh("另一个导入正在进行，请稍后再试")
            .retry_after_ms(5_000)
        })?;
    let bytes = super::error::read_body(request, &()).await?;
    let (dry_run, partial) = (q.dry_run.unwrap_or(false), q.partial.unwrap_or(false));
    let report = crate::usecase::sheet_import::import_sheet(
        &importer,
        sheet,
        bytes.to_vec(),
        dry_run,
        partial,
        crate::now_ms(),
    )
    .await?;
    if !report.problems.is_empty() && !dry_run && !partial {
        let n = report.problems.len();
        return Err(ApiError::new(
            ErrorCode::InvalidRows,
            format!("{n} problem(s) in the file; nothing was written"),
        )
        .with_details(serde_json::to_value(&report).unwrap_or_default()));
    }
    Ok(axum::Json(report).into_response())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// xlsx (default) or csv
    #[param(schema_with = super::schema::sheet_format)]
    pub format: Option<String>,
}

pub(super) fn format_of(q: &FormatQuery) -> ApiResult<bool> {
    super::export::is_xlsx(q.format.as_deref())
}

#[utoipa::path(get, path = "/api/v1/people/import/template", tag = "people", params(FormatQuery), security(("bearer" = [])),
    responses((status = 200, description = "the import template (.xlsx or CSV)")))]
pub async fn template(
    _user: CurrentUser,
    Query(q): Query<FormatQuery>,
) -> ApiResult<axum::response::Response> {
    template_of(Sheet::People, &q)
}

#[utoipa::path(get, path = "/api/v1/import/{sheet}/template", tag = "people", params(("sheet" = String, Path, pattern = "^(people|houses|orgs|things|committees|mediators)$", description = "people, houses, orgs, things, committees (mediation committees with their room) or mediators"), FormatQuery), security(("bearer" = [])),
    responses((status = 200, description = "the import template (.xlsx or CSV): required columns starred, an example row")))]
pub async fn sheet_template(
    _user: CurrentUser,
    Path(sheet): Path<String>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<axum::response::Response> {
    template_of(sheet_of(&sheet)?, &q)
}

fn template_of(sheet: Sheet, q: &FormatQuery) -> ApiResult<axum::response::Response> {
    let name = sheet.as_str();
    if format_of(q)? {
        let bytes = crate::usecase::sheet_import::template_xlsx(sheet)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
        Ok(super::export::download(
            bytes,
            super::export::XLSX,
            &format!("{name}-template.xlsx"),
        ))
    } else {
        Ok(super::export::download(
            crate::usecase::sheet_import::template_csv(sheet).into_bytes(),
            "text/csv; charset=utf-8",
            &format!("{name}-template.csv"),
        ))
    }
}
