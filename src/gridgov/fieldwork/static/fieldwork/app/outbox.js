/* The outbox: every record the worker makes is written to IndexedDB first (state "saved"), then sent by sync()
 * following docs/fieldwork-sync.md:
 *
 *   saved ──POST batch──▶ sending ──201/200──▶ acked (photos pending) ──each photo PUT 201/200──▶ sent
 *                                   └─409/400/403/404──▶ attention (the server's message and fields kept)
 *
 * A record is "sent" only after its own 201/200 AND every photo's. Nothing is ever deleted before that; a photo's
 * blob is dropped only once the server has acknowledged it. A network error, a 5xx or a lost session puts the
 * batch back to "saved" (resending is always safe: the server answers a replay with 200). Sync runs on app
 * start, when the browser comes online, on a timer and on the "sync now" button (see app.js). */

import * as db from "./db.js";

let lastSeq = 0;
const listeners = new Set();
let running = null;
export const status = { phase: "idle", error: "", lastSync: null };

export function onChange(listener) { listeners.add(listener); }
function notify() { for (const listener of listeners) { try { listener(); } catch (e) { console.error(e); } } }

/** The app open in two tabs: each tells the other when it changed the outbox or the patrol, and the other redraws
 * (one BroadcastChannel per user, opened by init()). */
let channel = null;
export function announce() { if (channel) { try { channel.postMessage("changed"); } catch (e) { /* closed */ } } }
function changed() { notify(); announce(); }

export function uuid4() {
  if (self.crypto && self.crypto.randomUUID) { return self.crypto.randomUUID(); }
  const b = self.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => (x + 0x100).toString(16).slice(1)).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** ISO 8601 in the phone's local time with its offset, e.g. 2026-11-27T09:41:07.123+08:00. */
