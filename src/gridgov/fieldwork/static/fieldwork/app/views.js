/* The field app's views: today's tasks, my grid (map), patrol (track + check-ins), report a case, record a visit,
 * my records. Everything they show comes from the pulled data in IndexedDB (db "pulled") and the outbox; every
 * action writes a record to the outbox first. */

import * as db from "./db.js";
import * as geo from "./geo.js";
import * as outbox from "./outbox.js";
import * as tiles from "./tiles.js";
import * as edit from "./edit.js";
import * as recordActions from "./records.js";

let ctx = null;
let L10N = null;
let pulled = null;
let position = null; // the last known position: {lon, lat, accuracy, t} (WGS-84)
const maps = {};

const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) { continue; }
    if (key === "class") { node.className = value; } else if (key.startsWith("on")) { node.addEventListener(key.slice(2), value); } else { node.setAttribute(key, value === true ? "" : value); }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) { continue; }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function when(iso) {
  if (!iso) { return ""; }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) { return String(iso); }
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getMonth() + 1}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function today(days = 0) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// --- the pulled data, read tolerantly (lists by their names in docs/fieldwork-sync.md's pull) -----------------

export function list(...names) {
  if (!pulled) { return []; }
  for (const name of names) {
    const value = pulled[name];
    if (Array.isArray(value)) { return value; }
    if (value && Array.isArray(value.features)) {
      return value.features.map((f) => ({ ...(f.properties || {}), geometry: f.geometry, id: f.id ?? f.properties?.id }));
    }
  }
  return [];
}

function grids() {
  if (!pulled) { return []; }
  const one = pulled.grid;
  if (one && !Array.isArray(one)) {
    if (one.type === "FeatureCollection") { return list("grid"); }
    if (one.type === "Feature") { return [{ ...(one.properties || {}), geometry: one.geometry }]; }
    return [one];
  }
  return list("grids", "grid");
}

function geometryOf(item) { return item.geometry || item.boundary || null; }

export function pointOf(item) {
  if (item.lon !== undefined && item.lat !== undefined && item.lon !== null) { return [Number(item.lon), Number(item.lat)]; }
  const g = item.geometry || item.location || item.point;
  if (g && g.type === "Point") { return g.coordinates; }
  return null;
}

export const buildings = () => list("buildings");
export const people = () => list("people", "persons");
const households = () => list("households");
const tasks = () => list("tasks", "open_tasks");
const visitsDue = () => list("visits_due", "due_visits");
export const categories = () => list("categories", "matters", "matter_list");
const openCases = () => list("cases", "open_cases");

export function nameOf(item) {
  return item.name || item.title || item.label || item.display || item.code || String(item.id ?? "");
}

function categoryName(code) {
  const c = categories().find((x) => String(x.code) === String(code));
  return c ? c.name : (code || "");
}
export function personOf(id) { return people().find((p) => String(p.id) === String(id)); }
function personName(id) { const p = personOf(id); return p ? p.name : ""; }
function personHouse(id) { const p = personOf(id); return p ? (p.house || "") : ""; }

export function buildingByCode(code) { return buildings().find((b) => String(b.code) === String(code)); }

// --- navigation ----------------------------------------------------------------------------------------------

const VIEWS = ["tasks", "map", "patrol", "report", "visit", "records", "edit"];

export function show(name) {
  const [view, query] = (location.hash.slice(1) || "tasks").split("?");
  const current = VIEWS.includes(name) ? name : (VIEWS.includes(view) ? view : "tasks");
  for (const v of VIEWS) { $(`view-${v}`).hidden = v !== current; }
  for (const a of document.querySelectorAll(".tabs a")) {
    if (a.dataset.tab === current) { a.setAttribute("aria-current", "page"); } else { a.removeAttribute("aria-current"); }
  }
  document.body.dataset.view = current;
  if (current === "map") { drawGridMap(); }
  if (current === "report") { drawReportMap(); }
  if (current === "visit" && query) { preselectVisit(new URLSearchParams(query)); }
  if (current === "patrol") { fillBuildings(); }
  if (current === "edit") { edit.show(new URLSearchParams(query || "")); }
}

// --- today's tasks ---------------------------------------------------------------------------------------------

