//! The event writer: one task takes every report and change waiting and writes them in one
//! transaction (group commit), so concurrent writers share one durable commit.

use std::sync::Arc;
use zhili_domain::chain::Actor;
use zhili_store::Store;

type Reply =
    tokio::sync::oneshot::Sender<Result<zhili_store::EventRecord, zhili_store::StoreError>>;

/// A report or a change waiting to be written, and where its answer goes.
pub enum WriteJob {
    Report {
        actor: Actor,
        event: zhili_store::NewEvent,
        now: i64,
        reply: Reply,
    },
    Change {
        request: zhili_store::ChangeRequest,
        reply: Reply,
    },
}

/// Most reports and changes one commit carries.
const WRITE_BATCH: usize = 256;

/// One writer takes every report and change waiting and writes them in one transaction, so
/// concurrent writers share one durable commit (one fsync) instead of queueing for one
/// each. A lone write goes at once; under load the batches grow by themselves.
pub(crate) fn spawn_event_writer(store: Arc<dyn Store>) -> tokio::sync::mpsc::Sender<WriteJob> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<WriteJob>(4096);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut jobs = vec![first];
            while jobs.len() < WRITE_BATCH {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            let mut batch = zhili_store::EventBatch::default();
            let (mut report_replies, mut change_replies) = (Vec::new(), Vec::new());
            for job in jobs {
                match job {
                    WriteJob::Report {
                        actor,
                        event,
                        now,
                        reply,
                    } => {
                        batch.reports.push((actor, event, now));
                        report_replies.push(reply);
                    }
                    WriteJob::Change { request, reply } => {
                        batch.changes.push(request);
                        change_replies.push(reply);
                    }
                }
            }
            match store.write_events(&batch).await {
                Ok(written) => {
                    for (reply, record) in report_replies.into_iter().zip(written.created) {
                        let _ = reply.send(Ok(record));
                    }
                    for (reply, outcome) in change_replies.into_iter().zip(written.changed) {
                        let _ = reply.send(outcome);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, reports = batch.reports.len(), changes = batch.changes.len(),
                        "event write failed; nothing of the batch was written");
                    for reply in report_replies.into_iter().chain(change_replies) {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        }
    });
    tx
}

type CodeReply =
    tokio::sync::oneshot::Sender<Result<zhili_store::CodeOutcome, zhili_store::StoreError>>;

/// The residents' code requests and answers, written as the events are: whatever waits goes in
/// one transaction, each judged in turn as if alone, so a crowd signing up shares its commits.
pub(crate) fn spawn_code_writer(
    store: Arc<dyn Store>,
) -> tokio::sync::mpsc::Sender<(zhili_store::CodeJob, CodeReply)> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(zhili_store::CodeJob, CodeReply)>(4096);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut waiting = vec![first];
            while waiting.len() < WRITE_BATCH {
                match rx.try_recv() {
                    Ok(job) => waiting.push(job),
                    Err(_) => break,
                }
            }
            let (jobs, replies): (Vec<_>, Vec<_>) = waiting.into_iter().unzip();
            match store.code_batch(&jobs).await {
                Ok(outcomes) => {
                    for (reply, outcome) in replies.into_iter().zip(outcomes) {
                        let _ = reply.send(Ok(outcome));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, jobs = jobs.len(), "code write failed; nothing of the batch was written");
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        }
    });
    tx
}

pub(crate) type PointReply = tokio::sync::oneshot::Sender<
    Result<Result<zhili_store::PointOutcome, zhili_domain::DomainError>, zhili_store::StoreError>,
>;

/// The points writer: awards, claims and redemptions waiting are written in one transaction,
/// each judged in turn as if alone (a cap, a stock, a balance sees those before it).
pub(crate) fn spawn_point_writer(
    store: Arc<dyn Store>,
) -> tokio::sync::mpsc::Sender<(zhili_store::PointJob, PointReply)> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(zhili_store::PointJob, PointReply)>(8192);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut waiting = vec![first];
            while waiting.len() < WRITE_BATCH {
                match rx.try_recv() {
                    Ok(job) => waiting.push(job),
                    Err(_) => break,
                }
            }
            let (jobs, replies): (Vec<_>, Vec<_>) = waiting.into_iter().unzip();
            match store.point_batch(&jobs).await {
                Ok(outcomes) => {
                    for (reply, outcome) in replies.into_iter().zip(outcomes) {
                        let _ = reply.send(Ok(outcome));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, jobs = jobs.len(), "points write failed; nothing of the batch was written");
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        }
    });
    tx
}
