//! People of the grids (实有人口) and the key groups among them (重点人群), as the national
//! comprehensive-governance standard's data modules describe them: who may see and change
//! them, how often each key group is visited, and what a valid record is.

use crate::error::DomainError;
use crate::id_number;
use crate::role::Role;

/// Identity document types (GA/T 517 codes); only 111 is checked against GB 11643.
pub const ID_TYPES: [(&str, &str); 6] = [
    ("111", "居民身份证"),
    ("112", "临时居民身份证"),
    ("414", "普通护照"),
    ("511", "台湾居民来往大陆通行证"),
    ("516", "港澳居民来往内地通行证"),
    ("553", "外国人永久居留身份证"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PopulationType {
    /// 户籍人口
    Registered,
    /// 流动人口
    Floating,
    /// 境外人员
    Foreign,
    /// 留守人员
    LeftBehind,
}

impl PopulationType {
    pub const ALL: [PopulationType; 4] = [
        PopulationType::Registered,
        PopulationType::Floating,
        PopulationType::Foreign,
        PopulationType::LeftBehind,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PopulationType::Registered => "registered",
            PopulationType::Floating => "floating",
            PopulationType::Foreign => "foreign",
            PopulationType::LeftBehind => "left_behind",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PopulationType::Registered => "户籍人口",
            PopulationType::Floating => "流动人口",
            PopulationType::Foreign => "境外人员",
            PopulationType::LeftBehind => "留守人员",
        }
    }

    /// Either the code or the Chinese label (spreadsheets use the label).
    pub fn parse(s: &str) -> Option<PopulationType> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s || p.label_zh() == s)
    }

    /// The fields this kind of resident is registered with (kept in `details`).
    pub fn fields(self) -> &'static [DetailField] {
        match self {
            PopulationType::Registered => &REGISTERED_FIELDS,
            PopulationType::Floating => &FLOATING_FIELDS,
            PopulationType::Foreign => &FOREIGN_FIELDS,
            PopulationType::LeftBehind => &LEFT_BEHIND_FIELDS,
        }
    }
}

/// A field a population type needs: its key in `details`, its label, whether it is required,
/// the values it may take (any text when empty), and whether it is a date (YYYY-MM-DD).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DetailField {
    pub key: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub choices: &'static [&'static str],
    pub date: Date,
}

/// Whether a field is a date, and whether it records something that has happened (so not in
/// the future: an arrival, a release, a start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Date {
    No,
    Any,
    Past,
}

const fn field(
    key: &'static str,
    label: &'static str,
    required: bool,
    choices: &'static [&'static str],
    date: Date,
) -> DetailField {
    DetailField {
        key,
        label,
        required,
        choices,
        date,
    }
}

const REGISTERED_FIELDS: [DetailField; 2] = [
    field("household_no", "户号", false, &[], Date::No),
    field(
        "relation",
        "与户主关系",
        false,
        &["户主", "配偶", "子女", "父母", "其他"],
        Date::No,
    ),
];
const FLOATING_FIELDS: [DetailField; 4] = [
    field("origin", "户籍地", true, &[], Date::No),
    field(
        "reason",
        "流入原因",
        true,
        &["务工", "经商", "就学", "投亲", "其他"],
        Date::No,
    ),
    field("arrived", "来本地日期", false, &[], Date::Past),
    field("residence_permit", "居住证号", false, &[], Date::No),
];
const FOREIGN_FIELDS: [DetailField; 3] = [
    field("nationality", "国籍", true, &[], Date::No),
    field("visa_type", "签证种类", false, &[], Date::No),
    field("stay_until", "停留期至", false, &[], Date::Any),
];
const LEFT_BEHIND_FIELDS: [DetailField; 3] = [
    field(
        "kind",
        "留守类型",
        true,
        &["儿童", "老人", "妇女"],
        Date::No,
    ),
    field("guardian", "监护人", false, &[], Date::No),
    field("guardian_phone", "监护人电话", false, &[], Date::No),
];

