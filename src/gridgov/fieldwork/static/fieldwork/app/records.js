/* The records that need attention (state "attention", 需处理) in the 记录 view: the server's reasons, and what the
 * worker can do about each (docs/fieldwork-app.md):
 *
 *   400 invalid, 409 same UUID other content → 修改后重新提交 (the record's own form, edit.js) or 放弃
 *   409 stale edit (person_edit / rental_edit with current_version) → each conflicting field, mine beside the
 *       server's (pulled first), then 以我的为准重新提交 or 放弃我的修改
 *   403 not allowed, 404 out of scope → explained; only 放弃 (a 404 about a patrol whose start is on this phone
 *       and not stored yet: 重新发送 — and it goes again by itself once the start is stored)
 *   400 on made_at for a record older than the server keeps offline records → only 放弃 (not re-dated)
 *   500 the server's own failure → 重新发送 (or 放弃)
 *   a photo refused (the record itself stored) → 放弃这张照片
 *
 * Discarding asks first, and only a record in state "attention" can be discarded (outbox.discard refuses the
 * others inside its transaction): saved, sending and acked records are never offered it. */

import * as edit from "./edit.js";
import * as outbox from "./outbox.js";
import { el, nameOf, personOf } from "./views.js";

let ctx = null;
let L10N = null;
let E = null;
/** uuid → the action waiting for its confirmation ("discard" | "dropMine" | "photo"). The list is redrawn on
 * every change of the outbox: the open question survives the redraw. */
const confirming = new Map();
/** Records whose stale edit asked for a pull already (a pull that could not bring the server's values is not
 * asked again and again). */
const pulledFor = new Set();

export function setup(context) {
  ctx = context;
  L10N = ctx.config.labels;
  E = L10N.edit;
}

const FIXABLE = new Set(["case_report", "visit", "checkin", "task_report", "person_edit", "rental_edit"]);

/** The list's one-line description of the kinds views.js does not describe itself. */
export function describe(record) {
  const d = record.data || {};
  const changed = Object.keys(d.changes || {}).map(edit.fieldLabel).join("、");
  if (record.kind === "person_edit") {
    const p = personOf(d.person);
    return [p ? nameOf(p) : "", changed].filter(Boolean).join(" · ");
  }
  if (record.kind === "rental_edit") {
    const r = edit.rentalOf(d.rental);
    return [r ? r.label : "", changed].filter(Boolean).join(" · ");
  }
  return "";
}

/** [field, message] pairs of a 400's errors; a person or rental edit's errors come nested under "changes". */
function flatten(errors) {
  const out = [];
  for (const [field, messages] of Object.entries(errors || {})) {
    if (messages && typeof messages === "object" && !Array.isArray(messages)) {
      out.push(...flatten(messages));
    } else {
      out.push([field, [].concat(messages).join(" ")]);
    }
  }
  return out;
}

/** What the server said about a refused record, one line each, in the worker's words. */
export function problemLines(record) {
  const res = record.response || {};
  const lines = [];
  // A 409's message names the fields as the API does: the worker reads them in their own words instead (the
  // conflicting fields below, or the table of a stale edit).
  const fields = res.fields && res.fields.length ? res.fields : null;
  if ((res.message || res.detail) && !(res.status === 409 && fields)) {
    lines.push(ctx.fmt(L10N.serverSays, { m: res.message || res.detail }));
  }
  if (fields && res.current_version === undefined) {
    lines.push(ctx.fmt(L10N.conflictFields, { f: res.fields.map(edit.fieldLabel).join("、") }));
  }
  for (const [field, message] of flatten(res.errors)) {
    lines.push(field === "non_field_errors" ? message : `${edit.fieldLabel(field)}:${message}`);
  }
  if (!lines.length && res.status && !fields) { lines.push(`HTTP ${res.status}`); }
  return lines;
}

function button(label, onClick, cls = "", data = {}) {
  const attrs = { type: "button", class: cls, onclick: (event) => { event.preventDefault(); onClick(event); } };
  for (const [k, v] of Object.entries(data)) { attrs[`data-${k}`] = v; }
  return el("button", attrs, label);
}

function ask(uuid, what) {
  confirming.set(uuid, what);
  ctx.refresh();
}

function confirmBox(record, what, question, yesLabel, onYes) {
  if (confirming.get(record.uuid) !== what) { return null; }
  return el("div", { class: "confirm", role: "alertdialog", "data-confirm": what },
    el("p", {}, question),
    el("div", { class: "row" },
      button(yesLabel, async (event) => {
        event.target.disabled = true;
        confirming.delete(record.uuid);
        await onYes();
      }, "danger", { action: "confirm" }),
      button(E.cancel, () => { confirming.delete(record.uuid); ctx.refresh(); }, "", { action: "cancel" })));
}

function discardButton(record, label = E.discard, what = "discard") {
  return button(label, () => ask(record.uuid, what), "", { action: what });
}

async function discard(record, done = E.discarded) {
  try {
    await outbox.discard(record.uuid);
    ctx.say(done, "ok");
  } catch (error) {
    ctx.say(String(error.message || error), "bad");
  }
}

// --- a stale edit: mine beside the server's -------------------------------------------------------------------

function currentOf(record) {
  const d = record.data || {};
  return record.kind === "person_edit" ? personOf(d.person) : edit.rentalOf(d.rental);
}

