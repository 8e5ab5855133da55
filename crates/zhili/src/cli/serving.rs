//! `zhili serve`: the API on an existing database.

use super::*;

pub(super) async fn serve(
    db: &Db,
    policy: &Policy,
    bind: &str,
    backups: &super::backups::ScheduleArgs,
) -> ExitCode {
    let schedule = match backups.schedule(db) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let store = match open(db).await {
        Ok(s) => Arc::new(s),
        Err(e) => return fail(e),
    };
    if let Some(schedule) = schedule {
        let key = match zhili::crypto::DataKey::load_or_create(&db.key_file()) {
            Ok(k) => k,
            Err(e) => return fail(e),
        };
        tracing::info!(
            dir = %schedule.under.display(),
            hours = schedule.every.as_secs() / 3600,
            keep = schedule.keep,
            "scheduled backups"
        );
        zhili::backup::spawn_schedule(store.clone(), key, schedule);
    }
    serve_store(store, policy, bind, &db.key_file(), false).await
}

pub(super) async fn serve_store(
    store: Arc<dyn Store>,
    policy: &Policy,
    bind: &str,
    key_file: &std::path::Path,
    demo: bool,
) -> ExitCode {
    // Checked before anything else starts: a wrong file is said at once.
    let tls = match (&policy.tls_cert, &policy.tls_key) {
        (Some(cert), Some(key)) => match http::tls::server_config(cert, key) {
            Ok(c) => Some(c),
            Err(e) => return fail(e),
        },
        _ => None,
    };
    let basemap = match policy.basemap().await {
        Ok(b) => b,
        Err(e) => return fail(format!("basemap: {e}")),
    };
    let key = match zhili::crypto::DataKey::load_or_create(key_file) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let state = match AppState::new(store, policy.login_policy(), key).await {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot load regions: {e}")),
    };
    state.set_basemap(basemap);
    if let Some(url) = policy.read_database.as_deref().filter(|u| !u.is_empty()) {
        match zhili_store::SqlStore::open_read_only(url).await {
            Ok(reads) => {
                tracing::info!("reads that tolerate lag go to the read database");
                state.set_lagging_reads(Arc::new(reads));
            }
            Err(e) => return fail(format!("--read-database: {e}")),
        }
    }
    state.rate_limits.set(policy.rate_limits);
    state.lookup_budget.store(
        policy.lookup_budget.max(0),
        std::sync::atomic::Ordering::Relaxed,
    );
    *state
        .trusted_proxies
        .write()
        .unwrap_or_else(|e| e.into_inner()) = policy.trusted_proxies.clone();
    // `zhili demo` completes its city before it listens; `zhili serve` serves what it finds.
    if demo {
        if let Err(e) = demo_risk(&state).await {
            return fail(format!("the demo's risk work: {e}"));
        }
        if let Err(e) = demo_pilot(&state).await {
            return fail(format!("the demo's pilot plan: {e}"));
        }
        if let Err(e) = demo_residents(&state).await {
            return fail(format!("the demo's residents: {e}"));
        }
        if let Err(e) = demo_desk(&state).await {
            return fail(format!("the demo's reception desk: {e}"));
        }
        if let Err(e) = demo_surveys(&state).await {
            return fail(format!("the demo's surveys: {e}"));
        }
        if let Err(e) = demo_points(&state).await {
            return fail(format!("the demo's residents' points: {e}"));
        }
        if let Err(e) = demo_deliberations(&state).await {
            return fail(format!("the demo's deliberation meetings: {e}"));
        }
        if let Err(e) = demo_wule(&state).await {
            return fail(format!("the demo's 五乐 evaluations: {e}"));
        }
        if let Err(e) = demo_staffing(&state).await {
            return fail(format!("the demo's grid staffing: {e}"));
        }
        if let Err(e) = demo_patrols(&state).await {
            return fail(format!("the demo's joint-defence patrols: {e}"));
        }
        if let Err(e) = demo_systems(&state).await {
            return fail(format!("the demo's departments' systems: {e}"));
        }
    }
    let listener = match tokio::net::TcpListener::bind(bind).await {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {bind}: {e}")),
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| bind.to_string());
    let index = state.index();
    println!(
        "zhili serving on {}://{addr}/  ({} grids in the locate index)",
        if tls.is_some() { "https" } else { "http" },
        index.grids.len()
    );
    let served = match tls {
        Some(config) => http::serve_tls(state, listener, config).await,
        None => http::serve(state, listener).await,
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("server stopped: {e}")),
    }
}

