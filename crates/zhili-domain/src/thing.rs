//! Things of the grids: city components (城市部件, GB/T 30428.2 style 16-digit codes) and the
//! cameras of the 雪亮工程 with their online state and the uptime rate each area answers for.

use crate::error::DomainError;

/// Major classes of city components.
pub const MAJOR_CLASSES: [(&str, &str); 6] = [
    ("01", "公用设施"),
    ("02", "道路交通"),
    ("03", "市容环境"),
    ("04", "园林绿化"),
    ("05", "房屋土地"),
    ("06", "其他设施"),
];

/// The uptime an area's cameras are held to.
pub const UPTIME_TARGET: f64 = 0.98;

/// A component code: the district's six digits, a two-digit major class, a two-digit
/// subclass and a six-digit sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentCode {
    pub code: String,
    pub major: String,
    pub minor: String,
}

pub fn parse_component_code(raw: &str, district: &str) -> Result<ComponentCode, DomainError> {
    let code = raw.trim();
    let bad = |m: String, zh: String| DomainError::invalid("code", m).zh(zh);
    if code.len() != 16 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            format!("a component code is 16 digits, not {code:?}"),
            format!("部件编码应为16位数字，“{code}”不是"),
        ));
    }
    if &code[..6] != district {
        return Err(bad(
            format!("{} is not this district ({district})", &code[..6]),
            format!("前6位{}不是本区县代码（{district}）", &code[..6]),
        ));
    }
    let major = &code[6..8];
    if !MAJOR_CLASSES.iter().any(|(c, _)| *c == major) {
        return Err(bad(
            format!("{major} is not a major class (01–06)"),
            format!("大类代码{major}不存在（应为01至06）"),
        ));
    }
    let minor = &code[8..10];
    if minor == "00" || &code[10..] == "000000" {
        return Err(bad(
            "the subclass and the sequence start at 01 and 000001".into(),
            "小类从01、序号从000001开始".into(),
        ));
    }
    Ok(ComponentCode {
        code: code.to_string(),
        major: major.to_string(),
        minor: minor.to_string(),
    })
}

crate::vocabulary!(
    /// The state of a component (as inspections record it) or a camera (as the video
    /// platform reports it).
    ThingState, STATES {
        Normal = ("normal", "完好"),
        Damaged = ("damaged", "破损"),
        Lost = ("lost", "丢失"),
        Occupied = ("occupied", "占用"),
        Online = ("online", "在线"),
        Offline = ("offline", "离线"),
    }
);

/// Component states, the first a new one's.
pub const COMPONENT_STATES: [ThingState; 4] = [
    ThingState::Normal,
    ThingState::Damaged,
    ThingState::Lost,
    ThingState::Occupied,
];
/// Camera states, the first a new one's.
pub const CAMERA_STATES: [ThingState; 2] = [ThingState::Online, ThingState::Offline];

/// What a registered thing is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThingKind {
    /// A city component (部件): lamp, manhole cover, bin … with a 16-digit code.
    Component,
    /// A camera of the video network.
    Camera,
}

impl ThingKind {
    /// The stored name, or the Chinese one a sheet may use.
    pub fn parse(raw: &str) -> Option<ThingKind> {
        match raw.trim() {
            "component" | "部件" => Some(ThingKind::Component),
            "camera" | "摄像头" | "视频监控" => Some(ThingKind::Camera),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ThingKind::Component => "component",
            ThingKind::Camera => "camera",
        }
    }

    /// The states a thing of this kind may be in; the first is a new one's.
    pub fn states(self) -> &'static [ThingState] {
        match self {
            ThingKind::Camera => &CAMERA_STATES,
            ThingKind::Component => &COMPONENT_STATES,
        }
    }
}

/// Who may change a component's or camera's state: the unit responsible for it (its
/// department's handlers) and the centres of its area (district, town and village operators;
/// the scope keeps each to its own area). Grid workers report what they find as an event,
/// leaders and administrators do not run the city's things.
pub fn may_set_state(
    role: crate::Role,
    department: Option<&str>,
    responsible: Option<&str>,
) -> bool {
    use crate::Role::*;
    match role {
        DistrictCommander | DistrictOperator | TownOperator | VillageOperator => true,
        DepartmentHandler => department.is_some() && department == responsible,
        Admin | GridWorker | GridLeader | Leader | PilotOffice => false,
    }
}

/// What a camera covers.
pub const COVERAGE: [&str; 6] = ["road", "community", "school", "market", "river", "other"];

/// Online cameras over all cameras, when there are any.
pub fn uptime(online: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| online as f64 / total as f64)
}

impl std::fmt::Display for ThingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_either_name() {
        assert_eq!(ThingKind::parse("摄像头"), Some(ThingKind::Camera));
        assert_eq!(ThingKind::parse(" component "), Some(ThingKind::Component));
        assert_eq!(ThingKind::parse("robot"), None);
        assert_eq!(ThingKind::Camera.states(), &CAMERA_STATES);
        assert_eq!(ThingKind::Component.states()[0], ThingState::Normal);
    }

    #[test]
    fn only_the_responsible_unit_and_the_centres_change_a_state() {
        use crate::Role;
        assert!(may_set_state(Role::VillageOperator, None, Some("D09")));
        assert!(may_set_state(
            Role::DepartmentHandler,
            Some("D09"),
            Some("D09")
        ));
        assert!(!may_set_state(
            Role::DepartmentHandler,
            Some("D20"),
            Some("D09")
        ));
        assert!(!may_set_state(Role::DepartmentHandler, Some("D20"), None));
        assert!(!may_set_state(Role::GridWorker, None, Some("D09")));
        assert!(!may_set_state(Role::Leader, None, None));
    }

    #[test]
    fn component_codes() {
        let c = parse_component_code("5001140102000123", "500114").unwrap();
        assert_eq!((c.major.as_str(), c.minor.as_str()), ("01", "02"));
        for bad in [
            "500114010200012",
            "5001150102000123",
            "5001140702000123",
            "5001140100000123",
            "5001140102000000",
            "50011401020001x3",
        ] {
            assert_eq!(
                parse_component_code(bad, "500114")
                    .unwrap_err()
                    .field
                    .as_deref(),
                Some("code"),
                "{bad}"
            );
        }
        assert_eq!(uptime(49, 50), Some(0.98));
        assert_eq!(uptime(0, 0), None);
    }
}
