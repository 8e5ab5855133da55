//! `/api/v1/export/{list}`: a scoped list as .xlsx or CSV (UTF-8 with a byte-order mark, as
//! Excel in China opens it), personal identifiers masked as in every list, sensitive situation
//! text withheld. The columns follow the import templates where the list has one.

use super::error::{ApiError, ApiResult, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;
use zhili_domain::org::OrgKind;
use zhili_domain::situation::SituationKind;
use zhili_domain::situation::{self, Sensitivity};
use zhili_domain::thing::{ThingKind, ThingState};
use zhili_domain::{person, time, ErrorCode};
use zhili_store::{SituationFilter, ThingFilter};

/// Most rows one export carries.
pub const MAX_EXPORT: i64 = 100_000;

pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `format`: xlsx (default) or csv.
pub(super) fn is_xlsx(format: Option<&str>) -> ApiResult<bool> {
    match format {
        None | Some("xlsx") => Ok(true),
        Some("csv") => Ok(false),
        Some(other) => Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "format",
            format!("{other:?} is not xlsx or csv"),
        )),
    }
}

/// A file to save, named.
pub(crate) fn download(
    bytes: Vec<u8>,
    content_type: &'static str,
    name: &str,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Text cells under a header, written off the async threads, as `{name}.xlsx` or `.csv`.
pub(super) async fn table(
    header: &'static [&'static str],
    rows: Vec<Vec<String>>,
    xlsx: bool,
    name: &str,
) -> ApiResult<axum::response::Response> {
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        if xlsx {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (c, h) in header.iter().enumerate() {
                sheet
                    .write_string(0, c as u16, *h)
                    .map_err(|e| e.to_string())?;
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    sheet
                        .write_string(r as u32 + 1, c as u16, v)
                        .map_err(|e| e.to_string())?;
                }
            }
            book.save_to_buffer().map_err(|e| e.to_string())
        } else {
            let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
            w.write_record(header).map_err(|e| e.to_string())?;
            for row in &rows {
                crate::sheet_file::write_csv_row(&mut w, row).map_err(|e| e.to_string())?;
            }
            w.into_inner().map_err(|e| e.to_string())
        }
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
    .map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
    Ok(if xlsx {
        download(bytes, XLSX, &format!("{name}.xlsx"))
    } else {
        download(bytes, "text/csv; charset=utf-8", &format!("{name}.csv"))
    })
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListExportQuery {
    /// xlsx (default) or csv
    #[param(schema_with = super::schema::sheet_format)]
    pub format: Option<String>,
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    /// orgs: their kind; things: component or camera; situations: their kind.
    pub kind: Option<String>,
    /// things: their state.
    pub state: Option<String>,
}

fn coordinate(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_default()
}

#[utoipa::path(get, path = "/api/v1/export/{list}", tag = "people", params(("list" = String, Path, pattern = "^(houses|orgs|things|situations)$", description = "houses, orgs, things or situations"), ListExportQuery), security(("bearer" = [])),
    responses((status = 200, description = "the list in the caller's area as .xlsx or CSV, identifiers masked"),
              (status = 403, body = super::error::ErrorBody),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: too many exports a minute from this account or address; `Retry-After` tells when")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(list): Path<String>,
    Query(q): Query<ListExportQuery>,
) -> ApiResult<axum::response::Response> {
    user.limited(&state, crate::rate_limit::Door::Export)?;
    let xlsx = is_xlsx(q.format.as_deref())?;
    let cx = Export {
        region: super::things::region_of(q.region.as_deref())?,
        scope: user.user.scope(),
        index: state.index(),
        state: &state,
        user: &user.user,
        q: &q,
    };
    let (header, rows) = match list.as_str() {
        "houses" => houses(&cx).await?,
        "orgs" => orgs(&cx).await?,
        "things" => things(&cx).await?,
        "situations" => situations(&cx).await?,
        other => {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "list",
                format!("{other:?} is not houses, orgs, things or situations"),
            ))
        }
    };
    table(header, rows, xlsx, &list).await
}

/// A sheet's header and rows.
type Sheet = (&'static [&'static str], Vec<Vec<String>>);

/// What every list's export needs: who asks, in which area, narrowed how.
struct Export<'a> {
    state: &'a AppState,
    user: &'a zhili_domain::user::User,
    scope: zhili_domain::Scope,
    region: Option<zhili_domain::RegionCode>,
    index: Arc<crate::regions::RegionIndex>,
    q: &'a ListExportQuery,
}

impl Export<'_> {
    fn name_of(&self, code: &str) -> String {
        self.index.names.get(code).cloned().unwrap_or_default()
    }

    fn registry(&self) -> ApiResult<()> {
        if person::may_read(self.user.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden("this role does not read the registry"))
        }
    }
}

/// The houses of the area with their occupants.
async fn houses(cx: &Export<'_>) -> ApiResult<Sheet> {
    cx.registry()?;
    let filter = zhili_store::HouseFilter {
        region: cx.region.clone(),
        text: None,
        limit: MAX_EXPORT,
        offset: 0,
    };
    let (_, houses) = cx
        .state
        .lagging_reads()
        .list_houses(&cx.scope, &filter)
        .await?;
    let rows = houses
        .iter()
        .map(|h| {
            let n = &h.house;
            vec![
                n.code.clone(),
                n.address.clone(),
                n.grid_code.to_string(),
                cx.name_of(n.grid_code.as_str()),
                coordinate(n.lon),
                coordinate(n.lat),
                n.usage.clone(),
                if n.rented { "是" } else { "否" }.into(),
                n.hazards.clone(),
                h.occupants.to_string(),
            ]
        })
        .collect();
    const HEADER: &[&str] = &[
        "房屋编码",
        "地址",
        "网格编码",
        "网格",
        "经度",
        "纬度",
        "用途",
        "是否出租",
        "隐患",
        "居住人数",
    ];
    Ok((HEADER, rows))
}