/// A part of the demo city built through the running system's use cases (the risk work, the
/// pilot plan), so built when `zhili demo` first serves — once: the database remembers it under
/// `key`. `build` takes the demo's seed and says what it made.
async fn demo_once<F, Fut>(state: &AppState, key: &str, build: F) -> std::result::Result<(), String>
where
    F: FnOnce(u64) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<String, String>>,
{
    let store = &state.store;
    let Some(seed) = store.meta("demo_seed").await.map_err(|e| e.to_string())? else {
        return Ok(());
    };
    if store.meta(key).await.map_err(|e| e.to_string())?.is_some() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let said = build(seed.parse().unwrap_or(0)).await?;
    store
        .set_meta(key, &zhili_domain::time::rfc3339(zhili::now_ms()))
        .await
        .map_err(|e| e.to_string())?;
    println!("{said}, in {:.1} s.", started.elapsed().as_secs_f64());
    Ok(())
}

async fn demo_risk(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_risk_built", |seed| async move {
        let done = zhili::demo::risk::write(state, seed).await?;
        Ok(format!(
            "Risk: {} reports spiking today, {} alerts raised, {} risks registered, {} meetings with {} decisions",
            done.spike_reports, done.alerts_raised, done.risks, done.meetings, done.decisions
        ))
    })
    .await
}

async fn demo_pilot(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_pilot_built", |seed| async move {
        let done = zhili::demo::pilot::write(state, seed).await?;
        Ok(format!(
            "Pilot: {} groups, {} tasks, {} targets, an inspection with {} findings, {} work meetings, {} progress reports, {} late, {} reviewers' entries, {} monthly reports, checklist {} self-assessed and {} reviewed, {} demonstration sites ({} named), {} projects (key ¥{} M)",
            done.groups, done.tasks, done.targets, done.findings, done.meetings, done.reports, done.late, done.reviews, done.monthly, done.checklist.0, done.checklist.1, done.ledger.sites, done.ledger.named, done.ledger.projects, done.ledger.key_budget_yuan / 1_000_000
        ))
    })
    .await
}

async fn demo_residents(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_residents_built", |_| async move {
        let done = zhili::demo::residents::write(state).await?;
        Ok(format!(
            "Residents: {} accounts (signed up by code, linked), {} reports, {} rated by their residents, {} public notices",
            done.residents, done.reports, done.rated, done.notices
        ))
    })
    .await
}

async fn demo_desk(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_desk_built", |seed| async move {
        let done = zhili::demo::desk::write(state, seed).await?;
        Ok(format!(
            "Desk: {} replies to the month's callers ({} late), {} waiting, {} appeals taken today",
            done.replies, done.late, done.waiting, done.appeals
        ))
    })
    .await
}

async fn demo_surveys(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_surveys_built", |seed| async move {
        let done = zhili::demo::surveys::write(state, seed).await?;
        Ok(format!(
            "Surveys: the year's safety round published with {} answers ({} at the door, {} by telephone, {} online), the quarter's satisfaction round open with {}",
            done.published.iter().sum::<usize>(), done.published[1], done.published[2], done.published[0], done.open_answers
        ))
    })
    .await
}

async fn demo_points(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_points_built", |seed| async move {
        let done = zhili::demo::points::write(state, seed).await?;
        Ok(format!(
            "Points: {} villages, {} entries ({} credited, {} rejected, {} appealed), {} redemptions, {} expiries, {} monthly lists posted",
            done.villages, done.entries, done.credited, done.rejected, done.appealed, done.redeemed, done.expired, done.posted
        ))
    })
    .await
}

async fn demo_deliberations(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_deliberations_built", |seed| async move {
        let done = zhili::demo::deliberations::write(state, seed).await?;
        Ok(format!(
            "Deliberation: {} meetings with {} decisions, {} 小事 settled by this week's councils",
            done.meetings, done.decisions, done.settled
        ))
    })
    .await
}

async fn demo_wule(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_wule_built", |seed| async move {
        let done = zhili::demo::wule::write(state, seed).await?;
        Ok(format!(
            "五乐: {} evaluations submitted over two years, {} reviewed by their towns, {} drafting or with the town",
            done.evaluated, done.reviewed, done.waiting
        ))
    })
    .await
}

async fn demo_staffing(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_staffing_built", |_| async move {
        let done = zhili::demo::staffing::write(state).await?;
        Ok(format!(
            "staffing: {} postings, {} grid leaders, {} covers arranged",
            done.postings, done.leaders, done.covers
        ))
    })
    .await
}

async fn demo_systems(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_systems_built", |seed| async move {
        let done = zhili::demo::systems::write(state, seed).await?;
        Ok(format!(
            "Systems: {} API keys issued; {} requests filed by the 12345 platform through Open311, {} dispatched; {} video alerts raised ({} repeat answered with its event)",
            done.keys, done.requests, done.dispatched, done.video_alerts, done.repeats
        ))
    })
    .await
}

async fn demo_patrols(state: &AppState) -> std::result::Result<(), String> {
    demo_once(state, "demo_patrols_built", |seed| async move {
        let done = zhili::demo::patrols::write(state, seed).await?;
        Ok(format!(
            "Joint defence: {} compounds, {} shifts, {} check-ins ({} doubtful), {} checkpoints missed",
            done.compounds, done.shifts, done.check_ins, done.flagged, done.missed
        ))
    })
    .await
}
