//! People, houses, organisations and components/cameras from a spreadsheet (.xlsx) or CSV:
//! every row checked the way the API checks one registration, every problem reported with its
//! sheet row and column; nothing written unless all rows pass, or — when asked — only the good
//! rows, with the rejected rows handed back as CSV for correction. Templates use the same
//! columns.

use crate::crypto::DataKey;
use crate::people::{prepare, PersonInput};
use crate::places::{prepare_house, prepare_org, prepare_thing, HouseInput, OrgInput, ThingInput};
use crate::regions::RegionIndex;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use zhili_domain::chain::Actor;
use zhili_domain::{DomainError, ErrorCode, Scope};
use zhili_store::{CodeKind, Store, StoreError};

/// Most rows one file may carry.
pub const MAX_ROWS: usize = 200_000;

/// A column: the template's header (Chinese), the field, whether required, and the other
/// headers accepted for it.
pub struct Column {
    pub header: &'static str,
    pub field: &'static str,
    pub required: bool,
    pub aliases: &'static [&'static str],
}

const fn col(
    header: &'static str,
    field: &'static str,
    required: bool,
    aliases: &'static [&'static str],
) -> Column {
    Column {
        header,
        field,
        required,
        aliases,
    }
}

const PEOPLE: [Column; 12] = [
    col("证件类型", "id_type", false, &["id_type"]),
    col(
        "证件号码",
        "id_number",
        true,
        &["身份证号", "身份证号码", "id_number"],
    ),
    col("姓名", "name", true, &["name"]),
    col("联系电话", "phone", false, &["手机", "电话", "phone"]),
    col("网格编码", "grid_code", true, &["网格", "grid_code"]),
    col("人口类型", "population_type", false, &["population_type"]),
    col("户籍地", "details.origin", false, &["origin"]),
    col("流入原因", "details.reason", false, &["reason"]),
    col("来本地日期", "details.arrived", false, &["arrived"]),
    col("国籍", "details.nationality", false, &["nationality"]),
    col("留守类型", "details.kind", false, &["left_behind_kind"]),
    col("备注", "details.note", false, &["note"]),
];

/// The people sheet's columns that go into `details`.
const PEOPLE_DETAILS: [&str; 6] = ["origin", "reason", "arrived", "nationality", "kind", "note"];

const HOUSES: [Column; 8] = [
    col("房屋编码", "code", true, &["编码", "code"]),
    col("地址", "address", true, &["房屋地址", "address"]),
    col("网格编码", "grid_code", true, &["网格", "grid_code"]),
    col("经度", "lon", false, &["lon"]),
    col("纬度", "lat", false, &["lat"]),
    col("用途", "usage", true, &["房屋用途", "usage"]),
    col("是否出租", "rented", false, &["出租", "rented"]),
    col("隐患", "hazards", false, &["安全隐患", "hazards"]),
];

const ORGS: [Column; 9] = [
    col("类型", "kind", true, &["单位类型", "kind"]),
    col("名称", "name", true, &["单位名称", "name"]),
    col(
        "统一社会信用代码",
        "credit_code",
        false,
        &["信用代码", "credit_code"],
    ),
    col("地址", "address", true, &["address"]),
    col("经度", "lon", true, &["lon"]),
    col("纬度", "lat", true, &["lat"]),
    col("负责人", "contact_name", true, &["联系人", "contact_name"]),
    col(
        "联系电话",
        "contact_phone",
        false,
        &["电话", "contact_phone"],
    ),
    col("从业人数", "staff", false, &["人数", "staff"]),
];

const THINGS: [Column; 8] = [
    col("类型", "kind", true, &["kind"]),
    col("编码", "code", true, &["部件编码", "设备编码", "code"]),
    col("名称", "name", true, &["name"]),
    col("经度", "lon", true, &["lon"]),
    col("纬度", "lat", true, &["lat"]),
    col("责任单位", "department", false, &["主管部门", "department"]),
    col("状态", "state", false, &["state"]),
    col("覆盖类型", "coverage", false, &["coverage"]),
];

