//! `zhili key rotate | status | retire`: the data key ring (`zhili::keyring`) and the
//! re-seal that moves stored values to its current key (`zhili::key_rotation`).

use super::*;
use zhili::crypto::DataKey;

#[derive(Subcommand)]
pub(super) enum KeyAction {
    /// Put a fresh key at the front of the ring in the key file. Running servers read the
    /// file again within seconds, seal with the new key from then on, and re-seal what is
    /// stored in the background; the old key stays in the ring until `zhili key retire`.
    Rotate {
        #[command(flatten)]
        db: Db,
        /// Print the new ring instead of writing the key file (for a ring kept in
        /// ZHILI_DATA_KEY: see docs/operating.md for the order of restarts).
        #[arg(long)]
        print: bool,
    },
    /// The ring's keys, each table's re-seal, and how many values each sealed column still
    /// holds under an older key.
    Status {
        #[command(flatten)]
        db: Db,
    },
    /// Re-seal here whatever is left under older keys, check that nothing is, then drop the
    /// older keys from the ring (backups taken before keep their own copy of the old ring).
    Retire {
        #[command(flatten)]
        db: Db,
        /// Print the ring of the current key instead of writing the key file.
        #[arg(long)]
        print: bool,
    },
}

pub(super) async fn run(action: KeyAction) -> ExitCode {
    let result = match action {
        KeyAction::Rotate { db, print } => rotate(&db, print).await,
        KeyAction::Status { db } => status(&db).await,
        KeyAction::Retire { db, print } => retire(&db, print).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// The ring as it is now: ZHILI_DATA_KEY, or the key file (which must exist: a rotation
/// never starts a ring of its own).
fn ring(db: &Db) -> Result<(DataKey, Option<std::path::PathBuf>), String> {
    if let Ok(text) = std::env::var("ZHILI_DATA_KEY") {
        return Ok((DataKey::from_text(&text)?, None));
    }
    let path = db.key_file();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?;
    let key = DataKey::from_text(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((key, Some(path)))
}

/// Writes the ring to the key file, or prints it.
fn put(ring: &DataKey, file: Option<&std::path::Path>, print: bool) -> Result<(), String> {
    match (file, print) {
        (_, true) => {
            print!("{}", ring.to_text());
            Ok(())
        }
        (Some(path), false) => zhili::keyring::replace_file(path, ring),
        (None, false) => Err(
            "the ring comes from ZHILI_DATA_KEY: add --print and deploy the printed ring (docs/operating.md)"
                .into(),
        ),
    }
}

fn ids(key: &DataKey) -> String {
    let ids: Vec<String> = key.ids().iter().map(|i| format!("k{i}")).collect();
    format!("{} (current: k{})", ids.join(", "), key.current_id())
}

fn operator() -> Actor {
    Actor {
        username: zhili::usecase::accounts::operator_name(),
        unit: None,
    }
}

async fn rotate(db: &Db, print: bool) -> Result<(), String> {
    let (key, file) = ring(db)?;
    let store = open(db).await?;
    let rotated = key.rotated()?;
    put(&rotated, file.as_deref(), print)?;
    let mut done = operator().action(now_ms(), "key.rotate", "data_key");
    done.opinion = Some(format!("ring {}", ids(&rotated)));
    store.record_read(done).await.map_err(|e| e.to_string())?;
    eprintln!(
        "key ring: {}. Servers read the key file again within seconds and re-seal what is stored in the background; `zhili key status` shows how far, `zhili key retire` drops the old keys.",
        ids(&rotated)
    );
    Ok(())
}

async fn status(db: &Db) -> Result<(), String> {
    let (key, _) = ring(db)?;
    let store = open(db).await?;
    println!("key ring: {}", ids(&key));
    let current = key.current_id();
    for table in zhili_store::SEALED_TABLES {
        let p = store
            .reseal_progress(table, current)
            .await
            .map_err(|e| e.to_string())?;
        let state = match (p.done_at, &p.after) {
            (Some(at), _) => format!("done {}", zhili_domain::time::beijing_minute(at)),
            (None, Some(after)) => format!("under way, after row {after:?}"),
            (None, None) => "not started".into(),
        };
        println!(
            "{:<24} {} values sealed again, {state}",
            table.table, p.resealed
        );
    }
    let counts = zhili::key_rotation::stale_counts(&store, &key)
        .await
        .map_err(|e| e.to_string())?;
    let left: i64 = counts.iter().map(|c| c.2).sum();
    for (table, column, n) in counts.iter().filter(|c| c.2 > 0) {
        println!("{table}.{column}: {n} values under an older key");
    }
    println!("{left} values under an older key");
    Ok(())
}

async fn retire(db: &Db, print: bool) -> Result<(), String> {
    let (key, file) = ring(db)?;
    if key.ids().len() < 2 {
        return Err(format!(
            "the ring holds one key ({}): nothing to retire",
            ids(&key)
        ));
    }
    let store = open(db).await?;
    let written = zhili::key_rotation::reseal_all(&store, &key, std::time::Duration::ZERO)
        .await
        .map_err(|e| e.to_string())?;
    if written > 0 {
        eprintln!("sealed {written} values again under k{}", key.current_id());
    }
    let counts = zhili::key_rotation::stale_counts(&store, &key)
        .await
        .map_err(|e| e.to_string())?;
    let left: Vec<String> = counts
        .iter()
        .filter(|c| c.2 > 0)
        .map(|(t, c, n)| format!("{t}.{c}: {n}"))
        .collect();
    if !left.is_empty() {
        return Err(format!(
            "values no key of the ring opens are still stored ({}); the old keys are kept",
            left.join(", ")
        ));
    }
    let retired = key.retired();
    put(&retired, file.as_deref(), print)?;
    let mut done = operator().action(now_ms(), "key.retire", "data_key");
    done.opinion = Some(format!("ring {} (was {})", ids(&retired), ids(&key)));
    store.record_read(done).await.map_err(|e| e.to_string())?;
    eprintln!("key ring: {}", ids(&retired));
    Ok(())
}
