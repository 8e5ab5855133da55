//! Validation of a grid boundary file before anything is written: structure, codes, ring
//! validity, containment in the village, overlaps between grids and gaps inside a village.
//! Every problem is reported with the feature (index, code) at fault.

use crate::{area_m2, geojson};
use geo::{BooleanOps, BoundingRect, MultiPolygon, Validation};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use zhili_domain::{Level, RegionCode, RegionKind};

pub const MAX_FEATURES: usize = 100_000;
/// Slivers below this area (m²) are floating-point noise, not overlaps or gaps.
pub const DEFAULT_TOLERANCE_M2: f64 = 1.0;

#[derive(Clone, Debug)]
pub struct GridFeature {
    /// Position in the file's `features` array (0-based).
    pub index: usize,
    pub code: RegionCode,
    pub name: String,
    pub kind: RegionKind,
    pub shape: MultiPolygon<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    /// Index of the feature at fault in the file, if one.
    pub feature: Option<usize>,
    /// The grid code at fault, if known.
    pub code: Option<String>,
    /// Stable machine code of the problem.
    pub problem: &'static str,
    pub message: String,
}

impl Problem {
    fn at(
        feature: Option<usize>,
        code: Option<&str>,
        problem: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            feature,
            code: code.map(str::to_string),
            problem,
            message: message.into(),
        }
    }
}

/// Most problems of one kind reported from one file: past it they are counted, not listed
/// (900 identical grids would otherwise make 404,550 overlap reports).
pub const MAX_PROBLEMS_PER_KIND: usize = 100;

/// How many problems of a kind were found, and how many are listed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProblemCount {
    pub problem: &'static str,
    pub found: usize,
    pub reported: usize,
    /// The search for this kind stopped at the limit: there may be more.
    pub at_least: bool,
}

/// Keeps the first `per_kind` problems of each kind, in order, and counts them all.
pub fn cap_problems(
    problems: Vec<Problem>,
    per_kind: usize,
    stopped: &[&'static str],
) -> (Vec<Problem>, Vec<ProblemCount>) {
    let mut counts: Vec<ProblemCount> = Vec::new();
    let mut kept = Vec::new();
    for p in problems {
        let i = match counts.iter().position(|c| c.problem == p.problem) {
            Some(i) => i,
            None => {
                counts.push(ProblemCount {
                    problem: p.problem,
                    found: 0,
                    reported: 0,
                    at_least: stopped.contains(&p.problem),
                });
                counts.len() - 1
            }
        };
        counts[i].found += 1;
        if counts[i].reported < per_kind {
            counts[i].reported += 1;
            kept.push(p);
        }
    }
    (kept, counts)
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(i) = self.feature {
            write!(f, "feature {i}")?;
            if let Some(c) = &self.code {
                write!(f, " ({c})")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "[{}] {}", self.problem, self.message)
    }
}

/// Parses a FeatureCollection of grids. Returns the features that parsed and every problem.
pub fn read_grid_file(bytes: &[u8]) -> (Vec<GridFeature>, Vec<Problem>) {
    let mut problems = Vec::new();
    let doc: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            return (
                vec![],
                vec![Problem::at(
                    None,
                    None,
                    "invalid_json",
                    format!("not valid JSON: {e}"),
                )],
            )
        }
    };
    read_grid_collection(&doc, &mut problems)
        .map(|features| (features, problems.clone()))
        .unwrap_or_else(|| (vec![], problems))
}

