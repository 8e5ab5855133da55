//! Checking a sheet: its headers mapped to fields, every cell of every row checked the way
//! the API checks one registration, problems with their row and column.

use super::*;

/// A column: the template's header (Chinese), the field, whether required, and the other
/// headers accepted for it.
pub struct Column {
    pub header: &'static str,
    pub field: &'static str,
    pub required: bool,
    pub aliases: &'static [&'static str],
}

pub(super) const fn col(
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

pub(super) const PEOPLE: [Column; 12] = [
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
pub(super) const PEOPLE_DETAILS: [&str; 6] =
    ["origin", "reason", "arrived", "nationality", "kind", "note"];

pub(super) const HOUSES: [Column; 8] = [
    col("房屋编码", "code", true, &["编码", "code"]),
    col("地址", "address", true, &["房屋地址", "address"]),
    col("网格编码", "grid_code", true, &["网格", "grid_code"]),
    col("经度", "lon", false, &["lon"]),
    col("纬度", "lat", false, &["lat"]),
    col("用途", "usage", true, &["房屋用途", "usage"]),
    col("是否出租", "rented", false, &["出租", "rented"]),
    col("隐患", "hazards", false, &["安全隐患", "hazards"]),
];

pub(super) const ORGS: [Column; 9] = [
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

pub(super) const THINGS: [Column; 8] = [
    col("类型", "kind", true, &["kind"]),
    col("编码", "code", true, &["部件编码", "设备编码", "code"]),
    col("名称", "name", true, &["name"]),
    col("经度", "lon", true, &["lon"]),
    col("纬度", "lat", true, &["lat"]),
    col("责任单位", "department", false, &["主管部门", "department"]),
    col("状态", "state", false, &["state"]),
    col("覆盖类型", "coverage", false, &["coverage"]),
];

/// Where each known field is in the file; unknown headers are refused so a misspelt one is
/// not silently dropped.
pub(super) fn map_columns(
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

pub(super) fn header_problem(column: &str, field: &str, reason: &str, zh: String) -> RowProblem {
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
pub(super) fn check_table<T: Registration>(
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
pub(super) fn number(field: &'static str, raw: &str) -> Result<Option<f64>, DomainError> {
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
pub(super) fn keep_cell<T>(
    problems: &mut Vec<DomainError>,
    r: Result<Option<T>, DomainError>,
) -> Option<T> {
    r.map_err(|e| problems.push(e)).ok().flatten()
}

/// 经度 and 纬度 as numbers; with `required`, both must be there.
pub(super) fn position(
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

pub(super) fn yes_no(field: &'static str, raw: &str) -> Result<bool, DomainError> {
    match raw.trim() {
        "" | "否" | "0" | "false" | "no" | "N" | "n" => Ok(false),
        "是" | "1" | "true" | "yes" | "Y" | "y" => Ok(true),
        other => Err(DomainError::invalid(field, format!("{other:?}: 是 or 否"))
            .zh(format!("“{other}”应为是或否"))),
    }
}

/// A row's cell problems (numbers, yes/no) and then its registration's, one per field.
pub(super) fn cells_first<T>(
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

pub(super) const COMMITTEES: [Column; 7] = [
    col("委员会名称", "name", true, &["调解委员会", "名称", "name"]),
    col("类型", "kind", true, &["委员会类型", "kind"]),
    col("行业", "trade", false, &["trade"]),
    col(
        "服务区域编码",
        "region_code",
        true,
        &["区域编码", "region_code"],
    ),
    col("运行单位", "unit_id", false, &["unit_id"]),
    col("调解室名称", "room", false, &["调解室", "room"]),
    col("调解室星级", "stars", false, &["星级", "stars"]),
];

pub(super) const MEDIATORS: [Column; 7] = [
    col(
        "调解委员会",
        "committee",
        true,
        &["委员会名称", "committee"],
    ),
    col("姓名", "name", true, &["name"]),
    col("等级", "grade", false, &["grade"]),
    col("专长", "specialities", false, &["specialities"]),
    col("是否专职", "full_time", false, &["专职", "full_time"]),
    col("登录账号", "username", false, &["账号", "username"]),
    col("联系电话", "phone", false, &["电话", "phone"]),
];

/// The rows of a sheet, checked: each kind the way the API checks one.
pub(super) enum Checked {
    People(Vec<(usize, zhili_store::NewPerson)>),
    Houses(Vec<(usize, zhili_store::NewHouse)>),
    Orgs(Vec<(usize, zhili_store::NewOrg)>),
    Things(Vec<(usize, zhili_store::NewThing)>),
    Committees(Vec<(usize, zhili_store::NewCommittee)>),
    Mediators(Vec<(usize, crate::usecase::mediation::bodies::MediatorRow)>),
}

/// The rows to write.
pub(super) enum Batch {
    People(Vec<zhili_store::NewPerson>),
    Houses(Vec<zhili_store::NewHouse>),
    Orgs(Vec<zhili_store::NewOrg>),
    Things(Vec<zhili_store::NewThing>),
    Committees(Vec<zhili_store::NewCommittee>),
    Mediators(Vec<crate::usecase::mediation::bodies::MediatorRow>),
}

/// What the checks need besides the file.
pub(super) struct Context {
    pub(super) key: DataKey,
    pub(super) index: std::sync::Arc<RegionIndex>,
    pub(super) scope: Scope,
    pub(super) units: HashSet<String>,
    /// The committees of the importer's area by name (for mediators).
    pub(super) committees: HashMap<String, (i64, zhili_domain::RegionCode)>,
    pub(super) importer: String,
    pub(super) now: i64,
    pub(super) progress: std::sync::Arc<Progress>,
}

pub(super) fn check_sheet(sheet: Sheet, table: &Table, cx: &Context) -> (Checked, Vec<RowProblem>) {
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
        Sheet::Committees => {
            use crate::usecase::mediation::bodies::{prepare_committee, CommitteeInput};
            let (good, problems) = check_table(table, &cx.progress, columns, |cell| {
                prepare_committee(
                    &CommitteeInput {
                        name: cell("name"),
                        kind: cell("kind"),
                        trade: cell("trade"),
                        region_code: cell("region_code"),
                        unit_id: cell("unit_id"),
                        room: cell("room"),
                        stars: cell("stars"),
                    },
                    index,
                    scope,
                    &cx.importer,
                    cx.now,
                )
            });
            (Checked::Committees(good), problems)
        }
        Sheet::Mediators => {
            use crate::usecase::mediation::bodies::{prepare_mediator, MediatorInput};
            let (good, problems) = check_table(table, &cx.progress, columns, |cell| {
                let mut problems = Vec::new();
                let full_time = keep_cell(
                    &mut problems,
                    yes_no("full_time", &cell("full_time")).map(Some),
                )
                .unwrap_or(false);
                cells_first(problems, || {
                    prepare_mediator(
                        &MediatorInput {
                            committee: cell("committee"),
                            name: cell("name"),
                            grade: cell("grade"),
                            specialities: cell("specialities"),
                            full_time,
                            username: cell("username"),
                            phone: cell("phone"),
                        },
                        &cx.committees,
                        key,
                    )
                })
            });
            (Checked::Mediators(good), problems)
        }
    }
}
