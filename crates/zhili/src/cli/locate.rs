//! `zhili locate FILE`: every point's district, town, village and grid, written beside it.

use super::*;
use zhili::batch_locate::{self, Options};

/// Files larger than this are refused: the file and its answer are held in memory.
const MAX_FILE: u64 = 4 << 30;

#[derive(Args)]
pub(super) struct LocateArgs {
    /// The points (.csv, or .geojson / .json).
    file: std::path::PathBuf,
    /// Where to write (default: beside the file, `NAME.located.csv` or `.geojson`).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// The coordinate system of the points: wgs84 (= cgcs2000 here), gcj02 or bd09.
    #[arg(long, default_value = "wgs84")]
    crs: String,
    /// The longitude column (default: lon, lng, longitude, x or 经度).
    #[arg(long)]
    lon: Option<String>,
    /// The latitude column (default: lat, latitude, y or 纬度).
    #[arg(long)]
    lat: Option<String>,
    /// Threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    db: Db,
}

pub(super) async fn locate(a: LocateArgs) -> ExitCode {
    let db = &a.db;
    let Some(crs) = zhili_spatial::Crs::parse(&a.crs) else {
        return fail(format!(
            "--crs {:?}: one of wgs84, cgcs2000, gcj02, bd09",
            a.crs
        ));
    };
    let geojson = matches!(
        a.file
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("geojson" | "json")
    );
    let size = match std::fs::metadata(&a.file) {
        Ok(m) => m.len(),
        Err(e) => return fail(format!("{}: {e}", a.file.display())),
    };
    if size > MAX_FILE {
        return fail(format!(
            "{}: {} MB is more than this command reads at once ({} MB); split the file",
            a.file.display(),
            size >> 20,
            MAX_FILE >> 20
        ));
    }
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let index = match zhili::regions::RegionIndex::load(&store).await {
        Ok(i) if !i.grids.is_empty() => i,
        Ok(_) => return fail("the database holds no grids: import them first"),
        Err(e) => return fail(e),
    };
    let started = std::time::Instant::now();
    let input = match std::fs::read(&a.file) {
        Ok(b) => b,
        Err(e) => return fail(format!("{}: {e}", a.file.display())),
    };
    let read = started.elapsed();
    let options = Options {
        crs,
        lon_column: a.lon,
        lat_column: a.lat,
        threads: a
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    };
    let out = a.out.unwrap_or_else(|| {
        let stem = a
            .file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("points");
        let ext = if geojson { "geojson" } else { "csv" };
        a.file.with_file_name(format!("{stem}.located.{ext}"))
    });
    let file = match std::fs::File::create(&out) {
        Ok(f) => f,
        Err(e) => return fail(format!("{}: {e}", out.display())),
    };
    let mut sink = std::io::BufWriter::with_capacity(1 << 20, file);
    let located = if geojson {
        batch_locate::locate_geojson(&index, &input, &options, &mut sink)
    } else {
        batch_locate::locate_csv(&index, &input, &options, &mut sink)
    };
    let tally = match located.and_then(|t| {
        std::io::Write::flush(&mut sink).map_err(|e| format!("cannot write: {e}"))?;
        Ok(t)
    }) {
        Ok(t) => t,
        Err(e) => {
            drop(sink);
            let _ = std::fs::remove_file(&out);
            return fail(format!("{}: {e}", a.file.display()));
        }
    };
    let total = started.elapsed().as_secs_f64();
    eprintln!(
        "{} rows: {} in a grid, {} outside the district's grids, {} with unreadable coordinates{}",
        tally.rows(),
        tally.located,
        tally.outside,
        tally.unreadable,
        tally
            .first_unreadable
            .map(|l| format!(" (the first on line {l})"))
            .unwrap_or_default()
    );
    eprintln!(
        "written to {} in {:.2} s ({:.2} M rows/s on {} threads, reading {:.2} s of it)",
        out.display(),
        total,
        tally.rows() as f64 / total.max(1e-9) / 1e6,
        options.threads,
        read.as_secs_f64()
    );
    ExitCode::SUCCESS
}