const RELEASED_FIELDS: [DetailField; 3] = [
    field("released_on", "释放日期", true, &[], Date::Past),
    field("offence", "原罪名", false, &[], Date::No),
    field(
        "placement",
        "安置情况",
        false,
        &["已安置", "未安置"],
        Date::No,
    ),
];
const CORRECTION_FIELDS: [DetailField; 3] = [
    field(
        "correction_type",
        "矫正类别",
        true,
        &["管制", "缓刑", "假释", "暂予监外执行"],
        Date::No,
    ),
    field("started_on", "矫正开始日期", true, &[], Date::Past),
    field("ends_on", "矫正结束日期", false, &[], Date::Any),
];
const DRUG_FIELDS: [DetailField; 2] = [
    field(
        "control",
        "管控状态",
        true,
        &["社区戒毒", "社区康复", "戒断三年未复吸", "强制隔离戒毒"],
        Date::No,
    ),
    field("drug", "滥用物质", false, &[], Date::No),
];
const MENTAL_FIELDS: [DetailField; 2] = [
    field("guardian", "监护人", false, &[], Date::No),
    field(
        "treatment",
        "治疗情况",
        false,
        &["规律服药", "间断服药", "未服药", "住院"],
        Date::No,
    ),
];
const YOUTH_FIELDS: [DetailField; 1] = [field(
    "youth_type",
    "人员类型",
    true,
    &[
        "闲散青少年",
        "不良行为青少年",
        "流浪乞讨未成年人",
        "服刑人员未成年子女",
        "其他",
    ],
    Date::No,
)];
const PETITIONER_FIELDS: [DetailField; 2] = [
    field("claim", "主要诉求", true, &[], Date::No),
    field("lead", "包案领导", false, &[], Date::No),
];

/// Keys any resident's details may carry besides their type's fields.
pub const COMMON_DETAILS: [&str; 1] = ["note"];

/// Checks a resident's details against their population type: required fields present,
/// choices among their values, dates real and (for arrival) not in the future, text at most
/// 100 characters (a note 500), no keys the type does not have. Errors name `details.<key>`.
pub fn check_details(
    population: PopulationType,
    details: &[(String, String)],
    today: i64,
) -> Vec<DomainError> {
    check_fields(
        population.fields(),
        (population.as_str(), population.label_zh()),
        details,
        today,
    )
}