function isFresh(record, current) {
  return Boolean(current) && Number(current.version) >= Number(record.response.current_version);
}

function stale(record) {
  const res = record.response;
  const current = currentOf(record);
  const fresh = isFresh(record, current);
  if (!fresh && navigator.onLine && !pulledFor.has(record.uuid)) {
    // The server's values come with the pull: ask for one (sync() pulls after sending).
    pulledFor.add(record.uuid);
    ctx.sync();
  }
  const changes = record.data.changes || {};
  const rows = (res.fields || []).map((f) => el("tr", { "data-field": f },
    el("th", { scope: "row" }, edit.fieldLabel(f)),
    el("td", { class: "mine" }, edit.display(f, changes[f])),
    el("td", { class: "theirs" }, fresh ? edit.display(f, current[f]) : "…")));
  let status = null;
  if (!fresh) {
    const waiting = navigator.onLine && outbox.status.phase === "syncing";
    status = el("p", { class: "muted small" },
      waiting ? E.stalePulling : (!navigator.onLine ? E.staleOffline : (current ? E.dataBehind : E.missing)));
  }
  return [
    el("p", {}, E.staleIntro),
    el("table", { class: "conflict" },
      el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, E.mine), el("th", {}, E.theirs))),
      el("tbody", {}, rows)),
    status,
    el("div", { class: "actions row" },
      fresh ? button(E.keepMine, () => keepMine(record), "primary", { action: "keep-mine" }) : null,
      discardButton(record, E.dropMine, "dropMine")),
    confirmBox(record, "dropMine", E.dropMineConfirm, E.dropMine, () => discard(record, E.droppedMine)),
  ];
}

/** "Mine wins": the same changes as a new record based on the server's current version and values (as pulled);
 * protected values are masked in the pull, so they are left out of the base (docs/fieldwork-sync.md). */
async function keepMine(record) {
  const current = currentOf(record);
  if (!isFresh(record, current)) { ctx.say(current ? E.dataBehind : E.missing, "bad"); return; }
  const data = { ...record.data, version: current.version, base: edit.baseOf(record.kind, current) };
  try {
    await outbox.replace(record, data, []);
  } catch (error) {
    ctx.say(String(error.message || error), "bad");
    return;
  }
  ctx.say(E.keptMine, "ok");
  ctx.sync();
}

// --- the attention block of one record ------------------------------------------------------------------------

/** The reasons and the actions shown under a record in state "attention" (views.js renderRecords). */
export function attention(record) {
  const res = record.response || {};
  const problems = problemLines(record).map((line) => el("p", { class: "problem" }, line));
  if (res.photo || res.photo_failed) {
    // A photo refused (400/404/409: give it up), or one the server failed on again and again (5xx: send it again,
    // or give it up); the record itself is stored, so it cannot be discarded.
    const retry = res.photo_failed
      ? button(E.retry, async () => { await outbox.retry(record.uuid); ctx.sync(); }, "primary", { action: "retry" })
      : null;
    return [...problems, el("p", { class: "small" }, res.photo ? E.photoRefused : E.photoFailed),
      el("div", { class: "actions row" }, retry, discardButton(record, E.dropPhoto, "photo")),
      confirmBox(record, "photo", E.dropPhoto, E.dropPhoto, async () => {
        await outbox.dropPhoto(record.uuid, res.photo || res.photo_failed);
        ctx.sync();
      })];
  }
  const stale409 = res.status === 409 && res.current_version !== undefined && res.current_version !== null;
  if (stale409 && (record.kind === "person_edit" || record.kind === "rental_edit")) {
    return el("div", { class: "attention", "data-attention": "stale" }, problems, stale(record));
  }
  let why = null;
  const actions = [];
  if (res.status === 403) {
    why = E.forbidden;
  } else if (outbox.waitsForStart(record, ctx.records || [])) {
    why = E.waitsForStart;
    actions.push(button(E.retry, async () => { await outbox.retry(record.uuid); ctx.sync(); }, "primary", { action: "retry" }));
  } else if (res.status === 404) {
    why = E.notFound;
  } else if (outbox.clockAhead(record)) {
    // The phone's clock is fast: sent again once the server's time has caught up it passes; a correction re-dates it.
    why = E.clockAhead;
    actions.push(button(E.retry, async () => { await outbox.retry(record.uuid); ctx.sync(); }, "primary", { action: "retry" }));
    if (FIXABLE.has(record.kind)) {
      actions.push(el("a", { class: "button", href: `#edit?fix=${record.uuid}`, "data-action": "fix" }, E.fix));
    }
  } else if (outbox.tooOld(record)) {
    why = E.tooOld;
  } else if (res.status >= 500) {
    why = E.serverError;
    actions.push(button(E.retry, async () => { await outbox.retry(record.uuid); ctx.sync(); }, "primary", { action: "retry" }));
  } else if (FIXABLE.has(record.kind)) {
    actions.push(el("a", { class: "button primary", href: `#edit?fix=${record.uuid}`, "data-action": "fix" }, E.fix));
  } else {
    why = E.noEdit;
  }
  actions.push(discardButton(record));
  return el("div", { class: "attention", "data-attention": String(res.status || "") },
    problems,
    why ? el("p", { class: "small" }, why) : null,
    el("div", { class: "actions row" }, actions),
    confirmBox(record, "discard", E.discardConfirm, E.discardYes, () => discard(record)));
}
