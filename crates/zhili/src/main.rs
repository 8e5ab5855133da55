//! `zhili`: serve the API, build and serve the demo city, import boundaries, manage users,
//! verify the record.

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;
use zhili::sheet_import::Sheet;
use zhili::{auth, demo, http, import, now_ms, state::AppState};
use zhili_domain::chain::{self, Actor};
use zhili_domain::user::{self, LoginPolicy};
use zhili_domain::{RegionCode, Role};
use zhili_store::{NewUser, Store};

#[derive(Parser)]
#[command(
    name = "zhili",
    version,
    about = "zhili 治理 — city-level social governance platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Db {
    /// SQLite database file (the default engine).
    #[arg(long, default_value = "zhili.db", global = true)]
    db: String,
    /// PostgreSQL URL (postgres://user:pass@host/db); overrides --db.
    #[arg(
        long,
        env = "ZHILI_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    database: Option<String>,
    /// File holding the data key that seals personal identifiers (created if missing;
    /// ZHILI_DATA_KEY, base64, takes precedence). Default: beside the SQLite file.
    #[arg(long, env = "ZHILI_KEY_FILE", global = true)]
    key_file: Option<std::path::PathBuf>,
}

impl Db {
    /// The data key lives beside a SQLite file (never inside it); for PostgreSQL in the
    /// working directory unless given.
    fn key_file(&self) -> std::path::PathBuf {
        if let Some(path) = &self.key_file {
            return path.clone();
        }
        match &self.database {
            Some(url) if !url.is_empty() => "zhili.key".into(),
            _ => format!("{}.key", self.db).into(),
        }
    }

    fn url(&self) -> String {
        match &self.database {
            Some(url) if !url.is_empty() => url.clone(),
            _ => format!("sqlite:{}", self.db),
        }
    }
}

#[derive(Args, Clone)]
struct Policy {
    /// Wrong passwords from one place that lock an account there (four times as many from
    /// all places the account has not signed in from lock it for those).
    #[arg(long, env = "ZHILI_LOCK_AFTER", default_value_t = 5)]
    lock_after: i64,
    /// Minutes of the first lock; each further lock doubles it, up to a day.
    #[arg(long, env = "ZHILI_LOCK_MINUTES", default_value_t = 15)]
    lock_minutes: i64,
    /// Identity-number lookups (searches by number, duplicate checks of registrations and
    /// of imported rows) one account may make in 24 hours.
    #[arg(long, env = "ZHILI_LOOKUP_BUDGET", default_value_t = zhili::state::DEFAULT_LOOKUP_BUDGET)]
    lookup_budget: i64,
    /// Reverse proxies in front of the server (comma-separated addresses): behind them the
    /// client's address (for sign-in limits) is taken from `X-Forwarded-For`.
    #[arg(long, env = "ZHILI_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Hours a sign-in token lives.
    #[arg(long, env = "ZHILI_TOKEN_HOURS", default_value_t = 12)]
    token_hours: i64,
}

