//! An assessment scheme (考核方案) as data: a tree of items whose points add up at every node
//! (100 at the top), each leaf scored by a rule over a figure — proportional to it, deducted
//! per occurrence down to a cap ("扣完为止"), deducted per point below a survey threshold, or
//! scored by a reviewer — and adjustments outside the hundred: bonuses with a cap, a one-vote
//! veto (一票否决) and a change in ranking. A unit's sheet says for every point where it came
//! from; ranking breaks ties by named items, then shares the rank.

use super::Figure;
use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Items a scheme may hold in all (nodes and leaves), and how deep its tree goes.
pub const MAX_ITEMS: usize = 300;
pub const MAX_DEPTH: usize = 4;
/// The points of the whole tree.
pub const TOTAL_POINTS: f64 = 100.0;

/// How a leaf item is scored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// In proportion to the figure between `zero_at` (no points) and `full_at` (all points);
    /// `full_at` below `zero_at` when less is better.
    Proportional {
        figure: Figure,
        zero_at: f64,
        full_at: f64,
    },
    /// `per` points off for each occurrence, at most `cap`.
    Deduct { figure: Figure, per: f64, cap: f64 },
    /// `per_point` off for each point the figure (a percentage) falls below `threshold`.
    Survey {
        figure: Figure,
        threshold: f64,
        per_point: f64,
    },
    /// Scored by a reviewer, with evidence and signature.
    Manual,
}

/// An item: a node whose children's points add up to its own, or a leaf with its rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub code: String,
    pub name: String,
    pub points: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Item>,
}

/// What moves a total outside the hundred.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Adjustment {
    /// `per` points for each occurrence, at most `cap`.
    Bonus {
        code: String,
        name: String,
        figure: Figure,
        per: f64,
        cap: f64,
    },
    /// Any occurrence takes `penalty` points off and bars the unit from the top grade.
    Veto {
        code: String,
        name: String,
        figure: Figure,
        penalty: f64,
    },
    /// `per_place` for each place gained in the ranking (lost: taken off), within ± `cap`.
    RankChange {
        code: String,
        name: String,
        figure: Figure,
        per_place: f64,
        cap: f64,
    },
}

impl Adjustment {
    pub fn code(&self) -> &str {
        match self {
            Adjustment::Bonus { code, .. }
            | Adjustment::Veto { code, .. }
            | Adjustment::RankChange { code, .. } => code,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Adjustment::Bonus { name, .. }
            | Adjustment::Veto { name, .. }
            | Adjustment::RankChange { name, .. } => name,
        }
    }

    pub fn figure(&self) -> Figure {
        match self {
            Adjustment::Bonus { figure, .. }
            | Adjustment::Veto { figure, .. }
            | Adjustment::RankChange { figure, .. } => *figure,
        }
    }
}

crate::vocabulary!(
    /// Which units a scheme assesses: each kind by its own scheme (分类考核), so a department
    /// is never marked down for a figure only a town has.
    UnitGroup, UNIT_GROUPS {
        Towns = ("towns", "镇街"),
        Departments = ("departments", "区级部门"),
    }
);

/// A year's scheme for one group of units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub year: i32,
    pub group: UnitGroup,
    pub name: String,
    pub items: Vec<Item>,
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
    /// What share of a target counts for its lead unit and for each partner (捆绑考核).
    pub lead_share: f64,
    pub partner_share: f64,
    /// Items whose score decides between equal totals, in order.
    #[serde(default)]
    pub tie_break: Vec<String>,
    /// The share of a unit's total that counts into the annual 平安建设 assessment (the seed's
    /// district: 40%).
    #[serde(default = "default_safe_city_share")]
    pub safe_city_share: f64,
}

/// The seed's "按照40%的比例计入平安建设暨防范化解重大风险年度考核".
pub const DEFAULT_SAFE_CITY_SHARE: f64 = 0.4;

fn default_safe_city_share() -> f64 {
    DEFAULT_SAFE_CITY_SHARE
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

fn text(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(
            DomainError::invalid(field, format!("1 to {max} characters"))
                .zh(format!("为 1 至 {max} 个字")),
        );
    }
    Ok(v.to_string())
}

