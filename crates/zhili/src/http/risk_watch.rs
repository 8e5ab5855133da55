//! The server's risk watch: the indicators evaluated after reports and every few minutes.

use crate::state::AppState;
use std::sync::Arc;

/// How long the risk watch waits after reports before evaluating again: a few seconds, so a
/// burst of intake costs one evaluation, and at least three times as long as the last
/// evaluation took, so that on a large database (ten million events: seconds of counting) the
/// evaluation takes at most a quarter of a core from the requests it runs beside.
fn risk_pause(last_took: std::time::Duration) -> std::time::Duration {
    std::time::Duration::from_secs(3).max(last_took * 3)
}

/// Evaluates the risk indicators a few seconds after reports arrive (paced by `risk_pause`)
/// and every few minutes regardless, so that quiet areas clear.
pub(super) async fn watch_risks(state: Arc<AppState>) {
    const RISK_EVERY: std::time::Duration = std::time::Duration::from_secs(300);
    let mut notices = state.notices.subscribe();
    // The first evaluation at start: what happened while the server was down is seen at once.
    let mut first = true;
    let mut last_took = std::time::Duration::ZERO;
    loop {
        let woke = if std::mem::take(&mut first) {
            Ok(Ok(()))
        } else {
            tokio::time::timeout(RISK_EVERY, notices.recv())
                .await
                .map(|r| r.map(|_| ()))
        };
        if matches!(
            woke,
            Ok(Err(tokio::sync::broadcast::error::RecvError::Closed))
        ) {
            return;
        }
        tokio::time::sleep(risk_pause(last_took)).await;
        // What arrived while waiting is covered by this evaluation.
        while notices.try_recv().is_ok() {}
        let started = std::time::Instant::now();
        let done = crate::usecase::risk::evaluate(&state, crate::now_ms()).await;
        last_took = started.elapsed();
        match done {
            Ok(done) if !done.raised.is_empty() => {
                tracing::info!(
                    raised = done.raised.len(),
                    cleared = done.cleared,
                    "risk alerts"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "risk evaluation failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn the_risk_watch_rests_three_times_as_long_as_it_counted() {
        assert_eq!(super::risk_pause(Duration::ZERO), Duration::from_secs(3));
        assert_eq!(
            super::risk_pause(Duration::from_millis(200)),
            Duration::from_secs(3)
        );
        assert_eq!(
            super::risk_pause(Duration::from_secs(15)),
            Duration::from_secs(45)
        );
    }
}