/// Checks details against `fields` (a population type's or a key group's); `whose` names
/// them in messages (code, Chinese label).
pub fn check_fields(
    fields: &[DetailField],
    whose: (&str, &str),
    details: &[(String, String)],
    today: i64,
) -> Vec<DomainError> {
    let mut problems = Vec::new();
    for f in fields {
        let value = details
            .iter()
            .find(|(k, _)| k == f.key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty());
        let at = format!("details.{}", f.key);
        let Some(v) = value else {
            if f.required {
                problems.push(
                    DomainError::invalid(
                        &at,
                        format!("{} ({}) is required for {}", f.label, f.key, whose.0),
                    )
                    .zh(format!("{}需填写{}", whose.1, f.label)),
                );
            }
            continue;
        };
        if !f.choices.is_empty() && !f.choices.contains(&v) {
            problems.push(
                DomainError::invalid(&at, format!("one of {}", f.choices.join(", "))).zh(format!(
                    "{}应为{}之一",
                    f.label,
                    f.choices.join("、")
                )),
            );
        } else if f.date != Date::No {
            match crate::time::parse_date(v) {
                Some(day) if f.date == Date::Any || day <= today => {}
                _ => problems.push(
                    DomainError::invalid(&at, format!("{v:?} is not a possible date (YYYY-MM-DD)"))
                        .zh(format!("{}“{v}”不是有效日期（年-月-日）", f.label)),
                ),
            }
        } else if v.chars().count() > 100 || v.chars().any(char::is_control) {
            problems.push(
                DomainError::invalid(&at, "at most 100 characters")
                    .zh(format!("{}最多100个字", f.label)),
            );
        }
    }
    for (k, v) in details {
        if COMMON_DETAILS.contains(&k.as_str()) {
            if v.chars().count() > 500 {
                problems.push(
                    DomainError::invalid(&format!("details.{k}"), "at most 500 characters")
                        .zh("备注最多500个字"),
                );
            }
        } else if !fields.iter().any(|f| f.key == k) {
            let known: Vec<&str> = fields.iter().map(|f| f.key).collect();
            problems.push(
                DomainError::invalid(
                    &format!("details.{k}"),
                    format!("{} has no {k:?} (it has {})", whose.0, known.join(", ")),
                )
                .zh(format!("{}没有“{k}”这一项", whose.1)),
            );
        }
    }
    problems
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyGroup {
    /// 安置帮教人员 (released prisoners)
    ReleasedPrisoner,
    /// 社区矫正对象
    CommunityCorrection,
    /// 吸毒人员
    DrugUser,
    /// 严重精神障碍患者
    SevereMentalIllness,
    /// 重点青少年
    KeyYouth,
    /// 重复信访人员
    RepeatPetitioner,
}

impl KeyGroup {
    pub const ALL: [KeyGroup; 6] = [
        KeyGroup::ReleasedPrisoner,
        KeyGroup::CommunityCorrection,
        KeyGroup::DrugUser,
        KeyGroup::SevereMentalIllness,
        KeyGroup::KeyYouth,
        KeyGroup::RepeatPetitioner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyGroup::ReleasedPrisoner => "released_prisoner",
            KeyGroup::CommunityCorrection => "community_correction",
            KeyGroup::DrugUser => "drug_user",
            KeyGroup::SevereMentalIllness => "severe_mental_illness",
            KeyGroup::KeyYouth => "key_youth",
            KeyGroup::RepeatPetitioner => "repeat_petitioner",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            KeyGroup::ReleasedPrisoner => "安置帮教人员",
            KeyGroup::CommunityCorrection => "社区矫正对象",
            KeyGroup::DrugUser => "吸毒人员",
            KeyGroup::SevereMentalIllness => "严重精神障碍患者",
            KeyGroup::KeyYouth => "重点青少年",
            KeyGroup::RepeatPetitioner => "重复信访人员",
        }
    }

    pub fn parse(s: &str) -> Option<KeyGroup> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label_zh() == s)
    }

    /// Days between visits. Severe mental illness follows the risk level (0–5 of the
    /// national management rules): levels 3–5 every two weeks, 1–2 monthly, 0 quarterly.
    pub fn visit_every_days(self, risk_level: Option<u8>) -> i64 {
        match self {
            KeyGroup::SevereMentalIllness => match risk_level.unwrap_or(0) {
                3..=5 => 14,
                1..=2 => 30,
                _ => 90,
            },
            KeyGroup::CommunityCorrection | KeyGroup::DrugUser => 30,
            KeyGroup::RepeatPetitioner => 30,
            KeyGroup::KeyYouth => 60,
            KeyGroup::ReleasedPrisoner => 90,
        }
    }

    /// The event category (the shipped taxonomy's 特殊人群 and 信访 classes) an overdue or
    /// worrying visit opens.
    pub fn event_category(self) -> &'static str {
        match self {
            KeyGroup::CommunityCorrection => "0901",
            KeyGroup::ReleasedPrisoner => "0902",
            KeyGroup::DrugUser => "0903",
            KeyGroup::SevereMentalIllness => "0904",
            KeyGroup::KeyYouth => "0905",
            KeyGroup::RepeatPetitioner => "1002",
        }
    }

    /// Whether the group carries a risk level (0–5).
    /// The fields a member of this group is registered with (kept in the key role's details).
    pub fn fields(self) -> &'static [DetailField] {
        match self {
            KeyGroup::ReleasedPrisoner => &RELEASED_FIELDS,
            KeyGroup::CommunityCorrection => &CORRECTION_FIELDS,
            KeyGroup::DrugUser => &DRUG_FIELDS,
            KeyGroup::SevereMentalIllness => &MENTAL_FIELDS,
            KeyGroup::KeyYouth => &YOUTH_FIELDS,
            KeyGroup::RepeatPetitioner => &PETITIONER_FIELDS,
        }
    }

    pub fn has_risk_level(self) -> bool {
        self == KeyGroup::SevereMentalIllness
    }
}

/// Who works with the people of their area (register, change, visit).
pub fn may_register(role: Role) -> bool {
    matches!(
        role,
        Role::Admin
            | Role::DistrictOperator
            | Role::TownOperator
            | Role::VillageOperator
            | Role::GridWorker
            | Role::GridLeader
    )
}

/// Who may list people at all (masked). Department handlers work on events, not on the
/// population registry.
pub fn may_read(role: Role) -> bool {
    may_register(role) || matches!(role, Role::DistrictCommander | Role::Leader)
}

/// Who may see key-group membership and visits: those who visit or coordinate them.
pub fn sees_key_groups(role: Role) -> bool {
    role.works_the_grids()
}

/// Who may see a full ID number or phone (each time with a reason, recorded).
pub fn may_reveal(role: Role) -> bool {
    matches!(
        role,
        Role::DistrictOperator
            | Role::TownOperator
            | Role::VillageOperator
            | Role::GridWorker
            | Role::GridLeader
    )
}

