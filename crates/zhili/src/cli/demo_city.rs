//! `zhili demo`: build the Qianjiang demo city (unless the database holds it), then serve it.

use super::*;
use zhili::crypto::DataKey;
use zhili::demo::city::CityPlan;

pub(super) async fn run_demo(db: &Db, policy: &Policy, demo_args: DemoArgs) -> ExitCode {
    if demo_args.fresh {
        if let Err(e) = zhili_store::destroy(&db.url()).await {
            return fail(format!("cannot clear the database: {e}"));
        }
    }
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let built = store.meta("demo_seed").await.ok().flatten();
    if let Some(existing_seed) = built {
        println!("Serving the existing demo city (seed {existing_seed}); its accounts keep the password they were built with. Use --fresh to rebuild.");
    } else {
        match store.count_users().await {
            Ok(0) => {}
            Ok(_) => return fail("this database holds data that is not the demo city; use --fresh to replace it, or another --db"),
            Err(e) => return fail(e),
        }
        if let Err(e) = build(&store, db, &demo_args).await {
            return fail(e);
        }
    }
    if demo_args.no_serve {
        return ExitCode::SUCCESS;
    }
    serve_store(
        Arc::new(store),
        policy,
        &format!("127.0.0.1:{}", demo_args.port),
        &db.key_file(),
        true,
    )
    .await
}