function renderTasks() {
  const taskList = $("task-list");
  taskList.replaceChildren();
  const open = tasks();
  if (!open.length) { taskList.append(el("li", { class: "empty" }, L10N.noTasks)); }
  for (const task of open) {
    const overdue = task.overdue || (task.due_at && new Date(task.due_at) < new Date());
    const reported = sentOrSaved("task_report", (r) => String(r.data.task) === String(task.id));
    const form = el("form", { class: "task-report", "data-task": task.id },
      el("textarea", { name: "report", rows: 2, required: true, "aria-label": task.title }),
      el("button", { type: "submit", class: "primary" }, ctx.labels.reportTask));
    form.addEventListener("submit", once(async () => {
      const text = form.report.value.trim();
      if (!text) { return; }
      await outbox.save("task_report", { task: task.id, report: text });
      ctx.say(L10N.saved, "ok");
      ctx.sync();
    }));
    taskList.append(el("li", { class: overdue ? "overdue" : "", "data-task": task.id },
      el("div", { class: "head" }, el("span", { class: "what" }, task.title || nameOf(task)),
        overdue ? el("span", { class: "state state-attention" }, L10N.overdue) : null),
      el("div", { class: "meta" }, [categoryName(task.category), task.due_at ? ctx.fmt(L10N.due, { t: when(task.due_at) }) : ""].filter(Boolean).join(" · ")),
      task.description ? el("div", {}, task.description) : null,
      reported ? el("div", { class: "meta" }, `${L10N.kinds.task_report}: ${L10N.states[reported.state]}`)
        : el("details", {}, el("summary", {}, ctx.labels.reportTask), form)));
  }

  const dueList = $("due-list");
  dueList.replaceChildren();
  const due = visitsDue();
  if (!due.length) { dueList.append(el("li", { class: "empty" }, L10N.noVisits)); }
  for (const item of due) {
    const dueOn = item.next_visit_due || item.due || item.next_visit_on;
    const late = item.overdue || (dueOn && dueOn < today());
    const params = new URLSearchParams();
    if (item.person ?? item.person_id) { params.set("person", item.person ?? item.person_id); }
    if (item.household ?? item.household_id) { params.set("household", item.household ?? item.household_id); }
    if (item.tag ?? item.id) { params.set("tag", item.tag ?? item.id); }
    dueList.append(el("li", { class: late ? "overdue" : "" },
      el("div", { class: "head" }, el("span", { class: "what" }, personName(item.person ?? item.person_id) || item.person_name || item.name || ""),
        el("a", { href: `#visit?${params}` }, ctx.labels.recordVisit)),
      el("div", { class: "meta" }, [item.kind_display || item.kind || "", personHouse(item.person ?? item.person_id), dueOn ? ctx.fmt(L10N.visitDue, { t: dueOn }) : ""].filter(Boolean).join(" · "))));
  }
}

function sentOrSaved(kind, match) {
  return (ctx.records || []).find((r) => r.kind === kind && match(r));
}

async function renderPulledAt() {
  const at = await db.get("pulledAt");
  $("pulled-at").textContent = at ? ctx.fmt(L10N.pulledAt, { t: when(at) }) : L10N.neverPulled;
}

// --- maps ----------------------------------------------------------------------------------------------------

export function baseMap(id) {
  if (maps[id]) { return maps[id]; }
  const cfg = ctx.config;
  const map = L.map($(id), { zoomSnap: 0.25, attributionControl: Boolean(cfg.tileUrl) });
  if (cfg.tileUrl) {
    L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", ...tiles.LAYER }).addTo(map);
  }
  map.setView([23.1, 114.4], 12);
  const state = { map, layers: L.featureGroup().addTo(map), me: null, fitted: false, pin: null };
  maps[id] = state;
  return state;
}

export const toLatLng = (lon, lat) => { const [x, y] = geo.toMap(lon, lat, ctx.config.crs); return [y, x]; };

export function drawGrids(state) {
  for (const g of grids()) {
    const geometry = geometryOf(g);
    if (!geometry) { continue; }
    L.geoJSON(geo.geometryToMap(geometry, ctx.config.crs), {
      interactive: false, style: { color: "#1d4ed8", weight: 2, fillColor: "#3b82f6", fillOpacity: 0.08 },
    }).addTo(state.layers);
  }
}

