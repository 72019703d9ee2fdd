/* IndexedDB for the field app: "records" (the outbox: every record made on the phone, with its photos as blobs
 * until acknowledged) and "kv" (the pulled grid data, the running patrol, its buffered points).
 *
 * Every write is its own transaction and resolves only when the transaction has completed (durable), so a record
 * the app says is saved survives closing the app right after. */

let NAME = "gridgov-field";
const VERSION = 1;
let opened = null;

/** One database per user: a phone shared by two workers never shows (or sends) one's records as the other's;
 * each keeps their unsent records until they log in again. */
export function useFor(user) {
  NAME = `gridgov-field:${user}`;
  opened = null;
}

/** A name for this user's Web Lock or BroadcastChannel (the same in every tab of the same user). */
export function scoped(what) { return `${NAME}:${what}`; }

/** Run ``fn`` holding this user's Web Lock ``what`` (navigator.locks: one tab at a time; options as
 * navigator.locks.request's, e.g. ``{ifAvailable: true}`` gives ``fn`` null when another tab holds it). Without
 * Web Locks (old browsers) ``fn`` runs at once. */
export function locked(what, fn, options = {}) {
  if (!(self.navigator && navigator.locks)) { return Promise.resolve().then(() => fn({ name: what })); }
  return navigator.locks.request(scoped(what), options, fn);
}

export function open() {
  if (opened) { return opened; }
  opened = new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("records")) {
        const records = db.createObjectStore("records", { keyPath: "uuid" });
        records.createIndex("seq", "seq", { unique: true });
      }
      if (!db.objectStoreNames.contains("kv")) { db.createObjectStore("kv"); }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error || new Error("IndexedDB transaction failed"));
  });
}

function result(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function putRecord(record) {
  const db = await open();
  const tx = db.transaction("records", "readwrite");
  tx.objectStore("records").put(record);
  await done(tx);
  return record;
}

/** Records in the order they were made (their seq). */
export async function allRecords() {
  const db = await open();
  const tx = db.transaction("records", "readonly");
  return result(tx.objectStore("records").index("seq").getAll());
}

export async function getRecord(uuid) {
  const db = await open();
  return result(db.transaction("records", "readonly").objectStore("records").get(uuid));
}

/** Change one record inside one read-write transaction: ``change(record)`` edits it in place. */
export async function updateRecord(uuid, change) {
  const db = await open();
  const tx = db.transaction("records", "readwrite");
  const store = tx.objectStore("records");
  const record = await result(store.get(uuid));
  if (record) {
    change(record);
    store.put(record);
  }
  await done(tx);
  return record;
}

export async function get(key, fallback = null) {
  const db = await open();
  const value = await result(db.transaction("kv", "readonly").objectStore("kv").get(key));
  return value === undefined ? fallback : value;
}

export async function set(key, value) {
  const db = await open();
  const tx = db.transaction("kv", "readwrite");
  tx.objectStore("kv").put(value, key);
  await done(tx);
}

export async function del(key) {
  const db = await open();
  const tx = db.transaction("kv", "readwrite");
  tx.objectStore("kv").delete(key);
  await done(tx);
}

/** Change several records in one transaction. */
export async function updateRecords(uuids, change) {
  const db = await open();
  const tx = db.transaction("records", "readwrite");
  const store = tx.objectStore("records");
  for (const uuid of uuids) {
    const record = await result(store.get(uuid));
    if (record) {
      change(record);
      store.put(record);
    }
  }
  await done(tx);
}

/** Write records and key-value entries in ONE transaction (e.g. a track record and the emptied point buffer, so
 * that a crash in between can neither lose nor double the points). A kv value of ``undefined`` deletes the key.
 * ``remove``: records deleted in the same transaction (a corrected record replaces the refused one: a crash
 * leaves exactly one of them); each must be in one of ``removable`` states, or nothing at all is written. */
export async function commit(records, kv = {}, remove = [], removable = ["attention"]) {
  const db = await open();
  const tx = db.transaction(["records", "kv"], "readwrite");
  const store = tx.objectStore("records");
  for (const uuid of remove) {
    const old = await result(store.get(uuid));
    if (!old || !removable.includes(old.state)) {
      tx.abort();
      await done(tx).catch(() => {});
      throw new Error(`record ${uuid} is ${old ? old.state : "gone"}: not removed`);
    }
    store.delete(uuid);
  }
  for (const record of records) { store.put(record); }
  for (const [key, value] of Object.entries(kv)) {
    if (value === undefined) { tx.objectStore("kv").delete(key); } else { tx.objectStore("kv").put(value, key); }
  }
  await done(tx);
}
