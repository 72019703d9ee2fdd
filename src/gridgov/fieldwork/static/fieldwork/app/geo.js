/* Coordinates for the field app. Records and pulled data are WGS-84 (DESIGN rule 6); the map draws in the tiles'
 * datum (config.crs: wgs84, gcj02 or bd09), so positions are converted for display and map taps converted back.
 * The GCJ-02 formulas are the public ones (as in prcoords, which the server uses); the inverse iterates. */

const A = 6378245.0;
const EE = 0.00669342162296594323;

function outOfChina(lon, lat) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function delta(lon, lat) {
  const x = lon - 105.0;
  const y = lat - 35.0;
  let dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dLat += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  dLat += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
  dLat += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
  let dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dLon += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  dLon += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
  dLon += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
  const radLat = lat / 180.0 * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
  dLon = (dLon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
  return [dLon, dLat];
}

function wgsToGcj(lon, lat) {
  if (outOfChina(lon, lat)) { return [lon, lat]; }
  const [dLon, dLat] = delta(lon, lat);
  return [lon + dLon, lat + dLat];
}

function gcjToBd(lon, lat) {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * Math.PI * 3000.0 / 180.0);
  const theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * Math.PI * 3000.0 / 180.0);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}

/** WGS-84 → the map's datum. */
export function toMap(lon, lat, crs) {
  if (crs === "gcj02") { return wgsToGcj(lon, lat); }
  if (crs === "bd09") { return gcjToBd(...wgsToGcj(lon, lat)); }
  return [lon, lat];
}

/** The map's datum → WGS-84, by iterating the forward formula (well under a metre after a few steps). */
export function fromMap(lon, lat, crs) {
  if (crs !== "gcj02" && crs !== "bd09") { return [lon, lat]; }
  let [x, y] = [lon, lat];
  for (let i = 0; i < 10; i++) {
    const [fx, fy] = toMap(x, y, crs);
    const dx = fx - lon;
    const dy = fy - lat;
    x -= dx;
    y -= dy;
    if (Math.abs(dx) < 1e-9 && Math.abs(dy) < 1e-9) { break; }
  }
  return [x, y];
}

/** Great-circle distance in metres between two WGS-84 points. */
export function metres(lon1, lat1, lon2, lat2) {
  const r = 6371008.8;
  const p1 = lat1 * Math.PI / 180;
  const p2 = lat2 * Math.PI / 180;
  const dp = p2 - p1;
  const dl = (lon2 - lon1) * Math.PI / 180;
  const h = Math.sin(dp / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(h));
}

/** A GeoJSON geometry (WGS-84) with every position converted to the map's datum, as Leaflet [lat, lon] rings. */
export function geometryToMap(geometry, crs) {
  const convert = (c) => { const [x, y] = toMap(c[0], c[1], crs); return [x, y]; };
  const walk = (coords, depth) => depth === 0 ? convert(coords) : coords.map((c) => walk(c, depth - 1));
  const depth = { Point: 0, LineString: 1, MultiPoint: 1, Polygon: 2, MultiLineString: 2, MultiPolygon: 3 };
  return { type: geometry.type, coordinates: walk(geometry.coordinates, depth[geometry.type] ?? 2) };
}
