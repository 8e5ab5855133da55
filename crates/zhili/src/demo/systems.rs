//! The departments' systems in the demo city: keys the administrator issued for the 12345
//! hotline platform, the city-management system and the video platform, and today's requests
//! the hotline platform filed through Open311 — the same use case its requests take in
//! production — a few of them already registered and dispatched by the district centre; and
//! this morning's alerts the video platform posted from its cameras, one of them repeated.

use super::account;
use crate::state::AppState;
use crate::usecase::act::{self, Act, Step};
use crate::usecase::video_alerts::{self, VideoAlert};
use crate::usecase::{api_keys, open311};
use rand::{rngs::StdRng, Rng, SeedableRng};
use zhili_domain::event::Command;

/// What the demo's systems came to.
#[derive(Debug, Default)]
pub struct SystemsDemo {
    pub keys: usize,
    pub requests: usize,
    pub dispatched: usize,
    pub video_alerts: usize,
    pub repeats: usize,
}

/// The snapshot the demo's cameras send (a real JPEG, judged as every photo is).
const SNAPSHOT: &[u8] = include_bytes!("../../../zhili-domain/src/image/photo.jpg");

/// (camera number, alert type, what the platform adds)
const ALERTS: [(u32, &str, &str); 4] = [
    (1, "fire_lane_blocked", "通道内停放车辆 2 辆"),
    (2, "street_vending", "早市摊点 5 处占用人行道"),
    (3, "garbage_pile", "垃圾堆积约 3 平方米"),
    (1, "fire_lane_blocked", "通道内仍停放车辆"),
];

/// (unit, system, channels, reads)
const SYSTEMS: [(&str, &str, &[&str], &[&str]); 3] = [
    (
        "C500114",
        "12345 政务服务便民热线平台",
        &["hotline"],
        &["own_events", "feed"],
    ),
    ("D09", "数字城管系统", &["department"], &["own_events"]),
    ("D01", "雪亮工程视频平台", &["video_alert"], &["own_events"]),
];

/// (service code, what the caller said, address)
const CALLS: [(&str, &str, &str); 10] = [
    (
        "0602",
        "来电反映：路灯连续两晚不亮，夜间行人看不清路",
        "滨江路口",
    ),
    (
        "0601",
        "来电反映：人行道井盖缺失，已有行人险些踩空",
        "学府路中段",
    ),
    ("0701", "来电反映：早市摊贩占用人行道和盲道", "农贸市场东门"),
    (
        "0503",
        "来电反映：工地夜间施工噪声扰民，已持续一周",
        "新华大道工地",
    ),
    (
        "0105",
        "来电反映：小区物业停止清运垃圾，业主与物业争执",
        "锦绣花园",
    ),
    ("0603", "来电反映：道路塌陷一处，车辆绕行", "乡道入场口"),
    ("0401", "来电反映：楼道堆放杂物堵塞消防通道", "3 栋 2 单元"),
    ("0604", "来电反映：供水管道漏水，路面积水", "老街菜场旁"),
    (
        "0104",
        "来电反映：装修工程款拖欠，6 名工人工资未结",
        "城南装修工地",
    ),
    (
        "0802",
        "来电反映：独居老人无人照料，请求上门服务",
        "村委会附近",
    ),
];

pub async fn write(state: &AppState, seed: u64) -> Result<SystemsDemo, String> {
    let mut done = SystemsDemo::default();
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5157);
    let err = |e: crate::usecase::Error| e.to_string();
    let admin = account(state, "admin").await?;
    let now = crate::now_ms();
    let mut issued = Vec::new();
    for (unit, name, channels, reads) in SYSTEMS {
        let (record, _shown_once) = api_keys::issue(
            state,
            &admin,
            api_keys::NewKey {
                unit_id: unit.into(),
                name: name.into(),
                channels: channels.iter().map(|c| c.to_string()).collect(),
                reads: reads.iter().map(|r| r.to_string()).collect(),
                area_code: None,
                expires_at: now + 365 * 86_400_000,
            },
        )
        .await
        .map_err(err)?;
        done.keys += 1;
        issued.push(record);
    }
    let [hotline, _city, video] = <[_; 3]>::try_from(issued).map_err(|_| "three keys")?;
    let operator = account(state, "district-operator").await?;
    let grids: Vec<(f64, f64)> = state.index().grids.iter().map(|g| g.anchor).collect();
    if grids.is_empty() {
        return Err("no grids loaded".into());
    }
    for (i, (code, said, address)) in CALLS.into_iter().enumerate() {
        let (lon, lat) = grids[rng.gen_range(0..grids.len())];
        let phone = format!("1390000{:04}", 2000 + i);
        let form: Vec<(String, String)> = [
            ("service_code", code),
            ("lat", &lat.to_string()),
            ("long", &lon.to_string()),
            ("description", said),
            ("address_string", address),
            ("phone", &phone),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let e = open311::create(state, &hotline, &form).await.map_err(err)?;
        done.requests += 1;
        // The centre has already taken up the morning's first calls.
        if i < 4 {
            let mut e = e;
            for step in [
                Step::Do(Command::Register {
                    class: None,
                    reason: None,
                }),
                Step::Dispatch {
                    lead: None,
                    assisting: None,
                },
            ] {
                e = act::act(
                    state,
                    &operator,
                    Act {
                        event: e.id,
                        version: Some(e.version),
                        step,
                        opinion: None,
                        photos: vec![],
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
            }
            done.dispatched += 1;
        }
    }
    let district = state.index().root.clone().ok_or("no district loaded")?;
    for (camera, alert_type, said) in ALERTS {
        let raised = video_alerts::raise(
            state,
            &video,
            VideoAlert {
                camera_code: format!("XL{district}{camera:06}"),
                alert_type: alert_type.into(),
                occurred_at: Some(now - 5 * 60_000),
                snapshot: SNAPSHOT.to_vec(),
                description: Some(said.into()),
            },
        )
        .await
        .map_err(err)?;
        if raised.repeat {
            done.repeats += 1;
        } else {
            done.video_alerts += 1;
        }
    }
    Ok(done)
}
