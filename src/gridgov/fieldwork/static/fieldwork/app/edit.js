/* The edit screens (route #edit?…, the section #view-edit):
 *
 *   #edit?person=<id>   修改人员信息 — the fields a grid worker keeps current on a visit → a person_edit record
 *   #edit?rental=<id>   出租屋检查/修改 — rooms, today's safety check, still rented → a rental_edit record
 *   #edit?fix=<uuid>    修改后重新提交 — a refused record's own form, prefilled with its data and photos; saving
 *                       makes a NEW record and deletes the refused one in the same transaction (outbox.replace)
 *
 * An edit carries the version the phone has and ``base``, the values the worker saw; the protected values (phone,
 * current address) come masked in the pull, are never a base, and are shown only as a hint ("leave empty to keep").
 * Everything is checked here first with the registry's rules, in the worker's language. */

import * as db from "./db.js";
import * as geo from "./geo.js";
import * as outbox from "./outbox.js";
import { problemLines } from "./records.js";
import * as tiles from "./tiles.js";
import {
  buildings, categories, drawGrids, drawMe, el, list, locate, nameOf, personOf, photosOf,
  today, toLatLng, visitChoices,
} from "./views.js";

let ctx = null;
let L10N = null;
let E = null;
let fixMap = null;

/** The person fields of the edit screen: plain ones (a real base) and protected ones (masked, never a base). */
export const PERSON_PLAIN = ["occupation", "workplace", "education", "marital_status", "political_status", "occupancy"];
export const PERSON_PROTECTED = ["phone", "current_address"];
export const RENTAL_FIELDS = ["rooms", "safety_checked_on", "is_active"];
const MAX_LENGTH = { occupation: 60, workplace: 120, current_address: 200 };
const MAX_PHOTOS = 9;

const $ = (id) => document.getElementById(id);

export const rentals = () => list("rentals");
export function rentalOf(id) { return rentals().find((r) => String(r.id) === String(id)); }

export function fieldLabel(field) { return (L10N.fields || {})[field] || field; }

/** A value as the worker reads it: a choice's label, yes/no, "(空)" for nothing. */
export function display(field, value) {
  if (value === null || value === undefined || value === "") { return E.empty; }
  if (typeof value === "boolean") { return value ? E.yes : E.no; }
  const choice = (ctx.config.choices[field] || []).find(([v]) => v === value);
  return choice ? choice[1] : String(value);
}

/** The values an edit is based on: what the phone holds now, protected fields left out. */
export function baseOf(kind, current) {
  const names = kind === "person_edit" ? PERSON_PLAIN : RENTAL_FIELDS;
  return Object.fromEntries(names.map((f) => [f, current[f] === undefined ? null : current[f]]));
}

export function setup(context) {
  ctx = context;
  L10N = ctx.config.labels;
  E = L10N.edit;
  $("visit-edit-person").textContent = E.editPerson;
  $("visit-edit-person").addEventListener("click", () => {
    const [kind, id] = ($("visit-who").value || "").split(":");
    if (kind !== "person" || !id) { ctx.say(E.choosePerson, "bad"); return; }
    location.hash = `#edit?person=${id}`;
  });
}

/** The rental houses of a building, for its popup on the grid map (null when it has none). */
export function rentalsAt(code) {
  const here = rentals().filter((r) => String(r.building) === String(code));
  if (!here.length) { return null; }
  return el("div", { class: "rentals" },
    el("div", { class: "small muted" }, `${E.rentals} ${here.length}`),
    here.map((r) => el("div", { class: "small rental-row", "data-rental": r.id },
      el("div", {}, [r.label, r.is_active ? ctx.fmt(E.rooms, { n: r.rooms }) : E.notRented,
        r.safety_checked_on ? ctx.fmt(E.lastCheck, { d: r.safety_checked_on }) : E.neverChecked].join(" · ")),
      el("a", { class: "button small", href: `#edit?rental=${r.id}`, "data-rental": r.id }, E.check))));
}

// --- the screen -------------------------------------------------------------------------------------------------

/** Object URLs of the photo thumbnails: made while a screen is built, released when the next one is shown. */
const thumbs = [];
let shownThumbs = [];

