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
  var MAX_LABELLED = 40; /* place names beside markers only while they cannot crowd the map */
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
  if (root.dataset.tiles) {
    L.tileLayer(root.dataset.tiles, { maxZoom: 14, attribution: root.dataset.tilesAttribution || "" }).addTo(map);
  }
  var graticule = L.layerGroup().addTo(map);
  for (var lon = -180; lon <= 180; lon += 10) {
    graticule.addLayer(L.polyline([[-85, lon], [85, lon]], { color: "#cfd6dc", weight: 1, interactive: false }));
  }
  for (var lat = -80; lat <= 80; lat += 10) {
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

  /* A small cluster lists its events: reports of one place share one point and never split by zooming. */
  function clusterPopup(c) {
    var box = el("div", "popup");
    box.appendChild(el("strong", null, c.n + " events"));
    var list = el("ul", "cluster-events");
    c.event_ids.forEach(function (id) {
      var item = el("li"), link = el("a", "open-event", id);
      link.href = "/events/" + encodeURIComponent(id);
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(list);
    var zoom = el("a", "zoom-in", "zoom in");
    zoom.href = "#map";
    zoom.addEventListener("click", function (ev) {
      ev.preventDefault();
      map.setView([c.lat, c.lon], Math.min(map.getZoom() + 2, 14));
    });
    box.appendChild(zoom);
    return box;
  }

  function singleMarker(c, labelled) {
    var radius = Math.min(30, 6 + 2.5 * Math.sqrt(c.fatalities || 0));
    var m = L.circleMarker([c.lat, c.lon], {
      radius: radius, color: "#1d232a", weight: 1, fillColor: colour(c.event_type), fillOpacity: 0.85,
      className: "event-marker"
    });
    m.bindPopup(popupFor(c));
    if (labelled && c.location) {
      m.bindTooltip(el("span", null, c.location), { permanent: true, direction: "right", className: "place-label" });
    }
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
    if (c.event_ids) {
      m.bindPopup(clusterPopup(c));
    } else {
      m.on("click", function () { map.setView([c.lat, c.lon], Math.min(map.getZoom() + 2, 14)); });
    }
    markers.addLayer(m);
  }

  function draw(data) {
    markers.clearLayers();
    var labelled = data.clusters.length <= MAX_LABELLED;
    data.clusters.forEach(function (c) { if (c.n === 1) { singleMarker(c, labelled); } else { clusterMarker(c); } });
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
    p.set("zoom", "0");
    p.set("with_bounds", "true");
    return fetch("/api/clusters?" + p.toString()).then(function (r) { return r.json(); }).then(function (data) {
      if (data.bounds) {
        var b = data.bounds;
        map.fitBounds(L.latLngBounds([b[0], b[1]], [b[2], b[3]]).pad(0.15), { maxZoom: 8, animate: false });
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

  /* Days are bucketed so a bar is at least MIN_BAR_PX wide: four years of daily counts
   * would otherwise be sub-pixel slivers. */
  var MIN_BAR_PX = 4;
  var LABEL_PX = 16; /* headroom above the tallest bar for the "max" label */

  function bucketise(days, start, bucketDays) {
    var buckets = {}, max = 1;
    days.forEach(function (d) {
      var i = Math.floor(dayIndex(d.date, start) / bucketDays);
      var b = buckets[i] = buckets[i] || { total: 0, types: {} };
      b.types[d.event_type] = (b.types[d.event_type] || 0) + d.n;
      b.total += d.n;
      max = Math.max(max, b.total);
    });
    return { buckets: buckets, max: max };
  }

  function drawTimeline(days) {
    tl.textContent = "";
    if (!days.length) { tl.appendChild(el("p", "muted", "No dated events.")); return; }
    var width = Math.max(300, tl.clientWidth), height = 140, pad = 18, plotH = height - pad;
    var start = Date.parse(days[0].date), nDays = dayIndex(days[days.length - 1].date, start) + 1;
    var bucketDays = Math.max(1, Math.ceil(nDays * MIN_BAR_PX / width));
    var nBuckets = Math.ceil(nDays / bucketDays), bw = (width - 2) / nBuckets;
    var agg = bucketise(days, start, bucketDays);
    var svg = svgEl("svg", { width: width, height: height, class: "timeline-svg", role: "img" });
    var caption = document.createElementNS(SVG, "title");
    caption.textContent = "Events per " + (bucketDays === 1 ? "day" : bucketDays + " days") + " by type";
    svg.appendChild(caption);
    Object.keys(agg.buckets).forEach(function (i) {
      var y = plotH, b = agg.buckets[i];
      Object.keys(b.types).sort().forEach(function (type) {
        var h = Math.max(1, b.types[type] / agg.max * (plotH - LABEL_PX));
        y -= h;
        var bar = svgEl("rect", { x: 1 + i * bw, y: y, width: Math.max(1, bw - (bw > 3 ? 1 : 0)), height: h,
                                   fill: colour(type), class: "bar" });
        var t = document.createElementNS(SVG, "title");
        t.textContent = isoDay(start, i * bucketDays) + (bucketDays > 1 ? " (+" + (bucketDays - 1) + " days)" : "") +
          " · " + type + ": " + b.types[type];
        bar.appendChild(t);
        svg.appendChild(bar);
      });
    });
    svg.appendChild(svgEl("line", { x1: 0, y1: plotH, x2: width, y2: plotH, class: "axis" }));
    var left = svgEl("text", { x: 2, y: height - 4, class: "tick" }); left.textContent = days[0].date;
    var right = svgEl("text", { x: width - 2, y: height - 4, class: "tick end" });
    right.textContent = days[days.length - 1].date;
    var unit = svgEl("text", { x: width / 2, y: height - 4, class: "tick middle" });
    unit.textContent = "bars: " + (bucketDays === 1 ? "1 day" : bucketDays + " days");
    var top = svgEl("text", { x: 2, y: 10, class: "tick" }); top.textContent = "max " + agg.max;
    svg.appendChild(left); svg.appendChild(right); svg.appendChild(unit); svg.appendChild(top);
    var brush = svgEl("rect", { x: 0, y: 0, width: 0, height: plotH, class: "brush" });
    svg.appendChild(brush);
    tl.appendChild(svg);
    enableBrush(svg, brush, function (a, b) {
      var i0 = Math.max(0, Math.floor(a / bw)), i1 = Math.min(nBuckets - 1, Math.floor(b / bw));
      return [isoDay(start, i0 * bucketDays), isoDay(start, Math.min(nDays - 1, (i1 + 1) * bucketDays - 1))];
    });
  }

  /* Drag selects a range (rangeOf maps pixels to ISO dates); a click without a drag clears it. */
  function enableBrush(svg, brush, rangeOf) {
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
      setRange(rangeOf(a, b));
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
