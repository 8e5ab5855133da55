//! Backups of a SQLite database and their restore.
//!
//! A backup is a directory `zhili-<date>-<time>` holding a consistent copy of the database
//! taken while it serves (`SqlStore::copy_into`), the data key sealed under the operator's
//! backup passphrase (the key never travels in the clear beside the data it opens), and a
//! manifest written last: the copy's size and SHA-256 and the record's head it stands at. A
//! directory without its manifest is a backup that did not finish.
//!
//! A restore checks the copy against its manifest, opens the key with the passphrase, puts the
//! copy in place, verifies the whole record up to the manifest's head, and only then writes
//! the key file beside it. Taking and restoring are both recorded in the record.

use crate::crypto::DataKey;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use zhili_domain::chain::{self, Actor};
use zhili_store::prelude::*;
use zhili_store::SqlStore;

/// Where the passphrase that seals a backup's key is read from.
pub const PASSPHRASE_ENV: &str = "ZHILI_BACKUP_PASSPHRASE";
const MIN_PASSPHRASE_CHARS: usize = 12;
const DATABASE: &str = "zhili.db";
const KEY: &str = "key.sealed";
const MANIFEST: &str = "manifest.json";
/// Bound on what is read of a manifest or a sealed key before it is parsed.
const SMALL_FILE: u64 = 64 * 1024;
/// Bound into the sealed key, so a sealed key cannot be taken for anything else.
const KEY_CONTEXT: &[u8] = b"zhili backup data key v1";

/// What a backup holds and where its record stands.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: u32,
    pub taken_at: String,
    pub head_seq: i64,
    pub head_hash: String,
    pub database_bytes: u64,
    pub database_sha256: String,
}

/// The data key sealed under a passphrase (argon2id, then XChaCha20-Poly1305).
#[derive(Serialize, Deserialize)]
struct SealedKey {
    kdf: String,
    memory_kib: u32,
    iterations: u32,
    lanes: u32,
    salt: String,
    nonce: String,
    sealed: String,
}

/// A passphrase long enough to seal a backup's key.
pub fn passphrase_checked(passphrase: &str) -> Result<(), String> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(format!(
            "the backup passphrase ({PASSPHRASE_ENV}) must be at least {MIN_PASSPHRASE_CHARS} characters"
        ));
    }
    Ok(())
}

fn derive(passphrase: &str, salt: &[u8], p: &argon2::Params) -> Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        p.clone(),
    )
    .hash_password_into(passphrase.as_bytes(), salt, &mut out)
    .map_err(|e| format!("the passphrase cannot be stretched: {e}"))?;
    Ok(out)
}

/// The data key sealed under `passphrase`, as the text of `key.sealed`.
pub fn seal_key(key: &DataKey, passphrase: &str) -> Result<String, String> {
    passphrase_checked(passphrase)?;
    let params = argon2::Params::default();
    let salt: [u8; 16] = rand::random();
    let wrapping = derive(passphrase, &salt, &params)?;
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = XChaCha20Poly1305::new(&wrapping.into())
        .encrypt(
            &nonce,
            Payload {
                msg: key.to_text().as_bytes(),
                aad: KEY_CONTEXT,
            },
        )
        .map_err(|_| "the key cannot be sealed".to_string())?;
    serde_json::to_string_pretty(&SealedKey {
        kdf: "argon2id".into(),
        memory_kib: params.m_cost(),
        iterations: params.t_cost(),
        lanes: params.p_cost(),
        salt: B64.encode(salt),
        nonce: B64.encode(nonce),
        sealed: B64.encode(sealed),
    })
    .map_err(|e| e.to_string())
}

/// The data key out of `key.sealed`'s text, with the passphrase it was sealed under.
pub fn open_key(text: &str, passphrase: &str) -> Result<DataKey, String> {
    let damaged = || "the backup's sealed key is damaged".to_string();
    let s: SealedKey = serde_json::from_str(text).map_err(|_| damaged())?;
    // Parameters within what this program seals with, so a crafted file cannot make the
    // restore stretch the passphrase for hours or with gigabytes.
    if s.kdf != "argon2id" || s.memory_kib > 1 << 20 || s.iterations > 16 || s.lanes > 8 {
        return Err(damaged());
    }
    let params = argon2::Params::new(s.memory_kib, s.iterations, s.lanes, Some(32))
        .map_err(|_| damaged())?;
    let salt = B64.decode(&s.salt).map_err(|_| damaged())?;
    let nonce = B64.decode(&s.nonce).map_err(|_| damaged())?;
    let sealed = B64.decode(&s.sealed).map_err(|_| damaged())?;
    if nonce.len() != 24 {
        return Err(damaged());
    }
    let wrapping = derive(passphrase, &salt, &params)?;
    let plain = XChaCha20Poly1305::new(&wrapping.into())
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &sealed,
                aad: KEY_CONTEXT,
            },
        )
        .map_err(|_| {
            "the passphrase does not open the backup's key (or the key file was altered)"
                .to_string()
        })?;
    DataKey::from_text(std::str::from_utf8(&plain).map_err(|_| damaged())?)
}