/// An identity document checked for its type; for resident ID cards, against GB 11643.
/// Returns the number in its stored form and, for ID cards, what the number tells.
pub fn check_document(
    id_type: &str,
    number: &str,
    today: i64,
) -> Result<(String, Option<id_number::ResidentId>), DomainError> {
    if !ID_TYPES.iter().any(|(code, _)| *code == id_type) {
        return Err(DomainError::invalid(
            "id_type",
            format!("{id_type:?} is not one of 111, 112, 414, 511, 516, 553"),
        )
        .zh(format!(
            "证件类型“{id_type}”应为111、112、414、511、516或553"
        )));
    }
    if id_type == "111" || id_type == "112" {
        let id = id_number::parse(number, today)?;
        return Ok((id.number.clone(), Some(id)));
    }
    let n = id_number::normalise(number);
    if !(5..=20).contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(
            DomainError::invalid("id_number", "5 to 20 letters and digits")
                .zh("证件号码应为5至20位字母或数字"),
        );
    }
    Ok((n, None))
}

/// A person's name: 1 to 50 characters, no control characters.
pub fn check_name(name: &str) -> Result<String, DomainError> {
    crate::text::line("name", name, 50)
        .map_err(|_| DomainError::invalid("name", "1 to 50 characters").zh("姓名应为1至50个字"))
}

impl std::fmt::Display for KeyGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::time::days_from_civil;

    #[test]
    fn documents_are_checked_by_type() {
        let today = days_from_civil(2026, 11, 28);
        let good = id_number::compose("500114", days_from_civil(1980, 5, 1), 123);
        let (stored, id) = check_document("111", &good.to_lowercase(), today).unwrap();
        assert_eq!(stored, good);
        assert_eq!(id.unwrap().birth_date, (1980, 5, 1));
        let e = check_document("111", "500114198005011230", today).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidIdNumber);
        assert_eq!(
            check_document("414", " e1234567 ", today).unwrap().0,
            "E1234567"
        );
        assert_eq!(
            check_document("999", "x", today)
                .unwrap_err()
                .field
                .as_deref(),
            Some("id_type")
        );
        assert!(check_document("414", "E12-345", today).is_err());
    }

    #[test]
    fn visit_intervals_and_labels() {
        assert_eq!(KeyGroup::SevereMentalIllness.visit_every_days(Some(4)), 14);
        assert_eq!(KeyGroup::SevereMentalIllness.visit_every_days(Some(0)), 90);
        assert_eq!(
            KeyGroup::parse("社区矫正对象"),
            Some(KeyGroup::CommunityCorrection)
        );
        assert_eq!(
            PopulationType::parse("流动人口"),
            Some(PopulationType::Floating)
        );
        assert_eq!(
            PopulationType::parse("left_behind"),
            Some(PopulationType::LeftBehind)
        );
        assert!(!may_read(Role::DepartmentHandler));
        assert!(!sees_key_groups(Role::Leader) && may_read(Role::Leader));
        assert!(may_reveal(Role::GridWorker) && !may_reveal(Role::Admin));
    }
}

#[cfg(test)]
mod details_tests {
    use super::*;

    fn d(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_population_type_asks_for_its_own_fields() {
        let today = crate::time::days_from_civil(2026, 11, 28);
        let ok = d(&[
            ("origin", "湖北省恩施州"),
            ("reason", "务工"),
            ("arrived", "2025-03-01"),
        ]);
        assert!(check_details(PopulationType::Floating, &ok, today).is_empty());
        let fields = |p: &[DomainError]| -> Vec<String> {
            p.iter()
                .map(|e| e.field.clone().unwrap_or_default())
                .collect()
        };
        let missing = check_details(PopulationType::Floating, &d(&[("reason", "旅游")]), today);
        assert_eq!(fields(&missing), ["details.origin", "details.reason"]);
        assert_eq!(
            missing[0].message_zh.as_deref(),
            Some("流动人口需填写户籍地")
        );
        let future = d(&[
            ("origin", "x"),
            ("reason", "务工"),
            ("arrived", "2027-01-01"),
        ]);
        assert_eq!(
            fields(&check_details(PopulationType::Floating, &future, today)),
            ["details.arrived"]
        );
        let stray = d(&[
            ("nationality", "法国"),
            ("origin", "x"),
            ("note", "会说中文"),
        ]);
        assert_eq!(
            fields(&check_details(PopulationType::Foreign, &stray, today)),
            ["details.origin"]
        );
        assert!(check_details(PopulationType::Registered, &[], today).is_empty());
        assert_eq!(
            fields(&check_details(
                PopulationType::LeftBehind,
                &d(&[("kind", "青年")]),
                today
            )),
            ["details.kind"]
        );
    }
}