function screen(title, ...children) {
  if (fixMap) { fixMap.remove(); fixMap = null; }
  for (const url of shownThumbs) { URL.revokeObjectURL(url); }
  shownThumbs = thumbs.splice(0);
  $("h-edit").textContent = title;
  $("edit-body").replaceChildren(...children.flat().filter(Boolean));
}

function back(to) {
  return el("p", {}, el("a", { href: to, class: "small", "data-action": "back" }, `‹ ${E.back}`));
}

/** Route #edit?…: which screen, from the query. */
export async function show(params) {
  document.body.dataset.edit = "";
  if (params.has("person")) { personScreen(params.get("person")); return; }
  if (params.has("rental")) { rentalScreen(params.get("rental")); return; }
  if (params.has("fix")) { await fixScreen(params.get("fix")); return; }
  screen(E.fixTitle, back("#records"));
}

function pendingFor(kind, key, id) {
  return (ctx.records || []).some((r) => r.kind === kind && String((r.data || {})[key]) === String(id) &&
    ["saved", "sending"].includes(r.state));
}

/** Field-level errors under their inputs and together in the notice; false when there are any. */
function report(form, errors) {
  for (const old of form.querySelectorAll(".error")) { old.remove(); }
  const entries = Object.entries(errors);
  for (const [name, message] of entries) {
    const input = form.querySelector(`[name='${name}'], [data-field='${name}']`);
    const anchor = input ? (input.closest(".field") || input) : form.querySelector("button[type=submit]");
    anchor.after(el("p", { class: "error", "data-error": name }, message));
  }
  if (entries.length) { ctx.say(entries.map(([, m]) => m).join(" "), "bad"); }
  return entries.length === 0;
}

function guarded(form, handler) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = form.querySelector("button[type=submit]");
    if (submit.disabled) { return; }
    submit.disabled = true;
    try { await handler(); } catch (error) { ctx.say(String(error.message || error), "bad"); } finally { submit.disabled = false; }
  });
}

function input(name, label, attrs = {}, note = "") {
  const id = `edit-${name}`;
  return el("div", { class: "field" },
    el("label", { for: id }, label),
    attrs.tag === "textarea" ? el("textarea", { id, name, rows: 2, ...attrs, tag: null, value: null }, attrs.value || "")
      : el("input", { id, name, type: "text", ...attrs, tag: null }),
    note ? el("p", { class: "muted small hint" }, note) : null);
}

function select(name, label, options, value) {
  const id = `edit-${name}`;
  const s = el("select", { id, name },
    options.map(([v, text]) => el("option", { value: v }, text)));
  s.value = value ?? "";
  return el("div", { class: "field" }, el("label", { for: id }, label), s);
}

// --- a person ---------------------------------------------------------------------------------------------------

/** 0752-2345678, +86 139 1234 5678 → digits; the registry's rule: a mobile (1[3-9] + 9 digits) or a landline. */
export function cleanPhone(value) {
  let digits = value.replace(/[\s\-()（）]/g, "");
  if (digits.startsWith("+86")) { digits = digits.slice(3); } else if (digits.startsWith("0086")) { digits = digits.slice(4); }
  return /^1[3-9]\d{9}$/.test(digits) || /^0\d{2,3}\d{7,8}$/.test(digits) ? digits : null;
}

