//! `zhili locate`: the district, town, village and grid of every point in a file people bring —
//! a CSV with longitude and latitude columns, or a GeoJSON FeatureCollection of points — in the
//! coordinate system they say (WGS 84 / CGCS2000, GCJ-02, BD-09), written beside each row.
//!
//! A CSV without quotes is split at line ends into one piece per core and each piece located on
//! its own thread, every row copied through byte for byte with its place appended (one suffix per
//! grid, made once); a CSV with quotes is read and written by the `csv` crate, in order, on one
//! thread. A row whose coordinates cannot be read, or that lies in no grid, keeps its place empty
//! and says why in `problem` (`bad_coordinates`, `outside`, `not_a_point`).

use crate::regions::{GridChain, RegionIndex};
use serde_json::{json, Value};
use zhili_spatial::Crs;

/// Columns appended to every row, in order.
pub const COLUMNS: [&str; 10] = [
    "district_code",
    "district_name",
    "town_code",
    "town_name",
    "village_code",
    "village_name",
    "grid_code",
    "grid_name",
    "near_boundary",
    "problem",
];

/// Names a longitude or latitude column goes by, matched without regard to case.
const LON_NAMES: [&str; 6] = ["lon", "lng", "long", "longitude", "x", "经度"];
const LAT_NAMES: [&str; 4] = ["lat", "latitude", "y", "纬度"];

/// What was found, for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub located: u64,
    pub outside: u64,
    pub unreadable: u64,
    /// The first unreadable row (1-based line of the file, the header being line 1).
    pub first_unreadable: Option<u64>,
}

impl Tally {
    fn add(&mut self, other: Tally, line_offset: u64) {
        self.located += other.located;
        self.outside += other.outside;
        if self.first_unreadable.is_none() {
            self.first_unreadable = other.first_unreadable.map(|l| l + line_offset);
        }
        self.unreadable += other.unreadable;
    }

    pub fn rows(&self) -> u64 {
        self.located + self.outside + self.unreadable
    }
}

/// What the caller says of the input.
#[derive(Clone, Debug)]
pub struct Options {
    pub crs: Crs,
    pub lon_column: Option<String>,
    pub lat_column: Option<String>,
    pub threads: usize,
}

/// Each grid's appended CSV text, made once: `,district_code,…,grid_name,` (the near-boundary
/// flag and problem follow).
struct Suffixes(Vec<String>);

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Suffixes {
    fn new(index: &RegionIndex) -> Suffixes {
        Suffixes(
            index
                .grids
                .iter()
                .map(|c| {
                    let mut s = String::new();
                    for part in chain_parts(c) {
                        s.push(',');
                        s.push_str(&csv_field(part));
                    }
                    s.push(',');
                    s
                })
                .collect(),
        )
    }
}

fn chain_parts(c: &GridChain) -> [&str; 8] {
    [
        &c.district.code,
        &c.district.name,
        &c.town.code,
        &c.town.name,
        &c.village.code,
        &c.village.name,
        &c.grid.code,
        &c.grid.name,
    ]
}

/// A coordinate as written in a cell (spaces allowed around it).
fn number(cell: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(cell).ok()?.trim();
    let v: f64 = text.parse().ok()?;
    v.is_finite().then_some(v)
}

enum Found {
    Grid(usize, bool),
    Outside,
    Unreadable,
}

fn find(index: &RegionIndex, crs: Crs, lon: Option<f64>, lat: Option<f64>) -> Found {
    let (Some(lon), Some(lat)) = (lon, lat) else {
        return Found::Unreadable;
    };
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Found::Unreadable;
    }
    let (lon, lat) = crs.to_wgs84(lon, lat);
    match index.locate.locate(lon, lat) {
        Some(hit) => Found::Grid(hit.shape as usize, hit.near_boundary),
        None => Found::Outside,
    }
}

