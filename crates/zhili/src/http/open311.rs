//! `/open311/v2`: Open311 GeoReport v2 as its clients expect it — every path with a `.json` or
//! `.xml` suffix, forms posted url-encoded, the key as `api_key`, errors in the standard's
//! own shape (`errors[error{code, description}]`: 403 for a missing or wrong key, 404 for
//! what is not there, 400 otherwise). The rules are `zhili_domain::open311`; the work is
//! `usecase::open311`; this module parses and renders.

use super::open311_format::{document_for, render, Format};
use crate::state::AppState;
use crate::usecase::{api_keys, open311 as uc};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::sync::Arc;
use zhili_domain::open311 as rules;
use zhili_domain::ErrorCode;
use zhili_store::{ApiKeyRecord, EventRecord};

/// Largest form a client may post (a description of 2,000 characters is 18 kB encoded).
pub const FORM_LIMIT: usize = 64 * 1024;
/// When this endpoint's behaviour last changed (the discovery's changeset).
const CHANGESET: &str = "2026-12-04T00:00:00+08:00";

/// A refusal in the standard's shape, in the format the path asked for.
pub struct Open311Error {
    status: StatusCode,
    description: String,
    format: Format,
}

impl Open311Error {
    fn new(status: StatusCode, description: impl Into<String>, format: Format) -> Self {
        Open311Error {
            status,
            description: description.into(),
            format,
        }
    }

    /// A refusal of the use cases, in the standard's three statuses (and the HTTP ones no
    /// client can avoid: too large, too many, busy, broken).
    fn of(e: impl Into<super::error::ApiError>, format: Format) -> Self {
        let e: super::error::ApiError = e.into();
        let status = match e.code {
            ErrorCode::Forbidden | ErrorCode::Unauthenticated | ErrorCode::AccountDisabled => {
                StatusCode::FORBIDDEN
            }
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::PayloadTooLarge
            | ErrorCode::RateLimited
            | ErrorCode::Busy
            | ErrorCode::Internal
            | ErrorCode::MethodNotAllowed
            | ErrorCode::UnsupportedMediaType => e.status,
            _ => StatusCode::BAD_REQUEST,
        };
        let field = e.details.get("field").and_then(Value::as_str);
        let mut description = match field {
            Some(f) => format!("{f}: {}", e.message),
            None => e.message,
        };
        if let Some(zh) = e.message_zh {
            description.push_str(&format!("（{zh}）"));
        }
        Open311Error::new(status, description, format)
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let body = json!([{ "code": self.status.as_u16(), "description": self.description }]);
        let mut r = render(self.format, "errors", &body);
        *r.status_mut() = self.status;
        r
    }
}

type Answer = Result<Response, Open311Error>;

pub fn routes() -> Router<Arc<AppState>> {
    let mut r = Router::new();
    // One route per resource and format, so a 405 lists exactly the methods of its resource.
    for format in [Format::Json, Format::Xml] {
        let ext = format.ext();
        r = r
            .route(
                &format!("/discovery.{ext}"),
                get(move |s, q, h| discovery(s, q, h, format)),
            )
            .route(
                &format!("/services.{ext}"),
                get(move |s, q| services(s, q, format)),
            )
            .route(
                &format!("/requests.{ext}"),
                get(move |s, q| list_requests(s, q, format))
                    .post(move |s, q, h, b| create(s, q, h, b, format)),
            )
            .route(
                &format!("/servicerequestupdates.{ext}"),
                get(move |s, q| updates(s, q, format)),
            );
    }
    r.route("/services/{file}", get(definition))
        .route("/requests/{file}", get(request))
        .route("/tokens/{file}", get(token))
        .fallback(no_such_path)
        .method_not_allowed_fallback(wrong_method)
}

async fn no_such_path(uri: axum::http::Uri) -> Open311Error {
    let format = Format::of_path(uri.path());
    Open311Error::new(StatusCode::NOT_FOUND, "no such Open311 resource", format)
}

async fn wrong_method(uri: axum::http::Uri) -> Open311Error {
    Open311Error::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "this resource does not accept that method",
        Format::of_path(uri.path()),
    )
}