export function drawMe(state) {
  if (!position) { return; }
  const latlng = toLatLng(position.lon, position.lat);
  if (state.me) { state.me.setLatLng(latlng); } else {
    state.me = L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 3, fillColor: "#2563eb", fillOpacity: 1, interactive: false }).addTo(state.map);
  }
}

function drawGridMap() {
  const state = baseMap("grid-map");
  setTimeout(() => state.map.invalidateSize(), 0);
  state.layers.clearLayers();
  drawGrids(state);
  const dueAt = new Map(); // building code → visits due to people living there
  for (const v of visitsDue()) {
    const p = personOf(v.person);
    const code = String(v.building ?? (p && p.building) ?? "");
    if (!dueAt.has(code)) { dueAt.set(code, []); }
    dueAt.get(code).push({ v, p });
  }
  for (const b of buildings()) {
    const p = pointOf(b);
    if (!p) { continue; }
    const dues = dueAt.get(String(b.code)) || [];
    const due = dues.length > 0;
    const marker = L.circleMarker(toLatLng(p[0], p[1]), {
      radius: 7, color: "#fff", weight: 2, fillColor: due ? "#f59e0b" : "#475569", fillOpacity: 1,
    }).addTo(state.layers);
    const button = el("button", { type: "button", class: "primary", "data-building": b.code }, L10N.checkInHere);
    button.addEventListener("click", () => checkIn(b.code, ""));
    marker.bindPopup(el("div", {},
      el("strong", {}, nameOf(b)),
      el("div", { class: "small muted" }, [b.code, b.households ? ctx.fmt(L10N.households, { n: b.households }) : ""].filter(Boolean).join(" · ")),
      dues.map(({ v, p }) => el("div", { class: "small" },
        el("a", { href: `#visit?person=${v.person}&tag=${v.tag}` }, `${p ? p.name : ""} ${v.kind_display || ""}`),
        ` ${ctx.fmt(L10N.visitDue, { t: v.next_visit_due || "" })}`)),
      button, edit.rentalsAt(b.code)));
  }
  for (const c of openCases()) {
    const p = pointOf(c);
    if (!p) { continue; }
    L.circleMarker(toLatLng(p[0], p[1]), { radius: 6, color: "#fff", weight: 2, fillColor: "#dc2626", fillOpacity: 1 })
      // Built as nodes, never as HTML: a category name or status label is text, whatever characters it holds.
      .bindPopup(el("div", { class: "case-popup" },
        [c.number, c.category_name || c.category, c.status_label || c.status].filter(Boolean).join(" ")))
      .addTo(state.layers);
  }
  drawMe(state);
  if (state.layers.getLayers().length && !state.fitted) {
    state.map.fitBounds(state.layers.getBounds(), { padding: [16, 16] });
    state.fitted = true;
  }
  $("map-grid").textContent = grids().map((g) => `${g.name || ""} ${g.code || ""}`.trim()).join("、");
  $("grid-map").dataset.ready = "1";
  tiles.show(grids().map(geometryOf).filter(Boolean));
  $("grid-map").dataset.buildings = String(buildings().length);
}

// --- patrol ----------------------------------------------------------------------------------------------------

let watchId = null;
let flushing = Promise.resolve();

async function patrolState() { return db.get("patrol"); }

/* The app open in two tabs: only the tab holding the user's "patrol" Web Lock watches the GPS (one position, one
 * point); the other shows the patrol running and waits for the lock, which it gets when the first tab closes. */
let patrolWanted = false;
let letGo = null;

function holdPatrol() {
  if (patrolWanted) { return; }
  patrolWanted = true;
  db.locked("patrol", async () => {
    if (await patrolState()) {
      watch();
      await new Promise((resolve) => { letGo = resolve; });
      letGo = null;
    }
    unwatch();
    patrolWanted = false;
  }).catch((error) => { patrolWanted = false; console.error(error); });
}

function releasePatrol() {
  if (letGo) { letGo(); } else { unwatch(); }
}

/** 开始巡查: the button is disabled at once and the check that no patrol runs is made with the start's write, one
 * patrol writer at a time (serially), so a double tap (or a tap in each of two tabs) starts one patrol. */