/// The header's lon and lat positions: as named, or by the usual names.
fn columns(header: &[String], o: &Options) -> Result<(usize, usize), String> {
    let position = |asked: &Option<String>, usual: &[&str], what: &str| {
        let found = match asked {
            Some(name) => header.iter().position(|h| h.trim() == name.trim()),
            None => header
                .iter()
                .position(|h| usual.iter().any(|u| h.trim().eq_ignore_ascii_case(u))),
        };
        found.ok_or_else(|| {
            format!(
                "no {what} column (looked for {}; the header is: {})",
                asked
                    .as_deref()
                    .map_or_else(|| usual.join(", "), |a| a.to_string()),
                header.join(", ")
            )
        })
    };
    Ok((
        position(&o.lon_column, &LON_NAMES, "longitude")?,
        position(&o.lat_column, &LAT_NAMES, "latitude")?,
    ))
}

/// Pieces per thread: the pieces done are written while later ones are located.
const PIECES_PER_THREAD: usize = 16;

/// Locates every row of a CSV and writes it, the place columns appended, to `out`.
pub fn locate_csv(
    index: &RegionIndex,
    input: &[u8],
    o: &Options,
    out: &mut dyn std::io::Write,
) -> Result<Tally, String> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    if std::str::from_utf8(input).is_err() {
        return Err("the file is not UTF-8 text (save it as \"CSV UTF-8\")".into());
    }
    let header_end = memchr::memchr(b'\n', input).map_or(input.len(), |i| i + 1);
    let header_line = &input[..header_end];
    let header: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(header_line)
        .records()
        .next()
        .ok_or("the file is empty")?
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let (lon, lat) = columns(&header, o)?;
    let body = &input[header_end..];
    if memchr::memchr(b'"', body).is_some() {
        return locate_quoted(index, &header, body, (lon, lat), o.crs, out);
    }
    let suffixes = Suffixes::new(index);
    let io = |e: std::io::Error| format!("cannot write: {e}");
    let mut head = header_line.strip_suffix(b"\n").unwrap_or(header_line);
    head = head.strip_suffix(b"\r").unwrap_or(head);
    out.write_all(head).map_err(io)?;
    for c in COLUMNS {
        out.write_all(b",").map_err(io)?;
        out.write_all(c.as_bytes()).map_err(io)?;
    }
    out.write_all(b"\n").map_err(io)?;
    // Pieces of about equal size, each ending at a line end.
    let threads = o.threads.max(1);
    let count = threads * PIECES_PER_THREAD;
    let mut pieces = Vec::with_capacity(count);
    let mut start = 0;
    for t in 1..=count {
        let end = if t == count {
            body.len()
        } else {
            let cut = (body.len() * t / count).max(start);
            memchr::memchr(b'\n', &body[cut..]).map_or(body.len(), |i| cut + i + 1)
        };
        pieces.push(&body[start..end]);
        start = end;
    }
    // Threads take the next piece as they finish one; this thread writes them in order.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (done, finished) = std::sync::mpsc::channel::<(usize, Vec<u8>, Tally, u64)>();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (done, next, pieces, suffixes) = (done.clone(), &next, &pieces, &suffixes);
            s.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(piece) = pieces.get(i) else { break };
                let (bytes, tally, lines) = locate_lines(index, piece, (lon, lat), o.crs, suffixes);
                if done.send((i, bytes, tally, lines)).is_err() {
                    break;
                }
            });
        }
        drop(done);
        let mut waiting = std::collections::BTreeMap::new();
        let mut tally = Tally::default();
        let mut lines_before = 1; // the header
        let mut written = 0;
        for (i, bytes, t, lines) in finished {
            waiting.insert(i, (bytes, t, lines));
            while let Some((bytes, t, lines)) = waiting.remove(&written) {
                out.write_all(&bytes).map_err(io)?;
                tally.add(t, lines_before);
                lines_before += lines;
                written += 1;
            }
        }
        Ok(tally)
    })
}

