/* gridgov field app — service worker (scope /field/app/), version {{ version }}.
 *
 * - Precaches the shell's static files (CSS, JS modules, Leaflet, icons) from the server, not the HTTP cache: cache
 *   first, replaced as a whole when their contents change (a new version of this file); the page reloads once when
 *   a new version takes control (app.js), so that it never runs a new page with the old modules.
 * - The shell page (/field/app/): network first, so that the language and the login follow the server; the last
 *   good copy answers offline.
 * - API requests (/api/v1/…) are never touched: their answers hold one user's data (names, addresses), and the app
 *   keeps what it pulled in that user's own IndexedDB database; offline the pull fails and the app shows what it has.
 * - Map tiles: the tiles the worker downloaded for offline use first (tiles.js, "下载本网格地图": their own cache,
 *   never evicted here), then cache first (kept to a bounded number), so that the grid seen online is there offline.
 * Writes (POST/PUT) are never touched: the app's outbox in IndexedDB keeps them until the server acknowledges.
 */
"use strict";

const VERSION = "{{ version }}";
const SHELL = {{ shell|safe }};
const PRECACHE = {{ precache|safe }};
const STATIC_CACHE = "fieldwork-static-" + VERSION;
const PAGE_CACHE = "fieldwork-pages";
/** Where earlier versions kept API answers (for every user alike): deleted on activation. */
const OLD_API_CACHE = "fieldwork-api";
const TILE_CACHE = {{ tile_cache|safe }};
const TILE_DOWNLOADS = {{ tile_download_cache|safe }};
const TILE_PREFIX = {{ tile_prefix|safe }};
const MAX_TILES = 2000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    // Past the browser's HTTP cache: a plain-name module is served with a max-age, and this version's cache must
    // hold this version's files, not the copies the previous version fetched a minute ago.
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
    try {
      const response = await fetch(SHELL, { credentials: "same-origin", cache: "no-store" });
      if (response.ok && !response.redirected) {
        await (await caches.open(PAGE_CACHE)).put(SHELL, response);
      }
    } catch (e) { /* offline while installing: the page caches itself on the next visit */ }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("fieldwork-static-") && name !== STATIC_CACHE) { await caches.delete(name); }
    }
    await caches.delete(OLD_API_CACHE);
    await self.clients.claim();
  })());
});

async function networkFirst(request, cacheName, key) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic" && !response.redirected) {
      await cache.put(key || request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(key || request);
    if (cached) { return cached; }
    throw error;
  }
}

async function cacheFirst(request, cacheName) {
  const cached = await caches.match(request);
  if (cached) { return cached; }
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(cacheName);
    await cache.put(request, response.clone());
  }
  return response;
}

async function tile(request) {
  // A downloaded tile may have been fetched with CORS (an Origin header): match it whatever the Vary.
  const downloaded = await (await caches.open(TILE_DOWNLOADS)).match(request, { ignoreVary: true });
  if (downloaded) { return downloaded; }
  const cache = await caches.open(TILE_CACHE);
  const cached = await cache.match(request);
  if (cached) { return cached; }
  const response = await fetch(request);
  if (response.ok || response.type === "opaque") {
    await cache.put(request, response.clone());
    const keys = await cache.keys();
    for (let i = 0; i < keys.length - MAX_TILES; i++) { await cache.delete(keys[i]); }
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (request.destination === "image" &&
      (url.origin !== self.location.origin || (TILE_PREFIX && request.url.startsWith(TILE_PREFIX)))) {
    event.respondWith(tile(request));
    return;
  }
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && url.pathname === SHELL) {
    event.respondWith(networkFirst(request, PAGE_CACHE, SHELL));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(cacheFirst(request, STATIC_CACHE));
  } else if (url.pathname.startsWith("/api/")) {
    return; // the network only (see above)
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request, STATIC_CACHE));
  }
});

self.addEventListener("message", (event) => {
  if (event.data === "skipWaiting") { self.skipWaiting(); }
});
