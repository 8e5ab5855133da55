//! The pilot's organisation as data (the seed's "1+5+29+N"): one leading group, working groups
//! under it, task forces under those led by a district leader with a lead unit, and units' own
//! groups; with the pilot office (试点办, in the 政法委) that runs it. The district changes it
//! as people move, so it is a versioned document, checked here field by field.

use super::{bad, code, text};
use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

crate::vocabulary!(
    /// The levels of the pilot's organisation.
    GroupKind, GROUP_KINDS {
        LeadingGroup = ("leading_group", "领导小组"),
        WorkingGroup = ("working_group", "工作组"),
        TaskForce = ("task_force", "专项工作组"),
        UnitGroup = ("unit_group", "单位工作专班"),
    }
);

/// Most groups an organisation holds (the seed's is 1 + 5 + 29 + some hundred units).
pub const MAX_GROUPS: usize = 600;
/// Most members one group lists.
pub const MAX_MEMBERS: usize = 200;

/// A person in the organisation: a named official, and their account when they have one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Official {
    pub name: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// One group: its code, level, parent, leader, lead unit and member units and people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub code: String,
    pub kind: GroupKind,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub leader: Official,
    /// The unit that answers for the group's work (task forces and units' groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_unit: Option<String>,
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(default)]
    pub members: Vec<Official>,
}

/// The pilot office and the groups.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    /// The office that runs the pilot (区委政法委 · 试点办).
    pub office: String,
    #[serde(default)]
    pub office_members: Vec<Official>,
    pub groups: Vec<Group>,
    /// The programmes (工程) the project ledger and the sites are grouped by.
    #[serde(default)]
    pub programmes: Vec<super::project::Programme>,
    /// How many demonstration sites of each level the district means to name.
    #[serde(default)]
    pub site_quotas: Vec<super::site::SiteQuota>,
}

fn official(
    field: &str,
    o: &Official,
    known_user: &dyn Fn(&str) -> bool,
) -> Result<Official, DomainError> {
    let username = match o.username.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) if known_user(u) => Some(u.to_string()),
        Some(u) => {
            return Err(bad(
                &format!("{field}.username"),
                format!("no account {u:?}"),
                "没有这个账号",
            ))
        }
    };
    Ok(Official {
        name: text(&format!("{field}.name"), &o.name, 40, "姓名")?,
        title: text(&format!("{field}.title"), &o.title, 60, "职务")?,
        username,
    })
}