/// The query's pairs, each name one of `allowed` and given once.
fn query_pairs(
    raw: Option<&str>,
    allowed: &[&str],
    format: Format,
) -> Result<Vec<(String, String)>, Open311Error> {
    let raw = raw.unwrap_or("");
    if raw.len() > 8 * 1024 {
        return Err(Open311Error::new(
            StatusCode::BAD_REQUEST,
            "the query is too long",
            format,
        ));
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut seen = Vec::new();
    for (k, _) in &pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(Open311Error::new(
                StatusCode::BAD_REQUEST,
                format!("{k}: not a parameter of this resource"),
                format,
            ));
        }
        if seen.contains(k) {
            return Err(Open311Error::new(
                StatusCode::BAD_REQUEST,
                format!("{k}: given more than once"),
                format,
            ));
        }
        seen.push(k.clone());
    }
    Ok(pairs)
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// A W3C datetime parameter, if given.
fn date_param(
    pairs: &[(String, String)],
    name: &str,
    format: Format,
) -> Result<Option<i64>, Open311Error> {
    param(pairs, name)
        .map(|v| rules::parse_w3(name, v))
        .transpose()
        .map_err(|e| Open311Error::of(e, format))
}

/// One jurisdiction is served: `jurisdiction_id` may be left out or name the district.
fn jurisdiction(
    state: &AppState,
    pairs: &[(String, String)],
    format: Format,
) -> Result<(), Open311Error> {
    match param(pairs, "jurisdiction_id") {
        None => Ok(()),
        Some(j)
            if state
                .index()
                .root
                .as_ref()
                .is_some_and(|r| r.as_str() == j.trim()) =>
        {
            Ok(())
        }
        Some(_) => Err(Open311Error::new(
            StatusCode::NOT_FOUND,
            "jurisdiction_id: this endpoint serves one jurisdiction, its district code",
            format,
        )),
    }
}

/// The key the request names (`api_key`), if it works; a missing one is refused as a wrong one.
async fn key(
    state: &AppState,
    pairs: &[(String, String)],
    format: Format,
) -> Result<ApiKeyRecord, Open311Error> {
    let presented = param(pairs, "api_key").unwrap_or("");
    api_keys::authenticate(state, presented)
        .await
        .map_err(|e| Open311Error::of(e, format))
}

fn suffixed(file: &str) -> Result<(&str, Format), Open311Error> {
    Format::split(file).ok_or_else(|| {
        Open311Error::new(
            StatusCode::NOT_FOUND,
            "name a format: .json or .xml",
            Format::Xml,
        )
    })
}

type Query = RawQuery;