function personScreen(id, fix = null) {
  const p = personOf(id);
  const title = fix ? E.fixTitle : E.personTitle;
  const from = fix ? "#records" : `#visit?person=${id}`;
  if (!p) { screen(title, el("p", { class: "problem" }, E.missing), back(from)); return; }
  const changes = fix ? (fix.data.changes || {}) : {};
  const form = el("form", { id: "person-form", class: "card", autocomplete: "off", novalidate: true, "data-person": p.id },
    el("p", { class: "big" }, nameOf(p)),
    el("p", { class: "muted small" }, [p.house, p.age || p.age === 0 ? ctx.fmt(L10N.age, { n: p.age }) : ""].filter(Boolean).join(" · ")),
    el("p", { class: "muted small" }, E.personNote),
    input("phone", `${fieldLabel("phone")} *`, { type: "tel", inputmode: "tel", value: changes.phone || "", placeholder: p.phone || "" },
      ctx.fmt(E.current, { v: p.phone || E.empty })),
    input("current_address", `${fieldLabel("current_address")} *`, { value: changes.current_address || "", placeholder: p.current_address || "", maxlength: 200 },
      ctx.fmt(E.current, { v: p.current_address || E.empty })),
    input("occupation", fieldLabel("occupation"), { value: changes.occupation ?? p.occupation ?? "", maxlength: 60 }),
    input("workplace", fieldLabel("workplace"), { value: changes.workplace ?? p.workplace ?? "", maxlength: 120 }),
    ["education", "marital_status", "political_status", "occupancy"].map((f) => select(f, fieldLabel(f),
      [["", "—"], ...(ctx.config.choices[f] || [])], changes[f] ?? p[f] ?? "")),
    el("button", { type: "submit", class: "primary wide" }, E.save));
  guarded(form, async () => {
    const errors = {};
    const out = {};
    const phone = form.phone.value.trim();
    if (phone) {
      const clean = cleanPhone(phone);
      if (clean) { out.phone = clean; } else { errors.phone = E.phoneInvalid; }
    }
    const address = form.current_address.value.trim();
    if (address) { out.current_address = address; }
    for (const f of PERSON_PLAIN) {
      const value = form[f].value.trim();
      if (value !== String(p[f] ?? "")) { out[f] = value; }
    }
    for (const [f, n] of Object.entries(MAX_LENGTH)) {
      if ((out[f] || "").length > n) { errors[f] = ctx.fmt(E.tooLong, { f: fieldLabel(f), n }); }
    }
    if (!report(form, errors)) { return; }
    if (!Object.keys(out).length) { ctx.say(E.noChanges, "bad"); return; }
    await saveEdit("person_edit", { person: p.id }, p, out, fix);
  });
  screen(title,
    back(from),
    fix ? fixHeader(fix) : null,
    pendingFor("person_edit", "person", p.id) ? el("p", { class: "notice" }, E.pendingEdit) : null,
    form);
  document.body.dataset.edit = "person";
}

/** A new edit is based on what the phone holds (its version and plain values). A corrected one keeps the version
 * and base of the refused record (what the worker saw then, so that others' later changes still conflict); a field
 * added now takes its base from the phone's values. */
async function saveEdit(kind, ref, current, changes, fix) {
  const base = baseOf(kind, current);
  const data = fix
    ? { ...ref, version: fix.data.version, base: { ...base, ...(fix.data.base || {}) }, changes }
    : { ...ref, version: current.version, base, changes };
  if (fix) { await outbox.replace(fix, data, keptPhotos(fix)); } else { await outbox.save(kind, data); }
  ctx.say(fix ? E.resubmitted : L10N.saved, "ok");
  location.hash = "#records";
  ctx.sync();
}

// --- a rental house ---------------------------------------------------------------------------------------------

