//! The reports near a new one, for its duplicate suggestion: same category, the cells around
//! its place, recent, read from one covering index.

use crate::*;
use sqlx::Row;

/// A duplicate suggestion looks at no more than the latest this many reports nearby.
const NEAR_MAX: usize = 50;

pub(crate) async fn events_near(
    store: &SqlStore,
    category: &str,
    since: i64,
    bbox: [f64; 4],
) -> Result<Vec<(i64, f64, f64)>> {
    let mut cells = zhili_domain::place::cells_within(bbox);
    // Padded to 3 x 3 so the statement has one shape (one prepared statement) for the
    // usual 100 m search.
    while cells.len() < 9 {
        cells.push(cells[cells.len() - 1]);
    }
    let marks: Vec<String> = (0..cells.len()).map(|i| format!("${}", i + 7)).collect();
    // Without statistics SQLite reads the category's whole day by its (category, time) index
    // instead, visiting every row: the check then grew with each day's reports.
    let indexed = match store.backend {
        crate::Backend::Sqlite => " INDEXED BY events_near",
        crate::Backend::Postgres => "",
    };
    let text = format!(
        "SELECT id, lon, lat FROM events{indexed} WHERE category = $1 AND reported_at >= $2 \
         AND lon >= $3 AND lat >= $4 AND lon <= $5 AND lat <= $6 AND status NOT IN ('rejected', 'merged') \
         AND place_cell IN ({}) ORDER BY reported_at DESC, id DESC LIMIT {NEAR_MAX}",
        marks.join(", ")
    );
    let mut query = sqlx::query(&text)
        .bind(category)
        .bind(since)
        .bind(bbox[0])
        .bind(bbox[1])
        .bind(bbox[2])
        .bind(bbox[3]);
    for cell in cells {
        query = query.bind(cell);
    }
    let rows = query.fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("lon")?, r.try_get("lat")?)))
        .collect()
}
