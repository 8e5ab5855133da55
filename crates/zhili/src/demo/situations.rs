//! The demo city's situation notes (社情民意): a year of what grid workers hear on their
//! rounds — everyday complaints (一般), dispute and online-opinion clues (内部), and on the
//! repeat petitioners of the key groups, stability notes (敏感) linked to the person.

use super::city::CityPlan;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zhili_domain::calendar::DAY_MS;
use zhili_domain::chain::Actor;
use zhili_domain::person::KeyGroup;
use zhili_domain::situation::{LinkTarget, Sensitivity, SituationKind, Source};
use zhili_store::{NewSituation, PopulationLoad};

/// (kind, sensitivity, source, title, text, tags)
type Template = (
    &'static str,
    Sensitivity,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const TEMPLATES: [Template; 12] = [
    (
        "sentiment",
        Sensitivity::General,
        "resident",
        "居民反映小区路灯不亮",
        "多名居民反映小区主干道路灯损坏已一周，夜间出行不便，希望尽快维修。",
        &["民生诉求"],
    ),
    (
        "sentiment",
        Sensitivity::General,
        "visit",
        "垃圾清运不及时",
        "走访中群众反映垃圾收集点清运不及时，夏季异味明显。",
        &["民生诉求", "环境卫生"],
    ),
    (
        "sentiment",
        Sensitivity::General,
        "meeting",
        "院坝会反映饮水水压不足",
        "院坝会上村民集中反映高处农户用水水压不足，早晚用水高峰断水。",
        &["民生诉求"],
    ),
    (
        "sentiment",
        Sensitivity::General,
        "resident",
        "广场舞噪音扰民",
        "居民反映广场舞音响音量过大、持续到晚上十点以后。",
        &["邻里纠纷"],
    ),
    (
        "dispute_clue",
        Sensitivity::Internal,
        "visit",
        "宅基地界址纠纷苗头",
        "两户村民因宅基地界址发生口角，已初步劝解，需村调委会跟进调解。",
        &["矛盾纠纷", "邻里纠纷"],
    ),
    (
        "dispute_clue",
        Sensitivity::Internal,
        "resident",
        "工地拖欠农民工工资",
        "十余名务工人员反映某工地拖欠三个月工资，情绪较大。",
        &["矛盾纠纷", "劳资纠纷"],
    ),
    (
        "dispute_clue",
        Sensitivity::Internal,
        "visit",
        "婚姻家庭矛盾",
        "走访发现一户家庭矛盾激化，有肢体冲突迹象，已告知妇联和派出所。",
        &["矛盾纠纷", "婚姻家庭"],
    ),
    (
        "safety_hazard",
        Sensitivity::General,
        "visit",
        "楼道电动车充电",
        "巡查发现居民楼道内私拉电线为电动车充电，存在火灾隐患。",
        &["安全隐患"],
    ),
    (
        "safety_hazard",
        Sensitivity::General,
        "visit",
        "自建房墙体开裂",
        "一处自建房外墙出现明显裂缝，住户仍在居住，需住建部门鉴定。",
        &["安全隐患", "危房"],
    ),
    (
        "safety_hazard",
        Sensitivity::Internal,
        "resident",
        "山体滑坡隐患",
        "连续降雨后屋后边坡有落石，群众担心滑坡。",
        &["安全隐患", "地质灾害"],
    ),
    (
        "online_opinion",
        Sensitivity::Internal,
        "online",
        "网络反映学校周边交通拥堵",
        "本地论坛有帖子反映放学时段学校周边交通拥堵，浏览量较高。",
        &["舆情"],
    ),
    (
        "online_opinion",
        Sensitivity::Internal,
        "online",
        "短视频平台反映农贸市场价格",
        "短视频平台有视频反映农贸市场个别摊位缺斤少两，评论较多。",
        &["舆情", "市场监管"],
    ),
];

/// About `per_grid_year` notes per grid over the year before `now`, each by the grid's worker;
/// a stability note for one repeat petitioner in three. People are named by their id, which
/// is their position in `population.people` plus `first_person_id`.
pub fn generate(
    plan: &CityPlan,
    population: &PopulationLoad,
    first_person_id: i64,
    seed: u64,
    now: i64,
) -> Vec<(Actor, NewSituation, i64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x2545_f491);
    let mut out = Vec::new();
    let worker = |grid: &zhili_domain::RegionCode| Actor {
        username: format!("grid-{grid}"),
        unit: grid
            .parent()
            .map(|v| zhili_domain::unit::station_id(&v).to_string()),
    };
    let day_in_year = |rng: &mut ChaCha8Rng| now - rng.gen_range(1..365 * DAY_MS);
    for grid in &plan.grids {
        for _ in 0..rng.gen_range(0..3) {
            let (kind, sensitivity, source, title, text, tags) =
                TEMPLATES[rng.gen_range(0..TEMPLATES.len())];
            out.push((
                worker(&grid.code),
                NewSituation {
                    region_code: grid.code.clone(),
                    kind: SituationKind::from_code(kind).expect("a template's kind"),
                    source: Source::from_code(source).expect("a template's source"),
                    sensitivity,
                    title: title.into(),
                    content: text.into(),
                    tags: tags.iter().map(|t| t.to_string()).collect(),
                    links: Vec::new(),
                },
                day_in_year(&mut rng),
            ));
        }
    }
    for role in &population.roles {
        if role.kind != KeyGroup::RepeatPetitioner || rng.gen_range(0..3) != 0 {
            continue;
        }
        let (person, _) = &population.people[role.person_id as usize];
        out.push((
            worker(&person.grid_code),
            NewSituation {
                region_code: person.grid_code.clone(),
                kind: SituationKind::Stability,
                source: Source::Visit,
                sensitivity: Sensitivity::Sensitive,
                title: format!("重复信访人员{}近期动向", person.name),
                content: format!(
                    "走访获悉{}近期多次表示要就原诉求到区里反映，情绪不稳定，已报告镇综治中心，建议包案领导约谈。",
                    person.name
                ),
                tags: vec!["涉稳".into(), "信访".into()],
                links: vec![(LinkTarget::Person, first_person_id + role.person_id)],
            },
            day_in_year(&mut rng),
        ));
    }
    out.sort_by_key(|(_, _, at)| *at);
    out
}
