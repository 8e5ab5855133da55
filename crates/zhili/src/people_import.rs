//! People from a spreadsheet (.xlsx) or CSV: every row checked the way the API checks one
//! registration, every problem reported with its sheet row and column; nothing written unless
//! all rows pass, or — when asked — only the good rows, with the rejected rows handed back
//! as CSV for correction. Templates and masked exports use the same columns.

use crate::crypto::DataKey;
use crate::people::{prepare, PersonInput};
use crate::regions::RegionIndex;
use serde::Serialize;
use std::collections::HashMap;
use zhili_domain::chain::Actor;
use zhili_domain::{DomainError, ErrorCode, Scope};
use zhili_store::{NewPerson, Store, StoreError};

/// Most rows one file may carry.
pub const MAX_ROWS: usize = 200_000;

/// The columns: the template's header (Chinese), the API field, whether required, and the
/// other headers accepted for it.
const COLUMNS: [(&str, &str, bool, &[&str]); 7] = [
    ("证件类型", "id_type", false, &["id_type"]),
    (
        "证件号码",
        "id_number",
        true,
        &["身份证号", "身份证号码", "id_number"],
    ),
    ("姓名", "name", true, &["name"]),
    ("联系电话", "phone", false, &["手机", "电话", "phone"]),
    ("网格编码", "grid_code", true, &["网格", "grid_code"]),
    ("人口类型", "population_type", false, &["population_type"]),
    ("备注", "note", false, &["note"]),
];

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

/// A file's first sheet as text cells, with the sheet row number of each data row.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

fn file_error(message: impl Into<String>) -> DomainError {
    DomainError::invalid("file", message)
}

/// Reads .xlsx (by its ZIP signature) or CSV (UTF-8, or GB 18030 as Excel in China saves it).
pub fn read_table(bytes: &[u8]) -> Result<Table, DomainError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, DomainError> {
    use calamine::{Data, Reader, Xlsx};
    let mut book = Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| file_error(format!("not a readable .xlsx workbook: {e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| file_error("the workbook has no sheet"))?
        .map_err(|e| file_error(format!("the first sheet cannot be read: {e}")))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut rows = range.rows().enumerate().map(|(i, cells)| {
        let text = cells
            .iter()
            .map(|c| match c {
                Data::String(s) => s.trim().to_string(),
                Data::Int(i) => i.to_string(),
                // Excel keeps numbers as doubles: a whole number prints without ".0"; an ID
                // number typed as a number has lost its last digits and fails its check.
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{}", *f as i64),
                Data::Float(f) => f.to_string(),
                Data::Bool(b) => b.to_string(),
                Data::Empty => String::new(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>();
        (first_row + i + 1, text)
    });
    let (_, headers) = rows
        .next()
        .ok_or_else(|| file_error("the sheet is empty"))?;
    Ok(Table {
        headers,
        rows: rows
            .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
            .collect(),
    })
}

fn read_csv(bytes: &[u8]) -> Result<Table, DomainError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(file_error(
                    "neither UTF-8 nor GB 18030 text, nor an .xlsx workbook",
                ));
            }
            t.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| file_error(format!("row {}: {e}", i + 1)))?;
        rows.push((
            i + 1,
            record
                .iter()
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>(),
        ));
    }
    let mut rows = rows.into_iter();
    let (_, headers) = rows.next().ok_or_else(|| file_error("the file is empty"))?;
    Ok(Table {
        headers,
        rows: rows
            .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
            .collect(),
    })
}

/// Where each known field is in the file; unknown headers are refused so a misspelt one is
/// not silently dropped.
fn map_columns(headers: &[String]) -> Result<HashMap<&'static str, usize>, Vec<RowProblem>> {
    let mut at = HashMap::new();
    let mut problems = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        if h.is_empty() {
            continue;
        }
        match COLUMNS
            .iter()
            .find(|(zh, _, _, others)| *zh == h || others.contains(&h))
        {
            Some((_, field, _, _)) => {
                if at.insert(*field, i).is_some() {
                    problems.push(header_problem(h, field, "this column appears twice"));
                }
            }
            None => problems.push(header_problem(
                h,
                "",
                "unknown column (the template's columns: 证件类型, 证件号码, 姓名, 联系电话, 网格编码, 人口类型, 备注)",
            )),
        }
    }
    for (zh, field, required, _) in COLUMNS {
        if required && !at.contains_key(field) {
            problems.push(header_problem(zh, field, "this column is missing"));
        }
    }
    if problems.is_empty() {
        Ok(at)
    } else {
        Err(problems)
    }
}

