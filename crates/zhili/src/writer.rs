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

type BatchReply<O> = tokio::sync::oneshot::Sender<Result<O, zhili_store::StoreError>>;

/// One task takes whatever jobs wait (up to `WRITE_BATCH`) and writes them with `write` in one
/// transaction, answering each job's outcome in order; a failed batch fails every job in it
/// (nothing of it was written).
fn spawn_batch_writer<J, O, F, Fut>(
    what: &'static str,
    capacity: usize,
    write: F,
) -> tokio::sync::mpsc::Sender<(J, BatchReply<O>)>
where
    J: Send + 'static,
    O: Send + 'static,
    F: Fn(Vec<J>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Vec<O>, zhili_store::StoreError>> + Send,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(J, BatchReply<O>)>(capacity);
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
            let count = jobs.len();
            match write(jobs).await {
                Ok(outcomes) => {
                    for (reply, outcome) in replies.into_iter().zip(outcomes) {
                        let _ = reply.send(Ok(outcome));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, jobs = count, "{what} write failed; nothing of the batch was written");
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        }
    });
    tx
}

type CodeReply = BatchReply<zhili_store::CodeOutcome>;

/// The residents' code requests and answers, written as the events are: whatever waits goes in
/// one transaction, each judged in turn as if alone, so a crowd signing up shares its commits.
pub(crate) fn spawn_code_writer(
    store: Arc<dyn Store>,
) -> tokio::sync::mpsc::Sender<(zhili_store::CodeJob, CodeReply)> {
    spawn_batch_writer("code", 4096, move |jobs: Vec<zhili_store::CodeJob>| {
        let store = store.clone();
        async move { store.code_batch(&jobs).await }
    })
}

pub(crate) type PointReply =
    BatchReply<Result<zhili_store::PointOutcome, zhili_domain::DomainError>>;

/// The points writer: awards, claims and redemptions waiting are written in one transaction,
/// each judged in turn as if alone (a cap, a stock, a balance sees those before it).
pub(crate) fn spawn_point_writer(
    store: Arc<dyn Store>,
) -> tokio::sync::mpsc::Sender<(zhili_store::PointJob, PointReply)> {
    spawn_batch_writer("points", 8192, move |jobs: Vec<zhili_store::PointJob>| {
        let store = store.clone();
        async move { store.point_batch(&jobs).await }
    })
}