/// One piece of unquoted lines; answers its output, its tally (lines counted from 1 within the
/// piece) and how many lines it held.
fn locate_lines(
    index: &RegionIndex,
    piece: &[u8],
    (lon, lat): (usize, usize),
    crs: Crs,
    suffixes: &Suffixes,
) -> (Vec<u8>, Tally, u64) {
    let mut out = Vec::with_capacity(piece.len() * 2);
    let mut tally = Tally::default();
    let mut n = 0u64;
    for raw in piece.split_inclusive(|&b| b == b'\n') {
        n += 1;
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let (mut x, mut y) = (None, None);
        for (i, cell) in line.split(|&b| b == b',').enumerate() {
            if i == lon {
                x = number(cell);
            }
            if i == lat {
                y = number(cell);
            }
        }
        out.extend_from_slice(line);
        match find(index, crs, x, y) {
            Found::Grid(g, near) => {
                tally.located += 1;
                out.extend_from_slice(suffixes.0[g].as_bytes());
                out.extend_from_slice(if near { b"true," } else { b"false," });
            }
            Found::Outside => {
                tally.outside += 1;
                out.extend_from_slice(b",,,,,,,,,outside");
            }
            Found::Unreadable => {
                tally.unreadable += 1;
                tally.first_unreadable.get_or_insert(n);
                out.extend_from_slice(b",,,,,,,,,bad_coordinates");
            }
        }
        out.push(b'\n');
    }
    (out, tally, n)
}

/// Rows with quoted cells (commas or line ends inside a cell): read and written by the csv
/// crate, on one thread.
fn locate_quoted(
    index: &RegionIndex,
    header: &[String],
    body: &[u8],
    (lon, lat): (usize, usize),
    crs: Crs,
    out: &mut dyn std::io::Write,
) -> Result<Tally, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(out);
    let mut head: Vec<&str> = header.iter().map(String::as_str).collect();
    head.extend(COLUMNS);
    writer.write_record(&head).map_err(|e| e.to_string())?;
    let mut tally = Tally::default();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(format!("line {}: {e}", record_line(&e))),
        }
        let line = record.position().map_or(0, |p| p.line() + 1);
        let found = find(
            index,
            crs,
            record.get(lon).and_then(number),
            record.get(lat).and_then(number),
        );
        let mut row: Vec<&[u8]> = record.iter().collect();
        let near;
        match &found {
            Found::Grid(g, n) => {
                tally.located += 1;
                row.extend(chain_parts(&index.grids[*g]).map(str::as_bytes));
                near = if *n { "true" } else { "false" };
                row.extend([near.as_bytes(), b""]);
            }
            Found::Outside => {
                tally.outside += 1;
                row.extend([&b""[..]; 9]);
                row.push(b"outside");
            }
            Found::Unreadable => {
                tally.unreadable += 1;
                tally.first_unreadable.get_or_insert(line);
                row.extend([&b""[..]; 9]);
                row.push(b"bad_coordinates");
            }
        }
        writer.write_record(&row).map_err(|e| e.to_string())?;
    }
    writer.flush().map_err(|e| format!("cannot write: {e}"))?;
    Ok(tally)
}

fn record_line(e: &csv::Error) -> u64 {
    e.position().map_or(0, |p| p.line() + 1)
}

/// The coordinate system a GeoJSON file names (the 2008 `crs` member), WGS 84 when it names
/// none: RFC 7946 GeoJSON is always WGS 84.
fn geojson_crs(doc: &Value, asked: Crs) -> Result<Crs, String> {
    let Some(name) = doc["crs"]["properties"]["name"].as_str() else {
        return Ok(asked);
    };
    let n = name.to_ascii_lowercase();
    if n.ends_with("crs84") || n.ends_with(":4326") || n.ends_with(":4490") {
        return Ok(Crs::Wgs84); // CGCS2000 (EPSG:4490) is WGS 84 to within centimetres here
    }
    Crs::parse(name).ok_or_else(|| {
        format!(
            "the file's coordinate system {name:?} is not one of WGS 84, CGCS2000, GCJ-02 or BD-09"
        )
    })
}