fn header_problem(column: &str, field: &str, reason: &str) -> RowProblem {
    RowProblem {
        row: 1,
        column: column.to_string(),
        field: field.to_string(),
        code: ErrorCode::InvalidParameter.as_str().to_string(),
        reason: reason.to_string(),
    }
}

/// Checks every row; returns the prepared people (with their sheet rows) and the problems.
pub fn check_rows(
    table: &Table,
    key: &DataKey,
    index: &RegionIndex,
    scope: &Scope,
    today: i64,
) -> (Vec<(usize, NewPerson)>, Vec<RowProblem>) {
    let columns = match map_columns(&table.headers) {
        Ok(c) => c,
        Err(problems) => return (Vec::new(), problems),
    };
    let header_of = |field: &str| {
        columns
            .get(field)
            .map(|&i| table.headers[i].trim().to_string())
            .unwrap_or_else(|| field.to_string())
    };
    let mut good = Vec::with_capacity(table.rows.len());
    let mut problems = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for (row, cells) in &table.rows {
        let cell = |field: &str| {
            columns
                .get(field)
                .and_then(|&i| cells.get(i))
                .cloned()
                .unwrap_or_default()
        };
        let input = PersonInput {
            id_type: cell("id_type"),
            id_number: cell("id_number"),
            name: cell("name"),
            phone: Some(cell("phone")),
            grid_code: cell("grid_code"),
            population_type: Some(cell("population_type")),
            house_id: None,
            details: match cell("note") {
                n if n.is_empty() => Default::default(),
                n => [("note".to_string(), serde_json::Value::String(n))]
                    .into_iter()
                    .collect(),
            },
        };
        match prepare(&input, key, index, scope, today) {
            Ok(person) => {
                let dup_key = format!("{}:{}", person.id_type, person.id_blind);
                if let Some(first) = first_seen.insert(dup_key, *row) {
                    problems.push(RowProblem {
                        row: *row,
                        column: header_of("id_number"),
                        field: "id_number".into(),
                        code: ErrorCode::Conflict.as_str().into(),
                        reason: format!("the same document as row {first}"),
                    });
                } else {
                    good.push((*row, person));
                }
            }
            Err(errors) => {
                for e in errors {
                    let field = e.field.clone().unwrap_or_default();
                    problems.push(RowProblem {
                        row: *row,
                        column: header_of(&field),
                        field,
                        code: e.code.as_str().into(),
                        reason: e.message,
                    });
                }
            }
        }
    }
    (good, problems)
}

/// Who imports, into what.
pub struct Importer<'a> {
    pub store: &'a dyn Store,
    pub actor: &'a Actor,
    pub key: &'a DataKey,
    pub index: std::sync::Arc<RegionIndex>,
    /// Rows must name grids in this area.
    pub scope: &'a Scope,
}

