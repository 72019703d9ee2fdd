/* Offline map for the grid worker's grids: "下载本网格地图" in the grid map view.
 *
 * The tiles covering each grid's bounding box (drawn in the tiles' datum, with a margin) at the configured zoom
 * levels are fetched by this page, a few at a time, into their own Cache Storage cache (config.tileDownloadCache).
 * The service worker (sw.js) answers every tile request from that cache first, before its bounded cache of tiles
 * seen while browsing (config.tileCache, at most 2,000, the oldest evicted): downloaded tiles are never evicted by
 * it, only deleted here by the worker. Both names come from one definition (fieldwork/views/app.py).
 *
 * Going offline (or "停止") aborts the tiles in flight; nothing half-written is kept (a tile is put in the cache only
 * once its whole response arrived), and the next tap downloads only what the cache does not hold yet. A tile
 * already in the browsing cache is copied, not fetched again. */

import * as geo from "./geo.js";

/** The tile layer's options, shared with views.js (the URLs downloaded here must be those Leaflet asks for). */
export const LAYER = { subdomains: "1234", maxZoom: 19 };

const CONCURRENCY = 4;
const MARGIN_M = 150; // at least this much around a grid, or 15 % of its side if that is more
const TILE_KB = 20; // for the estimate shown before starting: a typical 256 px raster tile
const MAX_FAILURES = 20; // HTTP errors (e.g. a refused key) before giving up
const TIMEOUT_S = 30; // one tile
const META_KEY = "/field/app/__tiles__"; // in the download cache: {template, count, at}

let ctx = null;
let T = null; // the labels
let geometries = [];
let run = null; // the download in progress: {controller, done, total}
let pending = null; // the action awaiting confirmation

const $ = (id) => document.getElementById(id);

// --- tile arithmetic (Web Mercator, as Leaflet's default CRS) --------------------------------------------------

function tileX(lon, z) {
  return Math.min(2 ** z - 1, Math.max(0, Math.floor((lon + 180) / 360 * 2 ** z)));
}

function tileY(lat, z) {
  const r = Math.max(-85.05112878, Math.min(85.05112878, lat)) * Math.PI / 180;
  const y = (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2;
  return Math.min(2 ** z - 1, Math.max(0, Math.floor(y * 2 ** z)));
}

/** The URL Leaflet's L.TileLayer.getTileUrl makes for a tile (same subdomain choice, {r}, {-y}). */
export function tileUrl(template, z, x, y, options = LAYER) {
  const data = {
    r: L.Browser.retina ? "@2x" : "",
    s: options.subdomains[Math.abs(x + y) % options.subdomains.length],
    x, y, z, "-y": 2 ** z - 1 - y,
  };
  return new URL(L.Util.template(template, Object.assign(data, options)), location.href).href;
}

function positions(geometry, out = []) {
  const walk = (c) => { if (typeof c[0] === "number") { out.push(c); } else { c.forEach(walk); } };
  if (geometry && geometry.coordinates) { walk(geometry.coordinates); }
  if (geometry && geometry.geometries) { geometry.geometries.forEach((g) => positions(g, out)); }
  return out;
}

/** Each grid's bounding box in the map's datum (the boundary is WGS-84; the tiles may be GCJ-02), with a margin. */
export function boxes(grids, crs) {
  const out = [];
  for (const geometry of grids) {
    const points = positions(geometry).map(([lon, lat]) => geo.toMap(lon, lat, crs));
    if (!points.length) { continue; }
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of points) { w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y); }
    const metresPerLon = 111320 * Math.cos((s + n) / 2 * Math.PI / 180);
    const dLat = Math.max(MARGIN_M, 0.15 * (n - s) * 110574) / 110574;
    const dLon = Math.max(MARGIN_M, 0.15 * (e - w) * metresPerLon) / metresPerLon;
    out.push([w - dLon, s - dLat, e + dLon, n + dLat]);
  }
  return out;
}

/** The tiles to download: every zoom in [first, last] over every box, each tile once. Beyond ``cap`` tiles the
 * highest zoom levels are dropped (``dropped``); if even the lowest alone is too many, ``tooLarge``. */
export function plan(bboxes, [first, last], cap) {
  const perZoom = [];
  for (let z = first; z <= last; z++) {
    const keys = new Set();
    for (const [w, s, e, n] of bboxes) {
      for (let x = tileX(w, z); x <= tileX(e, z); x++) {
        for (let y = tileY(n, z); y <= tileY(s, z); y++) { keys.add(`${z}/${x}/${y}`); }
      }
    }
    perZoom.push({ z, keys });
  }
  const dropped = [];
  let total = perZoom.reduce((sum, level) => sum + level.keys.size, 0);
  while (total > cap && perZoom.length > 1) {
    const level = perZoom.pop();
    dropped.unshift(level.z);
    total -= level.keys.size;
  }
  const tiles = perZoom.flatMap(({ keys }) => [...keys].map((k) => k.split("/").map(Number)));
  return {
    tiles, dropped, tooLarge: total > cap, cap,
    zooms: perZoom.length ? [first, perZoom[perZoom.length - 1].z] : [],
  };
}

