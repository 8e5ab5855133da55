//! The reviewers' share of the demo's assessment: the pilot office's signed entries for every
//! town and department — the reviewer-scored item (制度机制建设), and the figures the record does
//! not count (the towns' 群众安全感 from the year's survey, innovation projects, major incidents,
//! the change in the city's ranking) — so each sheet is whole and traced. One town had a major
//! incident, so the one-vote veto shows.

use crate::state::AppState;
use crate::usecase::assess::reviews::{self as uc, Review};
use rand::{rngs::StdRng, Rng, SeedableRng};
use zhili_domain::assess::review::Reviewed;
use zhili_domain::assess::{Figure, UnitGroup};
use zhili_domain::user::User;

const BASES: [&str; 4] = [
    "查阅制度汇编、工作专班会议纪要及创新做法材料",
    "查阅年度工作台账，实地抽查两个村（社区）",
    "查阅机制建设文件，听取专班汇报",
    "查阅制度文件及落实情况记录，部分制度未见执行记录",
];

/// The entries, one each per unit and subject; the number written (none when the year has no
/// scheme).
pub async fn write(
    state: &AppState,
    pilot: &User,
    year: i32,
    towns: &[String],
    departments: usize,
    seed: u64,
) -> Result<usize, String> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x4e71);
    let mut written = 0;
    for group in UnitGroup::ALL {
        if crate::usecase::assess::scheme(state, year, group)
            .await
            .is_err()
        {
            continue;
        }
        let units: Vec<String> = match group {
            UnitGroup::Towns => towns.to_vec(),
            UnitGroup::Departments => (1..=departments).map(|d| format!("D{d:02}")).collect(),
        };
        for (i, unit) in units.iter().enumerate() {
            let mut entries = vec![
                (
                    Reviewed::Item("M1".into()),
                    rng.gen_range(12..=20) as f64 / 2.0,
                    BASES[rng.gen_range(0..BASES.len())].to_string(),
                ),
                (
                    Reviewed::Figure(Figure::Innovations),
                    rng.gen_range(0..=4) as f64,
                    format!("{year} 年度创新项目评审结果（试点办）"),
                ),
                (
                    Reviewed::Figure(Figure::MajorIncidents),
                    // One town had a major incident this year.
                    if group == UnitGroup::Towns && i == 17 {
                        1.0
                    } else {
                        0.0
                    },
                    "区委政法委重大案事件通报".to_string(),
                ),
                (
                    Reviewed::Figure(Figure::RankChange),
                    rng.gen_range(-3..=3) as f64,
                    format!("市委政法委 {year} 年度平安建设考核排名通报"),
                ),
            ];
            if group == UnitGroup::Towns {
                entries.push((
                    Reviewed::Figure(Figure::SecuritySense),
                    rng.gen_range(930..=995) as f64 / 10.0,
                    format!("{year} 年度群众安全感满意度测评（第三方调查机构）"),
                ));
            }
            for (reviewed, value, basis) in entries {
                uc::review(
                    state,
                    pilot,
                    Review {
                        year,
                        group,
                        unit: unit.clone(),
                        reviewed,
                        value,
                        basis,
                        photos: Vec::new(),
                    },
                )
                .await
                .map_err(|e| format!("the review of {unit}: {e}"))?;
                written += 1;
            }
        }
    }
    Ok(written)
}