/// What a sheet registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sheet {
    People,
    Houses,
    Orgs,
    Things,
}

impl Sheet {
    pub fn parse(s: &str) -> Option<Sheet> {
        match s {
            "people" => Some(Sheet::People),
            "houses" => Some(Sheet::Houses),
            "orgs" => Some(Sheet::Orgs),
            "things" => Some(Sheet::Things),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sheet::People => "people",
            Sheet::Houses => "houses",
            Sheet::Orgs => "orgs",
            Sheet::Things => "things",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Sheet::People => &PEOPLE,
            Sheet::Houses => &HOUSES,
            Sheet::Orgs => &ORGS,
            Sheet::Things => &THINGS,
        }
    }

    /// The template's example row.
    fn example(self) -> &'static [&'static str] {
        match self {
            Sheet::People => &[
                "111",
                "500114198602281232",
                "张三",
                "13800138000",
                "500114001001001",
                "流动人口",
                "湖北省恩施州",
                "务工",
                "2025-03-01",
                "",
                "",
                "",
            ],
            Sheet::Houses => &[
                "H-500114001001001-0001",
                "城西街道文汇社区1号",
                "500114001001001",
                "",
                "",
                "住宅",
                "否",
                "",
            ],
            Sheet::Orgs => &[
                "企业",
                "黔江区示例建材有限公司",
                "91500114MA5U7K3X20",
                "城西街道文汇路8号",
                "108.7705",
                "29.5332",
                "李四",
                "13900139000",
                "35",
            ],
            Sheet::Things => &[
                "部件",
                "5001140103000001",
                "路灯",
                "108.7705",
                "29.5332",
                "D09",
                "normal",
                "",
            ],
        }
    }
}

/// What a sheet's rows become, and the key that tells one registration from another (in the
/// file and in the store).
trait Registration {
    /// The field a repeated or registered key is reported on.
    const KEY_FIELD: &'static str;
    /// None: no key (an organisation without a credit code).
    fn key(&self) -> Option<String>;
}

impl Registration for zhili_store::NewPerson {
    const KEY_FIELD: &'static str = "id_number";
    fn key(&self) -> Option<String> {
        Some(format!("{}:{}", self.id_type, self.id_blind))
    }
}

impl Registration for zhili_store::NewHouse {
    const KEY_FIELD: &'static str = "code";
    fn key(&self) -> Option<String> {
        Some(self.code.clone())
    }
}

impl Registration for zhili_store::NewOrg {
    const KEY_FIELD: &'static str = "credit_code";
    fn key(&self) -> Option<String> {
        self.credit_code.clone()
    }
}

impl Registration for zhili_store::NewThing {
    const KEY_FIELD: &'static str = "code";
    fn key(&self) -> Option<String> {
        Some(self.code.clone())
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: usize,
    /// The column's header as in the file.
    pub column: String,
    /// The API field.
    pub field: String,
    pub code: String,
    pub reason: String,
    /// The reason in Chinese, where one has been written.
    pub reason_zh: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub partial: bool,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows that passed every check.
    pub valid: usize,
    /// People written.
    pub written: usize,
    pub problems: Vec<RowProblem>,
    /// With `partial`: the rejected rows as CSV (the file's columns and a 问题 column).
    pub rejected_csv: Option<String>,
}

use crate::sheet_file::{read_table, write_csv_row, Table};

/// Where each known field is in the file; unknown headers are refused so a misspelt one is
/// not silently dropped.
fn map_columns(
    headers: &[String],
    columns: &'static [Column],
) -> Result<HashMap<&'static str, usize>, Vec<RowProblem>> {
    let mut at = HashMap::new();
    let mut problems = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        // A template's required columns may be marked with a star.
        let h = h.trim().trim_end_matches('*');
        if h.is_empty() {
            continue;
        }
        match columns
            .iter()
            .find(|c| c.header == h || c.aliases.contains(&h))
        {
            Some(c) => {
                if at.insert(c.field, i).is_some() {
                    problems.push(header_problem(
                        h,
                        c.field,
                        "this column appears twice",
                        "此列重复出现".into(),
                    ));
                }
            }
            None => {
                let known: Vec<&str> = columns.iter().map(|c| c.header).collect();
                problems.push(header_problem(
                    h,
                    "",
                    &format!(
                        "unknown column (the template's columns: {})",
                        known.join(", ")
                    ),
                    format!("模板中没有此列（模板的列：{}）", known.join("、")),
                ))
            }
        }
    }
    for c in columns {
        if c.required && !at.contains_key(c.field) {
            problems.push(header_problem(
                c.header,
                c.field,
                "this column is missing",
                "缺少此必填列".into(),
            ));
        }
    }
    if problems.is_empty() {
        Ok(at)
    } else {
        Err(problems)
    }
}

