// What both maps share: MapLibre's worker, served from this origin (MapLibre 6 cannot find
// it after a build by itself), and the bounds of a GeoJSON FeatureCollection.
import { setWorkerUrl } from 'maplibre-gl'
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'
import type { StyleSpecification } from 'maplibre-gl'
import { get, type Schemas } from './api'

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

let basemap: Promise<Schemas['BasemapView'] | null> | null = null
/** The operator's basemap, asked for once per page load (null when the server says none). */
const basemapInfo = () => (basemap ??= get<Schemas['BasemapView']>('/basemap').catch(() => null))

/** The map's starting style: the operator's basemap under a tint of `background` when one is
 *  configured (`zhili serve --basemap` or `--tile-url`), else `background` alone. */
export async function baseStyle(background: string, tint = 0.35): Promise<StyleSpecification> {
  const b = await basemapInfo()
  const style: StyleSpecification = { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': background } }] }
  if (b && b.tiles) {
    const tiles = b.tiles.startsWith('/') ? `${location.origin}${b.tiles}` : b.tiles
    style.sources.basemap = {
      type: 'raster', tiles: [tiles], tileSize: 256, minzoom: b.min_zoom, maxzoom: b.max_zoom,
      attribution: b.attribution, ...(b.bounds ? { bounds: b.bounds as [number, number, number, number] } : {}),
    }
    style.layers.push({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 1 - tint } })
  }
  return style
}

/** Whether a basemap is configured (the maps then show its attribution). */
export async function hasBasemap(): Promise<boolean> {
  return !!(await basemapInfo())?.tiles
}