// --- the caches --------------------------------------------------------------------------------------------------

async function metaOf(cache) {
  const response = await cache.match(META_KEY);
  return response ? response.json() : null;
}

async function writeMeta(cache, meta) {
  await cache.put(META_KEY, new Response(JSON.stringify(meta), { headers: { "Content-Type": "application/json" } }));
}

/** The downloaded tiles' URLs (the meta entry left out). */
async function cachedUrls(cache) {
  const meta = new URL(META_KEY, location.href).href;
  return new Set((await cache.keys()).map((r) => r.url).filter((url) => url !== meta));
}

function currentPlan() {
  const cfg = ctx.config;
  const p = plan(boxes(geometries, cfg.crs), cfg.tileZooms, cfg.tileMaxTiles);
  p.urls = p.tiles.map(([z, x, y]) => tileUrl(cfg.tileUrl, z, x, y));
  return p;
}

// --- the view ----------------------------------------------------------------------------------------------------

const fmt = (template, params) => ctx.fmt(template, params);
const zoomText = (zooms) => (zooms[0] === zooms[1] ? String(zooms[0]) : `${zooms[0]}–${zooms[1]}`);
const megabytes = (n) => (n * TILE_KB / 1024).toFixed(n * TILE_KB < 10240 ? 1 : 0);

