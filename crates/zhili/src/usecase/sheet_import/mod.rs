//! People, houses, organisations, components/cameras, mediation committees and mediators from
//! a spreadsheet (.xlsx) or CSV:
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

mod check;
mod templates;

pub use check::Column;
use check::{
    check_sheet, Batch, Checked, Context, COMMITTEES, HOUSES, MEDIATORS, ORGS, PEOPLE, THINGS,
};
pub use templates::{sample_xlsx, template_csv, template_xlsx};

/// Most rows one file may carry.
pub const MAX_ROWS: usize = 200_000;

/// What a sheet registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sheet {
    People,
    Houses,
    Orgs,
    Things,
    /// Mediation committees, each with its room.
    Committees,
    /// Mediators of committees registered already.
    Mediators,
}

impl Sheet {
    pub fn parse(s: &str) -> Option<Sheet> {
        match s {
            "people" => Some(Sheet::People),
            "houses" => Some(Sheet::Houses),
            "orgs" => Some(Sheet::Orgs),
            "things" => Some(Sheet::Things),
            "committees" => Some(Sheet::Committees),
            "mediators" => Some(Sheet::Mediators),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sheet::People => "people",
            Sheet::Houses => "houses",
            Sheet::Orgs => "orgs",
            Sheet::Things => "things",
            Sheet::Committees => "committees",
            Sheet::Mediators => "mediators",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Sheet::People => &PEOPLE,
            Sheet::Houses => &HOUSES,
            Sheet::Orgs => &ORGS,
            Sheet::Things => &THINGS,
            Sheet::Committees => &COMMITTEES,
            Sheet::Mediators => &MEDIATORS,
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
            Sheet::Committees => &[
                "示例社区人民调解委员会",
                "村（居）人民调解委员会",
                "",
                "500114001001",
                "S500114001001",
                "示例社区调解室",
                "3",
            ],
            Sheet::Mediators => &[
                "示例社区人民调解委员会",
                "王五",
                "二级调解员",
                "邻里纠纷、婚姻家庭纠纷",
                "否",
                "",
                "13800138000",
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

impl Registration for zhili_store::NewCommittee {
    const KEY_FIELD: &'static str = "name";
    fn key(&self) -> Option<String> {
        Some(self.name.clone())
    }
}

impl Registration for crate::usecase::mediation::bodies::MediatorRow {
    const KEY_FIELD: &'static str = "name";
    fn key(&self) -> Option<String> {
        Some(format!("{}|{}", self.committee_id, self.mediator.name))
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

/// Who imports, into what.
pub struct Importer<'a> {
    pub store: &'a dyn Store,
    pub actor: Actor,
    pub key: DataKey,
    pub index: std::sync::Arc<RegionIndex>,
    /// Rows must name grids in this area.
    pub scope: Scope,
    /// Where the import tells how far it is, for a progress bar.
    pub progress: std::sync::Arc<Progress>,
    /// The importer's budget of identity-number lookups, when one applies (an account over
    /// the API; not an operator at the machine): each row's duplicate check is one.
    pub lookup_budget: Option<i64>,
}

impl<'a> Importer<'a> {
    /// An import by a signed-in user: a role that registers what sheets hold, rows in their
    /// area, each identity number's duplicate check charged to their lookup budget.
    pub fn by_user(
        state: &'a crate::state::AppState,
        user: &zhili_domain::user::User,
        progress: std::sync::Arc<Progress>,
    ) -> Result<Importer<'a>, StoreError> {
        if !zhili_domain::person::may_register(user.role) {
            return Err(StoreError::Domain(DomainError::new(
                ErrorCode::Forbidden,
                "this role does not register people, houses, organisations or things",
            )));
        }
        Ok(Importer {
            store: state.store.as_ref(),
            actor: user.actor(),
            key: state.key.clone(),
            index: state.index(),
            scope: user.scope(),
            progress,
            lookup_budget: Some(
                state
                    .lookup_budget
                    .load(std::sync::atomic::Ordering::Relaxed),
            ),
        })
    }

    /// An import by a signed-in user of what `sheet` holds: the registries' roles for people,
    /// houses, organisations and things; the centres, stations and the justice bureau for the
    /// mediation committees and mediators.
    pub fn for_sheet(
        state: &'a crate::state::AppState,
        user: &zhili_domain::user::User,
        sheet: Sheet,
        progress: std::sync::Arc<Progress>,
    ) -> Result<Importer<'a>, StoreError> {
        if !matches!(sheet, Sheet::Committees | Sheet::Mediators) {
            return Importer::by_user(state, user, progress);
        }
        if !crate::usecase::mediation::manages_bodies(user) {
            return Err(StoreError::Domain(DomainError::new(
                ErrorCode::Forbidden,
                "the centres, stations and the justice bureau register mediation committees and mediators",
            )));
        }
        Ok(Importer {
            store: state.store.as_ref(),
            actor: user.actor(),
            key: state.key.clone(),
            index: state.index(),
            scope: user.scope(),
            progress,
            lookup_budget: None,
        })
    }

    /// An import by the operator at the machine (`zhili import …`), who could read the
    /// database anyway: the whole district, no lookup budget.
    pub fn by_operator(
        store: &'a dyn Store,
        key: DataKey,
        index: std::sync::Arc<RegionIndex>,
    ) -> Result<Importer<'a>, StoreError> {
        let root = index.root.clone().ok_or_else(|| {
            StoreError::Domain(DomainError::new(
                ErrorCode::NotFound,
                "this database has no district yet",
            ))
        })?;
        Ok(Importer {
            store,
            actor: Actor {
                username: super::accounts::operator_name(),
                unit: None,
            },
            key,
            index,
            scope: Scope::whole(root),
            progress: Default::default(),
            lookup_budget: None,
        })
    }
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
            .list_units(&to.scope, None)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect(),
        _ => HashSet::new(),
    };
    let committees = match sheet {
        Sheet::Mediators => store
            .committees(&to.scope)
            .await?
            .into_iter()
            .map(|c| (c.name, (c.id, c.region_code)))
            .collect(),
        _ => HashMap::new(),
    };
    let cx = Context {
        key: to.key.clone(),
        index: to.index.clone(),
        scope: to.scope.clone(),
        units,
        committees,
        importer: to.actor.username.clone(),
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
                    &to.actor,
                    budget,
                    good.len(),
                    "people",
                    &format!("import's duplicate check ({} rows)", good.len()),
                )
                .await?;
            }
            let mut by_type: HashMap<&str, Vec<String>> = HashMap::new();
            // An index under an older key (a rotation re-keying) stands for the row's own.
            let mut current: HashMap<&str, &str> = HashMap::new();
            for (_, p) in good {
                let blinds = by_type.entry(&p.id_type).or_default();
                blinds.push(p.id_blind.clone());
                for older in &p.id_blinds_older {
                    blinds.push(older.clone());
                    current.insert(older, &p.id_blind);
                }
            }
            for (id_type, blinds) in by_type {
                for b in store.registered_blinds(&to.scope, id_type, &blinds).await? {
                    let b = current.get(b.as_str()).copied().unwrap_or(&b);
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
        Checked::Committees(good) => taken.extend(
            store
                .taken_codes(CodeKind::Committee, &keys_of(good))
                .await?,
        ),
        Checked::Mediators(good) => taken.extend(
            store
                .taken_codes(CodeKind::Mediator, &keys_of(good))
                .await?,
        ),
    }
    let p = &mut problems;
    let writable = match checked {
        Checked::People(g) => Batch::People(drop_taken(sheet, g, &taken, p)),
        Checked::Houses(g) => Batch::Houses(drop_taken(sheet, g, &taken, p)),
        Checked::Orgs(g) => Batch::Orgs(drop_taken(sheet, g, &taken, p)),
        Checked::Things(g) => Batch::Things(drop_taken(sheet, g, &taken, p)),
        Checked::Committees(g) => Batch::Committees(drop_taken(sheet, g, &taken, p)),
        Checked::Mediators(g) => Batch::Mediators(drop_taken(sheet, g, &taken, p)),
    };
    let valid = match &writable {
        Batch::People(v) => v.len(),
        Batch::Houses(v) => v.len(),
        Batch::Orgs(v) => v.len(),
        Batch::Things(v) => v.len(),
        Batch::Committees(v) => v.len(),
        Batch::Mediators(v) => v.len(),
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
        let actor = &to.actor;
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
            Batch::Committees(v) => {
                store.add_committees(actor, &v, now).await?;
            }
            Batch::Mediators(v) => {
                let rows: Vec<(i64, zhili_store::NewMediator)> = v
                    .into_iter()
                    .map(|r| (r.committee_id, r.mediator))
                    .collect();
                store.add_mediators(actor, &rows, now).await?;
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

#[cfg(test)]
mod tests {
    use super::check::{map_columns, number, yes_no};
    use super::*;

    #[test]
    fn every_template_names_its_columns_and_its_example_codes_are_valid() {
        for sheet in [
            Sheet::People,
            Sheet::Houses,
            Sheet::Orgs,
            Sheet::Things,
            Sheet::Committees,
            Sheet::Mediators,
        ] {
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