/// `GET /discovery.json`: where and how requests are filed.
async fn discovery(
    State(state): State<Arc<AppState>>,
    RawQuery(query): Query,
    headers: HeaderMap,
    format: Format,
) -> Answer {
    let pairs = query_pairs(query.as_deref(), &["jurisdiction_id"], format)?;
    jurisdiction(&state, &pairs, format)?;
    // The address the client reached us at, when it is a plain host name.
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    let url = match host {
        Some(h) => format!("http://{h}/open311/v2"),
        None => "/open311/v2".to_string(),
    };
    let body = json!({
        "changeset": CHANGESET,
        "contact": "区社会治理中心（系统接入）",
        "key_service": "接口密钥由区社会治理中心管理员在“管理 → 系统接入”中为单位签发；请求和查询须带 api_key，仅能查询本单位系统提交的诉求。",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": url,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    });
    Ok(render(format, "discovery", &body))
}

/// `GET /services.json`: every category as a service.
async fn services(
    State(state): State<Arc<AppState>>,
    RawQuery(query): Query,
    format: Format,
) -> Answer {
    let pairs = query_pairs(query.as_deref(), &["jurisdiction_id"], format)?;
    jurisdiction(&state, &pairs, format)?;
    let list: Vec<Value> = uc::services(&state).iter().map(service_view).collect();
    Ok(render(format, "services", &Value::Array(list)))
}

fn service_view(c: &zhili_domain::reference::Category) -> Value {
    json!({
        "service_code": c.code,
        "service_name": c.minor,
        "description": format!("{}/{}：受理时限 {} 小时，处置时限 {} 小时", c.major, c.minor, c.accept_hours, c.handle_hours),
        "metadata": true,
        "type": "realtime",
        "keywords": format!("{},{}", c.major, c.minor),
        "group": c.major,
    })
}

/// `GET /services/{code}.json`: a service's attributes.
async fn definition(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let (code, format) = suffixed(&file)?;
    let pairs = query_pairs(query.as_deref(), &["jurisdiction_id"], format)?;
    jurisdiction(&state, &pairs, format)?;
    let (category, attributes) =
        uc::definition(&state, code).map_err(|e| Open311Error::of(e, format))?;
    let attributes: Vec<Value> = attributes
        .iter()
        .map(|a| {
            json!({
                "variable": true,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
            })
        })
        .collect();
    let body = json!({ "service_code": category.code, "attributes": attributes });
    Ok(render(format, "service_definition", &body))
}

/// `POST /requests.json`: a request filed with the key in the form (or the query).
async fn create(
    State(state): State<Arc<AppState>>,
    RawQuery(query): Query,
    headers: HeaderMap,
    body: Body,
    format: Format,
) -> Answer {
    let query = query_pairs(query.as_deref(), &["api_key", "jurisdiction_id"], format)?;
    let form_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return Err(Open311Error::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "post the request as application/x-www-form-urlencoded",
            format,
        ));
    }
    let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| {
        Open311Error::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a form of at most {FORM_LIMIT} bytes"),
            format,
        )
    })?;
    let mut form: Vec<(String, String)> = form_urlencoded::parse(&bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // The key and the jurisdiction may come in the query (as some clients send them).
    for (k, v) in query {
        if form.iter().any(|(f, _)| *f == k) {
            return Err(Open311Error::new(
                StatusCode::BAD_REQUEST,
                format!("{k}: given in both the query and the form"),
                format,
            ));
        }
        form.push((k, v));
    }
    jurisdiction(&state, &form, format)?;
    let key = key(&state, &form, format).await?;
    let record = uc::create(&state, &key, &form).await.map_err(|e| {
        let mut e = Open311Error::of(e, format);
        // An unknown service in a form is a bad request, not a missing resource.
        if e.status == StatusCode::NOT_FOUND {
            e.status = StatusCode::BAD_REQUEST;
        }
        e
    })?;
    let body = json!([{
        "service_request_id": record.case_number,
        "token": record.case_number,
        "service_notice": notice(&state, &record),
        "account_id": Value::Null,
    }]);
    let mut r = render(format, "service_requests", &body);
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

fn notice(state: &AppState, e: &EventRecord) -> String {
    match state.reference().categories.get(&e.category) {
        Some(c) => format!(
            "已登记为 {}，{} 小时内受理，{} 小时内处置完毕",
            e.case_number, c.accept_hours, c.handle_hours
        ),
        None => format!("已登记为 {}", e.case_number),
    }
}

/// `GET /requests.json`: the requests the key's unit filed.
async fn list_requests(
    State(state): State<Arc<AppState>>,
    RawQuery(query): Query,
    format: Format,
) -> Answer {
    let state = &*state;
    let pairs = query_pairs(
        query.as_deref(),
        &[
            "api_key",
            "jurisdiction_id",
            "service_request_id",
            "service_code",
            "start_date",
            "end_date",
            "status",
        ],
        format,
    )?;
    jurisdiction(state, &pairs, format)?;
    let key = key(state, &pairs, format).await?;
    let bad = |e: zhili_domain::DomainError| Open311Error::of(e, format);
    let date = |name: &str| date_param(&pairs, name, format);
    let q = uc::RequestQuery {
        ids: param(&pairs, "service_request_id")
            .map(rules::request_ids)
            .transpose()
            .map_err(bad)?,
        service_codes: param(&pairs, "service_code")
            .map(|c| {
                c.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .take(200)
                    .collect()
            })
            .unwrap_or_default(),
        start: date("start_date")?,
        end: date("end_date")?,
        status: param(&pairs, "status").map(str::to_string),
    };
    let events = uc::requests(state, &key, q)
        .await
        .map_err(|e| Open311Error::of(e, format))?;
    Ok(render(
        format,
        "service_requests",
        &requests_view(state, &events).await?,
    ))
}

/// The request an item path names (`{id}.json`), looked up with the query's key.
async fn keyed_item(
    state: &AppState,
    file: &str,
    query: Option<&str>,
) -> Result<(String, Format, EventRecord), Open311Error> {
    let (id, format) = suffixed(file)?;
    let pairs = query_pairs(query, &["api_key", "jurisdiction_id"], format)?;
    jurisdiction(state, &pairs, format)?;
    let key = key(state, &pairs, format).await?;
    let e = uc::request(state, &key, id)
        .await
        .map_err(|e| Open311Error::of(e, format))?;
    Ok((id.to_string(), format, e))
}

/// `GET /requests/{id}.json`: one request the key's unit filed.
async fn request(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let (_, format, e) = keyed_item(&state, &file, query.as_deref()).await?;
    Ok(render(
        format,
        "service_requests",
        &requests_view(&state, &[e]).await?,
    ))
}

/// `GET /tokens/{token}.json`: the request a token stands for. Requests are written before
/// they are answered, so a token is the request's id itself.
async fn token(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let (token, format, e) = keyed_item(&state, &file, query.as_deref()).await?;
    let body = json!([{ "service_request_id": e.case_number, "token": token }]);
    Ok(render(format, "service_requests", &body))
}

async fn requests_view(state: &AppState, events: &[EventRecord]) -> Result<Value, Open311Error> {
    let units = crate::usecase::risk::unit_names(state)
        .await
        .map_err(|e| Open311Error::of(e, Format::Json))?;
    let reference = state.reference();
    let index = state.index();
    let name = |code: &str| index.names.get(code).cloned().unwrap_or_default();
    let list = events
        .iter()
        .map(|e| {
            let c = &e.case;
            let agency = c
                .lead_unit
                .as_ref()
                .map(|u| {
                    units
                        .get(u.as_str())
                        .cloned()
                        .unwrap_or_else(|| u.to_string())
                })
                .unwrap_or_else(|| {
                    units
                        .get(c.owner.as_str())
                        .cloned()
                        .unwrap_or_else(|| c.owner.to_string())
                });
            let category = reference.categories.get(&e.category);
            let address = [zhili_domain::Level::Town, zhili_domain::Level::Village]
                .into_iter()
                .filter_map(|l| c.grid.ancestor_at(l))
                .map(|code| name(code.as_str()))
                .chain(std::iter::once(name(c.grid.as_str())))
                .filter(|n| !n.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            json!({
                "service_request_id": e.case_number,
                "status": rules::request_status(c.status),
                "status_notes": format!("{}（{}）", c.status.label_zh(), agency),
                "service_name": category.map(|c| c.minor.clone()).unwrap_or_default(),
                "service_code": e.category,
                "description": e.description,
                "agency_responsible": agency,
                "service_notice": notice(state, e),
                "requested_datetime": rules::w3(e.reported_at),
                "updated_datetime": rules::w3(e.updated_at),
                "expected_datetime": c.step_due.filter(|_| c.status.is_open()).map(rules::w3),
                "address": address,
                "address_id": Value::Null,
                "zipcode": Value::Null,
                "lat": e.lat,
                "long": e.lon,
                "media_url": Value::Null,
            })
        })
        .collect();
    Ok(Value::Array(list))
}

/// `GET /servicerequestupdates.json`: FixMyStreet's step-by-step statuses.
async fn updates(
    State(state): State<Arc<AppState>>,
    RawQuery(query): Query,
    format: Format,
) -> Answer {
    let state = &*state;
    let pairs = query_pairs(
        query.as_deref(),
        &["api_key", "jurisdiction_id", "start_date", "end_date"],
        format,
    )?;
    jurisdiction(state, &pairs, format)?;
    let key = key(state, &pairs, format).await?;
    let date = |name: &str| date_param(&pairs, name, format);
    let (start, end) = (date("start_date")?, date("end_date")?);
    let list = uc::updates(state, &key, start, end)
        .await
        .map_err(|e| Open311Error::of(e, format))?;
    let body: Vec<Value> = list
        .iter()
        .map(|u| {
            json!({
                "update_id": u.update_id.to_string(),
                "service_request_id": u.service_request_id,
                "status": u.status,
                "updated_datetime": rules::w3(u.at),
                "description": u.description,
                "media_url": "",
            })
        })
        .collect();
    Ok(render(
        format,
        "service_request_updates",
        &Value::Array(body),
    ))
}

/// The Open311 part of the OpenAPI document.
pub fn document() -> (Value, Value) {
    document_for(FORM_LIMIT)
}