impl Organisation {
    /// The organisation trimmed and checked, or the first field at fault (`groups[i].…`):
    /// codes unique, exactly one leading group at the top, working groups under it, task
    /// forces under a working group with a lead unit, units' groups under a task force or a
    /// working group with a lead unit; every unit and account named exists.
    pub fn check(
        &self,
        known_unit: &dyn Fn(&str) -> bool,
        known_user: &dyn Fn(&str) -> bool,
    ) -> Result<Organisation, DomainError> {
        let office = text("office", &self.office, 60, "试点办名称")?;
        if self.office_members.len() > MAX_MEMBERS {
            return Err(bad(
                "office_members",
                format!("at most {MAX_MEMBERS}"),
                format!("最多 {MAX_MEMBERS} 人"),
            ));
        }
        let office_members = self
            .office_members
            .iter()
            .enumerate()
            .map(|(i, o)| official(&format!("office_members[{i}]"), o, known_user))
            .collect::<Result<Vec<_>, _>>()?;
        if self.groups.is_empty() || self.groups.len() > MAX_GROUPS {
            return Err(bad(
                "groups",
                format!("1 to {MAX_GROUPS} groups"),
                format!("工作机构为 1 至 {MAX_GROUPS} 个"),
            ));
        }
        let kinds: HashMap<&str, GroupKind> = self
            .groups
            .iter()
            .map(|g| (g.code.trim(), g.kind))
            .collect();
        let mut seen = HashSet::new();
        let mut leading = 0;
        let mut groups = Vec::with_capacity(self.groups.len());
        for (i, g) in self.groups.iter().enumerate() {
            let field = |f: &str| format!("groups[{i}].{f}");
            let code = code(&field("code"), &g.code)?;
            if !seen.insert(code.clone()) {
                return Err(bad(&field("code"), format!("{code} twice"), "编号重复"));
            }
            let parent = g.parent.as_deref().map(str::trim).filter(|p| !p.is_empty());
            let wanted: &[GroupKind] = match g.kind {
                GroupKind::LeadingGroup => &[],
                GroupKind::WorkingGroup => &[GroupKind::LeadingGroup],
                GroupKind::TaskForce => &[GroupKind::WorkingGroup],
                GroupKind::UnitGroup => &[GroupKind::TaskForce, GroupKind::WorkingGroup],
            };
            match (parent, g.kind) {
                (None, GroupKind::LeadingGroup) => leading += 1,
                (Some(_), GroupKind::LeadingGroup) => {
                    return Err(bad(
                        &field("parent"),
                        "the leading group is at the top",
                        "领导小组没有上级",
                    ))
                }
                (None, _) => {
                    return Err(bad(
                        &field("parent"),
                        "every group but the leading group has a parent",
                        "除领导小组外，每个机构都有上级",
                    ))
                }
                (Some(p), _) => {
                    if !kinds.get(p).is_some_and(|k| wanted.contains(k)) {
                        let names: Vec<&str> = wanted.iter().map(|k| k.label_zh()).collect();
                        return Err(bad(
                            &field("parent"),
                            format!(
                                "a {} sits under a {}",
                                g.kind.as_str(),
                                wanted
                                    .iter()
                                    .map(|k| k.as_str())
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            ),
                            format!("{}的上级应为{}", g.kind.label_zh(), names.join("或")),
                        ));
                    }
                }
            }
            let needs_lead = matches!(g.kind, GroupKind::TaskForce | GroupKind::UnitGroup);
            let lead_unit = g
                .lead_unit
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty());
            match lead_unit {
                None if needs_lead => {
                    return Err(bad(
                        &field("lead_unit"),
                        "a task force or a unit's group has a lead unit",
                        "专项工作组和单位工作专班须有牵头单位",
                    ))
                }
                Some(u) if !known_unit(u) => {
                    return Err(bad(
                        &field("lead_unit"),
                        format!("no unit {u:?}"),
                        "没有这个单位",
                    ))
                }
                _ => {}
            }
            if g.units.len() > MAX_MEMBERS || g.members.len() > MAX_MEMBERS {
                return Err(bad(
                    &field(if g.units.len() > MAX_MEMBERS {
                        "units"
                    } else {
                        "members"
                    }),
                    format!("at most {MAX_MEMBERS}"),
                    format!("最多 {MAX_MEMBERS} 个"),
                ));
            }
            let mut units = Vec::with_capacity(g.units.len());
            for (j, u) in g.units.iter().enumerate() {
                let u = u.trim();
                if !known_unit(u) {
                    return Err(bad(
                        &field(&format!("units[{j}]")),
                        format!("no unit {u:?}"),
                        "没有这个单位",
                    ));
                }
                if !units.iter().any(|x| x == u) {
                    units.push(u.to_string());
                }
            }
            groups.push(Group {
                code,
                kind: g.kind,
                name: text(&field("name"), &g.name, 60, "机构名称")?,
                parent: parent.map(str::to_string),
                leader: official(&field("leader"), &g.leader, known_user)?,
                lead_unit: lead_unit.map(str::to_string),
                units,
                members: g
                    .members
                    .iter()
                    .enumerate()
                    .map(|(j, o)| official(&field(&format!("members[{j}]")), o, known_user))
                    .collect::<Result<Vec<_>, _>>()?,
            });
        }
        if leading != 1 {
            return Err(bad(
                "groups",
                format!("exactly one leading group ({leading} given)"),
                "须有且只有一个领导小组",
            ));
        }
        let programmes = super::project::check_programmes(&self.programmes)?;
        super::site::check_quotas(&self.site_quotas)?;
        Ok(Organisation {
            office,
            office_members,
            groups,
            programmes,
            site_quotas: self.site_quotas.clone(),
        })
    }

    pub fn group(&self, code: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.code == code)
    }

    /// How many groups of each kind ("1+5+29+N").
    pub fn shape(&self) -> [usize; 4] {
        let n = |k: GroupKind| self.groups.iter().filter(|g| g.kind == k).count();
        [
            n(GroupKind::LeadingGroup),
            n(GroupKind::WorkingGroup),
            n(GroupKind::TaskForce),
            n(GroupKind::UnitGroup),
        ]
    }

    /// The groups a person leads, by account.
    pub fn led_by(&self, username: &str) -> Vec<&Group> {
        self.groups
            .iter()
            .filter(|g| g.leader.username.as_deref() == Some(username))
            .collect()
    }
}
