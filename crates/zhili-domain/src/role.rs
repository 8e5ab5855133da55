//! The roles a user can hold; what each may do is decided here, not in handlers.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    DistrictCommander,
    DistrictOperator,
    TownOperator,
    VillageOperator,
    GridWorker,
    /// 网格长: leads one or more grids (often the village's party-branch head as well); sees
    /// the grids they lead.
    GridLeader,
    DepartmentHandler,
    Leader,
    /// The pilot office (试点办, in the 政法委): runs the pilot's plan and assessment.
    PilotOffice,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::Admin,
        Role::DistrictCommander,
        Role::DistrictOperator,
        Role::TownOperator,
        Role::VillageOperator,
        Role::GridWorker,
        Role::GridLeader,
        Role::DepartmentHandler,
        Role::Leader,
        Role::PilotOffice,
    ];

    /// The roles that work the grids and the centres: they visit key people and record
    /// situations (not administrators, departments or leaders).
    pub fn works_the_grids(self) -> bool {
        matches!(
            self,
            Role::DistrictCommander
                | Role::DistrictOperator
                | Role::TownOperator
                | Role::VillageOperator
                | Role::GridWorker
                | Role::GridLeader
        )
    }

    /// The staff on the grids: grid workers and grid leaders, who work where they are posted
    /// (and where they cover) rather than over a whole region.
    pub fn on_the_grids(self) -> bool {
        matches!(self, Role::GridWorker | Role::GridLeader)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::DistrictCommander => "district_commander",
            Role::DistrictOperator => "district_operator",
            Role::TownOperator => "town_operator",
            Role::VillageOperator => "village_operator",
            Role::GridWorker => "grid_worker",
            Role::GridLeader => "grid_leader",
            Role::DepartmentHandler => "department_handler",
            Role::Leader => "leader",
            Role::PilotOffice => "pilot_office",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::DistrictCommander => "区综治中心指挥长",
            Role::DistrictOperator => "区综治中心受理员",
            Role::TownOperator => "镇街综治中心受理员",
            Role::VillageOperator => "村社综治站受理员",
            Role::GridWorker => "网格员",
            Role::GridLeader => "网格长",
            Role::DepartmentHandler => "部门处置员",
            Role::Leader => "领导",
            Role::PilotOffice => "试点办（区委政法委）",
        }
    }

    /// The region level a user of this role is anchored at.
    pub fn anchor_level(self) -> crate::Level {
        use crate::Level;
        match self {
            Role::Admin
            | Role::DistrictCommander
            | Role::DistrictOperator
            | Role::DepartmentHandler
            | Role::Leader
            | Role::PilotOffice => Level::District,
            Role::TownOperator => Level::Town,
            Role::VillageOperator | Role::GridLeader => Level::Village,
            Role::GridWorker => Level::Grid,
        }
    }

    /// Only administrators change reference data, boundaries and accounts.
    pub fn administers(self) -> bool {
        self == Role::Admin
    }

    /// Leaders look; they never act on events, cases or registers. The pilot office runs the
    /// pilot's plan and assessment and only reads the rest.
    pub fn read_only(self) -> bool {
        matches!(self, Role::Leader | Role::PilotOffice)
    }

    /// Who uploads photos: everyone but the leaders — the pilot office, read-only on events,
    /// keeps evidence for its reviews and inspections.
    pub fn uploads_photos(self) -> bool {
        self != Role::Leader
    }
}