fn header_problem(column: &str, field: &str, reason: &str, zh: String) -> RowProblem {
    RowProblem {
        row: 1,
        column: column.to_string(),
        field: field.to_string(),
        code: ErrorCode::InvalidParameter.as_str().to_string(),
        reason: reason.to_string(),
        reason_zh: Some(zh),
    }
}

/// Checks every row with `prepare` (given a row's cell by field); rows whose key repeats an
/// earlier row's are refused. Returns the prepared values with their sheet rows, and the
/// problems.
fn check_table<T: Registration>(
    table: &Table,
    progress: &Progress,
    columns: &'static [Column],
    prepare: impl Fn(&dyn Fn(&str) -> String) -> Result<T, Vec<DomainError>>,
) -> (Vec<(usize, T)>, Vec<RowProblem>) {
    let at = match map_columns(&table.headers, columns) {
        Ok(c) => c,
        Err(problems) => return (Vec::new(), problems),
    };
    let header_of = |field: &str| {
        at.get(field)
            .map(|&i| table.headers[i].trim().trim_end_matches('*').to_string())
            .unwrap_or_else(|| field.to_string())
    };
    let mut good = Vec::with_capacity(table.rows.len());
    let mut problems = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for (n, (row, cells)) in table.rows.iter().enumerate() {
        if n % 1000 == 0 {
            progress.rows(n, table.rows.len());
        }
        let cell = |field: &str| {
            at.get(field)
                .and_then(|&i| cells.get(i))
                .cloned()
                .unwrap_or_default()
        };
        match prepare(&cell) {
            Ok(value) => match value.key() {
                Some(key) => match first_seen.get(&key) {
                    Some(first) => problems.push(RowProblem {
                        row: *row,
                        column: header_of(T::KEY_FIELD),
                        field: T::KEY_FIELD.into(),
                        code: ErrorCode::Conflict.as_str().into(),
                        reason: format!("the same as row {first}"),
                        reason_zh: Some(format!("与第{first}行重复")),
                    }),
                    None => {
                        first_seen.insert(key, *row);
                        good.push((*row, value));
                    }
                },
                None => good.push((*row, value)),
            },
            Err(mut errors) => {
                // In the file's column order.
                errors.sort_by_key(|e| {
                    e.field
                        .as_deref()
                        .and_then(|f| at.get(f))
                        .copied()
                        .unwrap_or(usize::MAX)
                });
                for e in errors {
                    let field = e.field.clone().unwrap_or_default();
                    problems.push(RowProblem {
                        row: *row,
                        column: header_of(&field),
                        field,
                        code: e.code.as_str().into(),
                        reason: e.message,
                        reason_zh: e.message_zh,
                    });
                }
            }
        }
    }
    progress.rows(table.rows.len(), table.rows.len());
    (good, problems)
}

/// A number cell (empty: `None`).
fn number(field: &'static str, raw: &str) -> Result<Option<f64>, DomainError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| {
            DomainError::invalid(field, format!("{raw:?} is not a number"))
                .zh(format!("“{raw}”不是数字"))
        })
}