/// Locates every point feature of a FeatureCollection and writes it to `out` with the place
/// in each feature's properties.
pub fn locate_geojson(
    index: &RegionIndex,
    input: &[u8],
    o: &Options,
    out: &mut dyn std::io::Write,
) -> Result<Tally, String> {
    let mut doc: Value = serde_json::from_slice(input).map_err(|e| format!("not GeoJSON: {e}"))?;
    if doc["type"] != "FeatureCollection" {
        return Err("not a GeoJSON FeatureCollection".into());
    }
    let crs = geojson_crs(&doc, o.crs)?;
    let mut tally = Tally::default();
    let features = doc["features"]
        .as_array_mut()
        .ok_or("the FeatureCollection has no features array")?;
    for (i, f) in features.iter_mut().enumerate() {
        let point = (f["geometry"]["type"] == "Point").then(|| &f["geometry"]["coordinates"]);
        let found = point.map(|c| find(index, crs, c[0].as_f64(), c[1].as_f64()));
        let mut place = serde_json::Map::new();
        match found {
            Some(Found::Grid(g, near)) => {
                tally.located += 1;
                let c = &index.grids[g];
                for (k, v) in COLUMNS.iter().zip(chain_parts(c)) {
                    place.insert((*k).into(), json!(v));
                }
                place.insert("near_boundary".into(), json!(near));
            }
            other => {
                let problem = match other {
                    None => "not_a_point",
                    Some(Found::Outside) => "outside",
                    _ => "bad_coordinates",
                };
                if problem == "outside" {
                    tally.outside += 1;
                } else {
                    tally.unreadable += 1;
                    tally.first_unreadable.get_or_insert(i as u64 + 1);
                }
                place.insert("problem".into(), json!(problem));
            }
        }
        if !f["properties"].is_object() {
            f["properties"] = json!({});
        }
        if let Some(props) = f["properties"].as_object_mut() {
            props.extend(place);
        }
    }
    serde_json::to_writer(out, &doc).map_err(|e| format!("cannot write: {e}"))?;
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_they_must_be() {
        assert_eq!(csv_field("城西街道"), "城西街道");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn columns_are_found_by_their_usual_names_or_as_named() {
        let o = Options {
            crs: Crs::Wgs84,
            lon_column: None,
            lat_column: None,
            threads: 1,
        };
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(columns(&h(&["名称", "经度", "纬度"]), &o), Ok((1, 2)));
        assert_eq!(columns(&h(&["id", "LNG", "Lat"]), &o), Ok((1, 2)));
        let named = Options {
            lon_column: Some("东经".into()),
            lat_column: Some("北纬".into()),
            ..o.clone()
        };
        assert_eq!(columns(&h(&["东经", "北纬"]), &named), Ok((0, 1)));
        let e = columns(&h(&["a", "b"]), &o).unwrap_err();
        assert!(
            e.contains("no longitude column") && e.contains("a, b"),
            "{e}"
        );
    }

    #[test]
    fn numbers_are_read_with_spaces_and_refused_otherwise() {
        assert_eq!(number(b" 108.77 "), Some(108.77));
        assert_eq!(number(b"abc"), None);
        assert_eq!(number(b"NaN"), None);
        assert_eq!(number(b""), None);
    }

    #[test]
    fn a_geojson_crs_is_read_or_refused() {
        let named = |n: &str| json!({"crs": {"type": "name", "properties": {"name": n}}});
        assert_eq!(geojson_crs(&json!({}), Crs::Gcj02), Ok(Crs::Gcj02));
        for n in [
            "urn:ogc:def:crs:OGC:1.3:CRS84",
            "EPSG:4326",
            "urn:ogc:def:crs:EPSG::4490",
        ] {
            assert_eq!(geojson_crs(&named(n), Crs::Bd09), Ok(Crs::Wgs84), "{n}");
        }
        assert_eq!(geojson_crs(&named("GCJ-02"), Crs::Wgs84), Ok(Crs::Gcj02));
        assert!(geojson_crs(&named("EPSG:3857"), Crs::Wgs84).is_err());
    }
}