/// A file's size and SHA-256, read in blocks, each also written to `to` when given (one read
/// of a large copy, not one to check it and another to copy it).
fn digest(path: &Path, mut to: Option<&mut std::fs::File>) -> Result<(u64, String), String> {
    use std::io::Write;
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buf[..n]);
        if let Some(out) = to.as_mut() {
            out.write_all(&buf[..n])
                .map_err(|e| format!("cannot write the restored copy: {e}"))?;
        }
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

/// A file's (or a directory's entries') contents on disk.
fn sync(path: &Path) -> Result<(), String> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", path.display()))
}

fn read_small(path: &Path) -> Result<String, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut text = String::new();
    file.take(SMALL_FILE)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text)
}

/// The backup's directory name: its time in China, to the second.
fn directory_name(now_ms: i64) -> String {
    let local = now_ms + zhili_domain::calendar::CHINA_OFFSET_MS;
    let day = zhili_domain::calendar::date_string(local.div_euclid(zhili_domain::calendar::DAY_MS));
    let secs = local.rem_euclid(zhili_domain::calendar::DAY_MS) / 1000;
    format!(
        "zhili-{}-{:02}{:02}{:02}",
        day.replace('-', ""),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Takes a backup of `store` into a new directory under `under`; answers it and its manifest.
pub async fn take(
    store: &SqlStore,
    key: &DataKey,
    passphrase: &str,
    under: &Path,
    now_ms: i64,
) -> Result<(PathBuf, Manifest), String> {
    passphrase_checked(passphrase)?;
    std::fs::create_dir_all(under)
        .map_err(|e| format!("cannot create {}: {e}", under.display()))?;
    let dir = under.join(directory_name(now_ms));
    std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let written = write_backup(store, key, passphrase, &dir, now_ms).await;
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let manifest = written?;
    let mut done = Actor::system().action(now_ms, "backup.take", "database");
    done.opinion = Some(format!(
        "{}: record {} {}, {} bytes",
        dir.display(),
        manifest.head_seq,
        manifest.head_hash,
        manifest.database_bytes
    ));
    store.record_read(done).await.map_err(|e| e.to_string())?;
    Ok((dir, manifest))
}

async fn write_backup(
    store: &SqlStore,
    key: &DataKey,
    passphrase: &str,
    dir: &Path,
    now_ms: i64,
) -> Result<Manifest, String> {
    let copy = dir.join(DATABASE);
    let (head_seq, head_hash) = store.copy_into(&copy).await.map_err(|e| e.to_string())?;
    let hashed = copy.clone();
    // On disk before the manifest says the backup is complete.
    let (database_bytes, database_sha256) = tokio::task::spawn_blocking(move || {
        sync(&hashed)?;
        digest(&hashed, None)
    })
    .await
    .map_err(|e| e.to_string())??;
    crate::crypto::write_private(&dir.join(KEY), &seal_key(key, passphrase)?)
        .map_err(|e| format!("cannot write the sealed key: {e}"))?;
    let manifest = Manifest {
        format: 1,
        taken_at: zhili_domain::time::rfc3339(now_ms),
        head_seq,
        head_hash,
        database_bytes,
        database_sha256,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    // Written last and whole (renamed into place): its presence says the backup is complete.
    let partial = dir.join("manifest.partial");
    std::fs::write(&partial, text).map_err(|e| format!("cannot write the manifest: {e}"))?;
    sync(&partial)?;
    sync(&dir.join(KEY))?;
    std::fs::rename(&partial, dir.join(MANIFEST))
        .map_err(|e| format!("cannot write the manifest: {e}"))?;
    sync(dir)?;
    Ok(manifest)
}

/// Restores the backup in `from` as the SQLite database `db` with its key file `key_file`
/// (neither may exist); answers the backup's manifest.
pub async fn restore(
    from: &Path,
    passphrase: &str,
    db: &Path,
    key_file: &Path,
    now_ms: i64,
) -> Result<Manifest, String> {
    for target in [db, key_file] {
        if target.exists() {
            return Err(format!(
                "{} already exists; restore into a new path",
                target.display()
            ));
        }
    }
    let manifest: Manifest =
        serde_json::from_str(&read_small(&from.join(MANIFEST))?).map_err(|e| {
            format!(
                "{} is not a complete backup ({MANIFEST}: {e})",
                from.display()
            )
        })?;
    if manifest.format != 1 {
        return Err(format!("backup format {} is not known", manifest.format));
    }
    let key = open_key(&read_small(&from.join(KEY))?, passphrase)?;
    let copy = from.join(DATABASE);
    let partial = db.with_extension("restoring");
    let read = {
        let (copy, partial) = (copy.clone(), partial.clone());
        tokio::task::spawn_blocking(move || {
            let mut out = std::fs::File::create_new(&partial)
                .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
            let read = digest(&copy, Some(&mut out))?;
            out.sync_all()
                .map_err(|e| format!("cannot sync the restored copy: {e}"))?;
            Ok::<_, String>(read)
        })
        .await
        .map_err(|e| e.to_string())?
    };
    let (bytes, sha) = match read {
        Ok(read) => read,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    if bytes != manifest.database_bytes || sha != manifest.database_sha256 {
        let _ = std::fs::remove_file(&partial);
        return Err(format!(
            "{} does not match its manifest (size or SHA-256): the copy is damaged or was altered",
            copy.display()
        ));
    }
    std::fs::rename(&partial, db).map_err(|e| format!("cannot put the copy in place: {e}"))?;
    let store = match check_restored(db, &manifest).await {
        Ok(store) => store,
        Err(e) => {
            let _ = SqlStore::destroy(&format!("sqlite:{}", db.display())).await;
            return Err(e);
        }
    };
    crate::crypto::write_private(key_file, &key.to_text())
        .map_err(|e| format!("cannot write the key file {}: {e}", key_file.display()))?;
    let mut done = Actor::system().action(now_ms, "backup.restore", "database");
    done.opinion = Some(format!(
        "from {} taken {}: record {} {}",
        from.display(),
        manifest.taken_at,
        manifest.head_seq,
        manifest.head_hash
    ));
    store.record_read(done).await.map_err(|e| e.to_string())?;
    Ok(manifest)
}

/// The restored database opened, its record verified whole up to the manifest's head.
async fn check_restored(db: &Path, manifest: &Manifest) -> Result<SqlStore, String> {
    let store = SqlStore::open(&format!("sqlite:{}", db.display()))
        .await
        .map_err(|e| e.to_string())?;
    let head = store.chain_head().await.map_err(|e| e.to_string())?;
    if head != (manifest.head_seq, manifest.head_hash.clone()) {
        return Err("the restored record's head is not the manifest's".into());
    }
    let check = store
        .verify_chain(chain::ChainCheck::new(), manifest.head_seq)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|broken| {
            format!(
                "the restored record is broken at {}: {}",
                broken.seq, broken.reason
            )
        })?;
    if check.last() != (manifest.head_seq, manifest.head_hash.clone()) {
        return Err("the restored record ends before the manifest's head".into());
    }
    Ok(store)
}

/// The complete backups under `under` (those with a manifest), oldest first, and the
/// unfinished ones (a directory of a backup's name without its manifest).
fn backups_under(under: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let mut complete = Vec::new();
    let mut unfinished = Vec::new();
    let entries =
        std::fs::read_dir(under).map_err(|e| format!("cannot read {}: {e}", under.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let named = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.len() == 21 && n.starts_with("zhili-"));
        if !named || !path.is_dir() {
            continue;
        }
        if path.join(MANIFEST).is_file() {
            complete.push(path);
        } else {
            unfinished.push(path);
        }
    }
    complete.sort();
    unfinished.sort();
    Ok((complete, unfinished))
}

/// Keeps the newest `keep` complete backups under `under` (at least one) and removes the rest,
/// with any unfinished one older than the newest complete; answers what was removed.
pub fn prune(under: &Path, keep: usize) -> Result<Vec<PathBuf>, String> {
    let (complete, unfinished) = backups_under(under)?;
    let keep = keep.max(1);
    let mut removed = Vec::new();
    let newest = complete.last().cloned();
    let old = complete.len().saturating_sub(keep);
    for path in complete.into_iter().take(old).chain(
        unfinished
            .into_iter()
            .filter(|p| newest.as_ref().is_some_and(|n| p < n)),
    ) {
        std::fs::remove_dir_all(&path)
            .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        removed.push(path);
    }
    Ok(removed)
}

/// When the last complete backup under `under` was taken (its manifest's time), if any.
pub fn last_taken(under: &Path) -> Option<std::time::SystemTime> {
    let (complete, _) = backups_under(under).ok()?;
    std::fs::metadata(complete.last()?.join(MANIFEST))
        .ok()?
        .modified()
        .ok()
}

/// Scheduled backups: what `zhili serve --backup-dir` takes and keeps.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub under: PathBuf,
    pub every: std::time::Duration,
    pub keep: usize,
    pub passphrase: String,
}

/// Takes one scheduled backup and prunes the old ones; answers the new backup's directory.
pub async fn scheduled_round(
    store: &SqlStore,
    key: &DataKey,
    schedule: &Schedule,
    now_ms: i64,
) -> Result<PathBuf, String> {
    let (dir, _) = take(store, key, &schedule.passphrase, &schedule.under, now_ms).await?;
    for removed in prune(&schedule.under, schedule.keep)? {
        tracing::info!(path = %removed.display(), "removed an old backup");
    }
    Ok(dir)
}

/// Runs the schedule for as long as the server does: the first backup one `every` after the
/// last one found (or a minute after start when none is, or it is overdue), then every `every`.
pub fn spawn_schedule(store: std::sync::Arc<SqlStore>, key: DataKey, schedule: Schedule) {
    tokio::spawn(async move {
        let since_last = last_taken(&schedule.under)
            .and_then(|t| t.elapsed().ok())
            .unwrap_or(schedule.every);
        let mut wait = schedule
            .every
            .saturating_sub(since_last)
            .max(std::time::Duration::from_secs(60));
        loop {
            tokio::time::sleep(wait).await;
            let started = std::time::Instant::now();
            match scheduled_round(&store, &key, &schedule, crate::now_ms()).await {
                Ok(dir) => tracing::info!(
                    path = %dir.display(),
                    secs = started.elapsed().as_secs_f64(),
                    "scheduled backup taken"
                ),
                Err(e) => tracing::error!(error = %e, "scheduled backup failed"),
            }
            wait = schedule.every;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_with_its_passphrase_only() {
        let key = DataKey::generate();
        let sealed = seal_key(&key, "correct horse battery").unwrap();
        assert_eq!(
            open_key(&sealed, "correct horse battery")
                .unwrap()
                .to_text(),
            key.to_text()
        );
        assert!(open_key(&sealed, "correct horse batterx")
            .unwrap_err()
            .contains("does not open"));
        assert!(seal_key(&key, "short").is_err(), "too short a passphrase");
        // A crafted file asking for a costly stretch is refused before it is tried.
        let costly = sealed.replace("\"iterations\": 2", "\"iterations\": 4000000");
        assert!(open_key(&costly, "correct horse battery")
            .unwrap_err()
            .contains("damaged"));
    }

    #[test]
    fn pruning_keeps_the_newest_complete_backups() {
        let under = std::env::temp_dir().join(format!("zhili-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&under);
        for (name, complete) in [
            ("zhili-20261201-020000", true),
            ("zhili-20261202-020000", false),
            ("zhili-20261203-020000", true),
            ("zhili-20261204-020000", true),
            ("zhili-20261205-020000", false),
            ("notes", true),
        ] {
            let dir = under.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            if complete {
                std::fs::write(dir.join(MANIFEST), "{}").unwrap();
            }
        }
        let removed = prune(&under, 2).unwrap();
        let names = |paths: Vec<PathBuf>| -> Vec<String> {
            let mut n: Vec<String> = paths
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect();
            n.sort();
            n
        };
        assert_eq!(
            names(removed),
            ["zhili-20261201-020000", "zhili-20261202-020000"],
            "the oldest complete one and an unfinished one older than the newest"
        );
        let left = names(
            std::fs::read_dir(&under)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect(),
        );
        assert_eq!(
            left,
            [
                "notes",
                "zhili-20261203-020000",
                "zhili-20261204-020000",
                "zhili-20261205-020000"
            ],
            "a backup still being written and what is not a backup are left alone"
        );
        assert!(prune(&under, 0).unwrap().len() == 1, "at least one is kept");
        std::fs::remove_dir_all(&under).unwrap();
    }

    #[test]
    fn directories_are_named_by_china_time() {
        // 2026-12-04T16:30:05Z is 2026-12-05 00:30:05 in China.
        assert_eq!(directory_name(1_796_401_805_000), "zhili-20261205-003005");
    }
}
