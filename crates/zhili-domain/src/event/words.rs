//! The loop's vocabulary: an event's status, the channel it came in by, its 三事分流 class.

use super::Step;

/// Whose move it is on a case (see `Status::turn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Turn {
    /// The centre or station that owns the case.
    Owner,
    /// The unit it is dispatched to.
    Lead,
    /// The grid worker of its grid.
    GridWorker,
    Nobody,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Reported,
    Registered,
    Dispatched,
    Accepted,
    Handled,
    Verified,
    Closed,
    Evaluated,
    Rejected,
    Merged,
    Deferred,
}

impl Status {
    /// How officials name the status (as the web app does).
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Reported => "待受理",
            Status::Registered => "已受理",
            Status::Dispatched => "已派遣",
            Status::Accepted => "处置中",
            Status::Handled => "已处置",
            Status::Verified => "已核查",
            Status::Closed => "已结案",
            Status::Evaluated => "已评价",
            Status::Rejected => "不予受理",
            Status::Merged => "已合并",
            Status::Deferred => "挂账",
        }
    }

    pub const ALL: [Status; 11] = [
        Status::Reported,
        Status::Registered,
        Status::Dispatched,
        Status::Accepted,
        Status::Handled,
        Status::Verified,
        Status::Closed,
        Status::Evaluated,
        Status::Rejected,
        Status::Merged,
        Status::Deferred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Registered => "registered",
            Status::Dispatched => "dispatched",
            Status::Accepted => "accepted",
            Status::Handled => "handled",
            Status::Verified => "verified",
            Status::Closed => "closed",
            Status::Evaluated => "evaluated",
            Status::Rejected => "rejected",
            Status::Merged => "merged",
            Status::Deferred => "deferred",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Still being worked on (not finished, rejected or merged).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Closed | Status::Evaluated | Status::Rejected | Status::Merged
        )
    }

    /// Who the case waits for in this state: its owner registers, dispatches, closes and
    /// resumes it; its lead unit takes it up and handles it; the grid worker of its grid
    /// verifies the handling on site. Nobody once it is closed (a rating is not a step).
    pub fn turn(self) -> Turn {
        match self {
            Status::Reported | Status::Registered | Status::Verified | Status::Deferred => {
                Turn::Owner
            }
            Status::Dispatched | Status::Accepted => Turn::Lead,
            Status::Handled => Turn::GridWorker,
            Status::Closed | Status::Evaluated | Status::Rejected | Status::Merged => Turn::Nobody,
        }
    }

    /// The states in which the case waits for `turn`.
    pub fn waiting_for(turn: Turn) -> impl Iterator<Item = Status> {
        Status::ALL.into_iter().filter(move |s| s.turn() == turn)
    }

    /// The step whose clock runs while the case is in this state.
    pub fn running_step(self) -> Option<Step> {
        match self {
            Status::Reported => Some(Step::Register),
            Status::Registered => Some(Step::Dispatch),
            Status::Dispatched => Some(Step::TakeUp),
            Status::Accepted => Some(Step::Handle),
            Status::Handled => Some(Step::Verify),
            Status::Verified => Some(Step::Close),
            _ => None,
        }
    }
}

/// Where a report came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    GridPatrol,
    Resident,
    Hotline,
    VideoAlert,
    Department,
    WalkIn,
    /// A task an assessment meeting decided (研判交办): filed by the meeting, never reported.
    Assessment,
}

impl Channel {
    /// How officials name the channel (as the web app does).
    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::GridPatrol => "网格巡查",
            Channel::Resident => "群众上报",
            Channel::Hotline => "12345热线",
            Channel::VideoAlert => "视频预警",
            Channel::Department => "部门移交",
            Channel::WalkIn => "来访",
            Channel::Assessment => "研判交办",
        }
    }

    pub const ALL: [Channel; 7] = [
        Channel::GridPatrol,
        Channel::Resident,
        Channel::Hotline,
        Channel::VideoAlert,
        Channel::Department,
        Channel::WalkIn,
        Channel::Assessment,
    ];

    /// The channels a report is made through (an assessment's task is filed by its meeting).
    pub const REPORTED: [Channel; 6] = [
        Channel::GridPatrol,
        Channel::Resident,
        Channel::Hotline,
        Channel::VideoAlert,
        Channel::Department,
        Channel::WalkIn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::GridPatrol => "grid_patrol",
            Channel::Resident => "resident",
            Channel::Hotline => "hotline",
            Channel::VideoAlert => "video_alert",
            Channel::Department => "department",
            Channel::WalkIn => "walk_in",
            Channel::Assessment => "assessment",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Hotline calls (群众诉求接待中心), video alerts and department referrals arrive at the
    /// district centre; the rest at the village station of the place.
    pub fn arrives_at_district(self) -> bool {
        matches!(
            self,
            Channel::Hotline | Channel::VideoAlert | Channel::Department | Channel::Assessment
        )
    }
}

/// 三事分流.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatterClass {
    /// 大事: government departments, fast.
    Major,
    /// 小事: the village with its residents.
    Minor,
    /// 私事: the resident, with guidance.
    Private,
}

impl MatterClass {
    pub const ALL: [MatterClass; 3] =
        [MatterClass::Major, MatterClass::Minor, MatterClass::Private];

    pub fn as_str(self) -> &'static str {
        match self {
            MatterClass::Major => "大事",
            MatterClass::Minor => "小事",
            MatterClass::Private => "私事",
        }
    }

    pub fn parse(s: &str) -> Option<MatterClass> {
        MatterClass::ALL.into_iter().find(|c| c.as_str() == s)
    }
}