/// The cell's value, or its problem noted and nothing.
fn keep_cell<T>(problems: &mut Vec<DomainError>, r: Result<Option<T>, DomainError>) -> Option<T> {
    r.map_err(|e| problems.push(e)).ok().flatten()
}

/// 经度 and 纬度 as numbers; with `required`, both must be there.
fn position(
    cell: &dyn Fn(&str) -> String,
    required: bool,
    problems: &mut Vec<DomainError>,
) -> (Option<f64>, Option<f64>) {
    let lon = keep_cell(problems, number("lon", &cell("lon")));
    let lat = keep_cell(problems, number("lat", &cell("lat")));
    if required
        && (lon.is_none() || lat.is_none())
        && !problems.iter().any(|p| p.field.as_deref() == Some("lon"))
    {
        problems
            .push(DomainError::invalid("lon", "经度 and 纬度 are required").zh("经度和纬度必填"));
    }
    (lon, lat)
}

fn yes_no(field: &'static str, raw: &str) -> Result<bool, DomainError> {
    match raw.trim() {
        "" | "否" | "0" | "false" | "no" | "N" | "n" => Ok(false),
        "是" | "1" | "true" | "yes" | "Y" | "y" => Ok(true),
        other => Err(DomainError::invalid(field, format!("{other:?}: 是 or 否"))
            .zh(format!("“{other}”应为是或否"))),
    }
}

/// A row's cell problems (numbers, yes/no) and then its registration's, one per field.
fn cells_first<T>(
    mut problems: Vec<DomainError>,
    then: impl FnOnce() -> Result<T, Vec<DomainError>>,
) -> Result<T, Vec<DomainError>> {
    match then() {
        Ok(v) if problems.is_empty() => Ok(v),
        Ok(_) => Err(problems),
        Err(more) => {
            for e in more {
                if !problems.iter().any(|p| p.field == e.field) {
                    problems.push(e);
                }
            }
            Err(problems)
        }
    }
}

/// The rows of a sheet, checked: each kind the way the API checks one.
enum Checked {
    People(Vec<(usize, zhili_store::NewPerson)>),
    Houses(Vec<(usize, zhili_store::NewHouse)>),
    Orgs(Vec<(usize, zhili_store::NewOrg)>),
    Things(Vec<(usize, zhili_store::NewThing)>),
}

/// The rows to write.
enum Batch {
    People(Vec<zhili_store::NewPerson>),
    Houses(Vec<zhili_store::NewHouse>),
    Orgs(Vec<zhili_store::NewOrg>),
    Things(Vec<zhili_store::NewThing>),
}

/// What the checks need besides the file.
struct Context {
    key: DataKey,
    index: std::sync::Arc<RegionIndex>,
    scope: Scope,
    units: HashSet<String>,
    now: i64,
    progress: std::sync::Arc<Progress>,
}

