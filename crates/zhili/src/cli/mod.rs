//! The command line: its arguments (clap), the dispatch, and one module per command.

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;
use zhili::usecase::grid_import as import;
use zhili::usecase::sheet_import::Sheet;
use zhili::{auth, demo, http, now_ms, state::AppState};
use zhili_domain::chain::{self, Actor};
use zhili_domain::user::{self, LoginPolicy};
use zhili_domain::Role;
use zhili_store::prelude::*;

mod accounts;
mod audit;
mod backups;
mod demo_city;
mod imports;
mod keys;
mod locate;
mod partitions;
mod serving;

use accounts::user_command;
use audit::audit_verify;
use demo_city::run_demo;
use imports::{import_grids, import_sheet, sample_people};
use serving::{serve, serve_store};
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
    /// Days a password lasts before its owner must change it at the next sign-in (0: it
    /// does not expire).
    #[arg(long, env = "ZHILI_PASSWORD_DAYS", default_value_t = 0,
        value_parser = clap::value_parser!(i64).range(0..=3650))]
    password_days: i64,
    /// A raster MBTiles file (png, jpg or webp tiles, WGS 84 web mercator) drawn under the
    /// boundaries, served by this server: the map stays offline.
    #[arg(long, env = "ZHILI_BASEMAP", conflicts_with = "tile_url")]
    basemap: Option<std::path::PathBuf>,
    /// Instead, a tile service the browsers load from, with {z}, {x} and {y} (e.g. 天地图:
    /// https://t0.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=YOUR_KEY).
    #[arg(long, env = "ZHILI_TILE_URL")]
    tile_url: Option<String>,
    /// The basemap's attribution (e.g. 审图号 and source), shown on the map.
    #[arg(long, env = "ZHILI_TILE_ATTRIBUTION")]
    tile_attribution: Option<String>,
    /// A streaming replica of the PostgreSQL database (postgres://…) for the reads that
    /// tolerate a few seconds' lag: the dashboard's figures and trend, exported lists.
    #[arg(long, env = "ZHILI_READ_DATABASE_URL", hide_env_values = true)]
    read_database: Option<String>,
    /// Requests a minute per account and per address at the rate-limited doors: `off`, or
    /// the defaults with some changed, e.g. `sign_in=10/60,intake=120/3000,reveal=30/300,export=10/60`.
    #[arg(long, env = "ZHILI_RATE_LIMITS", default_value = "",
        value_parser = |s: &str| zhili::rate_limit::RateLimits::parse(s))]
    rate_limits: zhili::rate_limit::RateLimits,
    /// Serve HTTPS with this certificate chain (PEM; with --tls-key): for a small deployment
    /// without a reverse proxy. Answers then carry HSTS.
    #[arg(long, env = "ZHILI_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "ZHILI_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
}

impl Policy {
    /// The basemap asked for, opened and checked (an error names the file and what is wrong).
    async fn basemap(&self) -> Result<Option<zhili::basemap::Basemap>, String> {
        use zhili::basemap::{Basemap, MbTiles, TileService};
        if let Some(path) = &self.basemap {
            let mut file = MbTiles::open(path).await?;
            if let Some(a) = &self.tile_attribution {
                file.attribution = a.clone();
            }
            return Ok(Some(Basemap::File(file)));
        }
        if let Some(url) = &self.tile_url {
            return Ok(Some(Basemap::Service(TileService::new(
                url,
                self.tile_attribution.as_deref(),
            )?)));
        }
        Ok(None)
    }

