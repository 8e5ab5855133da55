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
        Ok(text) => zhili::crypto::DataKey::from_base64(&text),
        Err(_) => std::fs::read_to_string(&key_file)
            .map_err(|e| format!("cannot read the key file {}: {e}", key_file.display()))
            .and_then(|t| zhili::crypto::DataKey::from_base64(&t)),
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
