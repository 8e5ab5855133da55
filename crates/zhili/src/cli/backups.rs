//! `zhili backup` and `zhili restore` (`zhili::backup` does the work).

use super::*;

#[derive(Args)]
pub(super) struct BackupArgs {
    /// The directory the backup's own directory (zhili-<date>-<time>) is made in.
    #[arg(long)]
    to: std::path::PathBuf,
    #[command(flatten)]
    db: Db,
}

#[derive(Args)]
pub(super) struct RestoreArgs {
    /// The backup's directory (the one holding manifest.json).
    #[arg(long)]
    from: std::path::PathBuf,
    #[command(flatten)]
    db: Db,
}

/// Backups taken by `zhili serve` on a schedule.
#[derive(Args, Clone)]
pub(super) struct ScheduleArgs {
    /// Take a backup of the SQLite database into this directory every --backup-every-hours
    /// while serving, keeping the newest --backup-keep (needs ZHILI_BACKUP_PASSPHRASE).
    #[arg(long, env = "ZHILI_BACKUP_DIR")]
    backup_dir: Option<std::path::PathBuf>,
    /// Hours between scheduled backups.
    #[arg(long, env = "ZHILI_BACKUP_EVERY_HOURS", default_value_t = 24,
        value_parser = clap::value_parser!(u64).range(1..=24 * 31))]
    backup_every_hours: u64,
    /// Scheduled backups kept; the oldest beyond these are removed after each new one.
    #[arg(long, env = "ZHILI_BACKUP_KEEP", default_value_t = 7,
        value_parser = clap::value_parser!(u64).range(1..=1000))]
    backup_keep: u64,
}

impl ScheduleArgs {
    /// The schedule asked for, checked before the server starts.
    pub(super) fn schedule(&self, db: &Db) -> Result<Option<zhili::backup::Schedule>, String> {
        let Some(under) = &self.backup_dir else {
            return Ok(None);
        };
        if db.database.as_deref().is_some_and(|u| !u.is_empty()) {
            return Err("--backup-dir: scheduled backups are of a SQLite database; back PostgreSQL up with pg_basebackup or pg_dump (docs/operating.md)".into());
        }
        let passphrase = passphrase()?;
        zhili::backup::passphrase_checked(&passphrase)?;
        std::fs::create_dir_all(under)
            .map_err(|e| format!("--backup-dir: cannot create {}: {e}", under.display()))?;
        Ok(Some(zhili::backup::Schedule {
            under: under.clone(),
            every: std::time::Duration::from_secs(self.backup_every_hours * 3600),
            keep: self.backup_keep as usize,
            passphrase,
        }))
    }
}

fn passphrase() -> Result<String, String> {
    std::env::var(zhili::backup::PASSPHRASE_ENV).map_err(|_| {
        format!(
            "set {} to the passphrase that seals the backup's data key",
            zhili::backup::PASSPHRASE_ENV
        )
    })
}

pub(super) async fn backup(args: BackupArgs) -> ExitCode {
    let passphrase = match passphrase() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let key_file = args.db.key_file();
    // The key must already exist: a backup never makes a new one.
    let key = match std::env::var("ZHILI_DATA_KEY") {
        Ok(text) => zhili::crypto::DataKey::from_text(&text),
        Err(_) => std::fs::read_to_string(&key_file)
            .map_err(|e| format!("cannot read the key file {}: {e}", key_file.display()))
            .and_then(|t| zhili::crypto::DataKey::from_text(&t)),
    };
    let key = match key {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let store = match open(&args.db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match zhili::backup::take(&store, &key, &passphrase, &args.to, now_ms()).await {
        Ok((dir, m)) => {
            println!(
                "backup: {} — {} bytes, the record up to {} ({}), SHA-256 {}",
                dir.display(),
                m.database_bytes,
                m.head_seq,
                m.head_hash,
                m.database_sha256
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("backup: {e}")),
    }
}

pub(super) async fn restore(args: RestoreArgs) -> ExitCode {
    if args.db.database.as_deref().is_some_and(|u| !u.is_empty()) {
        return fail("restore: PostgreSQL is restored with its own tools (pg_restore, a base backup); see docs/operating.md");
    }
    let passphrase = match passphrase() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let db = std::path::PathBuf::from(&args.db.db);
    match zhili::backup::restore(&args.from, &passphrase, &db, &args.db.key_file(), now_ms()).await
    {
        Ok(m) => {
            println!(
                "restore: {} from the backup taken {} — the record verified up to {} ({}); key file {}",
                db.display(),
                m.taken_at,
                m.head_seq,
                m.head_hash,
                args.db.key_file().display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("restore: {e}")),
    }
}
