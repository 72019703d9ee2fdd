/* gridgov field-work maps for the centre (/field/): a day's patrol tracks, and a month's coverage per grid.
 *
 * A map element carries data-field-map and data-config (the id of a json_script block):
 *   tileUrl / tileAttribution; grids (GeoJSON outlines);
 *   patrols [{id, worker, grid, colour, flagged, started, hours, km, latlngs: [[lat, lon], ...]}] (tracks map);
 *   checkins [{lat, lon, building, worker, colour, time, far}] (tracks map);
 *   coverage {grid code: share | null} (coverage map: grids coloured by share);
 *   labels (translated text).
 * Loaded: data-ready="1", data-patrols / data-checkins / data-shaded (counts) on the element;
 * window.gridgovFieldMaps[id] holds {map, tracks, checkins, grids}.
 */
(function () {
  "use strict";

  window.gridgovFieldMaps = window.gridgovFieldMaps || {};
  var SHADES = { high: "#16a34a", mid: "#f59e0b", low: "#dc2626", none: "#94a3b8" };

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function shade(share) {
    if (share === null || share === undefined) { return "none"; }
    if (share >= 0.8) { return "high"; }
    if (share >= 0.5) { return "mid"; }
    return "low";
  }

  function legend(map, title, rows) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend");
      div.innerHTML = "<strong>" + escapeHtml(title) + "</strong><ul>" + rows.join("") + "</ul>";
      return div;
    };
    control.addTo(map);
  }

  function initMap(el) {
    var cfg = JSON.parse(document.getElementById(el.dataset.config).textContent);
    var labels = cfg.labels || {};
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(cfg.tileUrl) });
    if (cfg.tileUrl) {
      L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", subdomains: "1234", maxZoom: 18 }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    map.setView([23.1, 114.4], 11);
    var state = { map: map, tracks: L.featureGroup(), checkins: L.featureGroup(), grids: null };
    window.gridgovFieldMaps[el.id] = state;
    var coverage = cfg.coverage || null;
    var shaded = 0;

    if (cfg.grids && cfg.grids.features && cfg.grids.features.length) {
      state.grids = L.geoJSON(cfg.grids, {
        style: function (f) {
          if (!coverage) {
            return { color: "#1d4ed8", weight: 1.5, fillColor: "#3b82f6", fillOpacity: 0.06, interactive: false };
          }
          var code = (f.properties || {}).code;
          var s = shade(coverage[code]);
          return { color: "#334155", weight: 1, fillColor: SHADES[s], fillOpacity: 0.45 };
        },
        onEachFeature: function (f, lyr) {
          if (!coverage) { return; }
          var p = f.properties || {};
          var share = coverage[p.code];
          shaded += 1;
          lyr.bindTooltip(escapeHtml(p.code + " " + (p.name || "") + " · " +
            (share === null || share === undefined ? labels.none : Math.round(share * 100) + "%")), { sticky: true });
          lyr.on("add", function () {
            var path = lyr.getElement && lyr.getElement();
            if (path) { path.setAttribute("data-grid-code", p.code); path.setAttribute("data-shade", shade(share)); }
          });
        }
      }).addTo(map);
    }

    var workers = {};
    (cfg.patrols || []).forEach(function (p) {
      workers[p.worker] = p.colour;
      if (!p.latlngs || !p.latlngs.length) { return; }
      var line = L.polyline(p.latlngs, {
        color: p.colour, weight: p.flagged ? 3 : 4, opacity: 0.9, dashArray: p.flagged ? "8 6" : null
      });
      var text = p.worker + " · " + p.started + " · " + p.hours + " " + (labels.hours || "") + " · " + p.km + " " +
        (labels.km || "") + (p.flagged ? " · " + (labels.flagged || "") : "");
      line.bindTooltip(escapeHtml(text), { sticky: true });
      line.addTo(state.tracks);
      if (p.flagged) {
        var end = p.latlngs[p.latlngs.length - 1];
        L.marker(end, {
          icon: L.divIcon({ className: "flag-icon", html: '<span title="' + escapeHtml(labels.flagged) +
            '" style="font-size:18px;color:#b91c1c">⚑</span>', iconSize: [18, 18], iconAnchor: [3, 17] })
        }).bindTooltip(escapeHtml(labels.flagged)).addTo(state.tracks);
      }
    });
    (cfg.checkins || []).forEach(function (c) {
      L.circleMarker([c.lat, c.lon], {
        radius: 6, color: c.far ? "#b91c1c" : "#fff", weight: c.far ? 3 : 1.5, fillColor: c.colour, fillOpacity: 0.95
      }).bindTooltip(escapeHtml((labels.checkin || "") + " · " + c.building + " · " + c.worker + " · " + c.time +
        (c.far ? " · " + (labels.far || "") : ""))).addTo(state.checkins);
    });
    state.tracks.addTo(map);
    state.checkins.addTo(map);

    var rows = [];
    if (coverage) {
      ["high", "mid", "low", "none"].forEach(function (k) {
        rows.push('<li><span class="swatch" style="background:' + SHADES[k] + '"></span>' + escapeHtml(labels[k]) + "</li>");
      });
    } else {
      Object.keys(workers).forEach(function (w) {
        rows.push('<li><span class="swatch-line" style="background:' + workers[w] + '"></span>' + escapeHtml(w) + "</li>");
      });
      if ((cfg.patrols || []).some(function (p) { return p.flagged; })) {
        rows.push('<li><span style="color:#b91c1c">⚑</span> ' + escapeHtml(labels.flagged) + "</li>");
      }
    }
    if (rows.length) { legend(map, labels.legend || "", rows); }

    var bounds = null;
    [state.tracks, state.checkins, state.grids].forEach(function (layer) {
      if (layer && layer.getLayers().length) {
        var b = layer.getBounds();
        bounds = bounds ? bounds.extend(b) : b;
      }
    });
    if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 }); }
    el.dataset.patrols = String((cfg.patrols || []).length);
    el.dataset.checkins = String((cfg.checkins || []).length);
    el.dataset.shaded = String(shaded);
    el.dataset.ready = "1";
  }

  function initAll() { document.querySelectorAll("[data-field-map]").forEach(initMap); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