function rentalScreen(id, fix = null) {
  const r = rentalOf(id);
  const title = fix ? E.fixTitle : E.rentalTitle;
  const from = fix ? "#records" : "#map";
  if (!r) { screen(title, el("p", { class: "problem" }, E.missing), back(from)); return; }
  const changes = fix ? (fix.data.changes || {}) : {};
  const value = (f) => (f in changes ? changes[f] : r[f]);
  const checked = input("safety_checked_on", fieldLabel("safety_checked_on"), { type: "date", max: today(), value: value("safety_checked_on") || "" });
  const todayButton = el("button", { type: "button", "data-action": "today", onclick: () => { form.safety_checked_on.value = today(); } }, E.checkedToday);
  checked.append(todayButton);
  const active = el("label", { class: "choice" }, el("input", { type: "checkbox", name: "is_active", id: "edit-is_active", checked: Boolean(value("is_active")) }), ` ${E.stillRented}`);
  const form = el("form", { id: "rental-form", class: "card", autocomplete: "off", novalidate: true, "data-rental": r.id },
    el("p", { class: "big" }, r.label),
    el("p", { class: "muted small" }, [r.landlord ? ctx.fmt(E.landlord, { n: r.landlord }) : "",
      r.registered_on ? ctx.fmt(E.registered, { d: r.registered_on }) : ""].filter(Boolean).join(" · ")),
    input("rooms", fieldLabel("rooms"), { type: "number", min: 1, max: 999, step: 1, inputmode: "numeric", value: value("rooms") ?? "" }),
    checked,
    el("div", { class: "field" }, active),
    el("button", { type: "submit", class: "primary wide" }, E.save));
  guarded(form, async () => {
    const errors = {};
    const out = {};
    const rooms = Number(form.rooms.value);
    if (!/^\d+$/.test(form.rooms.value.trim()) || rooms < 1 || rooms > 999) { errors.rooms = E.roomsInvalid; }
    const on = form.safety_checked_on.value || null;
    if (on && on > today()) { errors.safety_checked_on = E.futureDate; }
    if (!report(form, errors)) { return; }
    if (rooms !== r.rooms) { out.rooms = rooms; }
    if (on !== (r.safety_checked_on || null)) { out.safety_checked_on = on; }
    if (form.is_active.checked !== Boolean(r.is_active)) { out.is_active = form.is_active.checked; }
    if (!Object.keys(out).length) { ctx.say(E.noChanges, "bad"); return; }
    await saveEdit("rental_edit", { rental: r.id }, r, out, fix);
  });
  screen(title,
    back(from),
    fix ? fixHeader(fix) : null,
    pendingFor("rental_edit", "rental", r.id) ? el("p", { class: "notice" }, E.pendingEdit) : null,
    form);
  document.body.dataset.edit = "rental";
}

// --- a refused record, corrected --------------------------------------------------------------------------------

function fixHeader(record) {
  return el("div", { class: "card attention-card" },
    el("p", { class: "what" }, `${L10N.kinds[record.kind] || record.kind} · ${L10N.states.attention}`),
    problemLines(record).map((line) => el("p", { class: "problem" }, line)),
    el("p", { class: "muted small" }, E.fixHint));
}

/** The refused record's photos the worker kept (ticked), and the ones added now. */
let photoChoice = null;
function keptPhotos(record) {
  if (!photoChoice || photoChoice.uuid !== record.uuid) { return record.photos.filter((p) => p.blob); }
  return photoChoice.kept();
}

function photoField(record) {
  const existing = record.photos.filter((p) => p.blob);
  const boxes = existing.map((p, i) => {
    const url = URL.createObjectURL(p.blob);
    thumbs.push(url);
    return el("label", { class: "thumb" },
      el("input", { type: "checkbox", name: "keep", value: String(i), checked: true }),
      el("img", { src: url, alt: "" }));
  });
  const add = el("input", { id: "edit-photos", name: "photos", type: "file", accept: "image/*", capture: "environment", multiple: true });
  photoChoice = {
    uuid: record.uuid,
    add,
    kept: () => existing.filter((_p, i) => boxes[i].querySelector("input").checked),
  };
  return el("div", { class: "field" },
    existing.length ? [el("label", {}, E.existingPhotos), el("div", { class: "thumbs" }, boxes)] : null,
    el("label", { for: "edit-photos" }, E.addPhotos), add);
}

async function allPhotos(record) {
  const kept = keptPhotos(record);
  const added = photoChoice && photoChoice.uuid === record.uuid ? await photosOf(photoChoice.add) : [];
  return [...kept, ...added].slice(0, MAX_PHOTOS);
}

