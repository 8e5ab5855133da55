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
