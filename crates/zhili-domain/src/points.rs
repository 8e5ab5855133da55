//! Residents' points (积分制, after the 2020 national notice on points in rural governance):
//! a village turns its rules into items worth points, adopted by its own assembly and kept as
//! data; entries are awarded by staff or claimed by residents, approved by the village, put
//! on public notice (公示) where anyone may appeal, and only then credited to an append-only
//! ledger; points expire a set time after they were credited, oldest first; a points shop
//! (积分超市) turns them into goods whose funding is said.
//!
//! The rules here are pure: what a catalogue must hold, how an entry moves, which period a
//! cap counts in, how much of a deduction a balance can bear and how much has expired.

use crate::error::{DomainError, ErrorCode};
use crate::time::{civil_from_days, days_from_civil};
use serde::{Deserialize, Serialize};

/// The categories of the seed's 寨子社区 scheme; a village files every item under one.
pub const CATEGORIES: [&str; 7] = [
    "宣讲学习",
    "文明习惯",
    "传统美德",
    "遵纪守法",
    "公益行动",
    "勤劳致富",
    "平安建设",
];

/// Bounds that keep a catalogue a village's rule book, not a store for anything.
pub const MAX_ITEMS: usize = 200;
pub const MAX_POINTS: i64 = 1000;
const DAY_MS: i64 = 86_400_000;
/// Beijing is UTC+8 all year: periods and months are counted on its calendar.
const BEIJING_MS: i64 = 8 * 3_600_000;

/// Who may put an entry forward under an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Awarder {
    GridWorker,
    VillageOperator,
    /// The resident claims it for themself (with evidence), for the village to approve.
    Resident,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Month,
    Quarter,
    Year,
}

/// At most `times` entries of an item per person per period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cap {
    pub times: u32,
    pub per: Period,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable within the village's catalogue across versions (entries name it).
    pub code: String,
    pub name: String,
    pub category: String,
    /// Positive for an award, negative for a deduction; never zero.
    pub points: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Cap>,
    pub awarders: Vec<Awarder>,
    /// The entry names an event (a reported hazard, a patrol finding) and waits until the
    /// event passes verification.
    #[serde(default)]
    pub needs_verified_event: bool,
    /// Put forward by the system for the reporter when a resident's own report passes
    /// verification.
    #[serde(default)]
    pub on_resident_report: bool,
}

/// A village's rule book.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Days an approved entry stays on public notice before it is credited.
    pub notice_days: i64,
    /// Days credited points stay spendable.
    pub expiry_days: i64,
    pub items: Vec<Item>,
}

fn problem(field: String, en: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::invalid(&field, en).zh(zh)
}

