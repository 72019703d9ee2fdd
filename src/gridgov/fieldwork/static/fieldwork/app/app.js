/* gridgov field app — start-up: the service worker, the outbox, the views (hash routes), and when to sync:
 * on start, when the browser comes online, every config.syncEverySeconds, and on the "sync now" button. */

import * as db from "./db.js";
import * as outbox from "./outbox.js";
import * as views from "./views.js";

const config = JSON.parse(document.getElementById("app-config").textContent);
const L10N = config.labels;

const plurals = new Intl.PluralRules(document.documentElement.lang || undefined);

/** A label with its %(name)s filled in; a count's label (app.py's counted()) is its plural forms, chosen by n. */
export function fmt(template, params = {}) {
  if (template !== null && typeof template === "object") {
    template = template[plurals.select(Number(params.n))] ?? template.other;
  }
  return String(template).replace(/%\((\w+)\)s/g, (_, key) => (params[key] ?? ""));
}

const net = document.getElementById("net");
const notice = document.getElementById("notice");
const badge = document.getElementById("pending-badge");

let heldUntil = 0;

/** Show a message under the bar; a confirmation or an error stays a few seconds (sync progress does not hide it). */
export function say(text, kind = "") {
  notice.textContent = text;
  notice.className = `notice ${kind}`;
  notice.hidden = !text;
  heldUntil = text && kind ? Date.now() + 5000 : 0;
}

function showNetwork() {
  net.textContent = navigator.onLine ? L10N.online : L10N.offline;
  net.classList.toggle("offline", !navigator.onLine);
}

async function refresh() {
  const records = await outbox.records();
  const pending = outbox.pendingCount(records);
  badge.textContent = String(pending);
  badge.hidden = pending === 0;
  document.body.dataset.pending = String(pending);
  document.body.dataset.syncPhase = outbox.status.phase;
  if (outbox.status.phase === "login") {
    say(L10N.loginNeeded, "bad");
    notice.append(" ", Object.assign(document.createElement("a"), { href: config.loginUrl, textContent: L10N.login }));
  } else if (Date.now() < heldUntil) {
    // a confirmation or an error the worker has not had time to read
  } else if (outbox.status.phase === "syncing") {
    say(L10N.syncing);
  } else {
    say("");
  }
  await views.render(records);
}

let pulling = null;
async function syncNow() {
  await outbox.sync(config);
  if (!pulling) {
    pulling = outbox.pull(config).catch((error) => {
      if (error.reason === "login") { outbox.status.phase = "login"; }
    }).finally(() => { pulling = null; });
  }
  await pulling;
  await refresh();
}

function route() {
  const name = (location.hash || "#tasks").slice(1).split("?")[0] || "tasks";
  views.show(name);
}

async function start() {
  showNetwork();
  db.useFor(config.user);
  await outbox.init();
  outbox.onChange(() => { refresh(); });
  await views.setup({ config, fmt, say, sync: syncNow, refresh });
  window.addEventListener("hashchange", route);
  route();
  await refresh();
  window.addEventListener("online", () => { showNetwork(); syncNow(); });
  window.addEventListener("offline", showNetwork);
  document.getElementById("sync-now").addEventListener("click", () => { syncNow(); });
  setInterval(() => { if (navigator.onLine) { syncNow(); } }, config.syncEverySeconds * 1000);
  document.body.dataset.ready = "1";
  syncNow();
}

if ("serviceWorker" in navigator) {
  // A new version of the worker took control (skipWaiting + clients.claim): this page's modules may be the old
  // version's (imported by plain name, served cache-first by the old worker) under the new version's page. Reload
  // once to run one version throughout. Not on the first install (nothing was old) and never twice.
  const hadController = Boolean(navigator.serviceWorker.controller);
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!hadController || reloading) { return; }
    reloading = true;
    location.reload();
  });
  navigator.serviceWorker.register(config.swUrl, { scope: config.shellUrl }).then((registration) => {
    document.body.dataset.sw = "registered";
    // The worker caches no API answer (they are one user's data; the pull is kept in this user's IndexedDB).
    navigator.serviceWorker.ready.then(() => { document.body.dataset.sw = "ready"; });
    return registration;
  }).catch((error) => { console.warn("service worker", error); });
}

// Tests and the debugging console reach the outbox through this.
window.gridgovField = { config, db, outbox, syncNow };

start();
