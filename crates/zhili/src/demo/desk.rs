//! The demo's reception desk: the month's hotline and walk-in cases that closed are replied to
//! as a desk does — most within two working days, some late, a few not yet (overdue now) —
//! and today's appeals are taken at the desk through its use case, one regular caller among
//! them, with their receipts in the outbox.

use super::account;
use crate::state::AppState;
use crate::usecase::desk as uc;
use rand::{rngs::StdRng, Rng, SeedableRng};
use zhili_domain::desk::{reply_due, Reply, ReplyChannel};
use zhili_domain::event::Channel;
use zhili_domain::{RegionCode, Scope};

/// What the demo's desk came to.
#[derive(Debug, Default)]
pub struct DeskDemo {
    pub replies: usize,
    pub late: usize,
    pub waiting: usize,
    pub appeals: usize,
}

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// (channel, category, what the caller said, the grid or village)
const TODAY: [(Channel, &str, &str, &str); 4] = [
    (
        Channel::Hotline,
        "0602",
        "来电反映：城东街道文汇社区正街路灯连续三晚不亮",
        "500114001001",
    ),
    (
        Channel::WalkIn,
        "0104",
        "来访：在工地务工三个月工资未结清，涉及 12 名工友",
        "500114002001",
    ),
    (
        Channel::Hotline,
        "0702",
        "来电反映：小区垃圾连续多日未清运",
        "500114001002",
    ),
    (
        Channel::Hotline,
        "0102",
        "来电反映：楼上住户深夜噪音扰民，多次沟通无果",
        "500114001001",
    ),
];

pub async fn write(state: &AppState, seed: u64) -> Result<DeskDemo, String> {
    let mut done = DeskDemo::default();
    let mut rng = StdRng::seed_from_u64(seed ^ 0xDE5C);
    let root = state.index().root.clone().ok_or("no district loaded")?;
    let scope = Scope::whole(root);
    let operator = account(state, "district-operator").await?;
    let now = crate::now_ms();
    let calendar = state.reference().calendar.clone();
    let closed = state
        .store
        .closed_desk_cases(&scope, now - 30 * DAY_MS, now)
        .await
        .map_err(|e| e.to_string())?;
    for c in closed.into_iter().filter(|c| c.replied_at.is_none()) {
        let due = reply_due(c.closed_at, &calendar);
        // One in twelve still waits; one in eight was answered late.
        let roll: f64 = rng.gen();
        if roll < 1.0 / 12.0 {
            done.waiting += 1;
            continue;
        }
        let at = if roll < 1.0 / 12.0 + 1.0 / 8.0 {
            done.late += 1;
            due + rng.gen_range(2..48) * HOUR_MS
        } else {
            c.closed_at + rng.gen_range(1..(due - c.closed_at).max(2 * HOUR_MS) / HOUR_MS) * HOUR_MS
        };
        if at > now {
            done.waiting += 1;
            continue;
        }
        let reached = rng.gen_bool(0.9);
        let reply = Reply {
            channel: if reached {
                ReplyChannel::Phone
            } else {
                ReplyChannel::Sms
            },
            reached: true,
            said: if reached {
                "已电话告知办理结果，来电人表示知晓".into()
            } else {
                "电话两次未接通，已短信告知办理结果".into()
            },
            satisfaction: None,
        };
        state
            .store
            .record_reply(&operator.actor(), c.id, &reply, due, at)
            .await
            .map_err(|e| e.to_string())?;
        done.replies += 1;
    }
    for (i, (channel, category, said, place)) in TODAY.into_iter().enumerate() {
        // The first and the last are the same regular caller, who has called before.
        let phone = if i == 0 || i == 3 {
            "13800000007".to_string()
        } else {
            format!("1370000{:04}", 100 + i)
        };
        uc::take_appeal(
            state,
            &operator,
            uc::Appeal {
                phone,
                name: Some(["刘先生", "向女士", "冉先生", "刘先生"][i].into()),
                channel,
                category: category.into(),
                description: said.into(),
                place: RegionCode::parse(place).ok(),
                position: None,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        done.appeals += 1;
    }
    Ok(done)
}