fn check_sheet(sheet: Sheet, table: &Table, cx: &Context) -> (Checked, Vec<RowProblem>) {
    let (key, index, scope) = (&cx.key, cx.index.as_ref(), &cx.scope);
    let columns = sheet.columns();
    match sheet {
        Sheet::People => {
            let today = zhili_domain::calendar::china_day(cx.now);
            let (good, problems) = check_table(table, &cx.progress, columns, |cell| {
                let input = PersonInput {
                    id_type: cell("id_type"),
                    id_number: cell("id_number"),
                    name: cell("name"),
                    phone: Some(cell("phone")),
                    grid_code: cell("grid_code"),
                    population_type: Some(cell("population_type")),
                    house_id: None,
                    details: PEOPLE_DETAILS
                        .iter()
                        .map(|k| (k.to_string(), cell(&format!("details.{k}"))))
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(k, v)| (k, serde_json::Value::String(v)))
                        .collect(),
                };
                prepare(&input, key, index, scope, today)
            });
            (Checked::People(good), problems)
        }
        Sheet::Houses => {
            let (good, problems) = check_table(table, &cx.progress, columns, |cell| {
                let mut problems = Vec::new();
                let (lon, lat) = position(cell, false, &mut problems);
                let rented = keep_cell(&mut problems, yes_no("rented", &cell("rented")).map(Some))
                    .unwrap_or(false);
                cells_first(problems, || {
                    prepare_house(
                        &HouseInput {
                            code: cell("code"),
                            address: cell("address"),
                            grid_code: cell("grid_code"),
                            lon,
                            lat,
                            usage: cell("usage"),
                            rented,
                            hazards: cell("hazards"),
                        },
                        index,
                        scope,
                    )
                })
            });
            (Checked::Houses(good), problems)
        }
        Sheet::Orgs => {
            let (good, problems) = check_table(table, &cx.progress, columns, |cell| {
                let mut problems = Vec::new();
                let (lon, lat) = position(cell, true, &mut problems);
                let staff = keep_cell(&mut problems, number("staff", &cell("staff")));
                cells_first(problems, || {
                    prepare_org(
                        &OrgInput {
                            kind: cell("kind"),
                            name: cell("name"),
                            credit_code: Some(cell("credit_code")),
                            address: cell("address"),
                            lon: lon.unwrap_or_default(),
                            lat: lat.unwrap_or_default(),
                            contact_name: cell("contact_name"),
                            contact_phone: Some(cell("contact_phone")),
                            staff: staff.unwrap_or(0.0) as i64,
                        },
                        key,
                        index,
                        scope,
                    )
                })
            });
            (Checked::Orgs(good), problems)
        }
        Sheet::Things => {
            let units = &cx.units;
            let (good, problems) = check_table(table, &cx.progress, columns, |cell| {
                let mut problems = Vec::new();
                let (lon, lat) = position(cell, true, &mut problems);
                cells_first(problems, || {
                    prepare_thing(
                        &ThingInput {
                            kind: cell("kind"),
                            code: cell("code"),
                            name: cell("name"),
                            lon: lon.unwrap_or_default(),
                            lat: lat.unwrap_or_default(),
                            department: Some(cell("department")),
                            state: Some(cell("state")),
                            coverage: Some(cell("coverage")),
                        },
                        index,
                        scope,
                        &|d| units.contains(d),
                        cx.now,
                    )
                })
            });
            (Checked::Things(good), problems)
        }
    }
}

/// Who imports, into what.
pub struct Importer<'a> {
    pub store: &'a dyn Store,
    pub actor: &'a Actor,
    pub key: &'a DataKey,
    pub index: std::sync::Arc<RegionIndex>,
    /// Rows must name grids in this area.
    pub scope: &'a Scope,
    /// Where the import tells how far it is, for a progress bar.
    pub progress: std::sync::Arc<Progress>,
    /// The importer's budget of identity-number lookups, when one applies (an account over
    /// the API; not an operator at the machine): each row's duplicate check is one.
    pub lookup_budget: Option<i64>,
}

/// How far an import is: its stage and, while checking, rows done of all.
#[derive(Debug, Default)]
pub struct Progress {
    stage: std::sync::atomic::AtomicU8,
    done: std::sync::atomic::AtomicUsize,
    total: std::sync::atomic::AtomicUsize,
}

/// The stages an import goes through, in order.
pub const STAGES: [&str; 5] = ["reading", "checking", "looking_up", "writing", "done"];

impl Progress {
    fn stage(&self, stage: usize) {
        self.stage
            .store(stage as u8, std::sync::atomic::Ordering::Relaxed);
    }

    fn rows(&self, done: usize, total: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        self.total.store(total, Relaxed);
        self.done.store(done, Relaxed);
    }