async function startPatrol(event) {
  const button = event && event.currentTarget;
  if (button) {
    if (button.disabled) { return; }
    button.disabled = true;
  }
  try {
    const started = await serially(async () => {
      if (await patrolState()) { return false; }
      const id = outbox.uuid4();
      const record = outbox.newRecord("patrol_start", { patrol: id });
      const state = { uuid: id, started_at: record.made_at, buffer: [], count: 0, lastFlush: Date.now(), checkins: [] };
      await db.commit([record], { patrol: state });
      return true;
    });
    if (started) { await patrolStarted(); }
  } catch (error) {
    console.error(error);
    ctx.say(notSaved(error), "bad");
  } finally {
    if (button) { button.disabled = false; }
  }
}

async function patrolStarted() {
  holdPatrol();
  outbox.announce();
  await renderPatrol();
  ctx.refresh();
  ctx.sync();
}

/** Turn the buffered points into one ``track`` record, in the same transaction that empties the buffer. */
function flush(force = false) {
  return serially(async () => {
    const state = await patrolState();
    if (!state || !state.buffer.length) { return; }
    if (!force && state.buffer.length < ctx.config.trackEveryPoints &&
        Date.now() - state.lastFlush < ctx.config.trackEverySeconds * 1000) { return; }
    const record = outbox.newRecord("track", { patrol: state.uuid, points: state.buffer });
    state.buffer = [];
    state.lastFlush = Date.now();
    await db.commit([record], { patrol: state });
    outbox.announce();
    ctx.refresh();
  });
}

/** Points whose write the phone refused (storage full, an IndexedDB error): kept here and written with the next. */
let unsavedPoints = [];

async function onPosition(pos) {
  const c = pos.coords;
  position = { lon: c.longitude, lat: c.latitude, accuracy: c.accuracy, t: pos.timestamp };
  for (const state of Object.values(maps)) { drawMe(state); }
  $("patrol-position").textContent = ctx.fmt(L10N.located, { lon: c.longitude.toFixed(6), lat: c.latitude.toFixed(6), acc: Math.round(c.accuracy) });
  const t = outbox.isoLocal(new Date(pos.timestamp || Date.now()));
  unsavedPoints.push([t, Number(c.longitude.toFixed(7)), Number(c.latitude.toFixed(7)), Math.round(c.accuracy * 10) / 10]);
  try {
    await serially(async () => {
      const state = await patrolState();
      if (!state) { unsavedPoints = []; return; }
      const taken = unsavedPoints.slice();
      const times = new Set(state.buffer.map((p) => p[0]));
      const fresh = taken.filter((p) => !times.has(p[0]) && times.add(p[0]));
      if (fresh.length) {
        state.buffer.push(...fresh);
        state.count += fresh.length;
        await db.set("patrol", state);
        outbox.announce();
      }
      unsavedPoints = unsavedPoints.filter((p) => !taken.includes(p));
    });
  } catch (error) {
    console.error(error);
    $("patrol-position").textContent = ctx.fmt(L10N.pointNotSaved, { e: error.name || error.message || String(error) });
    return;
  }
  await flush(false);
  await renderPatrol();
  fillBuildings();
}

function watch() {
  if (watchId !== null || !navigator.geolocation) { return; }
  document.body.dataset.gps = "watching";
  watchId = navigator.geolocation.watchPosition(onPosition, (error) => {
    $("patrol-position").textContent = ctx.fmt(L10N.noGps, { e: error.message });
  }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 60000 });
}

function unwatch() {
  if (watchId !== null) { navigator.geolocation.clearWatch(watchId); watchId = null; }
  delete document.body.dataset.gps;
}

/** Run ``fn`` after every pending change of the patrol's state (positions, flushes): one writer at a time, so a
 * point arriving during a check-in or the stop is neither lost nor written back into an ended patrol. Across tabs
 * too: each change holds the user's "patrol-write" Web Lock while it reads and writes the state. */
function serially(fn) {
  const run = flushing.catch(() => {}).then(() => db.locked("patrol-write", fn));
  flushing = run.catch(() => {});
  return run;
}

/** 结束巡查: the GPS is let go only once the stop is stored (if the phone refuses it, the patrol goes on). */
async function stopPatrol() {
  try {
    await serially(async () => {
      const state = await patrolState();
      if (!state) { return; }
      const all = [...state.buffer, ...unsavedPoints.filter((p) => !state.buffer.some((q) => q[0] === p[0]))];
      const points = all.length ? [outbox.newRecord("track", { patrol: state.uuid, points: all })] : [];
      const stop = outbox.newRecord("patrol_stop", { patrol: state.uuid });
      await db.commit([...points, stop], { patrol: undefined });
      unsavedPoints = [];
    });
  } catch (error) {
    console.error(error);
    ctx.say(notSaved(error), "bad");
    return;
  }
  releasePatrol();
  outbox.announce();
  await renderPatrol();
  ctx.refresh();
  ctx.sync();
}