export function isoLocal(date = new Date()) {
  const pad = (n, w = 2) => String(Math.abs(n)).padStart(w, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:` +
    `${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

export async function init() {
  for (const r of await db.allRecords()) { lastSeq = Math.max(lastSeq, r.seq); }
  if (!channel && typeof BroadcastChannel === "function") {
    channel = new BroadcastChannel(db.scoped("changes"));
    channel.onmessage = () => notify();
  }
  // The app closed mid-sync: the batch was not acknowledged as far as we know; resending is safe. Only holding the
  // "sync" lock: another tab holding it may be sending them (its round ends with none left "sending"). A tab
  // closed or reloaded a moment ago lets go of it at once; a live tab's round ends within its timeouts: not waited
  // for at start-up, the records go back when it ends.
  const reset = async () => {
    const stale = (await db.allRecords()).filter((r) => r.state === "sending").map((r) => r.uuid);
    if (stale.length) { await db.updateRecords(stale, (x) => { if (x.state === "sending") { x.state = "saved"; } }); }
    return stale.length;
  };
  const wait = typeof AbortSignal.timeout === "function" ? { signal: AbortSignal.timeout(2000) } : { ifAvailable: true };
  try {
    await db.locked("sync", (lock) => (lock ? reset() : Promise.reject(new Error("busy"))), wait);
  } catch (e) {
    db.locked("sync", reset).then((n) => { if (n) { changed(); } }).catch((error) => console.error(error));
  }
}

function nextSeq() {
  lastSeq = Math.max(Date.now() * 1000, lastSeq + 1);
  return lastSeq;
}

/** A new record in state "saved" (not yet written: pass it to save() or db.commit()). */
export function newRecord(kind, data, files = [], madeAt = new Date()) {
  return {
    uuid: uuid4(),
    seq: nextSeq(),
    kind,
    made_at: isoLocal(madeAt),
    data,
    photos: Array.from(files, (blob) => ({ uuid: uuid4(), blob, type: blob.type || "image/jpeg", sent: false })),
    state: "saved",
    saved_at: isoLocal(),
    response: null,
  };
}

export async function save(kind, data, files = []) {
  const record = newRecord(kind, data, files);
  await db.putRecord(record);
  changed();
  return record;
}

export async function records() { return db.allRecords(); }

/** The server refused the record's time because it lies ahead of the server's clock (the phone's clock is fast):
 * its answer says so (``code: "clock_ahead"``, docs/fieldwork-sync.md) — the phone's own clock cannot tell, it is
 * the one that is wrong. Sent again later it may pass (the server's time catches up); a correction re-dates it. */
export function clockAhead(record) {
  return Boolean(record.response && record.response.code === "clock_ahead");
}

/** The server refused the record's time because it is too old (FIELDWORK_MAX_OFFLINE_DAYS, ``code: "too_old"``): it
 * cannot be corrected, only discarded — re-dating it would misstate when the work was done. */
export function tooOld(record) {
  return Boolean(record.response && record.response.code === "too_old");
}

/** A corrected copy of a refused record (state "attention"): a NEW record (new UUID, new photo UUIDs: the server
 * may hold the old ones) that keeps the original ``made_at`` — the phone's time of the act, which the corrected
 * record still describes — unless the server refused that time itself (a phone clock ahead of the server's).
 * The old record is deleted in the same transaction (db.commit): a crash leaves exactly one of them. */
export async function replace(old, data, photos = []) {
  const record = newRecord(old.kind, data, []);
  if (!clockAhead(old)) { record.made_at = old.made_at; }
  record.photos = photos.map((p) => ({ uuid: uuid4(), blob: p.blob || p, type: p.type || "image/jpeg", sent: false }));
  record.replaces = old.uuid;
  await db.commit([record], {}, [old.uuid]);
  changed();
  return record;
}

/** Delete a refused record and its unsent photos from the phone (the server never stored it). Only a record in
 * state "attention" can go: saved, sending and acked records are never deleted. */
export async function discard(uuid) {
  await db.commit([], {}, [uuid]);
  changed();
}

/** Give up one photo the server refused (400/404/409) of a record it has stored: the record counts as sent once
 * its other photos are. */
export async function dropPhoto(uuid, photoUuid) {
  await db.updateRecord(uuid, (r) => {
    const photo = r.response && (r.response.photo || r.response.photo_failed);
    if (r.state !== "attention" || photo !== photoUuid) { return; }
    r.photos = r.photos.filter((p) => p.uuid !== photoUuid);
    const { photo: _p, photo_failed: _pf, photo_status: _s, message: _m, errors: _e, fields: _f, detail: _d, ...rest } = r.response;
    r.response = rest;
    r.state = r.photos.every((p) => p.sent) ? "sent" : "acked";
  });
  changed();
}

/** Send again a record the server failed on (500: its own error, not the record's), or the photos of a stored
 * record the server failed on PHOTO_TRIES times (they start counting again). */
export async function retry(uuid) {
  await db.updateRecord(uuid, (r) => {
    if (r.state !== "attention") { return; }
    if (r.response && r.response.photo_failed) {
      const { photo_failed: _p, photo_status: _s, message: _m, ...rest } = r.response;
      r.response = rest;
      for (const p of r.photos) { p.failures = 0; }
      r.state = r.photos.every((p) => p.sent) ? "sent" : "acked";
    } else {
      r.state = "saved";
    }
  });
  changed();
}

export function pendingCount(list) { return list.filter((r) => r.state !== "sent" && r.state !== "attention").length; }

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** The headers of every request to the sync API: the user this page was opened by (percent-encoded: a header
 * carries only Latin-1), so that the server refuses (409 user_mismatch) when the session now belongs to someone
 * else — this tab's records must not go under their name, nor their data into this user's database. */
function headers(config, extra = {}) {
  return { Accept: "application/json", "X-Gridgov-User": encodeURIComponent(config.user), ...extra };
}

/** The server's answer means the session is not (or no longer) this page's user: log in again, keep everything. */
async function loginNeeded(response) {
  if (response.status === 401 || response.status === 403 || response.type === "opaqueredirect") { return true; }
  if (response.status !== 409) { return false; }
  try { return (await response.clone().json()).code === "user_mismatch"; } catch (e) { return false; }
}

class SyncStop extends Error {
  constructor(reason, detail = "", httpStatus = 0) { super(detail || reason); this.reason = reason; this.status = httpStatus; }
}

/** A photo the server failed on (5xx, 429) this many rounds in a row needs the worker (需处理, 重新发送). */
const PHOTO_TRIES = 3;

/** A request's deadline: a stalled mobile connection (no answer, no error) must not hold the sync lock forever,
 * so every request is aborted after ``config.requestTimeoutSeconds`` (30 s), a photo's after that plus a second
 * per 20 KB (a 2 MB photo: 130 s over a slow link). ``signal`` goes to fetch() and also aborts reading the body;
 * ``expired`` says the abort was ours; ``clear()`` once the answer has been read. */
function deadline(config, bytes = 0) {
  const controller = new AbortController();
  const seconds = (config.requestTimeoutSeconds || 30) + Math.ceil(bytes / 20000);
  const out = { signal: controller.signal, expired: false };
  const timer = setTimeout(() => { out.expired = true; controller.abort(); }, seconds * 1000);
  out.clear = () => clearTimeout(timer);
  return out;
}

function envelope(r) {
  return { uuid: r.uuid, kind: r.kind, made_at: r.made_at, data: r.data, photos: r.photos.map((p) => p.uuid) };
}

async function serverMessage(response) {
  try {
    const body = await response.clone().json();
    return body.detail || body.message || JSON.stringify(body);
  } catch (e) {
    return `HTTP ${response.status}`;
  }
}

async function postBatch(config, batch) {
  const uuids = batch.map((r) => r.uuid);
  await db.updateRecords(uuids, (r) => { if (r.state === "saved") { r.state = "sending"; } });
  changed();
  const back = () => db.updateRecords(uuids, (r) => { if (r.state === "sending") { r.state = "saved"; } });
  const time = deadline(config);
  try {
    return await sendBatch(config, batch, uuids, back, time);
  } catch (error) {
    if (!time.expired) { throw error; }
    // No answer in time (or the answer stopped half-way): the batch waits for the next round; resending is safe.
    await back();
    changed();
    throw new SyncStop("network", `timeout ${config.requestTimeoutSeconds || 30} s`);
  } finally {
    time.clear();
  }
}

async function sendBatch(config, batch, uuids, back, time) {
  let response;
  try {
    response = await fetch(config.recordsUrl, {
      signal: time.signal,
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: headers(config, { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }),
      body: JSON.stringify({ records: batch.map(envelope) }),
    });
  } catch (error) {
    await back();
    throw new SyncStop("network", String(error));
  }
  if (await loginNeeded(response)) {
    await back();
    throw new SyncStop("login", await serverMessage(response));
  }
  if (!response.ok) {
    await back();
    throw new SyncStop("server", await serverMessage(response), response.status);
  }
  let body;
  try {
    body = await response.json();
  } catch (error) {
    await back();
    throw new SyncStop("server", String(error));
  }
  const results = new Map((body.results || []).map((res) => [res.uuid, res]));
  await db.updateRecords(uuids, (r) => {
    const res = results.get(r.uuid);
    if (!res) { if (r.state === "sending") { r.state = "saved"; } return; }
    r.response = res;
    if (res.status === 200 || res.status === 201) {
      r.state = r.photos.every((p) => p.sent) ? "sent" : "acked";
    } else {
      r.state = "attention";
    }
  });
  // The records about a patrol answered 404 because its start was not stored yet (the start refused for a while,
  // e.g. a 500 retried later) go again once the start is: nothing about a patrol is lost to the order of answers.
  const started = batch
    .filter((r) => r.kind === "patrol_start" && [200, 201].includes((results.get(r.uuid) || {}).status))
    .map((r) => String(r.data.patrol));
  if (started.length) { await requeueAbout(started); }
  changed();
}

/** Records refused with 404 because they refer to a patrol whose start the server did not have yet. */
export function waitsForStart(record, all) {
  const patrol = record.data && record.data.patrol;
  if (!patrol || !record.response || record.response.status !== 404) { return false; }
  return all.some((r) => r.kind === "patrol_start" && String(r.data.patrol) === String(patrol));
}

async function requeueAbout(patrols) {
  const all = await db.allRecords();
  const again = all.filter((r) => r.state === "attention" && r.response && r.response.status === 404
    && r.data && patrols.includes(String(r.data.patrol))).map((r) => r.uuid);
  if (again.length) {
    await db.updateRecords(again, (r) => { if (r.state === "attention") { r.state = "saved"; r.response = null; } });
  }
}

async function putPhoto(config, record, photo) {
  const form = new FormData();
  form.append("record", record.uuid);
  const ext = (photo.type.split("/")[1] || "jpg").replace("jpeg", "jpg");
  form.append("image", photo.blob, `${photo.uuid}.${ext}`);
  const time = deadline(config, photo.blob ? photo.blob.size : 0);
  try {
    await sendPhoto(config, record, photo, form, time);
  } catch (error) {
    if (!time.expired) { throw error; }
    throw new SyncStop("network", `timeout ${config.requestTimeoutSeconds || 30} s`);
  } finally {
    time.clear();
  }
}

async function sendPhoto(config, record, photo, form, time) {
  let response;
  try {
    response = await fetch(config.photoUrl.replace("UUID", photo.uuid), {
      signal: time.signal,
      method: "PUT",
      credentials: "same-origin",
      redirect: "manual",
      headers: headers(config, { "X-CSRFToken": csrfToken() }),
      body: form,
    });
  } catch (error) {
    throw new SyncStop("network", String(error));
  }
  if (response.status === 200 || response.status === 201) {
    await db.updateRecord(record.uuid, (r) => {
      const p = r.photos.find((x) => x.uuid === photo.uuid);
      p.sent = true;
      p.blob = null; // acknowledged: the server has it
      if (r.state === "acked" && r.photos.every((x) => x.sent)) { r.state = "sent"; }
    });
  } else if (await loginNeeded(response)) {
    throw new SyncStop("login", await serverMessage(response));
  } else if (response.status >= 500 || response.status === 429) {
    throw new SyncStop("server", await serverMessage(response), response.status);
  } else {
    // 400 (not an image), 409 (different bytes under this UUID), 404: the worker must look at it.
    let body = {};
    try { body = await response.json(); } catch (e) { body = { message: `HTTP ${response.status}` }; }
    await db.updateRecord(record.uuid, (r) => {
      r.state = "attention";
      r.response = { ...(r.response || {}), photo: photo.uuid, photo_status: response.status, ...body };
    });
  }
  changed();
}

/** The server failed on a photo (5xx, 429): counted on the photo; after PHOTO_TRIES its record needs the worker. */
async function photoFailed(record, photo, error) {
  await db.updateRecord(record.uuid, (r) => {
    const p = r.photos.find((x) => x.uuid === photo.uuid);
    if (!p || p.sent) { return; }
    p.failures = (p.failures || 0) + 1;
    if (p.failures >= PHOTO_TRIES && r.state === "acked") {
      r.state = "attention";
      r.response = { ...(r.response || {}), photo_failed: photo.uuid, photo_status: error.status, message: error.message };
    }
  });
  changed();
}

/** Send one batch; if the server fails on it as a whole (413 too large, 5xx), send its records one by one, so that
 * one record the server cannot take does not hold up the others (it stays saved, or 需处理 if too large alone).
 * Returns the server's failure, if any (the round goes on). */
async function postSplit(config, batch) {
  try {
    await postBatch(config, batch);
    return null;
  } catch (error) {
    if (!(error instanceof SyncStop) || error.reason !== "server") { throw error; }
    if (batch.length === 1) {
      if (error.status === 413) {
        await db.updateRecord(batch[0].uuid, (r) => {
          if (r.state === "saved") { r.state = "attention"; r.response = { status: 413, message: error.message }; }
        });
        changed();
      }
      return error;
    }
    // One by one; a server down (every record failing) is not asked 50 times: three failures in a row end it.
    let failed = null;
    let inRow = 0;
    for (const one of batch) {
      const error = await postSplit(config, [one]);
      if (error) { failed = error; inRow += 1; } else { inRow = 0; }
      if (inRow >= 3) { break; }
    }
    return failed;
  }
}

async function run(config) {
  status.phase = "syncing";
  status.error = "";
  changed();
  try {
    let failed = null;
    // A second pass sends what the first put back in line (records about a patrol whose start it stored).
    for (let pass = 0; pass < 2; pass += 1) {
      const pending = (await db.allRecords()).filter((r) => r.state === "saved" || r.state === "sending");
      if (!pending.length) { break; }
      for (let i = 0; i < pending.length; i += config.batchSize) {
        failed = (await postSplit(config, pending.slice(i, i + config.batchSize))) || failed;
      }
    }
    // Each photo alone; one the server fails on (5xx, 429) is counted and the others still go.
    for (const record of (await db.allRecords()).filter((r) => r.state === "acked")) {
      for (const photo of record.photos.filter((p) => !p.sent)) {
        try {
          await putPhoto(config, record, photo);
        } catch (error) {
          if (!(error instanceof SyncStop) || error.reason !== "server") { throw error; }
          await photoFailed(record, photo, error);
          failed = error;
        }
      }
    }
    if (failed) { throw failed; }
    status.phase = "idle";
    status.lastSync = new Date();
  } catch (error) {
    status.phase = error instanceof SyncStop ? error.reason : "error";
    status.error = error.message || String(error);
    if (!(error instanceof SyncStop)) { console.error(error); }
  } finally {
    changed();
  }
}

/** Send what waits, once at a time (a second call while one runs returns the running one); across tabs one at a
 * time too (the user's "sync" Web Lock: another tab's round ends before this one starts, so nothing goes twice). */
export function sync(config) {
  if (!running) { running = db.locked("sync", () => run(config)).finally(() => { running = null; }); }
  return running;
}

/** Download the worker's grid data (incremental after the first time) and keep it in IndexedDB; one tab at a time
 * (the "sync" lock, as sending). */
export function pull(config) {
  return db.locked("sync", async () => {
    const time = deadline(config, 2000000); // a first pull of a big grid is a few MB
    try {
      return await pullNow(config, time.signal);
    } catch (error) {
      if (!time.expired) { throw error; }
      throw new SyncStop("network", `timeout ${config.requestTimeoutSeconds || 30} s`);
    } finally {
      time.clear();
    }
  });
}

async function pullNow(config, signal) {
  const cursor = await db.get("cursor");
  const url = config.pullUrl + (cursor ? `?since=${encodeURIComponent(cursor)}` : "");
  const response = await fetch(url, { signal, credentials: "same-origin", redirect: "manual", headers: headers(config) });
  if (await loginNeeded(response)) {
    throw new SyncStop("login", await serverMessage(response));
  }
  if (response.status === 400 && cursor) {
    // The server cannot read our cursor (docs: pull again without since).
    await db.del("cursor");
    return pullNow(config, signal);
  }
  if (!response.ok) { throw new SyncStop("server", await serverMessage(response)); }
  const body = await response.json();
  const before = await db.get("pulled");
  if (body.full === false && (!before || incomplete(before, body))) {
    // Someone in scope is not on the phone and was not sent (e.g. a person who came into the grid without changing:
    // an incremental answer holds only what changed): drop the cursor and pull everything.
    await db.del("cursor");
    return pullNow(config, signal);
  }
  const data = body.full === false ? merge(before, body) : body;
  const content = (d) => JSON.stringify({ ...d, cursor: null, full: null });
  if (!before || content(before) !== content(data)) {
    await db.set("pulled", data);
    // The views redraw lists and maps only when this changes (a redraw would close a popup or empty a form).
    await db.set("pulledVersion", (await db.get("pulledVersion", 0)) + 1);
  }
  if (body.cursor) { await db.set("cursor", body.cursor); }
  await db.set("pulledAt", isoLocal());
  changed();
  return data;
}

/** Lists an incremental answer (``full: false``) holds only the changes of; every other list comes whole. */
const INCREMENTAL = { households: "household_ids", people: "person_ids" };

/** An incremental answer lists (``household_ids`` / ``person_ids``) someone neither on the phone nor in the answer. */
export function incomplete(before, changes) {
  for (const [name, ids] of Object.entries(INCREMENTAL)) {
    if (!Array.isArray(changes[ids])) { continue; }
    const have = new Set([...(before[name] || []), ...(changes[name] || [])].map((item) => String(item.id)));
    if (changes[ids].some((id) => !have.has(String(id)))) { return true; }
  }
  return false;
}

/** Apply an incremental answer (docs/fieldwork-sync.md): ``households`` and ``people`` hold only what changed
 * (merged by id), and ``household_ids`` / ``person_ids`` list all still in scope (the others leave); grids,
 * buildings, visits due, tasks and categories are sent whole and replace. */
export function merge(before, changes) {
  const out = { ...before, ...changes };
  for (const [name, ids] of Object.entries(INCREMENTAL)) {
    const byId = new Map((before[name] || []).map((item) => [String(item.id), item]));
    for (const item of changes[name] || []) { byId.set(String(item.id), item); }
    const keep = Array.isArray(changes[ids]) ? new Set(changes[ids].map(String)) : null;
    out[name] = Array.from(byId.values()).filter((item) => !keep || keep.has(String(item.id)));
  }
  return out;
}