impl Policy {
    fn login_policy(&self) -> LoginPolicy {
        LoginPolicy::new(
            self.lock_after,
            self.lock_minutes.max(0) * 60_000,
            self.token_hours.max(1) * 3_600_000,
        )
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API on an existing database.
    Serve {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        policy: Policy,
        /// Address to listen on.
        #[arg(long, env = "ZHILI_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
    },
    /// Build the Qianjiang demo city (unless the database already holds it), then serve it.
    Demo {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        policy: Policy,
        #[command(flatten)]
        demo: DemoArgs,
    },
    /// Import data files.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Write a spreadsheet of N plausible people (valid synthetic ID numbers) in the
    /// database's grids: something to try `import people` with, and its benchmark input.
    SamplePeople {
        #[arg(long, default_value_t = 1000)]
        rows: usize,
        /// Number of the first person (files with different ranges share nobody).
        #[arg(long, default_value_t = 0)]
        first: usize,
        #[arg(long)]
        out: std::path::PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        db: Db,
    },
    /// Replay realistic intake and handling traffic against a running server.
    Sim {
        /// Base URL of the server.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        target: String,
        /// Target operations per second (all clients together).
        #[arg(long, default_value_t = 200.0)]
        rate: f64,
        /// Seconds to run.
        #[arg(long, default_value_t = 30)]
        duration: u64,
        /// Concurrent clients.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Password of the demo accounts.
        #[arg(long, env = "ZHILI_DEMO_PASSWORD", hide_env_values = true)]
        password: String,
        /// Distinct grid workers reporting.
        #[arg(long, default_value_t = 64)]
        reporters: usize,
        /// Share of reports the village station registers and dispatches right away.
        #[arg(long, default_value_t = 0.25)]
        handling_share: f64,
        /// Instead of intake: read this path (e.g. /api/v1/dashboard/summary) as fast as
        /// the clients can, and report its latency.
        #[arg(long)]
        read: Option<String>,
        /// The demo account that reads.
        #[arg(long = "as", default_value = "district")]
        read_as: String,
    },
    /// Check the hash-chained record.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
}

#[derive(Args)]
struct DemoArgs {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Password of every demo account; generated and printed once when absent.
    #[arg(long, env = "ZHILI_DEMO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Seed of the synthesized boundaries (same seed, same city).
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Delete the database and build the demo anew.
    #[arg(long)]
    fresh: bool,
    /// Build only; do not serve.
    #[arg(long)]
    no_serve: bool,
    /// Events in the demo's year of history.
    #[arg(long, default_value_t = 60_000)]
    events: usize,
    /// About how many residents the demo registers.
    #[arg(long, default_value_t = 105_000)]
    people: usize,
}

#[derive(Subcommand)]
enum ImportWhat {
    /// Replace the grids of the villages named in a GeoJSON FeatureCollection (all or nothing).
    Grids {
        file: std::path::PathBuf,
        #[command(flatten)]
        db: Db,
        /// Validate and report; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Register people from an .xlsx or CSV file with the template's columns (证件类型, 证件号码,
    /// 姓名, 联系电话, 网格编码, 人口类型, 备注); all rows or none unless --partial.
    People(SheetArgs),
    /// Register houses (房屋编码, 地址, 网格编码, 经度, 纬度, 用途, 是否出租, 隐患).
    Houses(SheetArgs),
    /// Register organisations and sites (类型, 名称, 统一社会信用代码, 地址, 经度, 纬度, 负责人,
    /// 联系电话, 从业人数).
    Orgs(SheetArgs),
    /// Register components and cameras (类型, 编码, 名称, 经度, 纬度, 责任单位, 状态, 覆盖类型).
    Things(SheetArgs),
}

#[derive(clap::Args)]
struct SheetArgs {
    file: std::path::PathBuf,
    #[command(flatten)]
    db: Db,
    /// Check every row and report; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write the good rows; the rejected ones go to FILE.rejected.csv.
    #[arg(long)]
    partial: bool,
}

#[derive(Subcommand)]
enum UserAction {
    /// Add an account. The password is read from ZHILI_USER_PASSWORD or standard input.
    Add {
        username: String,
        /// admin, district_commander, district_operator, town_operator, village_operator, grid_worker, department_handler, leader
        #[arg(long)]
        role: String,
        /// The region code the account is anchored at (its scope).
        #[arg(long)]
        region: String,
        #[arg(long)]
        unit: Option<String>,
        /// Department code (D01…) for department handlers.
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        db: Db,
    },
    /// Set an account's password (ends its sessions). Read from ZHILI_USER_PASSWORD or standard input.
    Passwd {
        username: String,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Verify the whole chain; exits non-zero and names the first broken record if any.
    Verify {
        #[command(flatten)]
        db: Db,
    },
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

/// Cases of demo history written per transaction.
const HISTORY_CHUNK: usize = 25_000;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZHILI_LOG")
                .unwrap_or_else(|_| "zhili=info,sqlx=error,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { db, policy, bind } => serve(&db, &policy, &bind).await,
        Command::Demo { db, policy, demo } => run_demo(&db, &policy, demo).await,
        Command::Import {
            what: ImportWhat::Grids { file, db, dry_run },
        } => import_grids(&db, &file, dry_run).await,
        Command::Import {
            what: ImportWhat::People(args),
        } => import_sheet(Sheet::People, args).await,
        Command::Import {
            what: ImportWhat::Houses(args),
        } => import_sheet(Sheet::Houses, args).await,
        Command::Import {
            what: ImportWhat::Orgs(args),
        } => import_sheet(Sheet::Orgs, args).await,
        Command::Import {
            what: ImportWhat::Things(args),
        } => import_sheet(Sheet::Things, args).await,
        Command::User { action } => user_command(action).await,
        Command::SamplePeople {
            rows,
            first,
            out,
            seed,
            db,
        } => sample_people(&db, first, rows, &out, seed).await,
        Command::Sim {
            target,
            rate,
            duration,
            concurrency,
            password,
            reporters,
            handling_share,
            read,
            read_as,
        } => {
            if let Some(path) = read {
                let params = zhili::sim::ReadParams {
                    target,
                    path,
                    username: read_as,
                    password,
                    duration: std::time::Duration::from_secs(duration),
                    concurrency,
                };
                return match zhili::sim::run_reads(params).await {
                    Ok(mut report) => {
                        report.print();
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail(e),
                };
            }
            let params = zhili::sim::SimParams {
                target,
                rate,
                duration: std::time::Duration::from_secs(duration),
                concurrency,
                password,
                reporters,
                handling_share,
            };
            match zhili::sim::run(params).await {
                Ok(mut report) => {
                    report.print();
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Audit {
            action: AuditAction::Verify { db },
        } => audit_verify(&db).await,
    }
}

async fn open(db: &Db) -> Result<zhili_store::SqlStore, String> {
    zhili_store::open(&db.url())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))
}

async fn serve(db: &Db, policy: &Policy, bind: &str) -> ExitCode {
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    serve_store(Arc::new(store), policy, bind, &db.key_file()).await
}

async fn serve_store(
    store: Arc<dyn Store>,
    policy: &Policy,
    bind: &str,
    key_file: &std::path::Path,
) -> ExitCode {
    let key = match zhili::crypto::DataKey::load_or_create(key_file) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let state = match AppState::new(store, policy.login_policy(), key).await {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot load regions: {e}")),
    };
    state.lookup_budget.store(
        policy.lookup_budget.max(0),
        std::sync::atomic::Ordering::Relaxed,
    );
    *state
        .trusted_proxies
        .write()
        .unwrap_or_else(|e| e.into_inner()) = policy.trusted_proxies.clone();
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
        "zhili serving on http://{addr}/  ({} grids in the locate index)",
        index.grids.len()
    );
    match http::serve(state, listener).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("server stopped: {e}")),
    }
}

async fn run_demo(db: &Db, policy: &Policy, demo_args: DemoArgs) -> ExitCode {
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

async fn import_grids(db: &Db, file: &std::path::Path, dry_run: bool) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let actor = Actor {
        username: cli_actor(),
        unit: None,
    };
    let report = match import::import_grids(&store, &actor, &bytes, dry_run, now_ms()).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if !report.problems.is_empty() {
        eprintln!(
            "{}: {} problem(s); nothing was written",
            file.display(),
            report.problems.len()
        );
        for p in &report.problems {
            eprintln!("  {p}");
        }
        return ExitCode::FAILURE;
    }
    match (&report.summary, dry_run) {
        (Some(s), _) => println!(
            "Imported {} grids in {} villages: {} created, {} updated, {} unchanged, {} retired.",
            report.grids,
            report.villages.len(),
            s.created,
            s.updated,
            s.unchanged,
            s.retired
        ),
        (None, _) => println!(
            "Valid: {} grids in {} villages (dry run; nothing written).",
            report.grids,
            report.villages.len()
        ),
    }
    ExitCode::SUCCESS
}

async fn import_sheet(sheet: Sheet, args: SheetArgs) -> ExitCode {
    let SheetArgs {
        file,
        db,
        dry_run,
        partial,
    } = args;
    let (db, file) = (&db, file.as_path());
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let key = match zhili::crypto::DataKey::load_or_create(&db.key_file()) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let index = match zhili::regions::RegionIndex::load(&store).await {
        Ok(i) => std::sync::Arc::new(i),
        Err(e) => return fail(e),
    };
    let Some(root) = index.root.clone() else {
        return fail("this database has no district yet");
    };
    let scope = zhili_domain::Scope::whole(root);
    let actor = Actor {
        username: cli_actor(),
        unit: None,
    };
    let importer = zhili::sheet_import::Importer {
        store: &store,
        actor: &actor,
        key: &key,
        index,
        scope: &scope,
        progress: Default::default(),
        // An operator at the machine, who could read the database anyway.
        lookup_budget: None,
    };
    let started = std::time::Instant::now();
    // A bar on standard error while the rows are checked (hidden when not a terminal).
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len} rows {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let watcher = {
        let (bar, progress) = (bar.clone(), importer.progress.clone());
        tokio::spawn(async move {
            loop {
                let (stage, done, total) = progress.read();
                bar.set_message(stage);
                bar.set_length(total.max(1) as u64);
                bar.set_position(done as u64);
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        })
    };
    let outcome =
        zhili::sheet_import::import_sheet(&importer, sheet, bytes, dry_run, partial, now_ms())
            .await;
    watcher.abort();
    bar.finish_and_clear();
    let report = match outcome {
        Ok(r) => r,
        Err(e) => return fail(format!("{}: {e}", file.display())),
    };
    for p in &report.problems {
        eprintln!(
            "{}: row {}, column {}: {} ({}){}",
            file.display(),
            p.row,
            p.column,
            p.reason,
            p.code,
            p.reason_zh
                .as_deref()
                .map(|zh| format!(" — {zh}"))
                .unwrap_or_default()
        );
    }
    if let Some(csv) = &report.rejected_csv {
        let path = file.with_extension("rejected.csv");
        if let Err(e) = std::fs::write(&path, csv) {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
        eprintln!("Rejected rows written to {}.", path.display());
    }
    println!(
        "{} rows, {} valid, {} problem(s), {} written{} in {:.1} s.",
        report.rows,
        report.valid,
        report.problems.len(),
        report.written,
        if dry_run { " (dry run)" } else { "" },
        started.elapsed().as_secs_f64()
    );
    if report.problems.is_empty() || (partial && !dry_run) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn sample_people(
    db: &Db,
    first: usize,
    rows: usize,
    out: &std::path::Path,
    seed: u64,
) -> ExitCode {
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let index = match zhili::regions::RegionIndex::load(&store).await {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    let Some(root) = index.root.clone() else {
        return fail("this database has no district yet");
    };
    let grids: Vec<String> = index
        .grids
        .iter()
        .map(|g| g.grid_code.to_string())
        .collect();
    match zhili::sheet_import::sample_xlsx(root.as_str(), &grids, first, rows, seed) {
        Ok(bytes) => match std::fs::write(out, bytes) {
            Ok(()) => {
                println!("Wrote {rows} people to {}.", out.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(format!("cannot write {}: {e}", out.display())),
        },
        Err(e) => fail(e),
    }
}

/// The operating-system account that ran a CLI command, for the record.
fn cli_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into())
    )
}

/// Reads a new password, checks it, and returns its argon2id hash.
fn read_new_password_hash() -> Result<String, String> {
    let password = read_password()?;
    user::validate_password(&password).map_err(|e| format!("password: {}", e.message))?;
    auth::hash_password(&password)
}

fn read_password() -> Result<String, String> {
    if let Ok(p) = std::env::var("ZHILI_USER_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (input is shown; prefer ZHILI_USER_PASSWORD or a pipe): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn user_command(action: UserAction) -> ExitCode {
    match action {
        UserAction::Add {
            username,
            role,
            region,
            unit,
            department,
            name,
            db,
        } => {
            let Some(role) = Role::parse(&role) else {
                return fail(format!("--role {role:?} is not one of admin, district_commander, district_operator, town_operator, village_operator, grid_worker, department_handler, leader"));
            };
            let region = match RegionCode::parse(&region) {
                Ok(r) => r,
                Err(e) => return fail(format!("--region: {}", e.message)),
            };
            if let Err(e) = user::validate_account(&username, role, &region, department.as_deref())
            {
                return fail(format!(
                    "{}: {}",
                    e.field.as_deref().unwrap_or("account"),
                    e.message
                ));
            }
            let hash = match read_new_password_hash() {
                Ok(h) => h,
                Err(e) => return fail(e),
            };
            let store = match open(&db).await {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            match store
                .get_region(&zhili_domain::Scope::whole(region.clone()), &region, false)
                .await
            {
                Ok(Some(_)) => {}
                Ok(None) => return fail(format!("--region: no region {region} in this database")),
                Err(e) => return fail(e),
            }
            let new = NewUser {
                display_name: name.unwrap_or_else(|| username.clone()),
                username: username.clone(),
                role,
                unit_id: unit,
                region_code: region,
                department,
                password_hash: hash,
            };
            match store
                .insert_users(
                    &Actor {
                        username: cli_actor(),
                        unit: None,
                    },
                    &[new],
                    now_ms(),
                )
                .await
            {
                Ok(()) => {
                    println!("Added {username} ({}).", role.as_str());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        UserAction::Passwd { username, db } => {
            let hash = match read_new_password_hash() {
                Ok(h) => h,
                Err(e) => return fail(e),
            };
            let store = match open(&db).await {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            match store
                .set_password(
                    &Actor {
                        username: cli_actor(),
                        unit: None,
                    },
                    &username,
                    &hash,
                    now_ms(),
                )
                .await
            {
                Ok(true) => {
                    println!("Password of {username} changed; its sessions are ended.");
                    ExitCode::SUCCESS
                }
                Ok(false) => fail(format!("no user {username}")),
                Err(e) => fail(e),
            }
        }
    }
}

async fn audit_verify(db: &Db) -> ExitCode {
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    // The head first: every record up to it was committed with it (sequence numbers are
    // taken under the head's lock), so records written while this runs (beyond the head)
    // cannot make an intact chain look broken.
    let (head_seq, head_hash) = match store.chain_head().await {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    // Read in pages, carrying the link across pages, so memory stays flat on long records.
    let mut checked = 0u64;
    let mut after = 0i64;
    let mut prev_hash = chain::GENESIS.to_string();
    while after < head_seq {
        let page = match store.actions(after, (head_seq - after).min(10_000)).await {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        if page.is_empty() {
            break;
        }
        if let Err(broken) = chain::verify_from(&page, after + 1, &prev_hash) {
            eprintln!("audit: record {} is broken: {}", broken.seq, broken.reason);
            return ExitCode::FAILURE;
        }
        checked += page.len() as u64;
        after = page.last().map(|a| a.seq).unwrap_or(after);
        prev_hash = page.last().map(|a| a.hash.clone()).unwrap_or(prev_hash);
    }
    // The head must agree with the last record, or records were cut off the end.
    if after == head_seq && prev_hash == head_hash {
        println!("audit: {checked} records verified; the chain is intact.");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "audit: record {} is broken: the chain head says {head_seq} records, {after} are present",
            after + 1
        );
        ExitCode::FAILURE
    }
}