/// The whole import: read, check, look for people registered already, then write (unless a
/// dry run) all rows, or only the good ones with `partial`.
pub async fn import_people(
    to: &Importer<'_>,
    bytes: Vec<u8>,
    dry_run: bool,
    partial: bool,
    now: i64,
) -> Result<ImportReport, StoreError> {
    let store = to.store;
    let today = zhili_domain::calendar::china_day(now);
    let (key, scope, index) = (to.key.clone(), to.scope.clone(), to.index.clone());
    let (table, good, mut problems) = tokio::task::spawn_blocking(move || {
        let table = read_table(&bytes)?;
        if table.rows.len() > MAX_ROWS {
            return Err(file_error(format!("at most {MAX_ROWS} rows in one file")));
        }
        let (good, problems) = check_rows(&table, &key, &index, &scope, today);
        Ok((table, good, problems))
    })
    .await
    .map_err(|e| StoreError::Database(format!("checking the file failed: {e}")))??;
    // Registered already: one lookup per document type for the whole file.
    let mut by_type: HashMap<&str, Vec<String>> = HashMap::new();
    for (_, p) in &good {
        by_type
            .entry(&p.id_type)
            .or_default()
            .push(p.id_blind.clone());
    }
    let mut known = std::collections::HashSet::new();
    for (id_type, blinds) in by_type {
        for b in store.registered_blinds(id_type, &blinds).await? {
            known.insert((id_type.to_string(), b));
        }
    }
    let mut writable = Vec::with_capacity(good.len());
    for (row, p) in good {
        if known.contains(&(p.id_type.clone(), p.id_blind.clone())) {
            problems.push(RowProblem {
                row,
                column: "证件号码".into(),
                field: "id_number".into(),
                code: ErrorCode::Conflict.as_str().into(),
                reason: "registered already".into(),
            });
        } else {
            writable.push((row, p));
        }
    }
    problems.sort_by_key(|p| p.row);
    let mut report = ImportReport {
        dry_run,
        partial,
        rows: table.rows.len(),
        valid: writable.len(),
        written: 0,
        problems,
        rejected_csv: None,
    };
    if partial && !report.problems.is_empty() {
        report.rejected_csv = Some(rejected_csv(&table, &report.problems));
    }
    let may_write = report.problems.is_empty() || partial;
    if !dry_run && may_write && !writable.is_empty() {
        let people: Vec<NewPerson> = writable.into_iter().map(|(_, p)| p).collect();
        store.create_people(to.actor, &people, now).await?;
        report.written = people.len();
    }
    Ok(report)
}

fn rejected_csv(table: &Table, problems: &[RowProblem]) -> String {
    let mut reasons: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for p in problems.iter().filter(|p| p.row > 1) {
        reasons
            .entry(p.row)
            .or_default()
            .push(format!("{}: {}", p.column, p.reason));
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
            let _ = w.write_record(&out);
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}

/// The import template: the header row and one example row, as .xlsx.
pub fn template_xlsx() -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    for (i, (zh, _, required, _)) in COLUMNS.iter().enumerate() {
        let col = i as u16;
        let title = if *required {
            format!("{zh}*")
        } else {
            zh.to_string()
        };
        sheet
            .write_string(0, col, title.trim_end_matches('*'))
            .map_err(|e| e.to_string())?;
        // Every column as text, so ID numbers keep all 18 characters.
        sheet
            .set_column_format(col, &text)
            .map_err(|e| e.to_string())?;
        sheet.set_column_width(col, 20).map_err(|e| e.to_string())?;
    }
    let example = [
        "111",
        "500114198602281239",
        "张三",
        "13800138000",
        "500114001001001",
        "户籍人口",
        "",
    ];
    for (i, v) in example.iter().enumerate() {
        sheet
            .write_string(1, i as u16, *v)
            .map_err(|e| e.to_string())?;
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

/// The header row of the template, for CSV.
pub fn template_csv() -> String {
    let header: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    format!("\u{feff}{}\n", header.join(","))
}

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
        let cells = [
            "111",
            &number,
            &name,
            &phone,
            &grids[rng.gen_range(0..grids.len())],
            kinds[rng.gen_range(0..kinds.len())],
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet
                .write_string(row, c as u16, *v)
                .map_err(|e| e.to_string())?;
        }
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}
