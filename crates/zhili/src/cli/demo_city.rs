//! `zhili demo`: build the Qianjiang demo city (unless the database holds it), then serve it.

use super::*;

pub(super) async fn run_demo(db: &Db, policy: &Policy, demo_args: DemoArgs) -> ExitCode {
    let DemoArgs {
        port,
        password,
        seed,
        fresh,
        no_serve,
        events,
        people,
    } = demo_args;
    let url = db.url();
    if fresh {
        if let Err(e) = zhili_store::destroy(&url).await {
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
        let started = std::time::Instant::now();
        let (password, generated) = match password {
            Some(p) => (p, false),
            None => (auth::generate_password(), true),
        };
        if let Err(e) = user::validate_password(&password) {
            return fail(format!("demo password: {}", e.message));
        }
        let bar = ProgressBar::new(100);
        bar.set_style(
            ProgressStyle::with_template("{msg:24} [{bar:40}] {pos:>3}% {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message("synthesizing boundaries");
        let hash_task = tokio::task::spawn_blocking({
            let password = password.clone();
            move || auth::hash_password(&password)
        });
        let plan_bar = bar.clone();
        let plan = tokio::task::spawn_blocking(move || {
            demo::city::synthesize(seed, &mut |done, total| {
                plan_bar.set_position(done * 20 / total.max(1))
            })
        })
        .await;
        let plan = match plan {
            Ok(p) => p,
            Err(e) => return fail(format!("boundary synthesis failed: {e}")),
        };
        let hash = match hash_task.await {
            Ok(Ok(h)) => h,
            _ => return fail("could not hash the demo password"),
        };
        bar.set_message("writing the city");
        bar.set_position(25);
        let load = demo::city_load(&plan, &hash, seed, now_ms());
        if let Err(e) = store.load_city(&Actor::system(), &load, now_ms()).await {
            return fail(format!("could not write the demo city: {e}"));
        }
        // A year of events, walked through the state machine by the demo accounts.
        let key = match zhili::crypto::DataKey::load_or_create(&db.key_file()) {
            Ok(k) => k,
            Err(e) => return fail(e),
        };
        // The same key seals the population's identifiers and the organisations' phones.
        let people_key = key.clone();
        if let Err(e) = store
            .seed_reference(&Actor::system(), &zhili::reference::defaults(), now_ms())
            .await
        {
            return fail(format!("could not store the reference data: {e}"));
        }
        let reference = match store
            .reference()
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| zhili::reference::Reference::from_data(&r))
        {
            Ok(r) => r,
            Err(e) => return fail(format!("could not read the reference data: {e}")),
        };
        bar.set_message("living through a year");
        let history_bar = bar.clone();
        let params = demo::history::HistoryParams {
            events,
            days: 365,
            now: now_ms(),
            seed,
        };
        // Generated on a blocking thread and written as it comes, a chunk per transaction,
        // so a long history never sits in memory whole.
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
            (plan, stats)
        });
        while let Some(chunk) = arriving.recv().await {
            if let Err(e) = store.load_history(&chunk).await {
                return fail(format!("could not write the demo history: {e}"));
            }
        }
        let (plan, stats) = match generator.await {
            Ok(x) => x,
            Err(e) => return fail(format!("history generation failed: {e}")),
        };
        bar.set_message("registering people");
        let key = people_key.clone();
        let population_params = demo::population::PopulationParams {
            seed,
            now: now_ms(),
            people,
        };
        let (plan, population) = match tokio::task::spawn_blocking(move || {
            let load = demo::population::generate(&plan, &key, &population_params);
            (plan, load)
        })
        .await
        {
            Ok(x) => x,
            Err(e) => return fail(format!("population generation failed: {e}")),
        };
        if let Err(e) = store
            .load_population(&Actor::system(), &population, now_ms())
            .await
        {
            return fail(format!("could not write the demo population: {e}"));
        }
        let things = demo::things::generate(&plan, seed, now_ms());
        if let Err(e) = store
            .create_things(&Actor::system(), &things, now_ms())
            .await
        {
            return fail(format!(
                "could not write the demo components and cameras: {e}"
            ));
        }
        let orgs = demo::things::orgs(&plan, &people_key, seed);
        if let Err(e) = store.create_orgs(&Actor::system(), &orgs, now_ms()).await {
            return fail(format!("could not write the demo organisations: {e}"));
        }
        // The demo writes into an empty database: people are numbered from 1 in order.
        let notes = demo::situations::generate(&plan, &population, 1, seed, now_ms());
        if let Err(e) = store.create_situations(&notes).await {
            return fail(format!("could not write the demo situations: {e}"));
        }
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
        let cameras = things.iter().filter(|t| t.kind == "camera").count();
        println!(
            "Things: {} city components, {} cameras; {} organisations and sites; {} situation notes.",
            things.len() - cameras,
            cameras,
            orgs.len(),
            notes.len()
        );
        if stats.refused > 0 {
            tracing::warn!(
                refused = stats.refused,
                "the history generator proposed actions the state machine refused"
            );
        }
        println!("Accounts: admin, district (commander), district-operator, leader, town-<9-digit code>, village-<12-digit code>, grid-<15-digit code>, dept-D01 … dept-D26");
        println!("  e.g. town-500114001, village-500114001001, grid-500114001001001");
        if generated {
            println!("Password of every demo account (shown once): {password}");
        } else {
            println!("Password of every demo account: the one you gave.");
        }
    }
    if no_serve {
        return ExitCode::SUCCESS;
    }
    serve_store(
        Arc::new(store),
        policy,
        &format!("127.0.0.1:{port}"),
        &db.key_file(),
    )
    .await
}