    /// (stage, rows checked, rows in the file)
    pub fn read(&self) -> (&'static str, usize, usize) {
        use std::sync::atomic::Ordering::Relaxed;
        (
            STAGES[(self.stage.load(Relaxed) as usize).min(STAGES.len() - 1)],
            self.done.load(Relaxed),
            self.total.load(Relaxed),
        )
    }
}

fn keys_of<T: Registration>(good: &[(usize, T)]) -> Vec<String> {
    good.iter().filter_map(|(_, v)| v.key()).collect()
}

/// Splits the checked rows into those to write and problems for those registered already.
fn drop_taken<T: Registration>(
    sheet: Sheet,
    good: Vec<(usize, T)>,
    taken: &HashSet<String>,
    problems: &mut Vec<RowProblem>,
) -> Vec<T> {
    let column = sheet
        .columns()
        .iter()
        .find(|c| c.field == T::KEY_FIELD)
        .map_or(T::KEY_FIELD, |c| c.header);
    let mut out = Vec::with_capacity(good.len());
    for (row, value) in good {
        if value.key().is_some_and(|k| taken.contains(&k)) {
            problems.push(RowProblem {
                row,
                column: column.into(),
                field: T::KEY_FIELD.into(),
                code: ErrorCode::Conflict.as_str().into(),
                reason: "registered already".into(),
                reason_zh: Some("已登记".into()),
            });
        } else {
            out.push(value);
        }
    }
    out
}

/// The whole import: read, check, look for what is registered already, then write (unless a
/// dry run) all rows, or only the good ones with `partial`.
pub async fn import_sheet(
    to: &Importer<'_>,
    sheet: Sheet,
    bytes: Vec<u8>,
    dry_run: bool,
    partial: bool,
    now: i64,
) -> Result<ImportReport, StoreError> {
    let store = to.store;
    let units = match sheet {
        Sheet::Things => store
            .list_units(to.scope, None)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect(),
        _ => HashSet::new(),
    };
    let cx = Context {
        key: to.key.clone(),
        index: to.index.clone(),
        scope: to.scope.clone(),
        units,
        now,
        progress: to.progress.clone(),
    };
    to.progress.stage(0);
    let (table, checked, mut problems) = tokio::task::spawn_blocking(move || {
        let table = read_table(&bytes)?;
        cx.progress.stage(1);
        let (checked, problems) = check_sheet(sheet, &table, &cx);
        Ok::<_, DomainError>((table, checked, problems))
    })
    .await
    .map_err(|e| StoreError::Internal(format!("checking the file failed: {e}")))??;
    to.progress.stage(2);
    // Registered already: one lookup for the whole file.
    let mut taken = HashSet::new();
    match &checked {
        Checked::People(good) => {
            if let Some(budget) = to.lookup_budget {
                crate::state::charge_lookups(
                    store,
                    to.actor,
                    budget,
                    good.len(),
                    "people",
                    &format!("import's duplicate check ({} rows)", good.len()),
                )
                .await?;
            }
            let mut by_type: HashMap<&str, Vec<String>> = HashMap::new();
            for (_, p) in good {
                by_type
                    .entry(&p.id_type)
                    .or_default()
                    .push(p.id_blind.clone());
            }
            for (id_type, blinds) in by_type {
                for b in store.registered_blinds(to.scope, id_type, &blinds).await? {
                    taken.insert(format!("{id_type}:{b}"));
                }
            }
        }
        Checked::Houses(good) => {
            taken.extend(store.taken_codes(CodeKind::House, &keys_of(good)).await?)
        }
        Checked::Orgs(good) => taken.extend(
            store
                .taken_codes(CodeKind::OrgCredit, &keys_of(good))
                .await?,
        ),
        Checked::Things(good) => {
            taken.extend(store.taken_codes(CodeKind::Thing, &keys_of(good)).await?)
        }
    }
    let p = &mut problems;
    let writable = match checked {
        Checked::People(g) => Batch::People(drop_taken(sheet, g, &taken, p)),
        Checked::Houses(g) => Batch::Houses(drop_taken(sheet, g, &taken, p)),
        Checked::Orgs(g) => Batch::Orgs(drop_taken(sheet, g, &taken, p)),
        Checked::Things(g) => Batch::Things(drop_taken(sheet, g, &taken, p)),
    };
    let valid = match &writable {
        Batch::People(v) => v.len(),
        Batch::Houses(v) => v.len(),
        Batch::Orgs(v) => v.len(),
        Batch::Things(v) => v.len(),
    };
    problems.sort_by_key(|p| p.row);
    let mut report = ImportReport {
        dry_run,
        partial,
        rows: table.rows.len(),
        valid,
        written: 0,
        problems,
        rejected_csv: None,
    };
    if partial && !report.problems.is_empty() {
        report.rejected_csv = Some(rejected_csv(&table, &report.problems));
    }
    let may_write = report.problems.is_empty() || partial;
    if !dry_run && may_write && valid > 0 {
        to.progress.stage(3);
        let actor = to.actor;
        match writable {
            Batch::People(v) => {
                store.create_people(actor, &v, now).await?;
            }
            Batch::Houses(v) => {
                store.create_houses(actor, &v, now).await?;
            }
            Batch::Orgs(v) => {
                store.create_orgs(actor, &v, now).await?;
            }
            Batch::Things(v) => {
                store.create_things(actor, &v, now).await?;
            }
        }
        report.written = valid;
    }
    to.progress.stage(4);
    Ok(report)
}

