/* gridgov maps: Leaflet, configured by a json_script block named in the map element's data-config.
 *
 * Config keys: gridsUrl / regionsUrl (GeoJSON to fetch), grids / regionsInline / pieces (inline GeoJSON; the
 * fetched regions are drawn with the inline ones, selectedRegion's outline solid, the others dashed and clickable,
 * leading to regionPageUrl + code),
 * buildings ([{code, name, lon, lat}]), tileUrl / tileAttribution (no tiles: plain background), cardUrl
 * (".../CODE/card/": the popup body, fetched with htmx), fitTo ("grids" | "regions"), labels (translated text).
 *
 * When loaded, the element carries data-ready="1", data-grid-codes and data-region-codes (space-separated), and
 * window.gridgovMaps[element id] holds {map, grids, regions, pieces} — for tests and for other scripts.
 */
(function () {
  "use strict";

  var KIND_STYLE = {
    comprehensive: { color: "#1d4ed8", fillColor: "#3b82f6", weight: 1.5, fillOpacity: 0.18 },
    special: { color: "#15803d", fillColor: "#22c55e", weight: 1.5, fillOpacity: 0.22 },
    specialized: { color: "#7e22ce", fillColor: "#a855f7", weight: 2, fillOpacity: 0.05, dashArray: "6 4" },
    micro: { color: "#b45309", fillColor: "#f59e0b", weight: 1, fillOpacity: 0.04, dashArray: "2 3" }
  };
  var KIND_ORDER = { comprehensive: 0, special: 1, micro: 2, specialized: 3 };
  var PIECE_STYLE = {
    gap: { color: "#b91c1c", fillColor: "#ef4444", weight: 2, fillOpacity: 0.55 },
    overlap: { color: "#c2410c", fillColor: "#f97316", weight: 2, fillOpacity: 0.6 },
    outside: { color: "#9f1239", fillColor: "#fb7185", weight: 2, fillOpacity: 0.45, dashArray: "4 3" }
  };

  window.gridgovMaps = window.gridgovMaps || {};

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  function featuresOf(data) {
    if (!data) { return []; }
    if (Array.isArray(data)) { return data; }
    return data.features || [];
  }

  function codeOf(feature) {
    var p = feature.properties || {};
    return String(p.code || feature.id || "");
  }

  function initMap(el) {
    var cfg = JSON.parse(document.getElementById(el.dataset.config).textContent);
    var labels = cfg.labels || {};
    var map = L.map(el, { zoomSnap: 0.25, preferCanvas: false, attributionControl: Boolean(cfg.tileUrl) });
    if (cfg.tileUrl) {
      L.tileLayer(cfg.tileUrl, { attribution: cfg.tileAttribution || "", subdomains: "1234", maxZoom: 18 }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    map.setView([23.1, 114.4], 10);
    var state = { map: map, grids: [], regions: [], pieces: [], layers: {} };
    window.gridgovMaps[el.id] = state;

    function openCard(feature, latlng) {
      var p = feature.properties || {};
      var box = document.createElement("div");
      box.className = "popup";
      box.innerHTML = '<p class="title"><strong class="code">' + escapeHtml(codeOf(feature)) + "</strong> " +
        escapeHtml(p.name) + '</p><div class="body muted">' + escapeHtml(labels.loading) + "</div>";
      L.popup({ maxWidth: 320 }).setLatLng(latlng).setContent(box).openOn(map);
      if (cfg.cardUrl && window.htmx) {
        var url = cfg.cardUrl.replace("CODE", encodeURIComponent(codeOf(feature)));
        window.htmx.ajax("GET", url, { target: box, swap: "innerHTML" });
      }
    }

    function addRegions(fetched) {
      var feats = featuresOf(cfg.regionsInline).concat(featuresOf(fetched)).filter(function (f) { return f.geometry; });
      var selfCode = cfg.selectedRegion;
      state.regions = feats.map(codeOf);
      var layer = L.geoJSON({ type: "FeatureCollection", features: feats }, {
        style: function (f) {
          var isSelf = codeOf(f) === selfCode || feats.length === 1;
          if (isSelf) { return { color: "#334155", weight: 2.5, fill: false, interactive: false }; }
          // Over grids the sub-regions are outlines only (clicks go to the grids); alone they are clickable areas.
          return gridsShown
            ? { color: "#0f172a", weight: 2, opacity: 0.75, fill: false, interactive: false }
            : { color: "#64748b", weight: 1.5, dashArray: "5 4", fillColor: "#94a3b8", fillOpacity: 0.08 };
        },
        onEachFeature: function (f, lyr) {
          var p = f.properties || {};
          if (codeOf(f) === selfCode || feats.length === 1 || gridsShown) { return; }
          lyr.bindTooltip(escapeHtml(p.name), { sticky: true, className: "region-tip" });
          if (cfg.regionPageUrl) {
            lyr.on("click", function () { window.location.href = cfg.regionPageUrl + encodeURIComponent(codeOf(f)); });
          }
        }
      }).addTo(map);
      if (!gridsShown) { layer.bringToBack(); }
      state.layers.regions = layer;
      return layer;
    }

    function addGrids(data) {
      var feats = featuresOf(data).filter(function (f) { return f.geometry; });
      feats.sort(function (a, b) {
        return (KIND_ORDER[(a.properties || {}).kind] || 0) - (KIND_ORDER[(b.properties || {}).kind] || 0);
      });
      state.grids = feats.map(codeOf);
      var layer = L.geoJSON({ type: "FeatureCollection", features: feats }, {
        style: function (f) { return KIND_STYLE[(f.properties || {}).kind] || KIND_STYLE.comprehensive; },
        onEachFeature: function (f, lyr) {
          lyr.bindTooltip(escapeHtml(codeOf(f) + " " + ((f.properties || {}).name || "")), { sticky: true });
          lyr.on("click", function (e) { L.DomEvent.stopPropagation(e); openCard(f, e.latlng); });
          lyr.on("add", function () {
            var path = lyr.getElement && lyr.getElement();
            if (path) { path.setAttribute("data-grid-code", codeOf(f)); }
          });
        }
      }).addTo(map);
      state.layers.grids = layer;
      return layer;
    }

    function addPieces(data) {
      var feats = featuresOf(data).filter(function (f) { return f.geometry; });
      state.pieces = feats.map(function (f) { return (f.properties || {}).kind; });
      var layer = L.geoJSON({ type: "FeatureCollection", features: feats }, {
        style: function (f) { return PIECE_STYLE[(f.properties || {}).kind] || PIECE_STYLE.gap; },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 6 }); },
        onEachFeature: function (f, lyr) {
          var p = f.properties || {};
          var text = (labels[p.kind] || p.kind) + (p.area_m2 != null ? " · " + Math.round(p.area_m2) + " m²" : "");
          if (p.grid_codes && p.grid_codes.length) { text += " · " + p.grid_codes.join(", "); }
          lyr.bindTooltip(escapeHtml(text), { sticky: true });
        }
      }).addTo(map);
      state.layers.pieces = layer;
      return layer;
    }

    function addBuildings(points) {
      var group = L.featureGroup();
      (points || []).forEach(function (b) {
        L.circleMarker([b.lat, b.lon], { radius: 4, color: "#0f172a", weight: 1, fillColor: "#facc15", fillOpacity: 0.95 })
          .bindTooltip(escapeHtml(b.name + " (" + b.code + ")"))
          .addTo(group);
      });
      group.addTo(map);
      state.layers.buildings = group;
      return group;
    }

    function addLegend() {
      var kinds = {};
      featuresOf(state.layers.grids ? state.layers.grids.toGeoJSON() : null).forEach(function (f) {
        kinds[(f.properties || {}).kind] = true;
      });
      var rows = [];
      Object.keys(KIND_STYLE).forEach(function (k) {
        if (kinds[k]) {
          rows.push('<li><span class="swatch kind-' + k + '"></span>' + escapeHtml((labels.kinds || {})[k] || k) + "</li>");
        }
      });
      if (state.layers.regions && state.regions.length) {
        rows.push('<li><span class="swatch region"></span>' + escapeHtml(labels.region) + "</li>");
      }
      if (state.layers.pieces) {
        rows.push('<li><span class="swatch gap"></span>' + escapeHtml(labels.gap) + "</li>");
        rows.push('<li><span class="swatch overlap"></span>' + escapeHtml(labels.overlap) + "</li>");
        if (state.pieces.indexOf("outside") >= 0) {
          rows.push('<li><span class="swatch outside"></span>' + escapeHtml(labels.outside) + "</li>");
        }
      }
      if (state.layers.buildings && state.layers.buildings.getLayers().length) {
        rows.push('<li><span class="swatch building"></span>' + escapeHtml(labels.building) + "</li>");
      }
      if (!rows.length) { return; }
      var legend = L.control({ position: "bottomright" });
      legend.onAdd = function () {
        var div = L.DomUtil.create("div", "map-legend");
        div.innerHTML = "<strong>" + escapeHtml(labels.legend) + "</strong><ul>" + rows.join("") + "</ul>";
        return div;
      };
      legend.addTo(map);
    }

    function fit() {
      var order = cfg.fitTo === "grids" ? ["grids", "regions", "pieces"] : ["regions", "grids", "pieces"];
      for (var i = 0; i < order.length; i++) {
        var layer = state.layers[order[i]];
        if (layer && layer.getLayers().length) {
          var b = layer.getBounds();
          if (b.isValid()) { map.fitBounds(b, { padding: [16, 16] }); return; }
        }
      }
    }

    var gridsShown = Boolean(cfg.gridsUrl || cfg.grids);
    var jobs = [];
    jobs.push(cfg.regionsUrl ? getJson(cfg.regionsUrl).then(addRegions) : Promise.resolve(cfg.regionsInline && addRegions(null)));
    jobs.push(cfg.gridsUrl ? getJson(cfg.gridsUrl).then(addGrids) : Promise.resolve(cfg.grids && addGrids(cfg.grids)));
    Promise.all(jobs).then(function () {
      if (cfg.pieces) { addPieces(cfg.pieces); }
      if (cfg.buildings) { addBuildings(cfg.buildings); }
      if (state.layers.regions && gridsShown) { state.layers.regions.bringToFront(); }
      if (state.layers.pieces) { state.layers.pieces.bringToFront(); }
      addLegend();
      fit();
      el.dataset.gridCodes = state.grids.join(" ");
      el.dataset.regionCodes = state.regions.join(" ");
      el.dataset.ready = "1";
    }).catch(function (err) {
      el.dataset.error = String(err);
      el.dataset.ready = "1";
      if (window.console) { window.console.error(err); }
    });
  }

  function initAll() {
    document.querySelectorAll("[data-map]").forEach(initMap);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