    fn login_policy(&self) -> LoginPolicy {
        let mut policy = LoginPolicy::new(
            self.lock_after,
            self.lock_minutes.max(0) * 60_000,
            self.token_hours.max(1) * 3_600_000,
        );
        policy.password.max_age_ms =
            (self.password_days > 0).then(|| self.password_days * 86_400_000);
        policy
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
        #[command(flatten)]
        backups: backups::ScheduleArgs,
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
        /// Base URL of the server, or of several serving one PostgreSQL database
        /// (comma-separated): the clients take turns among them.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        target: String,
        /// Watch every target's live stream during the load and report which acknowledged
        /// reports each did not tell of (non-zero exit if any).
        #[arg(long)]
        watch_streams: bool,
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
        /// File the reports through Open311 with this system's API key (hotline or
        /// department channel) instead of as grid workers, to compare the two doors.
        #[arg(long, env = "ZHILI_OPEN311_KEY", hide_env_values = true)]
        open311_key: Option<String>,
        /// Also subscribe this many webhook endpoints of `--webhook-unit` to every report,
        /// receive and verify their deliveries here, and report delivery rate, duplicates
        /// and losses (the server must allow 127.0.0.0/8 in ZHILI_WEBHOOK_ALLOW).
        #[arg(long, default_value_t = 0)]
        webhooks: usize,
        /// The unit whose subscriptions hear the reports (a centre hears its whole area).
        #[arg(long, default_value = "C500114")]
        webhook_unit: String,
        /// Seconds to wait after the load for the last deliveries.
        #[arg(long, default_value_t = 60)]
        drain: u64,
    },
    /// Write every point's district, town, village and grid beside it: a CSV with longitude
    /// and latitude columns, or a GeoJSON FeatureCollection of points (its `crs` honoured).
    Locate(locate::LocateArgs),
    /// Check the hash-chained record.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// PostgreSQL: the events' and the record's monthly partitions — list them, make the
    /// coming months, detach a closed month for archiving.
    Partitions {
        #[command(subcommand)]
        action: partitions::PartitionAction,
    },
    /// Take a consistent copy of the SQLite database while it serves, with its data key sealed
    /// under the passphrase in ZHILI_BACKUP_PASSPHRASE, into a new directory under --to.
    Backup(backups::BackupArgs),
    /// Bring a backup back as a new SQLite database (--db) after checking the copy against its
    /// manifest and verifying the whole record; its key file is written beside it.
    Restore(backups::RestoreArgs),
    /// The data key ring: rotate it, see how far the re-seal is, retire the old keys.
    Key {
        #[command(subcommand)]
        action: keys::KeyAction,
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
    /// Verify the chain — what was added since the last verification, or all of it with
    /// `--full` — and record the verification; exits non-zero and names the first broken
    /// record if any.
    Verify {
        /// From the first record, not from the last verification's checkpoint.
        #[arg(long)]
        full: bool,
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

/// Parses the command line and runs the command.
pub async fn run() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZHILI_LOG")
                .unwrap_or_else(|_| "zhili=info,sqlx=error,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            db,
            policy,
            bind,
            backups,
        } => serve(&db, &policy, &bind, &backups).await,
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
            open311_key,
            webhooks,
            webhook_unit,
            drain,
            watch_streams,
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
                open311_key,
                watch_streams,
            };
            if webhooks > 0 {
                let params = zhili::sim_webhooks::WebhookParams {
                    sim: params,
                    subscriptions: webhooks,
                    unit: webhook_unit,
                    drain: std::time::Duration::from_secs(drain),
                };
                return match zhili::sim_webhooks::run(params).await {
                    Ok(mut report) => {
                        report.print();
                        if report.lost > 0 || report.bad_signatures > 0 {
                            ExitCode::FAILURE
                        } else {
                            ExitCode::SUCCESS
                        }
                    }
                    Err(e) => fail(e),
                };
            }
            match zhili::sim::run(params).await {
                Ok(mut report) => {
                    report.print();
                    if report.streams.iter().any(|t| t.missing > 0) {
                        ExitCode::FAILURE
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(e) => fail(e),
            }
        }
        Command::Audit {
            action: AuditAction::Verify { db, full },
        } => audit_verify(&db, full).await,
        Command::Locate(args) => locate::locate(args).await,
        Command::Partitions { action } => partitions::run(action).await,
        Command::Backup(args) => backups::backup(args).await,
        Command::Restore(args) => backups::restore(args).await,
        Command::Key { action } => keys::run(action).await,
    }
}

async fn open(db: &Db) -> Result<zhili_store::SqlStore, String> {
    zhili_store::open(&db.url())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))
}
