//! The open events of the whole district, kept in memory for the map and brought up to date
//! from the hash-chained record on each use: one indexed read of the actions recorded since
//! the last use, then only the events they touched. Writes by other servers of a PostgreSQL
//! deployment are seen the same way, since they are in the same record.

use crate::reference::Reference;
use std::collections::BTreeMap;
use std::sync::Arc;
use zhili_domain::event::Warning;
use zhili_domain::{RegionCode, Scope};
use zhili_store::{EventPoint, Store, StoreError};

/// Most open events the layer is built with (newest first); the map shows as many.
pub const MAX_POINTS: usize = 50_000;
/// More recorded actions than this since the last use: build again instead of catching up.
const CATCH_UP_LIMIT: i64 = 20_000;

#[derive(Clone)]
pub struct OpenEvents {
    /// The last action of the record this layer reflects.
    pub seq: i64,
    pub points: BTreeMap<i64, MapPoint>,
    /// The reference data (working calendar) the yellow instants were computed with.
    reference: Arc<Reference>,
}

#[derive(Clone)]
pub struct MapPoint {
    pub point: EventPoint,
    /// When the running step turns yellow: the warning is then two comparisons per answer
    /// instead of two walks over the working calendar.
    pub yellow_at: Option<i64>,
}

impl MapPoint {
    fn new(point: EventPoint, reference: &Reference) -> MapPoint {
        let yellow_at = Warning::yellow_at(
            point.step_started,
            point.step_due,
            point.clock,
            &reference.calendar,
        );
        MapPoint { point, yellow_at }
    }

    pub fn warning(&self, now: i64) -> Warning {
        Warning::at(self.yellow_at, self.point.step_due, now)
    }
}

#[derive(Default)]
pub struct OpenLayer {
    current: tokio::sync::Mutex<Option<Arc<OpenEvents>>>,
}

impl OpenLayer {
    /// The layer as of now. Callers in a burst share one catch-up.
    pub async fn current(
        &self,
        store: &dyn Store,
        root: &RegionCode,
        reference: &Arc<Reference>,
    ) -> Result<Arc<OpenEvents>, StoreError> {
        let mut slot = self.current.lock().await;
        if let Some(layer) = slot.as_mut() {
            if !Arc::ptr_eq(&layer.reference, reference) {
                // The calendar may have changed: every yellow instant again.
                let open = Arc::make_mut(layer);
                open.reference = reference.clone();
                for p in open.points.values_mut() {
                    *p = MapPoint::new(p.point.clone(), reference);
                }
            }
            let (last, ids) = store.changed_events(layer.seq, CATCH_UP_LIMIT).await?;
            if last == layer.seq {
                return Ok(layer.clone());
            }
            if last - layer.seq < CATCH_UP_LIMIT {
                let fresh = store.event_points(&ids).await?;
                // Copies the map only while an answer is still being written from it.
                let open = Arc::make_mut(layer);
                for id in &ids {
                    open.points.remove(id);
                }
                for p in fresh.into_iter().filter(|p| p.status.is_open()) {
                    open.points.insert(p.id, MapPoint::new(p, reference));
                }
                open.seq = last;
                return Ok(layer.clone());
            }
        }
        // First use, or too far behind. The head is read first: anything recorded after it
        // is applied again on the next use, which changes nothing.
        let (seq, _) = store.chain_head().await?;
        let whole = Scope::whole(root.clone());
        let points = store
            .open_event_points(&whole, MAX_POINTS as i64)
            .await?
            .into_iter()
            .map(|p| (p.id, MapPoint::new(p, reference)))
            .collect();
        let layer = Arc::new(OpenEvents {
            seq,
            points,
            reference: reference.clone(),
        });
        *slot = Some(layer.clone());
        Ok(layer)
    }
}