fn read_grid_collection(doc: &Value, problems: &mut Vec<Problem>) -> Option<Vec<GridFeature>> {
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        problems.push(Problem::at(
            None,
            None,
            "not_feature_collection",
            "the file must be a GeoJSON FeatureCollection",
        ));
        return None;
    }
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        problems.push(Problem::at(
            None,
            None,
            "not_feature_collection",
            "\"features\" must be an array",
        ));
        return None;
    };
    if features.is_empty() {
        problems.push(Problem::at(None, None, "empty", "the file has no features"));
        return None;
    }
    if features.len() > MAX_FEATURES {
        problems.push(Problem::at(
            None,
            None,
            "too_many_features",
            format!("{} features; at most {MAX_FEATURES}", features.len()),
        ));
        return None;
    }
    let mut out = Vec::with_capacity(features.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, f) in features.iter().enumerate() {
        let props = f.get("properties").and_then(Value::as_object);
        let raw_code = props.and_then(|p| p.get("code")).and_then(Value::as_str);
        let mut bad = |problem: &'static str, msg: String| {
            problems.push(Problem::at(Some(i), raw_code, problem, msg))
        };
        if f.get("type").and_then(Value::as_str) != Some("Feature") {
            bad("invalid_feature", "not a GeoJSON Feature".into());
            continue;
        }
        let Some(props) = props else {
            bad(
                "invalid_feature",
                "the feature has no \"properties\" object".into(),
            );
            continue;
        };
        let code = match raw_code.map(RegionCode::parse) {
            None => {
                bad(
                    "invalid_code",
                    "properties.code (a 15-digit grid code) is missing or not a string".into(),
                );
                None
            }
            Some(Err(e)) => {
                bad("invalid_code", e.message);
                None
            }
            Some(Ok(c)) if c.level() != Level::Grid => {
                bad(
                    "invalid_code",
                    format!(
                        "{c} is a {} code, not a 15-digit grid code",
                        c.level().as_str()
                    ),
                );
                None
            }
            Some(Ok(c)) => Some(c),
        };
        if let Some(c) = &code {
            if let Some(first) = seen.insert(c.to_string(), i) {
                bad(
                    "duplicate_code",
                    format!("code {c} already used by feature {first}"),
                );
            }
        }
        let name = match props.get("name").and_then(Value::as_str).map(str::trim) {
            Some(n) if !n.is_empty() && n.chars().count() <= 100 => Some(n.to_string()),
            _ => {
                bad(
                    "invalid_name",
                    "properties.name must be a non-empty string of at most 100 characters".into(),
                );
                None
            }
        };
        let kind = match props.get("kind") {
            None | Some(Value::Null) => Some(RegionKind::GeneralGrid),
            Some(v) => match v
                .as_str()
                .and_then(RegionKind::parse)
                .filter(|k| k.level() == Level::Grid)
            {
                Some(k) => Some(k),
                None => {
                    bad(
                        "invalid_kind",
                        format!("properties.kind must be 综合网格 or 专属网格, not {v}"),
                    );
                    None
                }
            },
        };
        let shape = match f.get("geometry").map(geojson::parse_polygonal) {
            None => {
                bad("invalid_geometry", "the feature has no geometry".into());
                None
            }
            Some(Err(e)) => {
                bad("invalid_geometry", e);
                None
            }
            Some(Ok(shape)) => {
                let errors = shape.validation_errors();
                if errors.is_empty() {
                    Some(shape)
                } else {
                    for e in errors {
                        bad("invalid_geometry", e.to_string());
                    }
                    None
                }
            }
        };
        if let (Some(code), Some(name), Some(kind), Some(shape)) = (code, name, kind, shape) {
            out.push(GridFeature {
                index: i,
                code,
                name,
                kind,
                shape,
            });
        }
    }
    Some(out)
}

/// How a set of children fails to tile a parent exactly.
#[derive(Clone, Debug, PartialEq)]
pub enum TilingProblem {
    /// Child `i` reaches outside the parent by this many m².
    Outside(usize, f64),
    /// Children `i` and `j` overlap by this many m².
    Overlap(usize, usize, f64),
    /// This many m² of the parent is covered by no child.
    Gap(f64),
}

/// Checks that `children` cover `parent` with no overlap, no gap and nothing outside,
/// up to `tol_m2` of noise for each.
pub fn tiling_problems(
    parent: &MultiPolygon<f64>,
    children: &[&MultiPolygon<f64>],
    tol_m2: f64,
) -> Vec<TilingProblem> {
    tiling_problems_within(parent, children, tol_m2, usize::MAX).0
}

