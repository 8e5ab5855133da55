//! The acceptance checklist (对标清单): the national guidance's key tasks, their sub-tasks and
//! basic requirements, and the region's own items, as data. Each requirement is self-assessed
//! by the unit leading its task (or the pilot office) with evidence, and given the reviewer's
//! verdict; the district is ready for acceptance (复核验收) when every requirement is reviewed
//! and none is found unmet.

use super::{bad, text};
use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub code: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subtask {
    pub code: String,
    pub title: String,
    pub requirements: Vec<Requirement>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub code: String,
    pub title: String,
    /// The unit that answers for the task's requirements.
    pub lead_unit: String,
    pub subtasks: Vec<Subtask>,
}

/// The region's own items (重庆区域特色指引), answered by one unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regional {
    pub title: String,
    pub lead_unit: String,
    pub requirements: Vec<Requirement>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checklist {
    pub name: String,
    pub tasks: Vec<Task>,
    pub regional: Regional,
}

/// A requirement in its place: the task (or the regional list) it belongs to and who answers.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed<'a> {
    pub requirement: &'a Requirement,
    /// The task's code, or `CQ` for the regional items.
    pub task: &'a str,
    pub lead_unit: &'a str,
}

impl Checklist {
    /// Checked: codes unique, every text and title written, every lead unit known.
    pub fn check(self, known_unit: &dyn Fn(&str) -> bool) -> Result<Checklist, DomainError> {
        let mut codes = HashSet::new();
        let mut seen = |code: &str, at: &str| -> Result<(), DomainError> {
            if code.trim().is_empty() || !codes.insert(code.to_string()) {
                return Err(bad(
                    &format!("{at}.code"),
                    "a code of its own",
                    "编号为空或重复",
                ));
            }
            Ok(())
        };
        for (i, t) in self.tasks.iter().enumerate() {
            let at = format!("tasks[{i}]");
            seen(&t.code, &at)?;
            text(&format!("{at}.title"), &t.title, 200, "任务名称")?;
            if !known_unit(&t.lead_unit) {
                return Err(bad(
                    &format!("{at}.lead_unit"),
                    "a unit that exists",
                    "没有这个牵头单位",
                ));
            }
            for (j, s) in t.subtasks.iter().enumerate() {
                let at = format!("{at}.subtasks[{j}]");
                seen(&s.code, &at)?;
                text(&format!("{at}.title"), &s.title, 200, "分解任务名称")?;
                for (k, r) in s.requirements.iter().enumerate() {
                    let at = format!("{at}.requirements[{k}]");
                    seen(&r.code, &at)?;
                    text(&format!("{at}.text"), &r.text, 500, "基本要求")?;
                }
            }
        }
        if !known_unit(&self.regional.lead_unit) {
            return Err(bad(
                "regional.lead_unit",
                "a unit that exists",
                "没有这个牵头单位",
            ));
        }
        for (k, r) in self.regional.requirements.iter().enumerate() {
            let at = format!("regional.requirements[{k}]");
            seen(&r.code, &at)?;
            text(&format!("{at}.text"), &r.text, 500, "区域特色指引")?;
        }
        Ok(self)
    }

    /// Every requirement in order, the regional items last.
    pub fn requirements(&self) -> Vec<Placed<'_>> {
        let mut out: Vec<Placed> = self
            .tasks
            .iter()
            .flat_map(|t| {
                t.subtasks.iter().flat_map(move |s| {
                    s.requirements.iter().map(move |r| Placed {
                        requirement: r,
                        task: &t.code,
                        lead_unit: &t.lead_unit,
                    })
                })
            })
            .collect();
        out.extend(self.regional.requirements.iter().map(|r| Placed {
            requirement: r,
            task: "CQ",
            lead_unit: &self.regional.lead_unit,
        }));
        out
    }

    /// The requirement of `code` in its place.
    pub fn find(&self, code: &str) -> Option<Placed<'_>> {
        self.requirements()
            .into_iter()
            .find(|p| p.requirement.code == code)
    }

    /// (key tasks, sub-tasks, basic requirements, regional items).
    pub fn shape(&self) -> [usize; 4] {
        [
            self.tasks.len(),
            self.tasks.iter().map(|t| t.subtasks.len()).sum(),
            self.tasks
                .iter()
                .flat_map(|t| &t.subtasks)
                .map(|s| s.requirements.len())
                .sum(),
            self.regional.requirements.len(),
        ]
    }
}