/** A check-in's position must say where the worker is now: the last known one if under a minute old, else a fresh
 * fix (15 s at most); none at all rather than an old one (the server then takes the check-in without a position). */
const CHECKIN_FIX_AGE = 60000;

function freshPosition() {
  if (position && Date.now() - position.t < CHECKIN_FIX_AGE) { return Promise.resolve(position); }
  if (!navigator.geolocation) { return Promise.resolve(null); }
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition((pos) => {
      position = { lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy: pos.coords.accuracy, t: pos.timestamp };
      resolve(Date.now() - position.t < CHECKIN_FIX_AGE ? position : null);
    }, () => resolve(null), { enableHighAccuracy: true, timeout: 15000, maximumAge: CHECKIN_FIX_AGE / 2 });
  });
}

async function checkIn(code, note) {
  const here = await freshPosition();
  const made = await serially(async () => {
    const state = await patrolState();
    if (!state) { return false; }
    const data = { patrol: state.uuid, building: code, note: note || "" };
    if (here) { data.lon = Number(here.lon.toFixed(7)); data.lat = Number(here.lat.toFixed(7)); }
    state.checkins.push(code);
    await db.commit([outbox.newRecord("checkin", data)], { patrol: state });
    outbox.announce();
    return true;
  });
  if (!made) { ctx.say(L10N.startPatrolFirst, "bad"); return; }
  const b = buildingByCode(code);
  ctx.say(ctx.fmt(L10N.checkedIn, { b: b ? nameOf(b) : code }), "ok");
  await renderPatrol();
  ctx.refresh();
  ctx.sync();
}

function fillBuildings() {
  const select = $("checkin-building");
  const chosen = select.value;
  const rows = buildings().map((b) => {
    const p = pointOf(b);
    const d = position && p ? geo.metres(position.lon, position.lat, p[0], p[1]) : null;
    return { b, d };
  });
  rows.sort((x, y) => (x.d ?? Infinity) - (y.d ?? Infinity) || String(x.b.code).localeCompare(String(y.b.code)));
  select.replaceChildren(el("option", { value: "" }, "—"));
  for (const { b, d } of rows) {
    select.append(el("option", { value: b.code }, `${nameOf(b)}${d !== null ? ` · ${ctx.fmt(L10N.metres, { n: Math.round(d) })}` : ""}`));
  }
  if (chosen) { select.value = chosen; } else if (rows.length && rows[0].d !== null) { select.value = rows[0].b.code; }
}

async function renderPatrol() {
  const state = await patrolState();
  const running = Boolean(state);
  // Started or stopped in another tab: wait to watch the GPS (or let go of it).
  if (running) { holdPatrol(); } else if (letGo) { releasePatrol(); }
  $("patrol-start").hidden = running;
  $("patrol-stop").hidden = !running;
  document.body.dataset.patrol = running ? "running" : "idle";
  document.body.dataset.points = String(running ? state.count : 0);
  const minutes = running ? Math.max(0, Math.round((Date.now() - new Date(state.started_at)) / 60000)) : 0;
  const text = running ? ctx.fmt(L10N.patrolRunning, { m: minutes }) : L10N.patrolIdle;
  $("patrol-status").textContent = text;
  $("patrol-points").textContent = running ? ctx.fmt(L10N.points, { n: state.count }) : "";
  const summary = $("patrol-summary");
  summary.replaceChildren(el("p", { class: "big" }, text),
    el("a", { href: "#patrol" }, running ? L10N.kinds.patrol_stop : L10N.kinds.patrol_start));
}

// --- photos --------------------------------------------------------------------------------------------------

const MAX_SIDE = 2000;
const MAX_BYTES = 2 * 1024 * 1024;

/** A phone's photo is often 4000 px and several MB: kept in IndexedDB and sent over a weak network, so shrink it
 * (longest side 2000 px, JPEG) unless it is small already. Any failure keeps the original. */
