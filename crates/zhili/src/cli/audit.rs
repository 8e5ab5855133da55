//! `zhili audit verify`: re-hash the whole record and check its head.

use super::*;

pub(super) async fn audit_verify(db: &Db) -> ExitCode {
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