function day(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return Number.isNaN(d.getTime()) ? "" : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function setState(state) {
  const card = $("tiles");
  card.dataset.state = state;
  $("tiles-download").hidden = state === "running" || state === "confirm";
  $("tiles-confirm").hidden = state !== "confirm";
  $("tiles-running").hidden = state !== "running";
}

function say(text, kind = "") {
  const status = $("tiles-status");
  status.textContent = text;
  status.className = `small tiles-status ${kind || "muted"}`;
  status.style.color = { ok: "var(--ok)", bad: "var(--bad)" }[kind] || "";
}

function showProgress() {
  $("tiles-progress").max = Math.max(1, run.total);
  $("tiles-progress").value = run.done + run.failed;
  $("tiles-count").textContent = fmt(T.progress, { a: run.done + run.failed, n: run.total });
  $("tiles").dataset.done = String(run.done);
}

/** Status line and the delete button from what the cache holds now. */
async function showStored(message = "", kind = "") {
  const cfg = ctx.config;
  const cache = await caches.open(cfg.tileDownloadCache);
  const meta = await metaOf(cache);
  if (meta && meta.template !== cfg.tileUrl) {
    // Tiles of another map service are of no use any more.
    await caches.delete(cfg.tileDownloadCache);
    return showStored(message, kind);
  }
  const have = await cachedUrls(cache);
  const card = $("tiles");
  card.dataset.cached = String(have.size);
  $("tiles-delete").hidden = have.size === 0 || Boolean(run);
  if (message) { say(message, kind); return; }
  if (!have.size) { say(T.none); return; }
  const missing = currentPlan().urls.filter((u) => !have.has(u)).length;
  const done = fmt(T.done, { n: have.size, d: meta && meta.at ? day(meta.at) : "" });
  say(missing ? `${done} ${fmt(T.missing, { n: missing })}` : done, missing ? "" : "ok");
}

function confirm(text, okLabel, action, danger = false) {
  pending = action;
  $("tiles-plan").textContent = text;
  $("tiles-go").textContent = okLabel;
  $("tiles-go").className = danger ? "danger" : "primary";
  setState("confirm");
}

async function askDownload() {
  if (run) { return; }
  if (!geometries.length) { say(T.noGrid, "bad"); return; }
  if (!navigator.onLine) { say(T.needOnline, "bad"); return; }
  const p = currentPlan();
  if (p.tooLarge) {
    say(fmt(T.tooLarge, { z: ctx.config.tileZooms[0], cap: p.cap }), "bad");
    return;
  }
  const have = await cachedUrls(await caches.open(ctx.config.tileDownloadCache));
  const todo = p.urls.filter((u) => !have.has(u)).length;
  $("tiles").dataset.planned = String(p.urls.length);
  if (!todo) { await showStored(fmt(T.upToDate, { n: p.urls.length }), "ok"); return; }
  const lines = [fmt(T.plan, { n: p.urls.length, z: zoomText(p.zooms), mb: megabytes(todo) })];
  if (p.dropped.length) { lines.push(fmt(T.dropped, { cap: p.cap, z: zoomText([p.dropped[0], p.dropped[p.dropped.length - 1]]) })); }
  if (todo < p.urls.length) { lines.push(fmt(T.resume, { c: p.urls.length - todo, m: todo })); }
  confirm(lines.join("\n"), T.start, () => download(p));
}

async function askDelete() {
  const n = Number($("tiles").dataset.cached || 0);
  confirm(fmt(T.confirmDelete, { n }), T.delete, async () => {
    await caches.delete(ctx.config.tileDownloadCache);
    setState("idle");
    await showStored(T.deleted, "ok");
  }, true);
}

class Stop extends Error {
  constructor(reason, detail = "") { super(reason); this.reason = reason; this.detail = detail; }
}

async function download(p) {
  const cfg = ctx.config;
  const controller = new AbortController();
  run = { controller, done: 0, total: p.urls.length, failed: 0, status: 0, stop: null };
  setState("running");
  $("tiles-delete").hidden = true;
  say(T.keepOpen);
  // Ask the browser not to clear this origin's storage when the phone runs short (granted to installed apps).
  if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(() => {}); }
  const cache = await caches.open(cfg.tileDownloadCache);
  const seen = await caches.open(cfg.tileCache);
  const have = await cachedUrls(cache);
  const todo = p.urls.filter((u) => !have.has(u));
  run.done = p.urls.length - todo.length;
  showProgress();
  let next = 0;
  let cors = true; // a tile service without CORS headers gets opaque requests (they take more of the quota)
  const halt = (stop) => { if (!run.stop) { run.stop = stop; controller.abort(); } };
  try {
    await writeMeta(cache, { template: cfg.tileUrl, at: (await metaOf(cache))?.at || null, complete: false });
  } catch (error) {
    halt(new Stop("quota")); // the one write that can fail here: the storage is full
  }
  const offline = () => halt(new Stop("offline"));
  window.addEventListener("offline", offline);

  async function one(url) {
    const copy = await seen.match(url, { ignoreVary: true });
    if (copy) { await cache.put(url, copy); return true; }
    // A tile that does not arrive within TIMEOUT_S is a network that is down in all but name (weak signal).
    const mine = new AbortController();
    const timer = setTimeout(() => mine.abort(), TIMEOUT_S * 1000);
    const cancel = () => mine.abort();
    controller.signal.addEventListener("abort", cancel);
    const options = { signal: mine.signal };
    let response;
    try {
      try {
        response = await fetch(url, { ...options, mode: cors ? "cors" : "no-cors" });
      } catch (error) {
        if (mine.signal.aborted || !cors || !navigator.onLine) { throw error; }
        response = await fetch(url, { ...options, mode: "no-cors" }); // still failing: the network is down
        cors = false;
      }
      if (response.type !== "opaque" && !response.ok) {
        run.failed += 1;
        run.status = response.status;
        if (run.failed >= MAX_FAILURES) { halt(new Stop("refused", String(response.status))); }
        return false;
      }
      await cache.put(url, response);
      return true;
    } finally {
      clearTimeout(timer);
      controller.signal.removeEventListener("abort", cancel);
    }
  }

  async function worker() {
    while (!run.stop && next < todo.length) {
      const url = todo[next++];
      try {
        if (await one(url)) { run.done += 1; }
        showProgress();
      } catch (error) {
        if (error && error.name === "QuotaExceededError") { halt(new Stop("quota")); }
        else if (!run.stop) { halt(new Stop("offline")); }
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    window.removeEventListener("offline", offline);
  }
  const { stop, done, total, failed, status } = run;
  run = null;
  const complete = !stop && !failed;
  try {
    await writeMeta(cache, { template: cfg.tileUrl, at: new Date().toISOString(), complete });
  } catch (error) { /* the quota again: the tiles stored are kept and counted all the same */ }
  const counts = { a: done, n: total };
  const [message, kind] = complete ? ["", ""]
    : !stop ? [fmt(T.failed, { ...counts, f: failed, s: status }), "bad"]
      : stop.reason === "user" ? [fmt(T.stopped, counts), ""]
        : stop.reason === "quota" ? [fmt(T.quota, counts), "bad"]
          : stop.reason === "refused" ? [fmt(T.refused, { ...counts, s: stop.detail }), "bad"]
            : [fmt(T.interrupted, counts), "bad"];
  // The outcome is on the screen before the card leaves the "running" state.
  await showStored(message, kind);
  setState("idle");
}

/** Called once by views.setup(). Without a tile URL there is nothing to download: the card stays hidden. */
export function setup(context) {
  ctx = context;
  T = ctx.config.labels.tiles;
  if (!ctx.config.tileUrl || !("caches" in window)) { return; }
  $("tiles").hidden = false;
  $("tiles-download").addEventListener("click", askDownload);
  $("tiles-delete").addEventListener("click", askDelete);
  $("tiles-cancel").addEventListener("click", () => { pending = null; setState("idle"); showStored(); });
  $("tiles-go").addEventListener("click", () => {
    const action = pending;
    pending = null;
    if (action) { action(); }
  });
  $("tiles-stop").addEventListener("click", () => {
    if (run && !run.stop) { run.stop = new Stop("user"); run.controller.abort(); }
  });
  setState("idle");
}

/** The grid map was drawn: remember the grids' boundaries (WGS-84 GeoJSON) and show what is stored. */
export function show(grids) {
  geometries = grids;
  if (!ctx || !ctx.config.tileUrl || !("caches" in window) || run || $("tiles").dataset.state === "confirm") { return; }
  showStored();
}
