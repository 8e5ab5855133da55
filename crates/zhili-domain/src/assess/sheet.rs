//! A unit's sheet under a scheme: every item (nodes too) and adjustment scored from the unit's
//! figures and the reviewers' entries, each line saying where its points came from; and the
//! ranking of sheets, ties broken by named items.

use super::scheme::{Adjustment, Item, Rule, Scheme};
use super::Figure;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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