crate::vocabulary!(
    /// How a requirement stands, as the unit claims it and as the reviewer finds it.
    Standing, STANDINGS {
        Met = ("met", "达标"),
        Partly = ("partly", "基本达标"),
        NotMet = ("not_met", "未达标"),
    }
);

/// How ready a set of requirements is: counts by the reviewer's verdict, those not reviewed
/// yet (whether claimed or not), the share met (a partly-met one counting half) and whether it
/// would pass acceptance (all reviewed, none unmet).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Readiness {
    pub total: usize,
    pub claimed: usize,
    pub met: usize,
    pub partly: usize,
    pub not_met: usize,
    pub unreviewed: usize,
    pub percent: f64,
    pub ready: bool,
}

/// Readiness from each requirement's (claimed, verdict).
pub fn readiness(entries: impl IntoIterator<Item = (bool, Option<Standing>)>) -> Readiness {
    let mut r = Readiness::default();
    for (claimed, verdict) in entries {
        r.total += 1;
        r.claimed += claimed as usize;
        match verdict {
            Some(Standing::Met) => r.met += 1,
            Some(Standing::Partly) => r.partly += 1,
            Some(Standing::NotMet) => r.not_met += 1,
            None => r.unreviewed += 1,
        }
    }
    if r.total > 0 {
        r.percent =
            ((r.met as f64 + 0.5 * r.partly as f64) * 1000.0 / r.total as f64).round() / 10.0;
    }
    r.ready = r.total > 0 && r.unreviewed == 0 && r.not_met == 0;
    r
}

/// A note for a claim or a verdict: 1 to 2,000 characters.
pub fn note(field: &str, raw: &str) -> Result<String, DomainError> {
    text(field, raw, 2000, "说明")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Checklist {
        serde_json::from_value(serde_json::json!({
            "name": "对标清单",
            "tasks": [{"code": "01", "title": "党委领导", "lead_unit": "C500114", "subtasks": [
                {"code": "01.1", "title": "统筹", "requirements": [
                    {"code": "01.1.1", "text": "专题研究"}, {"code": "01.1.2", "text": "领导小组"}]}]}],
            "regional": {"title": "重庆区域特色指引", "lead_unit": "C500114", "requirements": [{"code": "CQ01", "text": "边区联防"}]}
        }))
        .unwrap()
    }

    #[test]
    fn the_checklist_is_checked_and_placed() {
        let known = |u: &str| u == "C500114";
        let c = list().check(&known).unwrap();
        assert_eq!(c.shape(), [1, 1, 2, 1]);
        assert_eq!(c.find("CQ01").unwrap().task, "CQ");
        assert_eq!(c.find("01.1.2").unwrap().lead_unit, "C500114");
        let mut dup = list();
        dup.tasks[0].subtasks[0].requirements[1].code = "01.1.1".into();
        assert_eq!(
            dup.check(&known).unwrap_err().field.as_deref(),
            Some("tasks[0].subtasks[0].requirements[1].code")
        );
        let mut nobody = list();
        nobody.tasks[0].lead_unit = "D99".into();
        assert_eq!(
            nobody.check(&known).unwrap_err().field.as_deref(),
            Some("tasks[0].lead_unit")
        );
    }

    #[test]
    fn ready_when_every_requirement_is_reviewed_and_none_unmet() {
        use Standing::*;
        let r = readiness([
            (true, Some(Met)),
            (true, Some(Partly)),
            (true, None),
            (false, None),
        ]);
        assert_eq!(
            (r.total, r.claimed, r.met, r.partly, r.unreviewed),
            (4, 3, 1, 1, 2)
        );
        assert_eq!((r.percent, r.ready), (37.5, false));
        assert!(readiness([(true, Some(Met)), (true, Some(Partly))]).ready);
        assert!(!readiness([(true, Some(Met)), (true, Some(NotMet))]).ready);
        assert!(!readiness([]).ready);
    }
}