/// The organisations and sites of the area, contact phones masked.
async fn orgs(cx: &Export<'_>) -> ApiResult<Sheet> {
    cx.registry()?;
    let orgs = match filter_word(cx.q.kind.as_deref(), OrgKind::parse) {
        Some(kind) => {
            cx.state
                .store
                .list_orgs(&cx.scope, kind, cx.region.as_ref(), MAX_EXPORT, 0)
                .await?
                .1
        }
        None => Vec::new(),
    };
    let rows = orgs
        .iter()
        .map(|o| {
            let n = &o.org;
            vec![
                n.kind.label_zh().into(),
                n.name.clone(),
                n.credit_code.clone().unwrap_or_default(),
                n.address.clone(),
                coordinate(Some(n.lon)),
                coordinate(Some(n.lat)),
                n.contact_name.clone(),
                n.contact_phone_masked.clone().unwrap_or_default(),
                n.staff.to_string(),
                n.grid_code.to_string(),
                cx.name_of(n.grid_code.as_str()),
            ]
        })
        .collect();
    const HEADER: &[&str] = &[
        "类型",
        "名称",
        "统一社会信用代码",
        "地址",
        "经度",
        "纬度",
        "负责人",
        "联系电话",
        "从业人数",
        "网格编码",
        "网格",
    ];
    Ok((HEADER, rows))
}

/// The components and cameras of the area.
async fn things(cx: &Export<'_>) -> ApiResult<Sheet> {
    let kind = filter_word(cx.q.kind.as_deref(), ThingKind::parse);
    let thing_state = filter_word(cx.q.state.as_deref(), ThingState::parse);
    let things = match (kind, thing_state) {
        (Some(kind), Some(thing_state)) => {
            let filter = ThingFilter {
                kind,
                region: cx.region.clone(),
                state: thing_state,
                code: None,
                limit: MAX_EXPORT,
                offset: 0,
            };
            cx.state
                .lagging_reads()
                .list_things(&cx.scope, &filter)
                .await?
                .1
        }
        _ => Vec::new(),
    };
    let rows = things
        .iter()
        .map(|t| {
            let n = &t.thing;
            vec![
                match n.kind {
                    ThingKind::Camera => "摄像头",
                    ThingKind::Component => "部件",
                }
                .into(),
                n.code.clone(),
                n.name.clone(),
                coordinate(Some(n.lon)),
                coordinate(Some(n.lat)),
                n.department.clone().unwrap_or_default(),
                n.state.as_str().into(),
                n.coverage.clone().unwrap_or_default(),
                n.grid_code.to_string(),
                cx.name_of(n.grid_code.as_str()),
                n.last_seen.map(time::rfc3339).unwrap_or_default(),
            ]
        })
        .collect();
    const HEADER: &[&str] = &[
        "类型",
        "编码",
        "名称",
        "经度",
        "纬度",
        "责任单位",
        "状态",
        "覆盖类型",
        "网格编码",
        "网格",
        "最近在线",
    ];
    Ok((HEADER, rows))
}

/// The situation notes the reader may read, sensitive text left out.
async fn situations(cx: &Export<'_>) -> ApiResult<Sheet> {
    let level: Sensitivity = situation::max_sensitivity(cx.user.role)
        .ok_or_else(|| ApiError::forbidden("this role does not read situations"))?;
    let notes = match filter_word(cx.q.kind.as_deref(), SituationKind::parse) {
        Some(kind) => {
            let filter = SituationFilter {
                reader: cx.user.username.clone(),
                max_sensitivity: level,
                region: cx.region.clone(),
                kind,
                sensitivity: None,
                tag: None,
                text: None,
                linked: None,
                limit: MAX_EXPORT,
                offset: 0,
            };
            cx.state
                .lagging_reads()
                .list_situations(&cx.scope, &filter)
                .await?
                .1
        }
        None => Vec::new(),
    };
    let rows = notes
        .iter()
        .map(|r| {
            let n = &r.situation;
            vec![
                n.sensitivity.label_zh().into(),
                n.kind.label_zh().into(),
                n.title.clone(),
                // Sensitive text is read on the note's page, where the reading is logged.
                if n.sensitivity.read_is_logged() {
                    "（敏感信息，请在系统内查阅）".into()
                } else {
                    n.content.clone()
                },
                n.tags.join("、"),
                n.region_code.to_string(),
                cx.name_of(n.region_code.as_str()),
                r.author.clone(),
                time::rfc3339(r.created_at),
            ]
        })
        .collect();
    const HEADER: &[&str] = &[
        "密级",
        "信息类别",
        "标题",
        "内容",
        "标签",
        "区域编码",
        "区域",
        "记录人",
        "记录时间",
    ];
    Ok((HEADER, rows))
}

/// A list filter's word as the list's vocabulary has it: `Some(None)` no filter, `Some(Some)`
/// the word, `None` a word the list does not have — which matches nothing, so the export is
/// empty (one query parameter serves every list, so its words cannot be refused).
fn filter_word<T>(raw: Option<&str>, parse: impl Fn(&str) -> Option<T>) -> Option<Option<T>> {
    match raw {
        None => Some(None),
        Some(w) => parse(w).map(Some),
    }
}