/// As `tiling_problems`, but stops looking for overlaps after `max_overlaps` (each costs an
/// intersection); answers whether it stopped.
pub fn tiling_problems_within(
    parent: &MultiPolygon<f64>,
    children: &[&MultiPolygon<f64>],
    tol_m2: f64,
    max_overlaps: usize,
) -> (Vec<TilingProblem>, bool) {
    let mut overlaps = 0;
    let mut stopped = false;
    let mut problems = Vec::new();
    for (i, c) in children.iter().enumerate() {
        let outside = area_m2(&c.difference(parent));
        if outside > tol_m2 {
            problems.push(TilingProblem::Outside(i, outside));
        }
    }
    let boxes: Vec<Option<geo::Rect<f64>>> = children.iter().map(|c| c.bounding_rect()).collect();
    'pairs: for i in 0..children.len() {
        for j in i + 1..children.len() {
            if overlaps >= max_overlaps {
                stopped = true;
                break 'pairs;
            }
            let (Some(a), Some(b)) = (boxes[i], boxes[j]) else {
                continue;
            };
            let disjoint = a.max().x < b.min().x
                || b.max().x < a.min().x
                || a.max().y < b.min().y
                || b.max().y < a.min().y;
            if disjoint {
                continue;
            }
            let overlap = area_m2(&children[i].intersection(children[j]));
            if overlap > tol_m2 {
                overlaps += 1;
                problems.push(TilingProblem::Overlap(i, j, overlap));
            }
        }
    }
    let union = geo::unary_union(children.iter().copied());
    let gap = area_m2(&parent.difference(&union));
    if gap > tol_m2 {
        problems.push(TilingProblem::Gap(gap));
    }
    (problems, stopped)
}

/// Checks grids against their villages. `village` answers the current boundary of a
/// village code, or None when no such village exists. A file replaces the whole grid set of
/// every village it names, so each such village must be tiled exactly by the file's grids.
pub fn check_grids(
    grids: &[GridFeature],
    village: &dyn Fn(&RegionCode) -> Option<MultiPolygon<f64>>,
    tol_m2: f64,
) -> Vec<Problem> {
    check_grids_within(grids, village, tol_m2, usize::MAX).0
}

