/* gridgov case maps (workbench and case page): case points coloured by status, overdue ones ringed in red.
 *
 * A map element carries data-case-map and data-config (the id of a json_script block with: points
 * [{number, lon, lat, status, statusLabel, category, overdue, url}], grids (GeoJSON outlines, optional),
 * tileUrl / tileAttribution, colours {status: css colour}, labels {legend, overdue, statuses}).
 * When the workbench's queue is swapped by htmx, the new block (same id) redraws the points.
 * Loaded: data-ready="1" and data-case-numbers (space-separated) on the element; window.gridgovCaseMaps[id].
 */
(function () {
  "use strict";

  window.gridgovCaseMaps = window.gridgovCaseMaps || {};

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function readConfig(el) {
    var node = document.getElementById(el.dataset.config);
    return node ? JSON.parse(node.textContent) : { points: [] };
  }

  function initMap(el) {
    var cfg = readConfig(el);
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(cfg.tileUrl) });
    if (cfg.tileUrl) {
      L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", subdomains: "1234", maxZoom: 18 }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    map.setView([23.1, 114.4], 11);
    var state = { map: map, points: null, grids: null, legend: null };
    window.gridgovCaseMaps[el.id] = state;

    if (cfg.grids && cfg.grids.features && cfg.grids.features.length) {
      state.grids = L.geoJSON(cfg.grids, {
        style: { color: "#1d4ed8", weight: 1.5, fillColor: "#3b82f6", fillOpacity: 0.08, interactive: false }
      }).addTo(map);
    }

    function draw(config) {
      var colours = config.colours || {};
      var labels = config.labels || {};
      if (state.points) { map.removeLayer(state.points); }
      if (state.legend) { map.removeControl(state.legend); }
      var group = L.featureGroup();
      var seen = {};
      (config.points || []).forEach(function (p) {
        var colour = colours[p.status] || "#334155";
        seen[p.status] = true;
        var marker = L.circleMarker([p.lat, p.lon], {
          radius: (p.overdue ? 8 : 6) + ((config.points || []).length === 1 ? 2 : 0),
          color: p.overdue ? "#991b1b" : "#fff",
          weight: p.overdue ? 3 : 1.5,
          fillColor: colour,
          fillOpacity: 0.95
        });
        var text = p.number + " · " + p.category + " · " + p.statusLabel + (p.overdue ? " · " + (labels.overdue || "") : "");
        marker.bindTooltip(escapeHtml(text));
        if (p.url && (config.points || []).length > 1) {
          marker.on("click", function () { window.location.href = p.url; });
        }
        marker.addTo(group);
      });
      group.addTo(map);
      state.points = group;
      var rows = [];
      Object.keys(colours).forEach(function (s) {
        if (seen[s]) {
          rows.push('<li><span class="swatch dot" style="background:' + colours[s] + '"></span>' +
            escapeHtml((labels.statuses || {})[s] || s) + "</li>");
        }
      });
      if ((config.points || []).some(function (p) { return p.overdue; })) {
        rows.push('<li><span class="swatch dot overdue-ring"></span>' + escapeHtml(labels.overdue) + "</li>");
      }
      if (rows.length > 1 || (config.points || []).length > 1) {
        var legend = L.control({ position: "bottomright" });
        legend.onAdd = function () {
          var div = L.DomUtil.create("div", "map-legend");
          div.innerHTML = "<strong>" + escapeHtml(labels.legend) + "</strong><ul>" + rows.join("") + "</ul>";
          return div;
        };
        legend.addTo(map);
        state.legend = legend;
      }
      var bounds = group.getLayers().length ? group.getBounds() : null;
      if (state.grids) {
        bounds = bounds ? bounds.extend(state.grids.getBounds()) : state.grids.getBounds();
      }
      if (bounds && bounds.isValid()) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
      }
      el.dataset.caseNumbers = (config.points || []).map(function (p) { return p.number; }).join(" ");
      el.dataset.ready = "1";
    }

    state.redraw = function () { draw(readConfig(el)); };
    draw(cfg);
  }

  function initAll() {
    document.querySelectorAll("[data-case-map]").forEach(initMap);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
  document.body.addEventListener("htmx:afterSwap", function () {
    Object.keys(window.gridgovCaseMaps).forEach(function (id) { window.gridgovCaseMaps[id].redraw(); });
  });
})();