async function fixScreen(uuid) {
  // From IndexedDB, not the list: on a reload the route is drawn before the list.
  const record = await db.getRecord(uuid);
  if (!record || record.state !== "attention") {
    screen(E.fixTitle, el("p", { class: "muted" }, L10N.allSent), back("#records"));
    return;
  }
  const d = record.data || {};
  if (record.kind === "person_edit") { personScreen(d.person, record); return; }
  if (record.kind === "rental_edit") { rentalScreen(d.rental, record); return; }
  const build = FORMS[record.kind];
  if (!build) { screen(E.fixTitle, fixHeader(record), el("p", {}, E.noEdit), back("#records")); return; }
  const { fields, read, after, merge } = build(record);
  const form = el("form", { id: "fix-form", class: "card", autocomplete: "off", novalidate: true, "data-kind": record.kind },
    fields, photoField(record), el("button", { type: "submit", class: "primary wide" }, E.fix));
  guarded(form, async () => {
    const { errors, data } = read(form);
    if (!report(form, errors)) { return; }
    await outbox.replace(record, merge ? merge(d, data) : { ...d, ...data }, await allPhotos(record));
    ctx.say(E.resubmitted, "ok");
    location.hash = "#records";
    ctx.sync();
  });
  screen(E.fixTitle, back("#records"), fixHeader(record), form);
  document.body.dataset.edit = record.kind;
  if (after) { after(form); }
}

function required(form, names, errors) {
  for (const name of names) {
    if (!String(form[name].value || "").trim()) { errors[name] = ctx.fmt(E.required, { f: fieldLabel(name) }); }
  }
}

function categorySelect(value) {
  const s = el("select", { id: "edit-category", name: "category" }, el("option", { value: "" }, "—"));
  const groups = new Map();
  for (const c of categories()) {
    const major = c.major_name || "";
    if (!groups.has(major)) { groups.set(major, major ? el("optgroup", { label: major }) : s); }
    groups.get(major).append(el("option", { value: c.code ?? c.id }, nameOf(c)));
  }
  for (const group of groups.values()) { if (group !== s) { s.append(group); } }
  s.value = value || "";
  return el("div", { class: "field" }, el("label", { for: "edit-category" }, fieldLabel("category")), s);
}

/** The location of a corrected case report: the record's point, moved by "use my location" or a tap on a map. */
function pointField(d) {
  const point = { lon: d.lon, lat: d.lat };
  const text = el("span", { class: "muted small", id: "edit-point" });
  const mapDiv = el("div", { id: "fix-map", class: "map small-map" });
  let pin = null;
  const set = (lon, lat) => {
    point.lon = Number(Number(lon).toFixed(7));
    point.lat = Number(Number(lat).toFixed(7));
    text.textContent = ctx.fmt(L10N.picked, { lon: Number(lon).toFixed(6), lat: Number(lat).toFixed(6) });
    mapDiv.dataset.point = `${point.lon},${point.lat}`;
    if (fixMap) {
      const latlng = toLatLng(point.lon, point.lat);
      if (pin) { pin.setLatLng(latlng); } else {
        pin = L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 3, fillColor: "#dc2626", fillOpacity: 1 }).addTo(fixMap);
      }
    }
  };
  const field = el("div", { class: "field", "data-field": "location" },
    el("label", {}, fieldLabel("location")),
    el("div", { class: "row" },
      el("button", { type: "button", "data-action": "locate", onclick: () => locate((p) => set(p.lon, p.lat)) }, E.locate),
      text),
    mapDiv);
  const after = () => {
    fixMap = L.map(mapDiv, { zoomSnap: 0.25, attributionControl: Boolean(ctx.config.tileUrl) });
    if (ctx.config.tileUrl) {
      L.tileLayer(ctx.config.tileUrl, { attribution: ctx.config.tileAttribution || "", ...tiles.LAYER }).addTo(fixMap);
    }
    const state = { map: fixMap, layers: L.featureGroup().addTo(fixMap), me: null };
    drawGrids(state);
    drawMe(state);
    if (state.layers.getLayers().length) { fixMap.fitBounds(state.layers.getBounds(), { padding: [8, 8] }); } else { fixMap.setView([23.1, 114.4], 12); }
    fixMap.on("click", (event) => {
      const [lon, lat] = geo.fromMap(event.latlng.lng, event.latlng.lat, ctx.config.crs);
      set(lon, lat);
    });
    if (point.lon !== undefined && point.lat !== undefined) { set(point.lon, point.lat); }
    setTimeout(() => fixMap && fixMap.invalidateSize(), 0);
  };
  return { field, point, after };
}

