//! `zhili audit verify`: re-hash the record and check its head — from the last verified
//! checkpoint (what is new since), or all of it with `--full`.

use super::*;

/// Where the last verification ended: `"<seq> <hash>"`.
const CHECKPOINT: &str = "audit_checkpoint";

pub(super) async fn audit_verify(db: &Db, full: bool) -> ExitCode {
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
    // Months of the record detached for archiving are verified where they are kept; what
    // stays attached starts where the archive ends.
    let mut start = match archived_through(&store).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("audit: {e}");
            return ExitCode::FAILURE;
        }
    };
    let archive_end = start.last().0;
    if !full {
        match checkpoint(&store, archive_end).await {
            Ok(Some(c)) => start = c,
            Ok(None) => {}
            Err(e) => {
                eprintln!("audit: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let from = start.last().0;
    let started = std::time::Instant::now();
    let check = match store.verify_chain(start, head_seq).await {
        Ok(Ok(c)) => c,
        Ok(Err(broken)) => {
            eprintln!("audit: record {} is broken: {}", broken.seq, broken.reason);
            return ExitCode::FAILURE;
        }
        Err(e) => return fail(e),
    };
    let (last, last_hash) = check.last();
    // The head must agree with the last record, or records were cut off the end.
    if last != head_seq || last_hash != head_hash {
        eprintln!(
            "audit: record {head_seq} is broken: the chain head does not match the last record"
        );
        return ExitCode::FAILURE;
    }
    let secs = started.elapsed().as_secs_f64();
    let what = if from == 0 {
        format!("{} records verified", check.checked())
    } else if from == archive_end {
        format!(
            "{} records after the archived months (which end at {from}) verified",
            check.checked()
        )
    } else {
        format!(
            "{} records after the checkpoint at {from} verified",
            check.checked()
        )
    };
    // The verification is itself recorded, and where it ended is the next run's checkpoint.
    let mut done = Actor::system().action(now_ms(), "audit.verify", "chain");
    done.opinion = Some(format!("{what}; head {head_seq} {head_hash}"));
    if let Err(e) = store.record_read(done).await {
        return fail(e);
    }
    if let Err(e) = store
        .set_meta(CHECKPOINT, &format!("{head_seq} {head_hash}"))
        .await
    {
        return fail(e);
    }
    println!(
        "audit: {what} in {secs:.1} s ({:.0} records/s); the chain is intact.",
        check.checked() as f64 / secs.max(1e-9)
    );
    ExitCode::SUCCESS
}

/// Where the archived months of the record end (a fresh chain when none is archived).
async fn archived_through(store: &zhili_store::SqlStore) -> Result<chain::ChainCheck, String> {
    let Some(text) = store
        .meta(zhili_store::ARCHIVED_THROUGH)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(chain::ChainCheck::new());
    };
    text.split_once(' ')
        .and_then(|(s, h)| chain::ChainCheck::after(s.parse().ok()?, h))
        .ok_or_else(|| format!("{} is unreadable", zhili_store::ARCHIVED_THROUGH))
}

/// The last verification's end, confirmed still to be the record it was.
/// One at or before the archive's end is passed by: what it covered is archived.
async fn checkpoint(
    store: &zhili_store::SqlStore,
    archive_end: i64,
) -> Result<Option<chain::ChainCheck>, String> {
    let Some(text) = store.meta(CHECKPOINT).await.map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let (seq, hash) = text
        .split_once(' ')
        .and_then(|(s, h)| Some((s.parse::<i64>().ok()?, h.to_string())))
        .ok_or("the checkpoint is unreadable; run `zhili audit verify --full`")?;
    if seq <= archive_end {
        return Ok(None);
    }
    let record = store
        .actions(seq - 1, 1)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .next();
    match record {
        Some(a) if a.seq == seq && a.hash == hash => chain::ChainCheck::after(seq, &hash)
            .map(Some)
            .ok_or_else(|| "the checkpoint is unreadable; run `zhili audit verify --full`".into()),
        _ => Err(format!(
            "record {seq} is broken: it no longer matches the last verification's checkpoint; run `zhili audit verify --full`"
        )),
    }
}