fn rejected_csv(table: &Table, problems: &[RowProblem]) -> String {
    let mut reasons: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for p in problems.iter().filter(|p| p.row > 1) {
        reasons.entry(p.row).or_default().push(format!(
            "{}: {}",
            p.column,
            p.reason_zh.as_deref().unwrap_or(&p.reason)
        ));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = table.headers.clone();
    header.push("问题".into());
    let _ = w.write_record(&header);
    for (row, cells) in &table.rows {
        if let Some(r) = reasons.get(row) {
            let mut out = cells.clone();
            out.resize(table.headers.len(), String::new());
            out.push(r.join("; "));
            let _ = write_csv_row(&mut w, &out);
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}

/// The import template: the header row (required columns starred) and one example row, as
/// .xlsx with every column formatted as text, so ID numbers keep all 18 characters.
pub fn template_xlsx(sheet: Sheet) -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let page = book.add_worksheet();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let required = rust_xlsxwriter::Format::new().set_bold();
    for (i, c) in sheet.columns().iter().enumerate() {
        let col = i as u16;
        let title = if c.required {
            format!("{}*", c.header)
        } else {
            c.header.to_string()
        };
        if c.required {
            page.write_string_with_format(0, col, &title, &required)
        } else {
            page.write_string(0, col, &title)
        }
        .map_err(|e| e.to_string())?;
        page.set_column_format(col, &text)
            .map_err(|e| e.to_string())?;
        page.set_column_width(col, 20).map_err(|e| e.to_string())?;
    }
    for (i, v) in sheet.example().iter().enumerate() {
        page.write_string(1, i as u16, *v)
            .map_err(|e| e.to_string())?;
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

/// The header row of the template, for CSV.
pub fn template_csv(sheet: Sheet) -> String {
    let header: Vec<&str> = sheet.columns().iter().map(|c| c.header).collect();
    format!("\u{feff}{}\n", header.join(","))
}

/// Where the sample's migrants come from.
const ORIGINS: [&str; 6] = [
    "湖北省恩施州",
    "贵州省遵义市",
    "湖南省湘西州",
    "四川省达州市",
    "重庆市彭水县",
    "重庆市酉阳县",
];

/// A sheet of `rows` plausible people with valid synthetic ID numbers of `region`, spread
/// over `grids` (a file to try the import with, and the import benchmark's input).
/// Rows are numbered from `first`, so files made with different `first` never share a person.
pub fn sample_xlsx(
    region: &str,
    grids: &[String],
    first: usize,
    rows: usize,
    seed: u64,
) -> Result<Vec<u8>, String> {
    use rand::{Rng, SeedableRng};
    if grids.is_empty() {
        return Err("no grids to place people in".into());
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let surnames = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
        "郭", "何", "罗", "冉", "田",
    ];
    let given = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
        "明", "超", "秀英", "华", "平",
    ];
    let kinds = [
        "户籍人口",
        "户籍人口",
        "户籍人口",
        "户籍人口",
        "流动人口",
        "留守人员",
    ];
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "证件类型",
        "证件号码",
        "姓名",
        "联系电话",
        "网格编码",
        "人口类型",
        "户籍地",
        "流入原因",
        "留守类型",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet
            .write_string(0, c as u16, *h)
            .map_err(|e| e.to_string())?;
    }
    let first_day = zhili_domain::time::days_from_civil(1940, 1, 1);
    let last_day = zhili_domain::time::days_from_civil(2020, 12, 31);
    for (row, r) in (first..first + rows).enumerate() {
        // Distinct numbers: the sequence digits and the birth day together never repeat.
        let day = first_day + (r as i64 * 7919) % (last_day - first_day);
        let number = zhili_domain::id_number::compose(
            region,
            day,
            (r / 29_220) as u32 * 7 + rng.gen_range(0..7),
        );
        let name = format!(
            "{}{}",
            surnames[rng.gen_range(0..surnames.len())],
            given[rng.gen_range(0..given.len())]
        );
        let phone = format!("13{:09}", rng.gen_range(0..1_000_000_000u64));
        let row = row as u32 + 1;
        let kind = kinds[rng.gen_range(0..kinds.len())];
        let (origin, reason, left) = match kind {
            "流动人口" => (
                ORIGINS[rng.gen_range(0..ORIGINS.len())],
                ["务工", "经商", "就学", "投亲"][rng.gen_range(0..4)],
                "",
            ),
            "留守人员" => ("", "", ["儿童", "老人", "妇女"][rng.gen_range(0..3)]),
            _ => ("", "", ""),
        };
        let cells = [
            "111",
            &number,
            &name,
            &phone,
            &grids[rng.gen_range(0..grids.len())],
            kind,
            origin,
            reason,
            left,
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet
                .write_string(row, c as u16, *v)
                .map_err(|e| e.to_string())?;
        }
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_names_its_columns_and_its_example_codes_are_valid() {
        for sheet in [Sheet::People, Sheet::Houses, Sheet::Orgs, Sheet::Things] {
            assert_eq!(sheet.example().len(), sheet.columns().len(), "{sheet:?}");
            let headers: Vec<String> = sheet
                .columns()
                .iter()
                .map(|c| format!("{}{}", c.header, if c.required { "*" } else { "" }))
                .collect();
            assert!(map_columns(&headers, sheet.columns()).is_ok(), "{sheet:?}");
            assert_eq!(Sheet::parse(sheet.as_str()), Some(sheet));
        }
        zhili_domain::org::parse_credit_code(Sheet::Orgs.example()[2]).unwrap();
        zhili_domain::thing::parse_component_code(Sheet::Things.example()[1], "500114").unwrap();
        let id = zhili_domain::calendar::china_day(1_800_000_000_000);
        zhili_domain::id_number::parse(Sheet::People.example()[1], id).unwrap();
    }

    #[test]
    fn cells_are_read_as_numbers_and_yes_or_no() {
        assert_eq!(number("lon", " 108.5 ").unwrap(), Some(108.5));
        assert_eq!(number("lon", "").unwrap(), None);
        assert_eq!(
            number("lon", "东经108").unwrap_err().field.as_deref(),
            Some("lon")
        );
        assert!(number("lon", "NaN").is_err());
        assert!(yes_no("rented", "是").unwrap());
        assert!(!yes_no("rented", "").unwrap());
        assert!(yes_no("rented", "maybe").is_err());
    }
}