async function shrink(file) {
  if (!file.type.startsWith("image/") || typeof createImageBitmap !== "function") { return file; }
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.size <= MAX_BYTES) { bitmap.close(); return file; }
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
    return blob || file;
  } catch (error) {
    return file;
  }
}

export const photosOf = (input) => Promise.all(Array.from(input.files, shrink));

// --- report a case ---------------------------------------------------------------------------------------------

let reportPoint = null;

function setReportPoint(lon, lat, label) {
  reportPoint = { lon: Number(lon.toFixed(7)), lat: Number(lat.toFixed(7)) };
  $("report-point").textContent = ctx.fmt(label, { lon: lon.toFixed(6), lat: lat.toFixed(6), acc: position ? Math.round(position.accuracy) : "" });
  const state = maps["report-map"];
  if (state) {
    const latlng = toLatLng(lon, lat);
    if (state.pin) { state.pin.setLatLng(latlng); } else {
      state.pin = L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 3, fillColor: "#dc2626", fillOpacity: 1 }).addTo(state.map);
    }
  }
  $("report-form").dataset.point = `${reportPoint.lon},${reportPoint.lat}`;
}

function drawReportMap() {
  const fresh = !maps["report-map"];
  const state = baseMap("report-map");
  setTimeout(() => state.map.invalidateSize(), 0);
  if (fresh) {
    state.map.on("click", (event) => {
      const [lon, lat] = geo.fromMap(event.latlng.lng, event.latlng.lat, ctx.config.crs);
      setReportPoint(lon, lat, L10N.picked);
    });
  }
  state.layers.clearLayers();
  drawGrids(state);
  drawMe(state);
  if (state.layers.getLayers().length && !state.fitted) {
    state.map.fitBounds(state.layers.getBounds(), { padding: [8, 8] });
    state.fitted = true;
  }
}

function fillCategories() {
  const select = $("report-category");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, "—"));
  const groups = new Map();
  for (const c of categories()) {
    const major = c.major_name || "";
    if (!groups.has(major)) { groups.set(major, major ? el("optgroup", { label: major }) : select); }
    groups.get(major).append(el("option", { value: c.code ?? c.id }, nameOf(c)));
  }
  for (const group of groups.values()) { if (group !== select) { select.append(group); } }
  if (chosen) { select.value = chosen; }
}

export function locate(then) {
  if (position && Date.now() - position.t < 30000) { then(position); return; }
  navigator.geolocation.getCurrentPosition((pos) => {
    position = { lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy: pos.coords.accuracy, t: pos.timestamp };
    then(position);
  }, (error) => ctx.say(ctx.fmt(L10N.noGps, { e: error.message }), "bad"), { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 });
}

async function submitReport(event) {
  event.preventDefault();
  const form = event.target;
  const problems = [];
  if (!form.category.value) { problems.push(L10N.needCategory); }
  if (!form.description.value.trim()) { problems.push(L10N.needDescription); }
  if (!reportPoint) { problems.push(L10N.needLocation); }
  if (problems.length) { ctx.say(problems.join(" "), "bad"); return; }
  await outbox.save("case_report", {
    category: form.category.value, // the matter's code (the case intake's field)
    lon: reportPoint.lon,
    lat: reportPoint.lat,
    description: form.description.value.trim(),
    address: form.address.value.trim(),
    urgency: form.urgency.value,
  }, await photosOf(form.photos));
  form.reset();
  reportPoint = null;
  $("report-point").textContent = "";
  if (maps["report-map"] && maps["report-map"].pin) { maps["report-map"].pin.remove(); maps["report-map"].pin = null; }
  ctx.say(L10N.saved, "ok");
  ctx.sync();
}

// --- visits ----------------------------------------------------------------------------------------------------

export function visitChoices(filter = "") {
  const q = filter.trim().toLowerCase();
  const out = [];
  for (const p of people()) {
    const sex = (ctx.config.sexes || {})[p.sex] || "";
    const age = p.age || p.age === 0 ? ctx.fmt(L10N.age, { n: p.age }) : "";
    out.push({ value: `person:${p.id}`, text: [nameOf(p), `${sex} ${age}`.trim(), p.house || ""].filter(Boolean).join(" · ") });
  }
  for (const h of households()) {
    out.push({ value: `household:${h.id}`, text: `${L10N.household} ${[h.number || "", h.house || ""].filter(Boolean).join(" · ")}` });
  }
  return q ? out.filter((c) => c.text.toLowerCase().includes(q)) : out;
}