const FORMS = {
  case_report(record) {
    const d = record.data || {};
    const where = pointField(d);
    const urgencies = ctx.config.urgencies || [];
    const fields = [
      categorySelect(d.category),
      input("description", fieldLabel("description"), { tag: "textarea", rows: 3, value: d.description || "" }),
      input("address", fieldLabel("address"), { value: d.address || "" }),
      el("fieldset", { class: "choices" }, el("legend", {}, fieldLabel("urgency")),
        urgencies.map(([value, label]) => el("label", { class: "choice" },
          el("input", { type: "radio", name: "urgency", value, checked: (d.urgency || urgencies[0][0]) === value }), ` ${label}`))),
      where.field,
    ];
    const read = (form) => {
      const errors = {};
      required(form, ["category", "description"], errors);
      if (where.point.lon === undefined || where.point.lon === null) { errors.location = L10N.needLocation; }
      return {
        errors,
        data: {
          category: form.category.value,
          description: form.description.value.trim(),
          address: form.address.value.trim(),
          urgency: form.urgency.value || d.urgency,
          lon: where.point.lon,
          lat: where.point.lat,
        },
      };
    };
    return { fields, read, after: where.after };
  },

  visit(record) {
    const d = record.data || {};
    const who = el("select", { id: "edit-who", name: "who", size: 5 },
      visitChoices("").map((c) => el("option", { value: c.value }, c.text)));
    who.value = d.person ? `person:${d.person}` : (d.household ? `household:${d.household}` : "");
    const fields = [
      el("div", { class: "field" }, el("label", { for: "edit-who" }, fieldLabel("person")), who),
      input("situation", fieldLabel("situation"), { tag: "textarea", rows: 3, value: d.situation || "" }),
      input("needs", fieldLabel("needs"), { tag: "textarea", rows: 2, value: d.needs || "" }),
      input("next_visit_on", fieldLabel("next_visit_on"), { type: "date", value: d.next_visit_on || "" }),
    ];
    const read = (form) => {
      const errors = {};
      if (!form.who.value) { errors.who = L10N.needWho; }
      required(form, ["situation"], errors);
      const [kind, id] = (form.who.value || ":").split(":");
      const data = { situation: form.situation.value.trim(), needs: form.needs.value.trim(), person: null, household: null };
      data[kind] = Number(id) || id;
      if (kind !== "person" || String(id) !== String(d.person)) { data.tag = null; } // the tag was the old person's
      data.next_visit_on = form.next_visit_on.value || null;
      for (const key of ["person", "household", "tag", "next_visit_on"]) { if (data[key] === null) { delete data[key]; } }
      return { errors, data };
    };
    // The corrected data replaces the old keys whole (a person swapped for a household must not keep both).
    const merge = (old, data) => {
      const out = { ...old };
      for (const key of ["person", "household", "tag", "next_visit_on"]) { delete out[key]; }
      return { ...out, ...data };
    };
    return { fields, read, merge };
  },

  checkin(record) {
    const d = record.data || {};
    const s = el("select", { id: "edit-building", name: "building" }, el("option", { value: "" }, "—"),
      buildings().map((b) => el("option", { value: b.code }, nameOf(b))));
    s.value = d.building || "";
    const fields = [
      el("div", { class: "field" }, el("label", { for: "edit-building" }, fieldLabel("building")), s),
      input("note", L10N.fields.situation, { tag: "textarea", rows: 2, value: d.note || "" }),
    ];
    const read = (form) => {
      const errors = {};
      if (!form.building.value) { errors.building = L10N.needBuilding; }
      return { errors, data: { building: form.building.value, note: form.note.value.trim() } };
    };
    return { fields, read };
  },

  task_report(record) {
    const d = record.data || {};
    const task = list("tasks").find((t) => String(t.id) === String(d.task));
    const fields = [
      task ? el("p", { class: "big" }, task.title) : null,
      input("report", fieldLabel("report"), { tag: "textarea", rows: 3, value: d.report || "" }),
    ];
    const read = (form) => {
      const errors = {};
      required(form, ["report"], errors);
      return { errors, data: { report: form.report.value.trim() } };
    };
    return { fields, read };
  },
};
