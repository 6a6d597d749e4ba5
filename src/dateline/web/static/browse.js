/* dateline browse page: clustered map and brushable timeline over the JSON API.
 *
 * No build step, no inline script (the CSP is default-src 'self'). Article-derived text
 * (locations, ids) only ever reaches the DOM through textContent, never innerHTML.
 * The server clusters (/api/clusters), so the page draws a few hundred markers however
 * many events the store holds.
 */
(function () {
  "use strict";

  var root = document.getElementById("browse");
  if (!root || typeof L === "undefined") { return; }

  /* One colour per ACLED event type; the same palette as .swatch[data-type] in style.css. */
  var TYPE_COLOURS = {
    "Battles": "#c0392b",
    "Explosions/Remote violence": "#e67e22",
    "Violence against civilians": "#8e44ad",
    "Protests": "#2980b9",
    "Riots": "#16a085",
    "Strategic developments": "#7f8c8d"
  };
  var REGION_RING_M = 50000; /* geo_precision 3 (region): ACLED's "provincial capital" radius, roughly */
  var baseFilters = new URLSearchParams(root.dataset.filters || "");
  var dateRange = null;
  var firstRender = true;
  var requestSeq = 0;

  function colour(type) { return TYPE_COLOURS[type] || "#555"; }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function filterParams() {
    var p = new URLSearchParams(baseFilters);
    if (dateRange) { p.set("date_from", dateRange[0]); p.set("date_to", dateRange[1]); }
    return p;
  }

  /* ---- map ------------------------------------------------------------------- */

  var map = L.map("map", { worldCopyJump: true, minZoom: 1, maxZoom: 14 }).setView([20, 20], 2);
  var graticule = L.layerGroup().addTo(map);
  for (var lon = -180; lon <= 180; lon += 30) {
    graticule.addLayer(L.polyline([[-85, lon], [85, lon]], { color: "#cfd6dc", weight: 1, interactive: false }));
  }
  for (var lat = -60; lat <= 60; lat += 30) {
    graticule.addLayer(L.polyline([[lat, -180], [lat, 180]], { color: "#cfd6dc", weight: 1, interactive: false }));
  }
  var markers = L.layerGroup().addTo(map);
  var status = document.getElementById("map-status");

  function popupFor(c) {
    var box = el("div", "popup");
    box.appendChild(el("strong", null, c.location || "(unnamed place)"));
    box.appendChild(el("div", "muted", c.event_type));
    if (c.fatalities) { box.appendChild(el("div", null, c.fatalities + " killed")); }
    if (c.geo_precision >= 3) { box.appendChild(el("div", "muted", "region-level location")); }
    var link = el("a", "open-event", "Open event " + c.event_id);
    link.href = "/events/" + encodeURIComponent(c.event_id);
    box.appendChild(link);
    return box;
  }

  function singleMarker(c) {
    var radius = Math.min(30, 6 + 2.5 * Math.sqrt(c.fatalities || 0));
    var m = L.circleMarker([c.lat, c.lon], {
      radius: radius, color: "#1d232a", weight: 1, fillColor: colour(c.event_type), fillOpacity: 0.85,
      className: "event-marker"
    });
    m.bindPopup(popupFor(c));
    markers.addLayer(m);
    if (c.geo_precision >= 3) {
      markers.addLayer(L.circle([c.lat, c.lon], {
        radius: REGION_RING_M, color: colour(c.event_type), weight: 1, dashArray: "4 4", fill: false,
        interactive: false, className: "precision-ring"
      }));
    }
  }

  function clusterMarker(c) {
    var size = Math.round(Math.min(72, 24 + 3 * Math.log2(c.n) + 2 * Math.sqrt(c.fatalities || 0)));
    var node = el("div", "cluster-dot", c.n);
    node.style.background = colour(c.event_type);
    node.style.width = node.style.height = node.style.lineHeight = size + "px";
    var types = Object.keys(c.types).map(function (t) { return t + ": " + c.types[t]; }).join("\n");
    node.title = c.n + " events, " + c.fatalities + " killed\n" + types;
    var m = L.marker([c.lat, c.lon], {
      icon: L.divIcon({ html: node, className: "cluster", iconSize: [size, size] })
    });
    m.on("click", function () { map.setView([c.lat, c.lon], Math.min(map.getZoom() + 2, 14)); });
    markers.addLayer(m);
  }

  function draw(data) {
    markers.clearLayers();
    data.clusters.forEach(function (c) { if (c.n === 1) { singleMarker(c); } else { clusterMarker(c); } });
    status.textContent = data.n_events + " events in view, " + data.clusters.length + " markers";
  }

  function loadClusters() {
    var p = filterParams();
    p.set("bbox", map.getBounds().toBBoxString());
    p.set("zoom", String(map.getZoom()));
    var seq = ++requestSeq;
    return fetch("/api/clusters?" + p.toString()).then(function (r) { return r.json(); }).then(function (data) {
      if (seq !== requestSeq) { return; } /* a newer view was requested meanwhile */
      draw(data);
      if (firstRender) {
        firstRender = false;
        root.dataset.firstRenderMs = String(Math.round(performance.now()));
        root.dataset.mapReady = "1";
      }
    });
  }

  /* First view: fit the filtered events (clusters at a world zoom), then follow the viewport. */
  function fitToEvents() {
    var p = filterParams();
    p.set("zoom", "2");
    return fetch("/api/clusters?" + p.toString()).then(function (r) { return r.json(); }).then(function (data) {
      if (data.clusters.length) {
        var bounds = L.latLngBounds(data.clusters.map(function (c) { return [c.lat, c.lon]; }));
        map.fitBounds(bounds.pad(0.3), { maxZoom: 7, animate: false });
      }
      map.on("moveend", loadClusters);
      return loadClusters();
    });
  }

  /* ---- timeline ----------------------------------------------------------------- */

  var SVG = "http://www.w3.org/2000/svg";
  var tl = document.getElementById("timeline");
  var applyLink = document.getElementById("apply-range");

  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function dayIndex(iso, start) { return Math.round((Date.parse(iso) - start) / 86400000); }
  function isoDay(start, i) { return new Date(start + i * 86400000).toISOString().slice(0, 10); }

  function drawTimeline(days) {
    tl.textContent = "";
    if (!days.length) { tl.appendChild(el("p", "muted", "No dated events.")); return; }
    var width = Math.max(300, tl.clientWidth), height = 140, pad = 18;
    var start = Date.parse(days[0].date), nDays = dayIndex(days[days.length - 1].date, start) + 1;
    var perDay = {}, max = 1;
    days.forEach(function (d) {
      var i = dayIndex(d.date, start);
      (perDay[i] = perDay[i] || []).push(d);
    });
    Object.keys(perDay).forEach(function (i) {
      max = Math.max(max, perDay[i].reduce(function (s, d) { return s + d.n; }, 0));
    });
    var bw = (width - 2) / nDays, plotH = height - pad;
    var svg = svgEl("svg", { width: width, height: height, class: "timeline-svg", role: "img" });
    var caption = document.createElementNS(SVG, "title");
    caption.textContent = "Events per day by type";
    svg.appendChild(caption);
    Object.keys(perDay).forEach(function (i) {
      var y = plotH;
      perDay[i].forEach(function (d) {
        var h = Math.max(1, d.n / max * (plotH - 4));
        y -= h;
        var bar = svgEl("rect", { x: 1 + i * bw, y: y, width: Math.max(1, bw - (bw > 3 ? 1 : 0)), height: h,
                                   fill: colour(d.event_type), class: "bar" });
        var t = document.createElementNS(SVG, "title");
        t.textContent = d.date + " · " + d.event_type + ": " + d.n;
        bar.appendChild(t);
        svg.appendChild(bar);
      });
    });
    var axis = [days[0].date, days[days.length - 1].date];
    svg.appendChild(svgEl("line", { x1: 0, y1: plotH, x2: width, y2: plotH, class: "axis" }));
    var left = svgEl("text", { x: 2, y: height - 4, class: "tick" }); left.textContent = axis[0];
    var right = svgEl("text", { x: width - 2, y: height - 4, class: "tick end" }); right.textContent = axis[1];
    svg.appendChild(left); svg.appendChild(right);
    var brush = svgEl("rect", { x: 0, y: 0, width: 0, height: plotH, class: "brush" });
    svg.appendChild(brush);
    tl.appendChild(svg);
    enableBrush(svg, brush, start, nDays, bw);
  }

  function enableBrush(svg, brush, start, nDays, bw) {
    var x0 = null;
    function xOf(ev) { var r = svg.getBoundingClientRect(); return Math.max(0, Math.min(r.width, ev.clientX - r.left)); }
    svg.addEventListener("pointerdown", function (ev) {
      x0 = xOf(ev); svg.setPointerCapture(ev.pointerId);
      brush.setAttribute("x", x0); brush.setAttribute("width", 0);
    });
    svg.addEventListener("pointermove", function (ev) {
      if (x0 === null) { return; }
      var x = xOf(ev);
      brush.setAttribute("x", Math.min(x0, x)); brush.setAttribute("width", Math.abs(x - x0));
    });
    svg.addEventListener("pointerup", function (ev) {
      if (x0 === null) { return; }
      var x1 = xOf(ev), a = Math.min(x0, x1), b = Math.max(x0, x1);
      x0 = null;
      if (b - a < 3) { setRange(null); brush.setAttribute("width", 0); return; }
      var i0 = Math.max(0, Math.floor(a / bw)), i1 = Math.min(nDays - 1, Math.floor(b / bw));
      setRange([isoDay(start, i0), isoDay(start, i1)]);
    });
  }

  function setRange(range) {
    dateRange = range;
    document.getElementById("timeline-status").textContent = range ? range[0] + " – " + range[1] : "";
    if (range) {
      var p = filterParams();
      applyLink.href = "/?" + p.toString() + "#table";
      applyLink.classList.remove("hidden");
    } else {
      applyLink.classList.add("hidden");
    }
    loadClusters();
  }

  function loadTimeline() {
    return fetch("/api/timeline?" + baseFilters.toString()).then(function (r) { return r.json(); })
      .then(function (data) { drawTimeline(data.days); });
  }

  fitToEvents();
  loadTimeline();
})();