impl Scheme {
    /// The scheme trimmed, or the first field at fault (`items[0].children[2].rule.cap`).
    pub fn check(mut self) -> Result<Scheme, DomainError> {
        if !(2000..=2100).contains(&self.year) {
            return Err(DomainError::invalid("year", "2000 to 2100").zh("年度不正确"));
        }
        self.name = text("name", &self.name, 100)?;
        if !(positive(self.lead_share) && self.lead_share <= 1.0) {
            return Err(DomainError::invalid("lead_share", "above 0, at most 1")
                .zh("牵头单位占比应大于 0、不超过 1"));
        }
        if !(self.partner_share.is_finite() && (0.0..=1.0).contains(&self.partner_share)) {
            return Err(
                DomainError::invalid("partner_share", "0 to 1").zh("配合单位占比应在 0 至 1 之间")
            );
        }
        if !(positive(self.safe_city_share) && self.safe_city_share <= 1.0) {
            return Err(
                DomainError::invalid("safe_city_share", "above 0, at most 1")
                    .zh("计入平安建设考核的比例应大于 0、不超过 1"),
            );
        }
        if self.items.is_empty() {
            return Err(DomainError::invalid("items", "at least one item").zh("至少一个考核项目"));
        }
        let mut codes = HashSet::new();
        let mut count = 0;
        for (i, item) in self.items.iter_mut().enumerate() {
            check_item(item, &format!("items[{i}]"), 1, &mut codes, &mut count)?;
        }
        let sum: f64 = self.items.iter().map(|i| i.points).sum();
        if !close(sum, TOTAL_POINTS) {
            return Err(DomainError::invalid(
                "items",
                format!("the items' points add up to {sum}, not {TOTAL_POINTS}"),
            )
            .zh(format!("各项分值合计 {sum} 分，应为 {TOTAL_POINTS} 分")));
        }
        for (i, a) in self.adjustments.iter_mut().enumerate() {
            let at = |f: &str| format!("adjustments[{i}].{f}");
            let (code, name) = match a {
                Adjustment::Bonus {
                    code,
                    name,
                    per,
                    cap,
                    ..
                }
                | Adjustment::RankChange {
                    code,
                    name,
                    per_place: per,
                    cap,
                    ..
                } => {
                    if !positive(*per) {
                        return Err(DomainError::invalid(&at("per"), "above 0").zh("应大于 0"));
                    }
                    if !positive(*cap) || *cap > TOTAL_POINTS {
                        return Err(DomainError::invalid(&at("cap"), "above 0, at most 100")
                            .zh("上限应大于 0、不超过 100"));
                    }
                    (code, name)
                }
                Adjustment::Veto {
                    code,
                    name,
                    penalty,
                    ..
                } => {
                    if !positive(*penalty) || *penalty > TOTAL_POINTS {
                        return Err(DomainError::invalid(&at("penalty"), "above 0, at most 100")
                            .zh("扣分应大于 0、不超过 100"));
                    }
                    (code, name)
                }
            };
            *code = text(&at("code"), code, 20)?;
            *name = text(&at("name"), name, 100)?;
            if !codes.insert(code.clone()) {
                return Err(
                    DomainError::invalid(&at("code"), format!("{code} twice")).zh("编号重复")
                );
            }
        }
        let leaves: HashSet<&str> = self.leaves().map(|l| l.code.as_str()).collect();
        for (i, c) in self.tie_break.iter().enumerate() {
            if !leaves.contains(c.as_str()) {
                return Err(DomainError::invalid(
                    &format!("tie_break[{i}]"),
                    format!("no scored item {c}"),
                )
                .zh("没有这个计分项目"));
            }
        }
        Ok(self)
    }