function fillVisitWho(filter = "") {
  const select = $("visit-who");
  const chosen = select.value;
  select.replaceChildren();
  for (const c of visitChoices(filter)) { select.append(el("option", { value: c.value }, c.text)); }
  if (chosen) { select.value = chosen; }
}

function preselectVisit(params) {
  const person = params.get("person");
  const household = params.get("household");
  fillVisitWho("");
  $("visit-who").value = person ? `person:${person}` : (household ? `household:${household}` : "");
  $("visit-form").dataset.tag = params.get("tag") || "";
}

async function submitVisit(event) {
  event.preventDefault();
  const form = event.target;
  const problems = [];
  const who = form.who.value;
  if (!who) { problems.push(L10N.needWho); }
  if (!form.situation.value.trim()) { problems.push(L10N.needSituation); }
  if (problems.length) { ctx.say(problems.join(" "), "bad"); return; }
  const [kind, id] = who.split(":");
  const data = { situation: form.situation.value.trim(), needs: form.needs.value.trim() };
  data[kind] = Number(id) || id;
  if (form.dataset.tag) {
    const due = visitsDue().find((v) => String(v.tag ?? v.id) === form.dataset.tag);
    if (due && String(due.person ?? due.person_id) === String(id)) { data.tag = Number(form.dataset.tag) || form.dataset.tag; }
  }
  if (form.next_visit_on.value) { data.next_visit_on = form.next_visit_on.value; }
  await outbox.save("visit", data, await photosOf(form.photos));
  form.reset();
  form.dataset.tag = "";
  ctx.say(L10N.saved, "ok");
  ctx.sync();
  location.hash = "#records";
}

// --- my records ------------------------------------------------------------------------------------------------

function describe(record) {
  const d = record.data || {};
  switch (record.kind) {
    case "case_report": {
      const c = categories().find((x) => String(x.code ?? x.id) === String(d.category));
      return [c ? nameOf(c) : "", d.description].filter(Boolean).join(" · ");
    }
    case "visit": {
      const p = d.person ? people().find((x) => String(x.id) === String(d.person)) : null;
      return [p ? nameOf(p) : "", d.situation].filter(Boolean).join(" · ");
    }
    case "checkin": {
      const b = buildingByCode(d.building);
      return b ? nameOf(b) : d.building;
    }
    case "track": return ctx.fmt(L10N.points, { n: (d.points || []).length });
    case "task_report": return d.report;
    default: return recordActions.describe(record);
  }
}

function renderRecords(records) {
  const ul = $("record-list");
  ul.replaceChildren();
  if (!records.length) { ul.append(el("li", { class: "empty" }, L10N.noRecords)); }
  for (const r of [...records].reverse()) {
    const photos = r.photos || [];
    const sentPhotos = photos.filter((p) => p.sent).length;
    ul.append(el("li", { class: `record state-row-${r.state}`, "data-uuid": r.uuid, "data-kind": r.kind, "data-state": r.state },
      el("div", { class: "head" },
        el("span", { class: "what" }, L10N.kinds[r.kind] || r.kind),
        el("span", { class: `state state-${r.state}` }, L10N.states[r.state] || r.state)),
      el("div", { class: "meta" }, [when(r.made_at), describe(r),
        photos.length ? (r.state === "acked" ? ctx.fmt(L10N.photosSent, { a: sentPhotos, n: photos.length }) : ctx.fmt(L10N.photos, { n: photos.length })) : "",
        r.response && r.response.result && r.response.result.number ? r.response.result.number : "",
      ].filter(Boolean).join(" · ")),
      r.state === "attention" ? recordActions.attention(r) : null));
  }
  const pending = outbox.pendingCount(records);
  const attention = records.filter((r) => r.state === "attention").length;
  $("records-summary").textContent = [pending ? ctx.fmt(L10N.pending, { n: pending }) : (attention ? "" : L10N.allSent),
    attention ? `${L10N.states.attention} ${attention}` : ""].filter(Boolean).join(" · ");
}