/// As `check_grids`, but looks for at most `max_overlaps` overlaps in all (the costly
/// check); answers whether it stopped.
pub fn check_grids_within(
    grids: &[GridFeature],
    village: &dyn Fn(&RegionCode) -> Option<MultiPolygon<f64>>,
    tol_m2: f64,
    max_overlaps: usize,
) -> (Vec<Problem>, bool) {
    let mut problems = Vec::new();
    let mut stopped = false;
    let mut by_village: BTreeMap<RegionCode, Vec<&GridFeature>> = BTreeMap::new();
    for g in grids {
        by_village
            .entry(g.code.parent().expect("grid codes have parents"))
            .or_default()
            .push(g);
    }
    for (vcode, members) in by_village {
        let Some(vshape) = village(&vcode) else {
            for g in members {
                problems.push(Problem::at(
                    Some(g.index),
                    Some(g.code.as_str()),
                    "unknown_village",
                    format!("no village {vcode} for grid {}", g.code),
                ));
            }
            continue;
        };
        let shapes: Vec<&MultiPolygon<f64>> = members.iter().map(|g| &g.shape).collect();
        let found_overlaps = problems.iter().filter(|p| p.problem == "overlap").count();
        let (tiling, stop) = tiling_problems_within(
            &vshape,
            &shapes,
            tol_m2,
            max_overlaps.saturating_sub(found_overlaps),
        );
        stopped |= stop;
        for p in tiling {
            problems.push(match p {
                TilingProblem::Outside(i, m2) => Problem::at(
                    Some(members[i].index),
                    Some(members[i].code.as_str()),
                    "outside_village",
                    format!("{:.1} m² lies outside village {vcode}", m2),
                ),
                TilingProblem::Overlap(i, j, m2) => Problem::at(
                    Some(members[i].index),
                    Some(members[i].code.as_str()),
                    "overlap",
                    format!(
                        "overlaps grid {} (feature {}) by {:.1} m²",
                        members[j].code, members[j].index, m2
                    ),
                ),
                TilingProblem::Gap(m2) => Problem::at(
                    None,
                    Some(vcode.as_str()),
                    "gap",
                    format!("{:.1} m² of village {vcode} is covered by no grid", m2),
                ),
            });
        }
    }
    (problems, stopped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
        json!({"type":"Polygon","coordinates":[[[x0,y0],[x1,y0],[x1,y1],[x0,y1],[x0,y0]]]})
    }

    fn feature(code: &str, geometry: Value) -> Value {
        json!({"type":"Feature","properties":{"code":code,"name":"网格","kind":"综合网格"},"geometry":geometry})
    }

    fn village(code: &RegionCode) -> Option<MultiPolygon<f64>> {
        (code.as_str() == "500114001001")
            .then(|| geojson::parse_polygonal(&sq(108.0, 29.0, 108.02, 29.01)).unwrap())
    }

    fn check(doc: Value) -> Vec<Problem> {
        let (grids, mut problems) = read_grid_file(doc.to_string().as_bytes());
        if problems.is_empty() {
            problems = check_grids(&grids, &village, DEFAULT_TOLERANCE_M2);
        }
        problems
    }

    fn kinds(problems: &[Problem]) -> Vec<&'static str> {
        problems.iter().map(|p| p.problem).collect()
    }

    #[test]
    fn an_exact_tiling_passes() {
        let doc = json!({"type":"FeatureCollection","features":[
            feature("500114001001001", sq(108.0, 29.0, 108.01, 29.01)),
            feature("500114001001002", sq(108.01, 29.0, 108.02, 29.01)),
        ]});
        assert_eq!(check(doc), vec![]);
    }

    #[test]
    fn overlaps_gaps_and_outside_are_named() {
        let doc = json!({"type":"FeatureCollection","features":[
            feature("500114001001001", sq(108.0, 29.0, 108.012, 29.01)),
            feature("500114001001002", sq(108.01, 29.0, 108.02, 29.01)),
        ]});
        let p = check(doc);
        assert_eq!(kinds(&p), vec!["overlap"]);
        assert_eq!(p[0].feature, Some(0));
        let doc = json!({"type":"FeatureCollection","features":[
            feature("500114001001001", sq(108.0, 29.0, 108.009, 29.01)),
            feature("500114001001002", sq(108.01, 29.0, 108.02, 29.01)),
        ]});
        assert_eq!(kinds(&check(doc)), vec!["gap"]);
        let doc = json!({"type":"FeatureCollection","features":[
            feature("500114001001001", sq(108.0, 29.0, 108.01, 29.011)),
            feature("500114001001002", sq(108.01, 29.0, 108.02, 29.01)),
        ]});
        assert_eq!(kinds(&check(doc)), vec!["outside_village"]);
    }

    #[test]
    fn structure_and_codes_are_checked_per_feature() {
        let bowtie = json!({"type":"Polygon","coordinates":[[[108.0,29.0],[108.01,29.01],[108.01,29.0],[108.0,29.01],[108.0,29.0]]]});
        let doc = json!({"type":"FeatureCollection","features":[
            feature("500114001001001", sq(108.0, 29.0, 108.01, 29.01)),
            feature("500114001001001", sq(108.01, 29.0, 108.02, 29.01)),
            feature("50011400100100", sq(108.0, 29.0, 108.01, 29.01)),
            feature("500114001002001", bowtie),
            {"type":"Feature","properties":{"code":"500114001001003","name":"","kind":"大网格"},"geometry":null},
            "junk",
        ]});
        let (_, p) = read_grid_file(doc.to_string().as_bytes());
        let got: Vec<(Option<usize>, &str)> = p.iter().map(|p| (p.feature, p.problem)).collect();
        assert_eq!(
            got,
            vec![
                (Some(1), "duplicate_code"),
                (Some(2), "invalid_code"),
                (Some(3), "invalid_geometry"),
                (Some(4), "invalid_name"),
                (Some(4), "invalid_kind"),
                (Some(4), "invalid_geometry"),
                (Some(5), "invalid_feature"),
            ]
        );
        assert!(
            p[2].message.contains("self-intersection"),
            "{}",
            p[2].message
        );
    }

    #[test]
    fn unknown_village_and_bad_documents() {
        let doc = json!({"type":"FeatureCollection","features":[feature("500114002001001", sq(108.0, 29.0, 108.01, 29.01))]});
        assert_eq!(kinds(&check(doc)), vec!["unknown_village"]);
        assert_eq!(kinds(&read_grid_file(b"{").1), vec!["invalid_json"]);
        assert_eq!(
            kinds(&read_grid_file(b"[]").1),
            vec!["not_feature_collection"]
        );
        assert_eq!(
            kinds(&read_grid_file(br#"{"type":"FeatureCollection","features":[]}"#).1),
            vec!["empty"]
        );
    }
}