    /// The leaves in order (depth first).
    pub fn leaves(&self) -> impl Iterator<Item = &Item> {
        fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
            for i in items {
                if i.children.is_empty() {
                    out.push(i);
                } else {
                    walk(&i.children, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut out);
        out.into_iter()
    }

    /// The figures the scheme reads (what the system must compute for it).
    pub fn figures(&self) -> Vec<Figure> {
        let mut out: Vec<Figure> = self
            .leaves()
            .filter_map(|l| match &l.rule {
                Some(Rule::Proportional { figure, .. })
                | Some(Rule::Deduct { figure, .. })
                | Some(Rule::Survey { figure, .. }) => Some(*figure),
                _ => None,
            })
            .chain(self.adjustments.iter().map(Adjustment::figure))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn check_item(
    item: &mut Item,
    at: &str,
    depth: usize,
    codes: &mut HashSet<String>,
    count: &mut usize,
) -> Result<(), DomainError> {
    *count += 1;
    if *count > MAX_ITEMS {
        return Err(
            DomainError::invalid(at, format!("at most {MAX_ITEMS} items"))
                .zh(format!("考核项目不超过 {MAX_ITEMS} 个")),
        );
    }
    if depth > MAX_DEPTH {
        return Err(
            DomainError::invalid(at, format!("at most {MAX_DEPTH} levels"))
                .zh(format!("考核项目不超过 {MAX_DEPTH} 级")),
        );
    }
    item.code = text(&format!("{at}.code"), &item.code, 20)?;
    item.name = text(&format!("{at}.name"), &item.name, 100)?;
    if !codes.insert(item.code.clone()) {
        return Err(
            DomainError::invalid(&format!("{at}.code"), format!("{} twice", item.code))
                .zh("编号重复"),
        );
    }
    if !positive(item.points) || item.points > TOTAL_POINTS {
        return Err(
            DomainError::invalid(&format!("{at}.points"), "above 0, at most 100")
                .zh("分值应大于 0、不超过 100"),
        );
    }
    match (&item.rule, item.children.is_empty()) {
        (Some(_), false) => {
            return Err(DomainError::invalid(
                &format!("{at}.rule"),
                "an item with sub-items is scored by them, not by a rule",
            )
            .zh("有下级项目的项目按下级计分，不另设规则"))
        }
        (None, true) => {
            return Err(
                DomainError::invalid(&format!("{at}.rule"), "a scored item needs its rule")
                    .zh("计分项目须有计分规则"),
            )
        }
        _ => {}
    }
    if let Some(rule) = &item.rule {
        let field = |f: &str| format!("{at}.rule.{f}");
        match rule {
            Rule::Proportional {
                zero_at, full_at, ..
            } => {
                if !zero_at.is_finite() || !full_at.is_finite() || close(*zero_at, *full_at) {
                    return Err(DomainError::invalid(
                        &field("full_at"),
                        "a finite figure other than zero_at",
                    )
                    .zh("满分值与零分值应不同"));
                }
            }
            Rule::Deduct { per, cap, .. } => {
                if !positive(*per) {
                    return Err(DomainError::invalid(&field("per"), "above 0").zh("应大于 0"));
                }
                if !positive(*cap) || *cap > item.points + 1e-9 {
                    return Err(DomainError::invalid(
                        &field("cap"),
                        "above 0, at most the item's points",
                    )
                    .zh("扣分上限应大于 0、不超过本项分值"));
                }
            }
            Rule::Survey {
                threshold,
                per_point,
                ..
            } => {
                if !(threshold.is_finite() && *threshold > 0.0 && *threshold <= 100.0) {
                    return Err(
                        DomainError::invalid(&field("threshold"), "above 0, at most 100")
                            .zh("达标线应大于 0、不超过 100"),
                    );
                }
                if !positive(*per_point) {
                    return Err(DomainError::invalid(&field("per_point"), "above 0").zh("应大于 0"));
                }
            }
            Rule::Manual => {}
        }
    }
    if !item.children.is_empty() {
        for (j, child) in item.children.iter_mut().enumerate() {
            check_item(
                child,
                &format!("{at}.children[{j}]"),
                depth + 1,
                codes,
                count,
            )?;
        }
        let sum: f64 = item.children.iter().map(|c| c.points).sum();
        if !close(sum, item.points) {
            return Err(DomainError::invalid(
                &format!("{at}.children"),
                format!("the sub-items add up to {sum}, not {}", item.points),
            )
            .zh(format!(
                "下级项目分值合计 {sum} 分，应为 {} 分",
                item.points
            )));
        }
    }
    Ok(())
}

/// A figure's value for a unit and where it came from (the query and the period).
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    pub value: f64,
    pub source: String,
}

/// What a unit is scored on: the figures measured and the reviewers' scores by item code,
/// each with where it came from (for a review: who signed it, when, on what basis).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnitFigures {
    pub figures: HashMap<Figure, Measured>,
    pub manual: HashMap<String, Measured>,
}

/// One line of a sheet: an item or an adjustment, its points, the score and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub code: String,
    pub name: String,
    /// The item's points (0 for an adjustment).
    pub points: f64,
    pub score: f64,
    pub figure: Option<Figure>,
    pub value: Option<f64>,
    pub source: Option<String>,
    /// The rule applied, in words.
    pub how: String,
    /// No figure or no reviewer's score yet: counted as nothing.
    pub missing: bool,
    /// Depth in the tree (0 top), for showing it as a tree.
    pub depth: usize,
    /// A node: its score is its children's (nothing to enter or appeal on it).
    #[serde(default)]
    pub node: bool,
    /// What a reviewer enters for it: its score (`item`), or its figure (`figure`, one the
    /// record does not count).
    #[serde(default)]
    pub entered: Option<Entered>,
}

/// What a reviewer enters for a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entered {
    Item,
    Figure,
}

