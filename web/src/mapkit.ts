// What both maps share: MapLibre's worker, served from this origin (MapLibre 6 cannot find
// it after a build by itself), and the bounds of a GeoJSON FeatureCollection.
import { setWorkerUrl } from 'maplibre-gl'
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'

setWorkerUrl(workerUrl)

export interface FeatureCollection {
  type: 'FeatureCollection'
  features: { id?: number; properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } }[]
}

/** [west, south, east, north] of every coordinate in the collection. */
export function bounds(fc: FeatureCollection): [number, number, number, number] {
  const b: [number, number, number, number] = [180, 90, -180, -90]
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0] as number); b[1] = Math.min(b[1], c[1] as number)
      b[2] = Math.max(b[2], c[0] as number); b[3] = Math.max(b[3], c[1] as number)
    } else if (Array.isArray(c)) c.forEach(walk)
  }
  fc.features.forEach((f) => walk(f.geometry.coordinates))
  return b
}
