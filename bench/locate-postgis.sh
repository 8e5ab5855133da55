#!/usr/bin/env bash
# Batch locate against PostGIS: the same grids and the same random points, located by
# `zhili locate` (reading the CSV and writing every row's district, town, village and grid)
# and by PostGIS's ST_Contains join (points loaded into a table first; the join alone timed).
#
#   cargo build --release -p zhili
#   ./target/release/zhili demo --db /tmp/bench.db --no-serve --password demo-password-2026
#   PGURL=postgres://postgres:…@127.0.0.1/postgres bench/locate-postgis.sh /tmp/bench.db [POINTS]
#
# Needs PostGIS (Debian: postgresql-15-postgis-3) in the server PGURL names, and python3.
set -euo pipefail
DB=${1:?usage: bench/locate-postgis.sh DEMO.db [POINTS]}
N=${2:-10000000}
ZHILI=${ZHILI:-target/release/zhili}
PGURL=${PGURL:?set PGURL to a PostgreSQL with PostGIS}
export PGOPTIONS='-c client_min_messages=warning'
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The points: uniform over the district's bounding box (inside and outside its grids).
read -r MINX MINY MAXX MAXY < <(python3 - "$DB" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
xs, ys = [], []
for (g,) in db.execute("SELECT geometry FROM regions WHERE level = 'grid' AND valid_to IS NULL"):
    geom = json.loads(g)
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    for p in polys:
        for x, y in p[0]:
            xs.append(x); ys.append(y)
print(min(xs), min(ys), max(xs), max(ys))
PY
)
awk -v n="$N" -v x0="$MINX" -v y0="$MINY" -v x1="$MAXX" -v y1="$MAXY" 'BEGIN { srand(42); print "id,lon,lat";
  for (i = 1; i <= n; i++) printf "%d,%.6f,%.6f\n", i, x0 + rand() * (x1 - x0), y0 + rand() * (y1 - y0) }' > "$WORK/points.csv"
echo "$N points over [$MINX, $MAXX] x [$MINY, $MAXY]"

# zhili: read, locate on every core, write.
start=$(date +%s.%N)
"$ZHILI" locate "$WORK/points.csv" --db "$DB" --out "$WORK/located.csv"
end=$(date +%s.%N)
ZHILI_S=$(echo "$end - $start" | bc)
IN_GRID=$(grep -vc ',outside$' "$WORK/located.csv" || true)
IN_GRID=$((IN_GRID - 1))

# PostGIS: the grids and the points as tables with GiST indexes, then the join.
python3 - "$DB" > "$WORK/grids.tsv" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for code, g in db.execute("SELECT code, geometry FROM regions WHERE level = 'grid' AND valid_to IS NULL"):
    print(f"{code}\t{g}")
PY
psql -q "$PGURL" -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS postgis;
DROP TABLE IF EXISTS bench_grids, bench_points;
CREATE TABLE bench_grids (code text, geojson text);
\copy bench_grids FROM '$WORK/grids.tsv'
ALTER TABLE bench_grids ADD COLUMN geom geometry(MultiPolygon, 4326);
UPDATE bench_grids SET geom = ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326));
CREATE INDEX ON bench_grids USING gist (geom);
CREATE TABLE bench_points (id bigint, lon float8, lat float8);
\copy bench_points FROM '$WORK/points.csv' CSV HEADER
ALTER TABLE bench_points ADD COLUMN geom geometry(Point, 4326);
UPDATE bench_points SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326);
VACUUM ANALYZE bench_grids;
VACUUM ANALYZE bench_points;
SQL
psql -qAt "$PGURL" -c '\timing on' \
  -c "SELECT count(*) FROM bench_points p JOIN bench_grids g ON ST_Contains(g.geom, p.geom)" > "$WORK/pg.out"
PG_COUNT=$(grep -v '^Time:' "$WORK/pg.out" | head -1)
PG_MS=$(awk '/^Time:/ { print $2 }' "$WORK/pg.out")
psql -q "$PGURL" -c "DROP TABLE bench_grids, bench_points"
PG_S=$(echo "scale=3; $PG_MS / 1000" | bc)
echo "zhili locate: $N points read, located and written in ${ZHILI_S} s ($IN_GRID in a grid)"
echo "PostGIS ST_Contains join (points already loaded and indexed): ${PG_S} s ($PG_COUNT in a grid)"
echo "ratio: PostGIS takes $(echo "scale=1; $PG_S / $ZHILI_S" | bc)x as long"
