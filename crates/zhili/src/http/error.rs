//! One error shape, `{"code","message","details"}`, and the extractors that turn every kind
//! of bad input (malformed JSON, unknown or missing fields, wrong types, oversized bodies,
//! bad query strings) into it, with the field at fault.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use zhili_domain::{DomainError, ErrorCode};
use zhili_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// The message in Chinese, where the domain wrote one.
    pub message_zh: Option<String>,
    pub details: Value,
    /// Seconds after which trying again may succeed (`Retry-After`).
    pub retry_after: Option<u64>,
}

/// The error body, as documented in the OpenAPI document.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `invalid_parameter`, `outside_coverage`.
    pub code: String,
    pub message: String,
    /// The message in Chinese (the UI's first language), when there is one.
    pub message_zh: Option<String>,
    /// Extra facts: the `field` at fault, or a list of `problems`.
    #[schema(value_type = Object)]
    pub details: Value,
}

pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidJson | ErrorCode::MissingField | ErrorCode::UnknownField => {
            StatusCode::BAD_REQUEST
        }
        ErrorCode::InvalidParameter
        | ErrorCode::InvalidGeometry
        | ErrorCode::InvalidImage
        | ErrorCode::InvalidIdNumber
        | ErrorCode::InvalidRows
        | ErrorCode::WrongCode
        | ErrorCode::CodeExpired => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
        ErrorCode::AccountLocked | ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Busy => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Forbidden | ErrorCode::AccountDisabled | ErrorCode::PasswordChangeRequired => {
            StatusCode::FORBIDDEN
        }
        ErrorCode::NotFound | ErrorCode::OutsideCoverage => StatusCode::NOT_FOUND,
        ErrorCode::Conflict | ErrorCode::InvalidTransition => StatusCode::CONFLICT,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status: status_of(code),
            code,
            message: message.into(),
            message_zh: None,
            details: json!({}),
            retry_after: None,
        }
    }

    /// The message in Chinese.
    pub fn zh(mut self, message: impl Into<String>) -> Self {
        self.message_zh = Some(message.into());
        self
    }

    fn retry_after_opt(self, ms: Option<i64>) -> Self {
        match ms {
            Some(ms) => self.retry_after_ms(ms),
            None => self,
        }
    }

    /// Tells the client when to try again (`Retry-After`, in whole seconds, at least 1).
    pub fn retry_after_ms(mut self, ms: i64) -> Self {
        self.retry_after = Some(((ms.max(0) + 999) / 1000).max(1) as u64);
        self
    }

    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        ApiError {
            details: json!({ "field": field }),
            ..ApiError::new(code, message)
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// Every problem of a registration: the first is the answer, all are in the details.
    pub fn from_problems(mut problems: Vec<zhili_domain::DomainError>) -> Self {
        if problems.is_empty() {
            return ApiError::new(ErrorCode::Internal, "refused without a reason");
        }
        let all: Vec<Value> = problems
            .iter()
            .map(|p| serde_json::json!({"field": p.field, "code": p.code.as_str(), "message": p.message, "message_zh": p.message_zh}))
            .collect();
        let first = problems.remove(0);
        let field = first.field.clone().unwrap_or_default();
        ApiError {
            message_zh: first.message_zh,
            ..ApiError::new(first.code, first.message)
        }
        .with_details(serde_json::json!({"field": field, "problems": all}))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Forbidden, message)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let details = e
            .field
            .as_ref()
            .map_or_else(|| json!({}), |f| json!({ "field": f }));
        ApiError {
            status: status_of(e.code),
            code: e.code,
            message: e.message,
            message_zh: e.message_zh,
            details,
            retry_after: None,
        }
        .retry_after_opt(e.retry_after_ms)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            e @ (StoreError::Database(_) | StoreError::Internal(_)) => {
                tracing::error!(error = %e, "storage failure");
                ApiError::new(
                    ErrorCode::Internal,
                    "the database failed; the request was not completed",
                )
            }
        }
    }
}

impl From<crate::usecase::Error> for ApiError {
    fn from(e: crate::usecase::Error) -> Self {
        match e {
            crate::usecase::Error::Store(e) => e.into(),
            crate::usecase::Error::Problems(p) => ApiError::from_problems(p),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body =
            json!({ "code": self.code.as_str(), "message": self.message, "details": self.details });
        if let Some(zh) = self.message_zh {
            body["message_zh"] = Value::String(zh);
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Most characters of search text: a longer pattern costs every row it is matched against.
pub const MAX_SEARCH: usize = 100;

/// A search parameter: trimmed (empty is none); longer than `MAX_SEARCH` characters is
/// refused, never cut, so the caller knows what was searched.
pub fn search_text(field: &str, raw: Option<String>) -> ApiResult<Option<String>> {
    let Some(text) = raw.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_SEARCH {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            field,
            format!("search text of at most {MAX_SEARCH} characters"),
        )
        .zh(format!("搜索内容最多{MAX_SEARCH}个字符")));
    }
    Ok(Some(text))
}

/// Classifies a serde failure at `path` into a stable code with the field at fault.
fn serde_failure(path: String, inner: &str, is_syntax: bool) -> ApiError {
    if is_syntax {
        return ApiError::new(ErrorCode::InvalidJson, format!("malformed JSON: {inner}"));
    }
    let field = if path.is_empty() || path == "." {
        None
    } else {
        Some(path)
    };
    if let Some(rest) = inner.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return ApiError::field(
            ErrorCode::UnknownField,
            name,
            format!("unknown field `{name}`"),
        );
    }
    if let Some(rest) = inner.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let full = field.map_or(name.to_string(), |f| format!("{f}.{name}"));
        return ApiError::field(
            ErrorCode::MissingField,
            &full,
            format!("missing field `{name}`"),
        );
    }
    match field {
        Some(f) => ApiError::field(ErrorCode::InvalidParameter, &f, format!("{f}: {inner}")),
        None => ApiError::new(ErrorCode::InvalidJson, inner.to_string()),
    }
}

