//! Situations (社情民意): public-sentiment and intelligence notes about an area, optionally
//! about people, places, things or events, with tags and a sensitivity level that decides
//! who may read them.

use crate::error::DomainError;
use crate::role::Role;

crate::vocabulary!(
    /// What a note is about.
    SituationKind, KINDS {
        Sentiment = ("sentiment", "社情民意"),
        DisputeClue = ("dispute_clue", "矛盾纠纷线索"),
        Stability = ("stability", "涉稳信息"),
        SafetyHazard = ("safety_hazard", "安全隐患线索"),
        OnlineOpinion = ("online_opinion", "网络舆情"),
    }
);

crate::vocabulary!(
    /// Where a note came from.
    Source, SOURCES {
        Visit = ("visit", "入户走访"),
        Resident = ("resident", "群众反映"),
        Meeting = ("meeting", "会议座谈"),
        Online = ("online", "网络"),
        Other = ("other", "其他"),
    }
);

/// Tags the UI offers first; any other tag may be typed.
pub const COMMON_TAGS: [&str; 8] = [
    "矛盾纠纷",
    "邻里纠纷",
    "劳资纠纷",
    "征地拆迁",
    "民生诉求",
    "安全隐患",
    "涉稳",
    "舆情",
];

pub const MAX_TAGS: usize = 10;
pub const MAX_LINKS: usize = 20;

/// How widely a note may be read. Ordered: a role that reads a level reads every lower one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sensitivity {
    /// 一般: every role that reads situations in the area.
    General = 1,
    /// 内部: the governance centres' staff and grid workers, not department handlers.
    Internal = 2,
    /// 敏感: district command, district and town operators, leaders — and the author.
    Sensitive = 3,
}

impl Sensitivity {
    pub const ALL: [Sensitivity; 3] = [
        Sensitivity::General,
        Sensitivity::Internal,
        Sensitivity::Sensitive,
    ];

    pub fn level(self) -> i64 {
        self as i64
    }

    pub fn from_level(level: i64) -> Option<Sensitivity> {
        Self::ALL.into_iter().find(|s| s.level() == level)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Sensitivity::General => "一般",
            Sensitivity::Internal => "内部",
            Sensitivity::Sensitive => "敏感",
        }
    }

    /// Reading a sensitive note's full text is logged in the record.
    pub fn read_is_logged(self) -> bool {
        self == Sensitivity::Sensitive
    }
}

/// The most sensitive level a role reads (besides its own notes); `None`: no situations at all.
/// Administrators run the system and read none.
pub fn max_sensitivity(role: Role) -> Option<Sensitivity> {
    match role {
        Role::Admin => None,
        Role::DepartmentHandler | Role::PilotOffice => Some(Sensitivity::General),
        Role::VillageOperator | Role::GridWorker | Role::GridLeader => Some(Sensitivity::Internal),
        Role::DistrictCommander | Role::DistrictOperator | Role::TownOperator | Role::Leader => {
            Some(Sensitivity::Sensitive)
        }
    }
}

/// Who records notes: the roles that work the grids and the centres.
pub fn may_write(role: Role) -> bool {
    role.works_the_grids()
}

/// At most ten tags, each at most 20 characters as sent without `|` (the stored separator)
/// or control characters; trimmed, blanks and duplicates dropped (first spelling kept).
pub fn parse_tags(raw: &[String]) -> Result<Vec<String>, DomainError> {
    if raw.len() > MAX_TAGS {
        return Err(DomainError::invalid(
            "tags",
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    let mut tags: Vec<String> = Vec::new();
    for t in raw {
        if t.chars().count() > 20 || t.contains('|') || t.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "tags",
                format!("{t:?}: a tag is 1 to 20 characters without '|'"),
            ));
        }
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        if !tags.iter().any(|x| x == t) {
            tags.push(t.to_string());
        }
    }
    Ok(tags)
}

/// Tags as stored: `|a|b|`, so one tag is found with `LIKE '%|a|%'`.
pub fn store_tags(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!("|{}|", tags.join("|"))
    }
}

pub fn stored_tags(stored: &str) -> Vec<String> {
    stored
        .split('|')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// What a note or an event may be linked to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkTarget {
    Person,
    House,
    Org,
    Thing,
    Event,
}

impl LinkTarget {
    pub const ALL: [LinkTarget; 5] = [
        LinkTarget::Person,
        LinkTarget::House,
        LinkTarget::Org,
        LinkTarget::Thing,
        LinkTarget::Event,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkTarget::Person => "person",
            LinkTarget::House => "house",
            LinkTarget::Org => "org",
            LinkTarget::Thing => "thing",
            LinkTarget::Event => "event",
        }
    }

    pub fn parse(s: &str) -> Option<LinkTarget> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn tags_are_trimmed_deduplicated_and_bounded() {
        let t = parse_tags(&strings(&[" 涉稳 ", "舆情", "涉稳", ""])).unwrap();
        assert_eq!(t, strings(&["涉稳", "舆情"]));
        assert_eq!(store_tags(&t), "|涉稳|舆情|");
        assert_eq!(stored_tags("|涉稳|舆情|"), t);
        assert_eq!(stored_tags(""), Vec::<String>::new());
        assert!(parse_tags(&strings(&["a|b"])).is_err());
        assert!(parse_tags(&strings(&[
            "这是一个超过二十个字符的非常非常长的标签文字内容"
        ]))
        .is_err());
        let many: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert_eq!(
            parse_tags(&many).unwrap_err().field.as_deref(),
            Some("tags")
        );
    }

    #[test]
    fn sensitivity_is_ordered_by_who_reads() {
        assert_eq!(max_sensitivity(Role::Admin), None);
        assert_eq!(
            max_sensitivity(Role::DepartmentHandler),
            Some(Sensitivity::General)
        );
        assert!(max_sensitivity(Role::GridWorker) < Some(Sensitivity::Sensitive));
        assert_eq!(
            max_sensitivity(Role::DistrictCommander),
            Some(Sensitivity::Sensitive)
        );
        for s in Sensitivity::ALL {
            assert_eq!(Sensitivity::from_level(s.level()), Some(s));
        }
        assert_eq!(Sensitivity::from_level(0), None);
        assert!(Sensitivity::Sensitive.read_is_logged());
        assert!(!Sensitivity::Internal.read_is_logged());
    }
}