/// A figure's line is the reviewer's to enter when the record does not count it.
fn entered_figure(figure: Figure) -> Option<Entered> {
    (!figure.automatic()).then_some(Entered::Figure)
}

/// A unit's scores: every item (nodes too) and adjustment, and the total.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sheet {
    pub lines: Vec<Line>,
    pub total: f64,
    pub vetoed: bool,
}

impl Sheet {
    pub fn line(&self, code: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.code == code)
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The figure a rule reads, put on the line; None (and the line marked missing) when the
/// unit has no such figure.
fn take(line: &mut Line, figure: Figure, f: &UnitFigures) -> Option<f64> {
    line.figure = Some(figure);
    let Some(m) = f.figures.get(&figure) else {
        line.missing = true;
        line.how = format!("缺少{}数据", figure.label_zh());
        return None;
    };
    line.value = Some(m.value);
    line.source = Some(m.source.clone());
    Some(m.value)
}

fn leaf_line(item: &Item, rule: &Rule, f: &UnitFigures, depth: usize) -> Line {
    let points = item.points;
    let mut line = Line {
        code: item.code.clone(),
        name: item.name.clone(),
        points,
        score: 0.0,
        figure: None,
        value: None,
        source: None,
        how: String::new(),
        missing: false,
        depth,
        node: false,
        entered: match rule {
            Rule::Manual => Some(Entered::Item),
            Rule::Proportional { figure, .. }
            | Rule::Deduct { figure, .. }
            | Rule::Survey { figure, .. } => entered_figure(*figure),
        },
    };
    let (score, how) = match rule {
        Rule::Manual => match f.manual.get(&item.code) {
            Some(m) => {
                line.value = Some(m.value);
                line.source = Some(m.source.clone());
                (m.value, "评审评分".to_string())
            }
            None => {
                line.missing = true;
                (0.0, "待评审评分".to_string())
            }
        },
        Rule::Proportional {
            figure,
            zero_at,
            full_at,
        } => {
            let Some(v) = take(&mut line, *figure, f) else {
                return line;
            };
            let got = points * ((v - zero_at) / (full_at - zero_at)).clamp(0.0, 1.0);
            let name = figure.label_zh();
            let how =
                format!("{name} {v}：{full_at} 为满分、{zero_at} 为零分，按比例得 {got:.2} 分");
            (got, how)
        }
        Rule::Deduct { figure, per, cap } => {
            let Some(v) = take(&mut line, *figure, f) else {
                return line;
            };
            let off = (v.max(0.0) * per).min(*cap);
            let name = figure.label_zh();
            let how = format!("{name} {v}，每起扣 {per} 分、最多扣 {cap} 分，扣 {off:.2} 分");
            (points - off, how)
        }
        Rule::Survey {
            figure,
            threshold,
            per_point,
        } => {
            let Some(v) = take(&mut line, *figure, f) else {
                return line;
            };
            let off = ((threshold - v).max(0.0) * per_point).min(points);
            let name = figure.label_zh();
            let how = format!(
                "{name} {v}%，低于 {threshold}% 每个百分点扣 {per_point} 分，扣 {off:.2} 分"
            );
            (points - off, how)
        }
    };
    line.score = score.clamp(0.0, points);
    line.how = how;
    line
}

fn score_item(item: &Item, f: &UnitFigures, depth: usize, lines: &mut Vec<Line>) -> f64 {
    match &item.rule {
        Some(rule) => {
            let line = leaf_line(item, rule, f, depth);
            let score = line.score;
            lines.push(line);
            score
        }
        None => {
            let at = lines.len();
            lines.push(Line {
                code: item.code.clone(),
                name: item.name.clone(),
                points: item.points,
                score: 0.0,
                figure: None,
                value: None,
                source: None,
                how: "下级项目得分之和".into(),
                missing: false,
                depth,
                node: true,
                entered: None,
            });
            let sum: f64 = item
                .children
                .iter()
                .map(|c| score_item(c, f, depth + 1, lines))
                .sum();
            lines[at].score = sum;
            sum
        }
    }
}

/// A unit's sheet under a checked scheme.
pub fn score(scheme: &Scheme, f: &UnitFigures) -> Sheet {
    let mut lines = Vec::new();
    let mut total: f64 = scheme
        .items
        .iter()
        .map(|i| score_item(i, f, 0, &mut lines))
        .sum();
    let mut vetoed = false;
    for a in &scheme.adjustments {
        let figure = a.figure();
        let measured = f.figures.get(&figure);
        let v = measured.map(|m| m.value);
        let (score, how) = match (a, v) {
            (_, None) => (0.0, format!("缺少{}数据", figure.label_zh())),
            (Adjustment::Bonus { per, cap, .. }, Some(v)) => {
                let add = (v.max(0.0) * per).min(*cap);
                (
                    add,
                    format!(
                        "{} {v}，每项加 {per} 分、最多加 {cap} 分",
                        figure.label_zh()
                    ),
                )
            }
            (Adjustment::Veto { penalty, .. }, Some(v)) => {
                if v > 0.0 {
                    vetoed = true;
                    (
                        -penalty,
                        format!(
                            "发生{} {v} 起，一票否决，扣 {penalty} 分",
                            figure.label_zh()
                        ),
                    )
                } else {
                    (0.0, format!("未发生{}", figure.label_zh()))
                }
            }
            (Adjustment::RankChange { per_place, cap, .. }, Some(v)) => {
                let moved = (v * per_place).clamp(-cap, *cap);
                (
                    moved,
                    format!("名次变化 {v:+} 位，每位 {per_place} 分、至多 ±{cap} 分"),
                )
            }
        };
        total += score;
        lines.push(Line {
            code: a.code().to_string(),
            name: a.name().to_string(),
            points: 0.0,
            score,
            figure: Some(figure),
            value: v,
            source: measured.map(|m| m.source.clone()),
            how,
            missing: v.is_none(),
            depth: 0,
            node: false,
            entered: entered_figure(figure),
        });
    }
    for l in &mut lines {
        l.score = round2(l.score);
    }
    Sheet {
        lines,
        total: round2(total.max(0.0)),
        vetoed,
    }
}

/// Ranks (1 first) of `sheets` in their order: a vetoed unit after the others, then the
/// higher total, then the tie-break items' scores in turn; units equal on all of these share
/// a rank (1, 1, 3).
pub fn rank(scheme: &Scheme, sheets: &[Sheet]) -> Vec<usize> {
    let key = |s: &Sheet| -> (bool, Vec<i64>) {
        let cents = |v: f64| -(v * 100.0).round() as i64;
        let mut k = vec![cents(s.total)];
        k.extend(
            scheme
                .tie_break
                .iter()
                .map(|c| cents(s.line(c).map_or(0.0, |l| l.score))),
        );
        (s.vetoed, k)
    };
    let keys: Vec<_> = sheets.iter().map(key).collect();
    keys.iter()
        .map(|k| 1 + keys.iter().filter(|o| *o < k).count())
        .collect()
}

/// An item as a table row holds it: its parent's code instead of its children.
#[derive(Clone, Debug, PartialEq)]
pub struct FlatItem {
    pub code: String,
    pub name: String,
    pub points: f64,
    pub parent: Option<String>,
    pub rule: Option<Rule>,
}

/// The tree of rows listed parents first (each row's parent an earlier row) and each row's
/// place in it (indexes from the top, for `row_field`), or the row whose parent is not
/// (`items[i].parent`). The tree's own rules are `Scheme::check`'s.
pub fn tree_of(rows: Vec<FlatItem>) -> Result<(Vec<Item>, Vec<Vec<usize>>), DomainError> {
    let mut places = Vec::with_capacity(rows.len());
    // Each row's path of indexes from the top, so a child is placed under its parent.
    let mut paths: HashMap<String, Vec<usize>> = HashMap::new();
    let mut top: Vec<Item> = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let item = Item {
            code: row.code.trim().to_string(),
            name: row.name,
            points: row.points,
            rule: row.rule,
            children: Vec::new(),
        };
        let code = item.code.clone();
        let path = match row.parent.as_deref().map(str::trim) {
            None | Some("") => {
                top.push(item);
                vec![top.len() - 1]
            }
            Some(parent) => {
                let Some(at) = paths.get(parent).cloned() else {
                    return Err(DomainError::invalid(
                        &format!("items[{i}].parent"),
                        format!("no item {parent} listed before this one"),
                    )
                    .zh("上级项目应列在本项之前"));
                };
                let mut node = &mut top[at[0]];
                for k in &at[1..] {
                    node = &mut node.children[*k];
                }
                node.children.push(item);
                let mut path = at;
                path.push(node.children.len() - 1);
                path
            }
        };
        // A code used twice is the scheme check's to name; the first stays the parent.
        paths.entry(code).or_insert_with(|| path.clone());
        places.push(path);
    }
    Ok((top, places))
}