/// A JSON body: must be `application/json`, parse completely, and match `T` exactly.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as Content-Type: application/json",
            ));
        }
        let bytes = read_body(req, state).await?;
        if let Some(field) = zhili_domain::text::json_forbidden(&bytes) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                &field,
                "text may not hold control characters or bidirectional overrides",
            )
            .zh("文本中不能含有控制字符或双向文本控制符"));
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut *de) {
            // Nothing but whitespace may follow the document.
            Ok(v) => match de.end() {
                Ok(()) => Ok(Json(v)),
                Err(e) => Err(ApiError::new(
                    ErrorCode::InvalidJson,
                    format!("malformed JSON: data after the document ({e})"),
                )),
            },
            Err(e) => {
                // JSON Schema counts 3.0 as an integer, as JavaScript does; serde does not.
                if e.inner()
                    .to_string()
                    .starts_with("invalid type: floating point")
                {
                    if let Some(v) = integral_floats(&bytes) {
                        if let Ok(v) = serde_path_to_error::deserialize(v) {
                            return Ok(Json(v));
                        }
                    }
                }
                let path = e.path().to_string();
                let inner = e.into_inner();
                let syntax = matches!(
                    inner.classify(),
                    serde_json::error::Category::Syntax | serde_json::error::Category::Eof
                );
                Err(serde_failure(path, &inner.to_string(), syntax))
            }
        }
    }
}

/// The document with every number that is a whole float (`3.0`) written as an integer, if
/// there was one; what a client that cannot tell them apart meant.
fn integral_floats(bytes: &[u8]) -> Option<Value> {
    fn walk(v: &mut Value, changed: &mut bool) {
        match v {
            Value::Number(n) if n.is_f64() => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                // Within ±2^53 a whole float is exactly the integer it names.
                if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                    *v = Value::from(f as i64);
                    *changed = true;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, changed)),
            Value::Object(map) => map.values_mut().for_each(|i| walk(i, changed)),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_slice(bytes).ok()?;
    let mut changed = false;
    walk(&mut v, &mut changed);
    changed.then_some(v)
}

/// Reads the whole body under the route's size limit.
pub async fn read_body<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    "the request body is larger than this endpoint accepts",
                )
            } else {
                ApiError::new(
                    ErrorCode::InvalidJson,
                    format!("the body could not be read: {rejection}"),
                )
            }
        })
}

/// Path parameters, with a malformed one (bad percent-encoding, not UTF-8) answered in the
/// one error shape rather than axum's plain-text rejection.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(rejection) => Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "path",
                format!("a malformed path parameter: {}", rejection.body_text()),
            )
            .zh("路径参数无效")),
        }
    }
}

/// A query string that must match `T` exactly (unknown parameters are refused).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        match serde_path_to_error::deserialize(de) {
            Ok(v) => Ok(Query(v)),
            Err(e) => {
                let path = e.path().to_string();
                Err(serde_failure(path, &e.into_inner().to_string(), false))
            }
        }
    }
}

fn form_urlencoded_parse(q: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(q.as_bytes())
}

/// Answers unknown routes with the error shape.
pub async fn no_route() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such endpoint")
}

pub async fn wrong_method() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this endpoint does not accept that method",
    )
}

/// Turns a panic into the error shape instead of a dropped connection (and logs it).
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    tracing::error!(panic = what, "handler panicked");
    ApiError::new(ErrorCode::Internal, "internal error").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_serde_failures() {
        assert_eq!(
            serde_failure(String::new(), "unknown field `x`, expected `a`", false).code,
            ErrorCode::UnknownField
        );
        let missing = serde_failure(String::new(), "missing field `password`", false);
        assert_eq!(missing.code, ErrorCode::MissingField);
        assert_eq!(missing.details["field"], "password");
        let typed = serde_failure(
            "lat".into(),
            "invalid type: string \"x\", expected f64",
            false,
        );
        assert_eq!(
            (typed.code, typed.status),
            (
                ErrorCode::InvalidParameter,
                StatusCode::UNPROCESSABLE_ENTITY
            )
        );
        assert_eq!(typed.details["field"], "lat");
        assert_eq!(
            serde_failure(String::new(), "EOF", true).code,
            ErrorCode::InvalidJson
        );
    }
}

/// A list's page as asked (`page` from 1, default 1; `page_size` default 20, at most `max_size`),
/// checked once for every list.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub page: i64,
    pub size: i64,
}

impl Paging {
    pub fn of(page: Option<i64>, size: Option<i64>, max_size: i64) -> ApiResult<Paging> {
        let (page, size) = (page.unwrap_or(1), size.unwrap_or(20));
        if !(1..=1_000_000).contains(&page) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "page",
                "page is 1 to 1,000,000",
            ));
        }
        if !(1..=max_size).contains(&size) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "page_size",
                format!("page_size is 1 to {max_size}"),
            ));
        }
        Ok(Paging { page, size })
    }

    pub fn offset(self) -> i64 {
        (self.page - 1) * self.size
    }
}