/// Builds the whole city into an empty database: boundaries, units and accounts; a year of
/// events; residents, components, cameras, organisations and situation notes.
async fn build(
    store: &zhili_store::SqlStore,
    db: &Db,
    args: &DemoArgs,
) -> std::result::Result<(), String> {
    let started = std::time::Instant::now();
    let (password, generated) = match &args.password {
        Some(p) => (p.clone(), false),
        None => (auth::generate_password(), true),
    };
    user::validate_password(&password).map_err(|e| format!("demo password: {}", e.message))?;
    let bar = ProgressBar::new(100);
    bar.set_style(
        ProgressStyle::with_template("{msg:24} [{bar:40}] {pos:>3}% {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    // The same key seals the staff's and the history's phones, the population's identifiers
    // and the organisations' phones.
    let key = DataKey::load_or_create(&db.key_file())?;
    let (plan, load) = write_city(store, &bar, &password, &key, args.seed).await?;
    let (plan, stats) = write_history(store, &bar, plan, &key, args).await?;
    bar.set_message("registering people");
    let seed = args.seed;
    let population_params = demo::population::PopulationParams {
        seed,
        now: now_ms(),
        people: args.people,
    };
    let people_key = key.clone();
    let (plan, population) = tokio::task::spawn_blocking(move || {
        let load = demo::population::generate(&plan, &people_key, &population_params);
        (plan, load)
    })
    .await
    .map_err(|e| format!("population generation failed: {e}"))?;
    let system = Actor::system();
    store
        .load_population(&system, &population, now_ms())
        .await
        .map_err(|e| format!("could not write the demo population: {e}"))?;
    let things = demo::things::generate(&plan, seed, now_ms());
    store
        .create_things(&system, &things, now_ms())
        .await
        .map_err(|e| format!("could not write the demo components and cameras: {e}"))?;
    let orgs = demo::things::orgs(&plan, &key, seed);
    store
        .create_orgs(&system, &orgs, now_ms())
        .await
        .map_err(|e| format!("could not write the demo organisations: {e}"))?;
    // The demo writes into an empty database: people are numbered from 1 in order.
    let notes = demo::situations::generate(&plan, &population, 1, seed, now_ms());
    store
        .create_situations(&notes)
        .await
        .map_err(|e| format!("could not write the demo situations: {e}"))?;
    bar.set_message("mediating a year of disputes");
    let mediation = demo::mediation::write(store, &plan, &key, seed, now_ms())
        .await
        .map_err(|e| format!("could not write the demo mediation: {e}"))?;
    bar.set_position(100);
    bar.finish_with_message("demo city ready");
    println!(
        "Built 黔江区: {} towns, {} villages, {} grids, {} units, {} accounts, {} events with {} recorded steps, in {:.1} s.",
        plan.towns.len(),
        plan.villages.len(),
        plan.grids.len(),
        load.units.len(),
        load.users.len(),
        stats.events,
        stats.changes,
        started.elapsed().as_secs_f64()
    );
    println!(
        "People: {} in {} houses; {} in key groups, {} visits recorded.",
        population.people.len(),
        population.houses.len(),
        population.roles.len(),
        population.visits.len()
    );
    let cameras = things
        .iter()
        .filter(|t| t.kind == zhili_domain::thing::ThingKind::Camera)
        .count();
    println!(
        "Things: {} city components, {} cameras; {} organisations and sites; {} situation notes.",
        things.len() - cameras,
        cameras,
        orgs.len(),
        notes.len()
    );
    println!(
        "Mediation: {} committees, {} rooms ({} star-rated), {} mediators, {} cases, {} signed agreements.",
        mediation.committees,
        mediation.rooms,
        mediation.rated,
        mediation.mediators,
        mediation.cases,
        mediation.documents
    );
    if stats.refused > 0 {
        tracing::warn!(
            refused = stats.refused,
            "the history generator proposed actions the state machine refused"
        );
    }
    println!("Accounts: admin, district (commander), district-operator, leader, pilot (试点办), town-<9-digit code>, village-<12-digit code>, grid-<15-digit code>, dept-D01 … dept-D26");
    println!("  e.g. town-500114001, village-500114001001, grid-500114001001001");
    if generated {
        println!("Password of every demo account (shown once): {password}");
    } else {
        println!("Password of every demo account: the one you gave.");
    }
    Ok(())
}

/// Synthesizes the boundaries (while the password is hashed) and writes them with the units
/// and the accounts.
async fn write_city(
    store: &zhili_store::SqlStore,
    bar: &ProgressBar,
    password: &str,
    key: &DataKey,
    seed: u64,
) -> std::result::Result<(CityPlan, zhili_store::CityLoad), String> {
    bar.set_message("synthesizing boundaries");
    let hash_task = tokio::task::spawn_blocking({
        let password = password.to_string();
        move || auth::hash_password(&password)
    });
    let plan_bar = bar.clone();
    let plan = tokio::task::spawn_blocking(move || {
        demo::city::synthesize(seed, &mut |done, total| {
            plan_bar.set_position(done * 20 / total.max(1))
        })
    })
    .await
    .map_err(|e| format!("boundary synthesis failed: {e}"))?;
    let hash = match hash_task.await {
        Ok(Ok(h)) => h,
        _ => return Err("could not hash the demo password".into()),
    };
    bar.set_message("writing the city");
    bar.set_position(25);
    let load = demo::city_load(&plan, &hash, key, seed, now_ms());
    store
        .load_city(&Actor::system(), &load, now_ms())
        .await
        .map_err(|e| format!("could not write the demo city: {e}"))?;
    Ok((plan, load))
}

/// A year of events, walked through the state machine by the demo accounts: generated on a
/// blocking thread and written as it comes, a chunk per transaction, so a long history never
/// sits in memory whole.
async fn write_history(
    store: &zhili_store::SqlStore,
    bar: &ProgressBar,
    plan: CityPlan,
    key: &DataKey,
    args: &DemoArgs,
) -> std::result::Result<(CityPlan, demo::history::HistoryStats), String> {
    store
        .seed_reference(&Actor::system(), &zhili::reference::defaults(), now_ms())
        .await
        .map_err(|e| format!("could not store the reference data: {e}"))?;
    let reference = store
        .reference()
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| zhili::reference::Reference::from_data(&r))
        .map_err(|e| format!("could not read the reference data: {e}"))?;
    bar.set_message("living through a year");
    let history_bar = bar.clone();
    let params = demo::history::HistoryParams {
        events: args.events,
        days: 365,
        now: now_ms(),
        seed: args.seed,
    };
    let key = key.clone();
    let (chunks, mut arriving) = tokio::sync::mpsc::channel(2);
    let generator = tokio::task::spawn_blocking(move || {
        let stats = demo::history::generate_in_chunks(
            &plan,
            &reference,
            &key,
            &params,
            HISTORY_CHUNK,
            &mut |chunk| chunks.blocking_send(chunk).is_ok(),
            &mut |done, total| history_bar.set_position(30 + done * 70 / total.max(1)),
        );
        (plan, reference, key, stats)
    });
    let written = |e: zhili_store::StoreError| format!("could not write the demo history: {e}");
    let mut load = store.begin_history_load().await.map_err(written)?;
    while let Some(chunk) = arriving.recv().await {
        load.load(chunk).await.map_err(written)?;
    }
    let (plan, reference, key, stats) = generator
        .await
        .map_err(|e| format!("history generation failed: {e}"))?;
    // One town's rush before the latest quarter's end, for the assessment's reviewers to find:
    // large enough to stand out of that town's own year.
    let rush = (args.events / 50).max(150);
    if let Some((town, items)) =
        demo::history::quarter_end_rush(&plan, &reference, &key, rush, now_ms(), args.seed)
    {
        let rushed = items.len();
        load.load(items).await.map_err(written)?;
        bar.println(format!(
            "{town} rushed {rushed} cases through before the quarter ended"
        ));
    }
    bar.set_message("indexing the year");
    load.finish().await.map_err(written)?;
    Ok((plan, stats))
}
