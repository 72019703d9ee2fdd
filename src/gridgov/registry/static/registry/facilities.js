/* The facility map: one circle per facility, coloured by status, with a legend (config from json_script:
 * points [{code, name, lon, lat, status, statusLabel, cls}], grids (GeoJSON outlines or null), tileUrl, tileAttribution, colours, labels).
 * Loaded: data-ready="1" and data-codes (space-separated) on the map element. */
(function () {
  "use strict";

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function initMap(el) {
    var cfg = JSON.parse(document.getElementById(el.dataset.config).textContent);
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(cfg.tileUrl) });
    if (cfg.tileUrl) {
      L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", subdomains: "1234", maxZoom: 18 }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    map.setView([23.1, 114.4], 11);
    var outlines = null;
    if (cfg.grids && cfg.grids.features && cfg.grids.features.length) {
      outlines = L.geoJSON(cfg.grids, {
        style: { color: "#1d4ed8", weight: 1.5, fillColor: "#3b82f6", fillOpacity: 0.06, interactive: false }
      }).addTo(map);
    }
    var layer = L.featureGroup().addTo(map);
    (cfg.points || []).forEach(function (p) {
      var colour = (cfg.colours || {})[p.status] || "#2563eb";
      L.circleMarker([p.lat, p.lon], { radius: 6, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 0.9 })
        .bindPopup('<div class="popup"><div class="title">' + escapeHtml(p.name) + "</div>" +
          '<div class="code">' + escapeHtml(p.code) + "</div>" + escapeHtml(p.cls) + " · " + escapeHtml(p.statusLabel) + "</div>")
        .addTo(layer);
    });
    if (outlines) {
      map.fitBounds(outlines.getBounds().pad(0.05), { maxZoom: 17 });
    } else if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 17 });
    }
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend");
      var labels = cfg.labels || {};
      var html = "<strong>" + escapeHtml(labels.legend || "") + "</strong><ul>";
      Object.keys(cfg.colours || {}).forEach(function (status) {
        html += '<li><span class="swatch dot" style="background:' + cfg.colours[status] + '"></span> ' +
          escapeHtml((labels.statuses || {})[status] || status) + "</li>";
      });
      div.innerHTML = html + "</ul>";
      return div;
    };
    legend.addTo(map);
    el.dataset.codes = (cfg.points || []).map(function (p) { return p.code; }).join(" ");
    el.dataset.ready = "1";
  }

  document.querySelectorAll("[data-facility-map]").forEach(initMap);
})();