/** What the worker is told when the phone refused to store a record (IndexedDB: storage full, or any error). */
export function notSaved(error) {
  const name = error && error.name;
  const why = name === "QuotaExceededError" ? L10N.storageFull
    : ctx.fmt(L10N.storageError, { e: (error && (error.message || name)) || String(error) });
  return ctx.fmt(L10N.notSaved, { e: why });
}

/** A form's submit handler that cannot run twice at once (a double tap makes one record, not two). If the record
 * could not be stored, the worker is told it was NOT saved and the form keeps what they typed (the handlers reset it
 * only after the save). */
export function once(handler) {
  return async (event) => {
    event.preventDefault();
    const button = event.target.querySelector("button[type=submit]");
    if (button.disabled) { return; }
    button.disabled = true;
    try {
      await handler(event);
    } catch (error) {
      console.error(error);
      ctx.say(notSaved(error), "bad");
      window.scrollTo(0, 0); // the worker tapped at the foot of a long form: the message is at the top
    } finally {
      button.disabled = false;
    }
  };
}

/** Ask the browser to keep this origin's storage when the phone runs short (unsent records live there); if it
 * will not, say so under 我的记录. */
function askPersistence() {
  const note = $("storage-note");
  if (!note || !navigator.storage || !navigator.storage.persist) { return; }
  navigator.storage.persisted().then((kept) => kept || navigator.storage.persist()).then((kept) => {
    document.body.dataset.storage = kept ? "persistent" : "best-effort";
    note.textContent = kept ? "" : L10N.notPersisted;
    note.hidden = kept;
  }).catch((error) => console.warn("storage.persist", error));
}

// --- set-up and render -----------------------------------------------------------------------------------------

export async function setup(context) {
  ctx = context;
  L10N = ctx.config.labels;
  ctx.labels = { reportTask: L10N.kinds.task_report, recordVisit: L10N.kinds.visit };
  recordActions.setup(ctx);
  edit.setup(ctx);
  pulled = await db.get("pulled");
  askPersistence();
  tiles.setup(ctx);
  $("patrol-start").addEventListener("click", startPatrol);
  $("patrol-stop").addEventListener("click", stopPatrol);
  $("checkin-form").addEventListener("submit", once(async (event) => {
    const form = event.target;
    if (!form.building.value) { ctx.say(L10N.needBuilding, "bad"); return; }
    await checkIn(form.building.value, form.note.value.trim());
    form.note.value = "";
  }));
  $("report-form").addEventListener("submit", once(submitReport));
  $("report-locate").addEventListener("click", () => locate((p) => setReportPoint(p.lon, p.lat, L10N.located)));
  $("visit-form").addEventListener("submit", once(submitVisit));
  $("visit-search").addEventListener("input", (event) => fillVisitWho(event.target.value));
  if (await patrolState()) { holdPatrol(); }
  // A patrol's points are also sent on the clock, not only when 20 have gathered: looked at every few seconds, so
  // that "every 30 s" means 30 s after the last flush, not the next tick of a 30-s clock started earlier (60 s).
  const every = Math.max(1, Math.min(5, ctx.config.trackEverySeconds));
  setInterval(() => { flush(false).then(renderPatrol).catch((error) => console.error(error)); }, every * 1000);
}

let shownPull = null;
let shownTasks = null;

export async function render(records) {
  ctx.records = records;
  pulled = await db.get("pulled");
  const version = await db.get("pulledVersion", 0);
  const fresh = version !== shownPull;
  shownPull = version;
  document.body.dataset.pulled = String(version); // what the views show (tests wait for it)
  // Redraw the task list only when it would change: a redraw would empty a report being typed.
  const taskSignature = JSON.stringify([version, records.filter((r) => r.kind === "task_report").map((r) => [r.uuid, r.state])]);
  if (taskSignature !== shownTasks) {
    shownTasks = taskSignature;
    renderTasks();
  }
  await renderPulledAt();
  await renderPatrol();
  renderRecords(records);
  $("visit-next").min = today(1); // the next visit lies ahead: the server refuses today or earlier
  if (fresh) {
    // Lists and maps drawn from the pulled data change only with it (a redraw would close an open popup).
    fillCategories();
    fillVisitWho($("visit-search").value);
    fillBuildings();
    for (const state of Object.values(maps)) { state.fitted = false; }
    if (!$("view-map").hidden) { drawGridMap(); }
    if (!$("view-report").hidden) { drawReportMap(); }
  }
}
