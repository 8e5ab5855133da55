//! Reading and writing GeoJSON polygons. Input is hostile: every number, ring and nesting
//! level is checked, and sizes are bounded, before anything becomes a geometry.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{json, Value};

/// More vertices than any real grid boundary needs; refuses pathological files early.
pub const MAX_VERTICES_PER_SHAPE: usize = 200_000;

/// Reads a GeoJSON `Polygon` or `MultiPolygon` geometry object.
pub fn parse_polygonal(geometry: &Value) -> Result<MultiPolygon<f64>, String> {
    let obj = geometry.as_object().ok_or("geometry must be an object")?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or("geometry has no \"type\"")?;
    let coords = obj
        .get("coordinates")
        .ok_or("geometry has no \"coordinates\"")?;
    let mut budget = MAX_VERTICES_PER_SHAPE;
    match kind {
        "Polygon" => Ok(MultiPolygon(vec![parse_polygon(coords, &mut budget)?])),
        "MultiPolygon" => {
            let parts = coords
                .as_array()
                .ok_or("MultiPolygon coordinates must be an array")?;
            if parts.is_empty() {
                return Err("MultiPolygon has no polygons".into());
            }
            parts
                .iter()
                .map(|p| parse_polygon(p, &mut budget))
                .collect::<Result<Vec<_>, _>>()
                .map(MultiPolygon)
        }
        other => Err(format!(
            "geometry type {other:?} is not Polygon or MultiPolygon"
        )),
    }
}

fn parse_polygon(v: &Value, budget: &mut usize) -> Result<Polygon<f64>, String> {
    let rings = v
        .as_array()
        .ok_or("polygon coordinates must be an array of rings")?;
    let mut rings = rings
        .iter()
        .enumerate()
        .map(|(i, r)| parse_ring(r, budget).map_err(|e| format!("ring {i}: {e}")));
    let exterior = rings.next().ok_or("polygon has no rings")??;
    let interiors = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn parse_ring(v: &Value, budget: &mut usize) -> Result<LineString<f64>, String> {
    let positions = v.as_array().ok_or("a ring must be an array of positions")?;
    if positions.len() > *budget {
        return Err(format!(
            "too many vertices (limit {MAX_VERTICES_PER_SHAPE} per shape)"
        ));
    }
    *budget -= positions.len();
    if positions.len() < 4 {
        return Err(format!(
            "a ring needs at least 4 positions, has {}",
            positions.len()
        ));
    }
    let coords = positions
        .iter()
        .enumerate()
        .map(|(i, p)| parse_position(p).map_err(|e| format!("position {i}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if coords.first() != coords.last() {
        return Err("ring is not closed (first and last positions differ)".into());
    }
    Ok(LineString(coords))
}

fn parse_position(v: &Value) -> Result<Coord<f64>, String> {
    let a = v.as_array().ok_or("a position must be [lon, lat]")?;
    if !(2..=3).contains(&a.len()) {
        return Err("a position must be [lon, lat] or [lon, lat, alt]".into());
    }
    let lon = a[0].as_f64().ok_or("longitude must be a number")?;
    let lat = a[1].as_f64().ok_or("latitude must be a number")?;
    check_lon_lat(lon, lat)?;
    Ok(Coord { x: lon, y: lat })
}

pub fn check_lon_lat(lon: f64, lat: f64) -> Result<(), String> {
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(format!("longitude {lon} is outside -180..180"));
    }
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(format!("latitude {lat} is outside -90..90"));
    }
    Ok(())
}

/// Writes a multipolygon as a GeoJSON geometry (a `Polygon` when it has one part).
pub fn to_geometry(shape: &MultiPolygon<f64>) -> Value {
    let ring = |ls: &LineString<f64>| ls.0.iter().map(|c| json!([c.x, c.y])).collect::<Vec<_>>();
    let poly = |p: &Polygon<f64>| {
        std::iter::once(ring(p.exterior()))
            .chain(p.interiors().iter().map(ring))
            .collect::<Vec<_>>()
    };
    if shape.0.len() == 1 {
        json!({"type": "Polygon", "coordinates": poly(&shape.0[0])})
    } else {
        json!({"type": "MultiPolygon", "coordinates": shape.0.iter().map(poly).collect::<Vec<_>>()})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let g = json!({"type":"Polygon","coordinates":[[[108.0,29.0],[108.1,29.0],[108.1,29.1],[108.0,29.0]]]});
        let shape = parse_polygonal(&g).unwrap();
        assert_eq!(to_geometry(&shape), g);
    }

    #[test]
    fn refuses_hostile_shapes() {
        let cases = [
            json!(null),
            json!({"type":"Point","coordinates":[1,2]}),
            json!({"type":"Polygon"}),
            json!({"type":"Polygon","coordinates":[]}),
            json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}),
            json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}),
            json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,"x"],[0,0]]]}),
            json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,91],[0,0]]]}),
            json!({"type":"Polygon","coordinates":[[[0,0],[181,0],[1,1],[0,0]]]}),
            json!({"type":"MultiPolygon","coordinates":[]}),
        ];
        for c in cases {
            assert!(parse_polygonal(&c).is_err(), "{c} accepted");
        }
    }
}
