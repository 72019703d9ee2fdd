/* The report form: a client UUID per form (a double submit is one report), the point picked on a Leaflet map or
 * from navigator.geolocation, and a duplicate check (htmx) once a category and a point are chosen.
 *
 * The map draws in the tiles' datum (config "crs"): a click's point is sent with that crs. The browser's
 * geolocation is WGS-84, so a located point is sent with crs "wgs84"; the server converts both.
 * When ready, #report-map carries data-ready="1" (for tests).
 */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form) { return; }
  var el = document.getElementById("report-map");
  var cfg = JSON.parse(document.getElementById("report-map-config").textContent);
  var labels = cfg.labels || {};
  var field = function (name) { return form.querySelector("[name='" + name + "']"); };

  function uuid4() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    // randomUUID needs a secure context; getRandomValues does not.
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  if (!field("client_uuid").value) { field("client_uuid").value = uuid4(); }

  var map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(cfg.tileUrl) });
  if (cfg.tileUrl) {
    L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", subdomains: "1234", maxZoom: 18 }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  map.setView([23.1, 114.4], 12);
  var context = L.featureGroup().addTo(map);
  // Outlines only: a click anywhere, inside a grid or not, picks the point.
  [cfg.regions, cfg.grids].forEach(function (data, i) {
    if (data && data.features && data.features.length) {
      L.geoJSON(data, {
        interactive: false,
        style: i === 0
          ? { color: "#334155", weight: 2, dashArray: "5 4", fill: false }
          : { color: "#1d4ed8", weight: 1.5, fillColor: "#3b82f6", fillOpacity: 0.12 }
      }).addTo(context);
    }
  });
  if (context.getLayers().length) { map.fitBounds(context.getBounds(), { padding: [16, 16] }); }

  var marker = null;
  var pointText = document.getElementById("report-point");

  // A drawn marker, not Leaflet's default image icon: Leaflet finds that image through its stylesheet's URL, which
  // the hashed static file names break (the icon showed as a broken image). Drawn like the case page's point.
  function pin(latlng) {
    return L.circleMarker(latlng, {
      radius: 9, color: "#fff", weight: 3, fillColor: "#dc2626", fillOpacity: 1
    }).bindTooltip(labels.picked || "").addTo(map);
  }

  function setPoint(lat, lon, crs, pan) {
    field("lon").value = lon.toFixed(7);
    field("lat").value = lat.toFixed(7);
    field("crs").value = crs;
    var latlng = L.latLng(lat, lon);
    if (marker) { marker.setLatLng(latlng); } else { marker = pin(latlng); }
    if (pan) { map.setView(latlng, Math.max(map.getZoom(), 16)); }
    pointText.textContent = (labels.picked || "") + ": " + lon.toFixed(6) + ", " + lat.toFixed(6);
    el.dataset.point = field("lon").value + "," + field("lat").value;
    checkDuplicates();
  }

  function checkDuplicates() {
    var category = field("category").value;
    if (!category || !field("lon").value || !window.htmx) { return; }
    var url = form.dataset.duplicatesUrl + "?" + new URLSearchParams({
      category: category, lon: field("lon").value, lat: field("lat").value, crs: field("crs").value
    }).toString();
    window.htmx.ajax("GET", url, { target: "#report-duplicates", swap: "innerHTML" });
  }

  map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, cfg.crs || "wgs84", false); });
  field("category").addEventListener("change", checkDuplicates);

  document.getElementById("use-my-location").addEventListener("click", function () {
    if (!navigator.geolocation) { pointText.textContent = labels.noGeolocation; return; }
    pointText.textContent = labels.locating;
    navigator.geolocation.getCurrentPosition(
      function (pos) { setPoint(pos.coords.latitude, pos.coords.longitude, "wgs84", true); },
      function () { pointText.textContent = labels.geolocationFailed; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  // A point kept from a refused submit is shown again.
  if (field("lon").value && field("lat").value) {
    var lat0 = parseFloat(field("lat").value), lon0 = parseFloat(field("lon").value);
    marker = pin([lat0, lon0]);
    el.dataset.point = field("lon").value + "," + field("lat").value;
  }

  form.addEventListener("submit", function () {
    // The UUID makes a second submit harmless; disabling the button just saves the round trip.
    window.setTimeout(function () { document.getElementById("report-submit").disabled = true; }, 0);
  });
  el.dataset.ready = "1";
})();