impl Catalogue {
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code == code)
    }

    /// Every problem with the catalogue, each with its field (`items[3].points`).
    pub fn check(&self) -> Result<(), Vec<DomainError>> {
        let mut problems = Vec::new();
        if !(1..=30).contains(&self.notice_days) {
            problems.push(problem(
                "notice_days".into(),
                "public notice lasts 1 to 30 days",
                "公示期应为1至30天",
            ));
        }
        if !(30..=1830).contains(&self.expiry_days) {
            problems.push(problem(
                "expiry_days".into(),
                "points stay valid 30 to 1830 days",
                "积分有效期应为30至1830天",
            ));
        }
        if self.items.is_empty() || self.items.len() > MAX_ITEMS {
            problems.push(problem(
                "items".into(),
                format!("1 to {MAX_ITEMS} items"),
                format!("积分项目应为1至{MAX_ITEMS}项"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let mut on_report = 0;
        for (n, item) in self.items.iter().enumerate() {
            let f = |name: &str| format!("items[{n}].{name}");
            let code_ok = (1..=20).contains(&item.code.len())
                && item
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !code_ok {
                problems.push(problem(
                    f("code"),
                    "1 to 20 letters, digits, '-' or '_'",
                    "编号应为1至20个字母、数字、-或_",
                ));
            } else if !seen.insert(item.code.as_str()) {
                problems.push(problem(
                    f("code"),
                    format!("{} is used twice", item.code),
                    format!("编号{}重复", item.code),
                ));
            }
            if let Err(e) = crate::text::line(&f("name"), &item.name, 40) {
                problems.push(e);
            }
            if !CATEGORIES.contains(&item.category.as_str()) {
                problems.push(problem(
                    f("category"),
                    format!("one of {}", CATEGORIES.join(", ")),
                    format!("类别应为{}之一", CATEGORIES.join("、")),
                ));
            }
            if item.points == 0 || item.points.abs() > MAX_POINTS {
                problems.push(problem(
                    f("points"),
                    format!("not zero, at most {MAX_POINTS} either way"),
                    format!("分值不能为0，绝对值不超过{MAX_POINTS}"),
                ));
            }
            if item.cap.is_some_and(|c| !(1..=100).contains(&c.times)) {
                problems.push(problem(
                    f("cap.times"),
                    "a cap allows 1 to 100 entries a period",
                    "上限应为每周期1至100次",
                ));
            }
            if item.awarders.is_empty() {
                problems.push(problem(
                    f("awarders"),
                    "say who may put it forward",
                    "请指定谁可以申报或给予",
                ));
            }
            if item.points < 0 && item.awarders.contains(&Awarder::Resident) {
                problems.push(problem(
                    f("awarders"),
                    "nobody claims a deduction for themself",
                    "扣分项目不能由居民自行申报",
                ));
            }
            if item.on_resident_report {
                on_report += 1;
                if !item.needs_verified_event || item.points < 0 {
                    problems.push(problem(
                        f("on_resident_report"),
                        "points for a resident's report are an award waiting for verification",
                        "居民报事积分须为加分且须待核查通过",
                    ));
                }
            }
        }
        if on_report > 1 {
            problems.push(problem(
                "items".into(),
                "one item at most is given for a resident's verified report",
                "居民报事积分项目至多一项",
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// Where an entry is on its way to the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Names an event that has not yet passed verification.
    AwaitingEvent,
    /// Waits for the village's approval.
    Pending,
    /// Approved, on public notice until its notice ends.
    Notice,
    /// Appealed during its notice; the village decides.
    Appealed,
    /// On the ledger.
    Credited,
    Rejected,
    /// Withdrawn after an appeal was upheld.
    Voided,
}

impl EntryState {
    pub const ALL: [EntryState; 7] = [
        EntryState::AwaitingEvent,
        EntryState::Pending,
        EntryState::Notice,
        EntryState::Appealed,
        EntryState::Credited,
        EntryState::Rejected,
        EntryState::Voided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::AwaitingEvent => "awaiting_event",
            EntryState::Pending => "pending",
            EntryState::Notice => "notice",
            EntryState::Appealed => "appealed",
            EntryState::Credited => "credited",
            EntryState::Rejected => "rejected",
            EntryState::Voided => "voided",
        }
    }

    pub fn parse(s: &str) -> Option<EntryState> {
        EntryState::ALL.into_iter().find(|e| e.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EntryState::AwaitingEvent => "待核查",
            EntryState::Pending => "待审核",
            EntryState::Notice => "公示中",
            EntryState::Appealed => "异议处理中",
            EntryState::Credited => "已入账",
            EntryState::Rejected => "未通过",
            EntryState::Voided => "已撤销",
        }
    }

    /// Entries that use up a cap: all but those turned down.
    pub fn counts_toward_cap(self) -> bool {
        !matches!(self, EntryState::Rejected | EntryState::Voided)
    }
}

/// What moves an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    EventVerified,
    Approve,
    Reject,
    Appeal,
    /// The village upholds the appeal: the entry is withdrawn.
    UpholdAppeal,
    /// The village dismisses the appeal: the entry goes on (credited when its notice is over).
    DismissAppeal,
    /// The notice ran out without an open appeal.
    NoticeOver,
}

impl Move {
    pub fn as_str(self) -> &'static str {
        match self {
            Move::EventVerified => "event_verified",
            Move::Approve => "approve",
            Move::Reject => "reject",
            Move::Appeal => "appeal",
            Move::UpholdAppeal => "uphold_appeal",
            Move::DismissAppeal => "dismiss_appeal",
            Move::NoticeOver => "notice_over",
        }
    }
}

/// The state an entry moves to, or why it cannot.
pub fn next(from: EntryState, m: Move) -> Result<EntryState, DomainError> {
    use EntryState as S;
    let to = match (from, m) {
        (S::AwaitingEvent, Move::EventVerified) => S::Pending,
        (S::AwaitingEvent | S::Pending, Move::Reject) => S::Rejected,
        (S::Pending, Move::Approve) => S::Notice,
        (S::Notice, Move::Appeal) => S::Appealed,
        (S::Appealed, Move::UpholdAppeal) => S::Voided,
        (S::Appealed, Move::DismissAppeal) => S::Notice,
        (S::Notice, Move::NoticeOver) => S::Credited,
        _ => {
            return Err(DomainError::new(
                ErrorCode::InvalidTransition,
                format!("an entry that is {} cannot {}", from.as_str(), m.as_str()),
            )
            .zh(format!("该积分申报{}，不能进行此操作", from.label_zh())))
        }
    };
    Ok(to)
}

/// Days since 1970-01-01 on Beijing's calendar.
fn beijing_day(at_ms: i64) -> i64 {
    (at_ms + BEIJING_MS).div_euclid(DAY_MS)
}

/// The period a moment falls in, as its key: `2026-11`, `2026-Q4`, `2026`.
pub fn period_key(per: Period, at_ms: i64) -> String {
    let (y, m, _) = civil_from_days(beijing_day(at_ms));
    match per {
        Period::Month => format!("{y:04}-{m:02}"),
        Period::Quarter => format!("{y:04}-Q{}", (m - 1) / 3 + 1),
        Period::Year => format!("{y:04}"),
    }
}

/// A month (`2026-11`) or quarter (`2026-Q4`) as the Unix milliseconds it starts and ends at
/// (end exclusive), on Beijing's calendar; None when the key is not one.
pub fn period_bounds(key: &str) -> Option<(i64, i64)> {
    let (year, rest) = key.split_once('-')?;
    if year.len() != 4 {
        return None;
    }
    let y: i64 = year.parse().ok()?;
    if !(2000..=2100).contains(&y) {
        return None;
    }
    let (first, months) = if let Some(q) = rest.strip_prefix('Q') {
        let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
        (3 * q - 2, 3)
    } else {
        let m: u32 = rest.parse().ok().filter(|m| (1..=12).contains(m))?;
        if rest.len() != 2 {
            return None;
        }
        (m, 1)
    };
    let start = |y: i64, m: u32| days_from_civil(y, m, 1) * DAY_MS - BEIJING_MS;
    let last = first + months;
    let end = if last > 12 {
        start(y + 1, last - 12)
    } else {
        start(y, last)
    };
    Some((start(y, first), end))
}

/// Whether one more entry fits the item's cap, given how many the person already has in the
/// period (entries not turned down).
pub fn within_cap(name: &str, cap: Option<Cap>, already: i64) -> Result<(), DomainError> {
    match cap {
        Some(cap) if already >= cap.times as i64 => {
            let per = match cap.per {
                Period::Month => ("month", "每月"),
                Period::Quarter => ("quarter", "每季度"),
                Period::Year => ("year", "每年"),
            };
            Err(DomainError::invalid(
                "item",
                format!(
                    "{name} is capped at {} a {}; this person has {already}",
                    cap.times, per.0
                ),
            )
            .zh(format!(
                "“{name}”{}最多{}次，该居民本期已有{already}次",
                per.1, cap.times
            )))
        }
        _ => Ok(()),
    }
}

/// How much of a deduction a balance bears: never more than is there, so the balance never
/// goes below zero (the ledger says what was asked and what was taken).
pub fn deduction_taken(balance: i64, points: i64) -> i64 {
    debug_assert!(points < 0);
    -(points.abs().min(balance.max(0)))
}

/// Points that have expired and are still on the balance. Spending and deductions take the
/// oldest points first, so of the points credited before the cutoff, those not yet taken by
/// any debit (earlier expiries included) are what expires now: `matured − debited`.
pub fn expiring(matured_credits: i64, debited: i64) -> i64 {
    (matured_credits - debited).max(0)
}

/// When points credited at `at_ms` expire.
pub fn expires_at(c: &Catalogue, at_ms: i64) -> i64 {
    at_ms + c.expiry_days * DAY_MS
}

/// When the notice of an entry approved at `at_ms` ends.
pub fn notice_ends(c: &Catalogue, at_ms: i64) -> i64 {
    at_ms + c.notice_days * DAY_MS
}

/// Competition ranks (1, 2, 2, 4) for scores already sorted from highest.
pub fn ranks(sorted_scores: &[i64]) -> Vec<u32> {
    let mut out = Vec::with_capacity(sorted_scores.len());
    for (i, s) in sorted_scores.iter().enumerate() {
        let rank = if i > 0 && sorted_scores[i - 1] == *s {
            out[i - 1]
        } else {
            i as u32 + 1
        };
        out.push(rank);
    }
    out
}

/// A shop's goods: a price in points and a stock, with where the money for it comes from
/// (schemes fade when outside money stops: the source is said on every item).
pub fn check_goods(name: &str, price: i64, stock: i64, funding: &str) -> Vec<DomainError> {
    let mut problems = Vec::new();
    if let Err(e) = crate::text::line("name", name, 40) {
        problems.push(e);
    }
    if !(1..=100_000).contains(&price) {
        problems.push(problem(
            "price".into(),
            "1 to 100,000 points",
            "兑换分值应为1至100000",
        ));
    }
    if !(0..=1_000_000).contains(&stock) {
        problems.push(problem(
            "stock".into(),
            "0 to 1,000,000",
            "库存应为0至1000000",
        ));
    }
    if let Err(e) = crate::text::line("funding", funding, 60) {
        problems.push(e);
    }
    problems
}

#[cfg(test)]
mod tests;