/// The tree as rows, parents first (the inverse of `tree_of`).
pub fn rows_of(items: &[Item]) -> Vec<(FlatItem, usize)> {
    fn walk(items: &[Item], parent: Option<&str>, depth: usize, out: &mut Vec<(FlatItem, usize)>) {
        for i in items {
            out.push((
                FlatItem {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    points: i.points,
                    parent: parent.map(str::to_string),
                    rule: i.rule.clone(),
                },
                depth,
            ));
            walk(&i.children, Some(&i.code), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(items, None, 0, &mut out);
    out
}

/// A field of the tree (`items[0].children[2].rule.cap`) as the rows name it
/// (`items[5].rule.cap`: the row `places` — from `tree_of` — puts at that place); a node whose
/// rows do not add up is named by its points. Fields outside the items are left as they are.
pub fn row_field(places: &[Vec<usize>], field: &str) -> String {
    let Some(mut rest) = field.strip_prefix("items[") else {
        return field.to_string();
    };
    let mut place = Vec::new();
    loop {
        let Some((index, after)) = rest.split_once(']') else {
            return field.to_string();
        };
        let Ok(index) = index.parse::<usize>() else {
            return field.to_string();
        };
        place.push(index);
        match after.strip_prefix(".children[") {
            Some(deeper) => rest = deeper,
            None => {
                rest = after;
                break;
            }
        }
    }
    let Some(row) = places.iter().position(|p| *p == place) else {
        return field.to_string();
    };
    let rest = if rest == ".children" { ".points" } else { rest };
    format!("items[{row}]{rest}")
}
