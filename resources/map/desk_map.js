/* desk map glue: draws a case's places from JSON and reports the reviewer's gestures to desk.
 *
 * Rules this file keeps (DESIGN.md, "the map"):
 * - data never becomes HTML: every text from a case goes in with textContent;
 * - thousands of points are drawn on one canvas, not as one DOM marker each;
 * - desk is told only numbers and ids, through one QWebChannel object named "bridge".
 */
(function () {
  "use strict";

  var KIND_COLOURS = ["#f0a030", "#2e9e6a", "#4f8cff", "#d9534f"];
  var KIND_TEXT = [
    "claimed by metadata (EXIF GPS)",
    "geolocated, high confidence",
    "geolocated, moderate confidence",
    "geolocated, low confidence"
  ];
  var OFFLINE_TEXT = "offline: no map tiles";

  var map = null;
  var bridge = null;
  var queue = [];
  var data = null;
  var points = null;
  var grid = null;
  var notice = null;
  var hover = null;
  var offline = false;
  var mode = "none";
  var dragging = null;
  var painted = false;
  var tilesLoaded = false;
  var packAreas = [];  // [west, south, east, north] of each pack outlined
  var layers = {landmarks: null, movements: null, detail: null, tracks: null, draft: null,
                search: null, measure: null, pairs: null};
  var detailState = {id: null, camera: null, handles: {}, data: null};
  var trackHandles = [];
  var draft = {start: null, line: null};
  var hint = null;
  var MODES = ["none", "place", "pick", "track", "ruler", "area"];
  var CONFIDENCE_KINDS = {high: 1, moderate: 2, low: 3};
  var fittedKey = null;
  var legendSunRows = [];
  var sunDrawn = {ray: 0, shadows: 0};  // what drawSun put on the map (lines are on canvas)
  var hiddenLabels = 0;
  var declutterQueued = false;

  // ------------------------------------------------------------------ helpers

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function send(name) {
    var args = Array.prototype.slice.call(arguments, 1);
    if (bridge && typeof bridge[name] === "function") {
      bridge[name].apply(bridge, args);
    } else {
      queue.push([name, args]);
    }
  }

  function connectBridge() {
    if (typeof QWebChannel !== "function" || typeof qt === "undefined" || !qt.webChannelTransport) {
      return;
    }
    new QWebChannel(qt.webChannelTransport, function (channel) {
      bridge = channel.objects.bridge || null;
      if (!bridge) { return; }
      var pending = queue;
      queue = [];
      pending.forEach(function (call) { send.apply(null, [call[0]].concat(call[1])); });
      send("ready");
    });
  }

  function latlng(pair) { return L.latLng(pair[0], pair[1]); }

  /* The point a fraction of the way along a polyline (by vertex count; paths are even). */
  function along(path, fraction) {
    if (path.length === 1) { return path[0]; }
    var position = fraction * (path.length - 1);
    var i = Math.min(Math.floor(position), path.length - 2);
    var t = position - i;
    return L.latLng(path[i].lat + (path[i + 1].lat - path[i].lat) * t,
                    path[i].lng + (path[i + 1].lng - path[i].lng) * t);
  }

  function screenBearing(from, to) {
    var a = map.latLngToLayerPoint(from);
    var b = map.latLngToLayerPoint(to);
    var deg = Math.atan2(b.x - a.x, -(b.y - a.y)) * 180 / Math.PI;
    return (deg + 360) % 360;
  }

  function angleBetween(a, b) {
    var d = ((b - a) % 360 + 540) % 360 - 180;
    return d;
  }

  function label(latLngValue, text, className, direction) {
    return L.tooltip({permanent: true, interactive: false, direction: direction || "right",
                      className: className, offset: [8, 0], opacity: 1})
      .setLatLng(latLngValue)
      .setContent(el("span", null, text));
  }

  /* Only draggable markers take the mouse; clicks on the others reach the map beneath. */
  function divMarker(at, className, draggable, pane) {
    return L.marker(at, {
      icon: L.divIcon({className: className, html: "", iconSize: null}),
      draggable: !!draggable, interactive: !!draggable, keyboard: false,
      pane: pane || "markerPane", bubblingMouseEvents: false, autoPan: false
    });
  }

  // ------------------------------------------------------------------ canvas layers

  /* A canvas the size of the map that redraws after every move or zoom. */
  var CanvasLayer = L.Layer.extend({
    onAdd: function () {
      this._canvas = L.DomUtil.create("canvas", "desk-canvas leaflet-zoom-animated");
      this.getPane().appendChild(this._canvas);
      this._map.on("moveend viewreset resize", this._reset, this);
      this._map.on("zoomanim", this._animateZoom, this);
      this._reset();
    },
    onRemove: function () {
      L.DomUtil.remove(this._canvas);
      this._map.off("moveend viewreset resize", this._reset, this);
      this._map.off("zoomanim", this._animateZoom, this);
    },
    _animateZoom: function (e) {
      var scale = this._map.getZoomScale(e.zoom);
      var offset = this._map._latLngBoundsToNewLayerBounds(this._map.getBounds(), e.zoom,
                                                            e.center).min;
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },
    _reset: function () {
      var size = this._map.getSize();
      var ratio = window.devicePixelRatio || 1;
      var canvas = this._canvas;
      L.DomUtil.setPosition(canvas, this._map.containerPointToLayerPoint([0, 0]));
      canvas.width = Math.round(size.x * ratio);
      canvas.height = Math.round(size.y * ratio);
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      this.draw(ctx, size);
    },
    redraw: function () { if (this._map) { this._reset(); } }
  });

  /* Every evidence position in one canvas: claimed (hollow diamonds) and geolocated (dots). */
  var PointsLayer = CanvasLayer.extend({
    options: {pane: "deskPoints"},
    initialize: function () { this._p = null; this._selected = null; this._xs = null; },
    setPoints: function (p) { this._p = p; this.redraw(); },
    setSelected: function (id) { this._selected = id; this.redraw(); },
    count: function () { return this._p ? this._p.id.length : 0; },
    draw: function (ctx, size) {
      var p = this._p;
      if (!p) { return; }
      var n = p.id.length;
      var xs = new Float32Array(n);
      var ys = new Float32Array(n);
      var map = this._map;
      var i, pt;
      for (i = 0; i < n; i++) {
        pt = map.latLngToContainerPoint([p.lat[i], p.lon[i]]);
        xs[i] = pt.x;
        ys[i] = pt.y;
      }
      this._xs = xs;
      this._ys = ys;
      var visible = function (k) {
        return xs[k] > -12 && ys[k] > -12 && xs[k] < size.x + 12 && ys[k] < size.y + 12;
      };
      // Heading ticks first, under the dots.
      ctx.beginPath();
      for (i = 0; i < n; i++) {
        var h = p.heading[i];
        if (h === null || p.kind[i] === 0 || !visible(i)) { continue; }
        var rad = h * Math.PI / 180;
        ctx.moveTo(xs[i], ys[i]);
        ctx.lineTo(xs[i] + 11 * Math.sin(rad), ys[i] - 11 * Math.cos(rad));
      }
      ctx.strokeStyle = "rgba(20,24,30,0.85)";
      ctx.lineWidth = 2;
      ctx.stroke();
      for (var kind = 0; kind < KIND_COLOURS.length; kind++) {
        ctx.beginPath();
        for (i = 0; i < n; i++) {
          if (p.kind[i] !== kind || !visible(i)) { continue; }
          if (kind === 0) {
            ctx.moveTo(xs[i], ys[i] - 6);
            ctx.lineTo(xs[i] + 6, ys[i]);
            ctx.lineTo(xs[i], ys[i] + 6);
            ctx.lineTo(xs[i] - 6, ys[i]);
            ctx.closePath();
          } else {
            ctx.moveTo(xs[i] + 5, ys[i]);
            ctx.arc(xs[i], ys[i], 5, 0, 2 * Math.PI);
          }
        }
        if (kind === 0) {
          ctx.lineWidth = 2.5;
          ctx.strokeStyle = KIND_COLOURS[0];
          ctx.stroke();
        } else {
          ctx.fillStyle = KIND_COLOURS[kind];
          ctx.fill();
          ctx.lineWidth = 1;
          ctx.strokeStyle = "#ffffff";
          ctx.stroke();
        }
      }
      if (this._selected !== null) {
        ctx.beginPath();
        for (i = 0; i < n; i++) {
          if (p.id[i] === this._selected && visible(i)) {
            ctx.moveTo(xs[i] + 10, ys[i]);
            ctx.arc(xs[i], ys[i], 10, 0, 2 * Math.PI);
          }
        }
        ctx.lineWidth = 2;
        ctx.strokeStyle = "#ffe066";
        ctx.stroke();
      }
      if (!painted) {
        painted = true;
        requestAnimationFrame(function () {
          requestAnimationFrame(function () {
            window.deskPainted = performance.now();
            send("painted", window.deskPainted);
          });
        });
      }
    },
    /* Index of the point nearest to a container point within `radius` pixels, or -1. */
    hit: function (point, radius) {
      if (!this._xs) { return -1; }
      var best = -1;
      var bestD = radius * radius;
      for (var i = 0; i < this._xs.length; i++) {
        var dx = this._xs[i] - point.x;
        var dy = this._ys[i] - point.y;
        var d = dx * dx + dy * dy;
        if (d <= bestD) { best = i; bestD = d; }
      }
      return best;
    }
  });

  /* Latitude/longitude lines: orientation when there are no tiles. */
  var GridLayer = CanvasLayer.extend({
    options: {pane: "deskGrid"},
    draw: function (ctx, size) {
      var map = this._map;
      var bounds = map.getBounds();
      var steps = [30, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001,
                   0.0005, 0.0002, 0.0001];
      var pick = function (degreesPerPixel, minPixels) {
        var step = steps[0];
        for (var s = 0; s < steps.length; s++) {
          if (steps[s] / degreesPerPixel >= minPixels) { step = steps[s]; }
        }
        return step;
      };
      var latStep = pick((bounds.getNorth() - bounds.getSouth()) / size.y, 60);
      var lonStep = pick((bounds.getEast() - bounds.getWest()) / size.x, 90);
      var digits = function (step) { return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)); };
      ctx.strokeStyle = "rgba(90,100,115,0.45)";
      ctx.lineWidth = 1;
      ctx.fillStyle = "rgba(60,68,80,0.9)";
      ctx.font = "11px sans-serif";
      var lat, lon, y, x;
      var south = Math.max(-85, Math.floor(bounds.getSouth() / latStep) * latStep);
      ctx.textAlign = "left";
      for (lat = south; lat <= Math.min(85, bounds.getNorth()); lat += latStep) {
        y = map.latLngToContainerPoint([lat, bounds.getWest()]).y;
        ctx.beginPath();
        ctx.moveTo(0, y);
        ctx.lineTo(size.x, y);
        ctx.stroke();
        if (y > 100 && y < size.y - 24) {  // clear of the zoom buttons and the bottom labels
          ctx.fillText(lat.toFixed(digits(latStep)) + "°", 6, y - 3);
        }
      }
      var west = Math.floor(bounds.getWest() / lonStep) * lonStep;
      ctx.textAlign = "left";
      for (lon = west; lon <= bounds.getEast(); lon += lonStep) {
        x = map.latLngToContainerPoint([bounds.getNorth(), lon]).x;
        ctx.beginPath();
        ctx.moveTo(x, 0);
        ctx.lineTo(x, size.y);
        ctx.stroke();
        if (x < size.x - 150) {  // the scale and attribution sit in the bottom right
          var shown = ((lon + 540) % 360) - 180;
          ctx.fillText(shown.toFixed(digits(lonStep)) + "°", x + 3, size.y - 8);
        }
      }
    }
  });

  // ------------------------------------------------------------------ base layers, offline

  function setOffline(value) {
    if (value === offline && notice) { return; }
    offline = value;
    if (!notice) {
      notice = el("div", "desk-offline", OFFLINE_TEXT);
      map.getContainer().appendChild(notice);
    }
    notice.style.display = value ? "block" : "none";
    map.getContainer().classList.toggle("desk-is-offline", value);
    if (value && !map.hasLayer(grid)) { grid.addTo(map); }
    if (!value && map.hasLayer(grid)) { map.removeLayer(grid); }
  }

  function setupBaseLayers(defs) {
    map.attributionControl.setPrefix("Leaflet");
    var bases = (defs || []).filter(function (d) { return !d.overlay; });
    var overlays = (defs || []).filter(function (d) { return d.overlay; });
    if (!bases.length && !overlays.length) {
      setOffline(true);
      return;
    }
    var named = {};
    var extra = {};
    var failures = 0;
    var loaded = 0;
    var outlines = L.layerGroup();

    function tileLayer(def) {
      var attribution = el("span", null, def.attribution).innerHTML;  // escaped text
      var options = {
        attribution: attribution, maxZoom: 20, maxNativeZoom: def.max_zoom,
        minNativeZoom: def.min_zoom || 0, subdomains: def.subdomains, crossOrigin: false,
        opacity: typeof def.opacity === "number" ? def.opacity : 1
      };
      if (def.bounds) {  // a pack asks for no tile outside its area
        options.bounds = L.latLngBounds([def.bounds[1], def.bounds[0]],
                                        [def.bounds[3], def.bounds[2]]);
        packAreas.push(def.bounds);
        outlines.addLayer(L.rectangle(options.bounds, {
          color: "#5b8def", weight: 1.5, dashArray: "6 4", fill: false, interactive: false
        }));
      }
      var layer = L.tileLayer(def.url, options);
      layer.on("tileload", function () {
        loaded += 1;
        failures = 0;
        setOffline(false);
      });
      layer.on("loading", function () { tilesLoaded = false; });
      layer.on("load", function () { tilesLoaded = true; });
      if (!def.pack) {  // a pack without a tile somewhere is not the network gone
        layer.on("tileerror", function () {
          failures += 1;
          if (loaded === 0 || failures >= 4) { setOffline(true); }
        });
      }
      return layer;
    }

    bases.forEach(function (def, index) {
      var layer = tileLayer(def);
      named[el("span", null, def.name).innerHTML] = layer;
      if (index === 0) { layer.addTo(map); }
    });
    overlays.forEach(function (def) {
      var layer = tileLayer(def);
      extra[el("span", null, def.name).innerHTML] = layer;
      layer.addTo(map);
    });
    if (!bases.length) { setOffline(true); }
    if (outlines.getLayers().length) {
      extra[el("span", null, "Tile pack areas").innerHTML] = outlines;
      outlines.addTo(map);
    }
    if (bases.length > 1 || overlays.length || outlines.getLayers().length) {
      L.control.layers(named, extra, {position: "topright", collapsed: true}).addTo(map);
    }
  }

  /* Two short rows; on a narrow map (a 1366 px laptop screen with the inspector open) it
   * folds into a "Key" chip so it does not cover the scene, and a click unfolds it. Once the
   * reviewer has clicked it, the width no longer decides. */
  var LEGEND_FOLD_PX = 560;

  function addLegend() {
    var legend = L.control({position: "topright"});
    legend.onAdd = function () {
      var box = el("div", "desk-legend");
      var pinned = false;
      var toggle = el("div", "desk-legend-toggle", "Key");
      toggle.title = "Show the map key";
      box.appendChild(toggle);
      box.addEventListener("click", function () {
        pinned = true;
        box.classList.toggle("desk-legend-folded");
      });
      var fit = function () {
        if (!pinned) {
          box.classList.toggle("desk-legend-folded", map.getSize().x < LEGEND_FOLD_PX);
        }
      };
      map.on("resize", fit);
      fit();
      var row = el("div", "desk-legend-row");
      row.appendChild(el("span", "desk-legend-title", "geolocated:"));
      [[1, "high"], [2, "moderate"], [3, "low"]].forEach(function (pair) {
        var swatch = el("span", "desk-swatch desk-kind-" + pair[0]);
        swatch.title = KIND_TEXT[pair[0]];
        row.appendChild(swatch);
        row.appendChild(el("span", null, pair[1]));
      });
      box.appendChild(row);
      var claimed = el("div", "desk-legend-row");
      claimed.appendChild(el("span", "desk-swatch desk-kind-0"));
      claimed.appendChild(el("span", null, KIND_TEXT[0]));
      box.appendChild(claimed);
      var selected = el("div", "desk-legend-row");
      selected.appendChild(el("span", "desk-swatch desk-swatch-selected"));
      selected.appendChild(el("span", null, "selected frame (ring; its colour stays)"));
      box.appendChild(selected);
      // Shown only while the selected frame has shadows (drawSun).
      [["desk-swatch-sun", "sun's azimuth at the claimed time (or mid-window)"],
       ["desk-swatch-cast", "where shadows point then"],
       ["desk-swatch-shadow", "shadows seen on the frame, ± their tolerance"]
      ].forEach(function (pair) {
        var row = el("div", "desk-legend-row desk-legend-sun");
        row.appendChild(el("span", "desk-swatch desk-swatch-line " + pair[0]));
        row.appendChild(el("span", null, pair[1]));
        row.style.display = "none";
        box.appendChild(row);
        legendSunRows.push(row);
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    legend.addTo(map);
  }

  // ------------------------------------------------------------------ landmarks, movements

  function drawLandmarks(list) {
    layers.landmarks.clearLayers();
    (list || []).forEach(function (lm) {
      var marker = divMarker(latlng(lm.at),
                             lm.reference ? "desk-landmark desk-reference" : "desk-landmark");
      marker.bindTooltip(el("span", null, lm.name), {
        permanent: true, direction: "right", offset: [8, 0], opacity: 1,
        className: "desk-landmark-label"
      });
      layers.landmarks.addLayer(marker);
    });
  }

  function drawMovements(list) {
    layers.movements.clearLayers();
    (list || []).forEach(function (mv) {
      // A dark casing under the coloured line keeps pale colours visible on any tiles.
      layers.movements.addLayer(L.polyline(mv.path.map(latlng), {
        color: "#1d2025", weight: 7, opacity: 0.75, interactive: false, pane: "deskTracks"
      }));
      layers.movements.addLayer(L.polyline(mv.path.map(latlng), {
        color: mv.colour, weight: 4, opacity: 1, interactive: false, className: "desk-track",
        pane: "deskTracks"
      }));
      layers.movements.addLayer(L.polygon(mv.head.map(latlng), {
        color: "#1d2025", fillColor: mv.colour, fillOpacity: 1, weight: 1.5, interactive: false,
        pane: "deskTracks"
      }));
      // Above the middle of the track: in view whenever the track is, whichever way it runs.
      var text = mv.name ? mv.name + " · " + mv.label : mv.label;
      var relation = mv.relation === "toward" || mv.relation === "away" ||
        mv.relation === "across" ? " desk-" + mv.relation : "";
      var tip = label(along(mv.path.map(latlng), 0.5), text, "desk-movement-label" + relation,
                      "top");
      tip.options.offset = [0, -10];
      tip.deskMovement = mv.id;
      tip.on("add", function () {
        var node = tip.getElement();
        if (node) { node.style.borderLeftColor = mv.colour; node.style.borderRightColor = mv.colour; }
      });
      layers.movements.addLayer(tip);
    });
  }

  /* Where to name the reference line: near its start on screen (the reference itself may be
   * kilometres away, far outside the view), or a third of the way when it is all in view. */
  function referenceLabelAt(path) {
    var a = map.latLngToContainerPoint(path[0]);
    var b = map.latLngToContainerPoint(path[path.length - 1]);
    var pixels = a.distanceTo(b);
    var fraction = pixels > 0 ? Math.min(0.35, 110 / pixels) : 0.35;
    return along(path, fraction);
  }

  function placeReferenceLabels() {
    layers.tracks.eachLayer(function (layer) {
      if (layer.deskPath) { layer.setLatLng(referenceLabelAt(layer.deskPath)); }
    });
  }

  /* The selected frame's ground tracks: draggable ends and the line to the reference point. */
  function drawTracks(d) {
    if (dragging === "track") { return; }  // never pull a handle from under the mouse
    layers.tracks.clearLayers();
    trackHandles = [];
    ((d && d.tracks) || []).forEach(function (t) {
      if (t.reference) {
        var path = t.reference.path.map(latlng);
        layers.tracks.addLayer(L.polyline(path, {
          color: "#b07cf5", weight: 2.5, dashArray: "9 7", interactive: false,
          className: "desk-reference-line", pane: "deskTracks"
        }));
        var tip = label(referenceLabelAt(path), t.reference.label, "desk-reference-label",
                        "center");
        tip.options.offset = [0, 0];
        tip.deskPath = path;
        layers.tracks.addLayer(tip);
      }
      var preview = L.polyline([latlng(t.start), latlng(t.end)], {
        color: t.colour, weight: 3, dashArray: "4 5", opacity: 0, interactive: false,
        pane: "deskTracks"
      });
      layers.tracks.addLayer(preview);
      ["start", "end"].forEach(function (which, index) {
        var marker = divMarker(latlng(t[which]), "desk-track-handle desk-track-" + which, true);
        marker.on("dragstart", function () {
          dragging = "track";
          preview.setStyle({opacity: 0.95});
        });
        marker.on("drag", function () {
          var ends = preview.getLatLngs();
          ends[index] = marker.getLatLng();
          preview.setLatLngs(ends);
        });
        marker.on("dragend", function () {
          var at = marker.getLatLng().wrap();
          dragging = null;
          send("trackMoved", t.id, index, at.lat, at.lng);
        });
        layers.tracks.addLayer(marker);
        trackHandles.push({id: t.id, end: index, marker: marker});
      });
    });
  }

  // ------------------------------------------------------------------ the sun and shadows

  /* The selected frame's shadows (dark dashed, with their ± fan) and the sun's azimuth ray at
   * the claimed time or mid-window (amber), with where shadows would point then (dotted):
   * a consistent claim's dotted line runs inside the shadows' fan. */
  function drawSun(sun) {
    legendSunRows.forEach(function (row, index) {
      var shown = !!sun && (index === 2 || !!sun.ray);
      row.style.display = shown ? "" : "none";
    });
    sunDrawn = {ray: sun && sun.ray ? 1 : 0, shadows: sun ? (sun.shadows || []).length : 0};
    if (!sun) { return; }
    (sun.shadows || []).forEach(function (s) {
      layers.detail.addLayer(L.polygon(s.wedge.map(latlng), {
        stroke: false, fillColor: "#15171b", fillOpacity: 0.16, interactive: false,
        className: "desk-shadow-fan", pane: "deskTracks"
      }));
      var path = s.path.map(latlng);
      layers.detail.addLayer(L.polyline(path, {
        color: "#f2efe6", weight: 6, opacity: 0.85, interactive: false, pane: "deskTracks"
      }));
      layers.detail.addLayer(L.polyline(path, {
        color: "#15171b", weight: 3.5, dashArray: "9 6", interactive: false,
        className: "desk-shadow-line", pane: "deskTracks"
      }));
      var tip = label(along(path, 0.75), s.label, "desk-shadow-label", "center");
      tip.options.offset = [0, 0];
      layers.detail.addLayer(tip);
    });
    var ray = sun.ray;
    if (!ray) { return; }
    var cast = ray.cast.map(latlng);
    layers.detail.addLayer(L.polyline(cast, {
      color: "#b36b00", weight: 3, dashArray: "1 6", lineCap: "round", interactive: false,
      className: "desk-sun-cast", pane: "deskTracks"
    }));
    var castTip = label(along(cast, 0.9), ray.cast_label, "desk-cast-label", "center");
    castTip.options.offset = [0, 0];
    layers.detail.addLayer(castTip);
    var path = ray.path.map(latlng);
    layers.detail.addLayer(L.polyline(path, {
      color: "#1d2025", weight: 7, opacity: 0.7, interactive: false, pane: "deskTracks"
    }));
    layers.detail.addLayer(L.polyline(path, {
      color: ray.up ? "#ffb000" : "#8a8f98", weight: 4, interactive: false,
      className: "desk-sun-ray", pane: "deskTracks"
    }));
    var end = path[path.length - 1];
    layers.detail.addLayer(divMarker(end, "desk-sun" + (ray.up ? "" : " desk-sun-down"), false,
                                     "deskTracks"));
    var tip = label(end, ray.label, "desk-sun-label" + (ray.consistent ? "" :
                                                         " desk-inconsistent"), "right");
    tip.options.offset = [12, 0];
    layers.detail.addLayer(tip);
  }

  // ------------------------------------------------------------------ drawing a track

  function showHint(text) {
    if (!hint) {
      hint = el("div", "desk-hint");
      map.getContainer().appendChild(hint);
    }
    hint.textContent = text || "";
    hint.style.display = text ? "block" : "none";
  }

  function resetDraft() {
    layers.draft.clearLayers();
    draft.start = null;
    draft.line = null;
    showHint(mode === "track" ? "Click where the movement starts on the ground" : "");
  }

  function draftClick(at) {
    if (!draft.start) {
      draft.start = at;
      layers.draft.addLayer(divMarker(at, "desk-track-handle desk-track-start"));
      draft.line = L.polyline([at, at], {color: "#ffd23f", weight: 3, dashArray: "4 5",
                                         interactive: false});
      layers.draft.addLayer(draft.line);
      showHint("Now click where it ends");
      return;
    }
    var start = draft.start;
    resetDraft();
    send("trackDrawn", start.lat, start.lng, at.lat, at.lng);
  }

  // ------------------------------------------------------------------ the selected frame

  function handleMarker(name, className) {
    var marker = divMarker([0, 0], className, true);
    marker.on("dragstart", function () { dragging = name; });
    marker.on("drag", function () { reportView(name, false); });
    marker.on("dragend", function () {
      reportView(name, true);
      dragging = null;
    });
    return marker;
  }

  function reportView(name, final) {
    var d = detailState.data;
    if (!d || !d.camera) { return; }
    var camera = latlng(d.camera);
    var handle = detailState.handles[name];
    var bearing = screenBearing(camera, handle.getLatLng());
    var heading = d.heading === null || d.heading === undefined ? bearing : d.heading;
    var fov = d.fov === null || d.fov === undefined ? 60 : d.fov;
    if (name === "heading") {
      heading = bearing;
    } else {
      fov = Math.min(179, Math.max(1, 2 * Math.abs(angleBetween(heading, bearing))));
    }
    throttle("view", final, function () {
      send("headingChanged", d.id, heading, fov, final);
    });
  }

  var throttled = {};
  function throttle(key, final, fn) {
    if (final) {
      throttled[key] = null;
      fn();
      return;
    }
    if (throttled[key]) { throttled[key] = fn; return; }
    throttled[key] = fn;
    requestAnimationFrame(function () {
      var latest = throttled[key];
      throttled[key] = null;
      if (latest) { latest(); }
    });
  }

  function ensureDetailMarkers() {
    if (detailState.camera) { return; }
    var camera = divMarker([0, 0], "desk-camera", true);
    camera.on("dragstart", function () { dragging = "camera"; });
    camera.on("drag", function () {
      var at = camera.getLatLng().wrap();
      throttle("camera", false, function () {
        send("cameraMoved", detailState.id, at.lat, at.lng, false);
      });
    });
    camera.on("dragend", function () {
      var at = camera.getLatLng().wrap();
      send("cameraMoved", detailState.id, at.lat, at.lng, true);
      dragging = null;
    });
    detailState.camera = camera;
    detailState.handles = {
      heading: handleMarker("heading", "desk-handle desk-handle-heading"),
      left: handleMarker("left", "desk-handle desk-handle-edge"),
      right: handleMarker("right", "desk-handle desk-handle-edge")
    };
  }

  function showDetail(d) {
    ensureDetailMarkers();
    layers.detail.clearLayers();
    drawTracks(d);
    detailState.data = d;
    detailState.id = d ? d.id : null;
    var parts = [detailState.camera, detailState.handles.heading, detailState.handles.left,
                 detailState.handles.right];
    parts.forEach(function (marker) {
      if (marker !== null && map.hasLayer(marker) && dragging === null) { map.removeLayer(marker); }
    });
    drawSun(d && d.camera ? d.sun : null);
    if (!d) { return; }
    if (d.claimed) {
      var claimedAt = latlng(d.claimed.at);
      if (d.camera) {
        layers.detail.addLayer(L.polyline([claimedAt, latlng(d.camera)], {
          color: KIND_COLOURS[0], weight: 2, dashArray: "6 6", interactive: false
        }));
      }
      layers.detail.addLayer(label(claimedAt, d.claimed.label, "desk-claim-label", "right"));
    }
    if (!d.camera) { return; }
    var camera = latlng(d.camera);
    if (d.cone) {
      layers.detail.addLayer(L.polygon(d.cone.map(latlng), {
        color: "#ffd23f", weight: 2, fillColor: "#ffd23f", fillOpacity: 0.22, interactive: false,
        className: "desk-cone"
      }));
    }
    // Colour is confidence, here as on every other point; the selection is the ring around it.
    var kind = CONFIDENCE_KINDS[d.confidence] || 2;
    layers.detail.addLayer(L.circle(camera, {
      radius: Math.max(d.precision_m || 0, 0.1), color: KIND_COLOURS[kind], weight: 1.5,
      fillOpacity: 0.12, interactive: false
    }));
    (d.sights || []).forEach(function (sight) {
      var path = sight.path.map(latlng);
      layers.detail.addLayer(L.polyline(path, {
        color: sight.in_view === false ? "#9aa3ae" : "#ff5a36",
        weight: sight.in_view === false ? 1.5 : 2.5,
        dashArray: sight.in_view === false ? "4 6" : null, interactive: false,
        className: "desk-sight"
      }));
      // On the line, a little past half way: clear of the camera and of the landmark's name.
      var tip = label(along(path, 0.55), sight.label,
                      "desk-sight-label" + (sight.in_view === false ? " desk-dim" : ""), "center");
      tip.options.offset = [0, 0];
      layers.detail.addLayer(tip);
    });
    if (dragging !== "camera") { detailState.camera.setLatLng(camera); }
    detailState.camera.addTo(map);
    var cameraIcon = detailState.camera.getElement();
    if (cameraIcon) {
      [1, 2, 3].forEach(function (k) {
        cameraIcon.classList.toggle("desk-kind-" + k, k === kind);
      });
      cameraIcon.title = KIND_TEXT[kind] + " (selected)";
    }
    var handles = d.handles || {};
    ["heading", "left", "right"].forEach(function (name) {
      var marker = detailState.handles[name];
      if (!handles[name]) {
        if (map.hasLayer(marker) && dragging !== name) { map.removeLayer(marker); }
        return;
      }
      if (dragging !== name) { marker.setLatLng(latlng(handles[name])); }
      marker.addTo(map);
      var icon = marker.getElement();
      if (icon && name === "heading") { icon.classList.toggle("desk-unset", !handles.heading_set); }
    });
  }

  /* The far ends of the sun's ray and of the shadow lines: the selected frame's view takes
   * them in, wherever they point. */
  function sunEnds(d) {
    var sun = d && d.sun;
    if (!sun) { return []; }
    var ends = (sun.shadows || []).map(function (s) { return s.path[s.path.length - 1]; });
    if (sun.ray) {
      ends.push(sun.ray.path[sun.ray.path.length - 1]);
      ends.push(sun.ray.cast[sun.ray.cast.length - 1]);
    }
    return ends;
  }

  function extendBySun(bounds, d) {
    sunEnds(d).forEach(function (p) { bounds.extend(latlng(p)); });
    return bounds;
  }

  function centreOn(d) {
    if (!d) { return; }
    var target = d.camera || (d.claimed && d.claimed.at);
    if (!target) { return; }
    if (!d.camera) {
      map.setView(latlng(target), Math.max(map.getZoom(), 16), {animate: false});
      return;
    }
    // The camera, what it looks at and the landmarks it sees, as large as the view allows.
    var bounds = L.latLngBounds([latlng(d.camera)]);
    (d.cone || []).forEach(function (p) { bounds.extend(latlng(p)); });
    (d.sights || []).forEach(function (s) {
      if (s.in_view) { bounds.extend(latlng(s.path[s.path.length - 1])); }
    });
    extendBySun(bounds, d);
    var pad = Math.max(d.precision_m || 0, 60);
    bounds = bounds.extend(latlng(d.camera).toBounds(pad * 2));
    map.fitBounds(bounds, {padding: [40, 40], maxZoom: 18, animate: false});
  }

  /* Bring the selected frame's whole view cone into view when it runs off the map: after a
   * selection or an edit of its camera or view, never while something is dragged, and without
   * zooming in (only panning, or zooming out as far as the cone needs). */
  function ensureInView(d) {
    if (!d || !d.camera || dragging !== null) { return; }
    var key = JSON.stringify([d.id, d.camera, d.cone, sunEnds(d)]);
    if (key === fittedKey) { return; }
    fittedKey = key;
    var bounds = L.latLngBounds([latlng(d.camera)]);
    (d.cone || []).forEach(function (p) { bounds.extend(latlng(p)); });
    extendBySun(bounds, d);
    var size = map.getSize();
    var inner = L.latLngBounds(map.containerPointToLatLng([40, 40]),
                               map.containerPointToLatLng([size.x - 40, size.y - 40]));
    if (inner.contains(bounds)) { return; }
    map.fitBounds(bounds, {padding: [40, 40], maxZoom: map.getZoom(), animate: false});
  }

  // ------------------------------------------------------------------ labels that keep clear

  /* Most important first: a label later in the list gives way to those before it. */
  var LABEL_ORDER = ["desk-measure-label", "desk-movement-label", "desk-sun-label",
                     "desk-shadow-label", "desk-cast-label", "desk-reference-label",
                     "desk-landmark-label", "desk-sight-label", "desk-search-label",
                     "desk-claim-label"];

  function scheduleDeclutter() {
    if (declutterQueued || !map) { return; }
    declutterQueued = true;
    requestAnimationFrame(function () {
      declutterQueued = false;
      declutter();
    });
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function shifted(rect, dx, dy) {
    return {left: rect.left + dx, right: rect.right + dx, top: rect.top + dy,
            bottom: rect.bottom + dy};
  }

  /* Every permanent label, with where it points and how much it matters. */
  function collectLabels() {
    var found = [];
    var add = function (tooltip) {
      var node = tooltip && tooltip.getElement && tooltip.getElement();
      if (!node || !node.parentNode || !tooltip.getLatLng()) { return; }
      var rank = LABEL_ORDER.length;
      for (var i = 0; i < LABEL_ORDER.length; i++) {
        if (node.classList.contains(LABEL_ORDER[i])) { rank = i; break; }
      }
      if (node.classList.contains("desk-dim")) { rank += LABEL_ORDER.length; }
      found.push({node: node, rank: rank, at: map.latLngToContainerPoint(tooltip.getLatLng())});
    };
    Object.keys(layers).forEach(function (name) {
      if (!layers[name]) { return; }
      layers[name].eachLayer(function (layer) {
        if (layer instanceof L.Tooltip) { add(layer); } else if (layer.getTooltip) {
          add(layer.getTooltip());
        }
      });
    });
    found.sort(function (a, b) { return a.rank - b.rank; });
    return found;
  }

  /* Move labels off each other, off the map's controls and inside the pane's edges; a label
   * that finds no free place nearby is hidden until zooming makes room (the probe counts them). */
  function declutter() {
    var box = map.getContainer().getBoundingClientRect();
    var edge = {left: box.left + 2, top: box.top + 2, right: box.right - 2,
                bottom: box.bottom - 2};
    var taken = [];
    // The controls, the notices and the markers a reviewer needs to see or grab.
    var blockers = map.getContainer().querySelectorAll(
      ".leaflet-control, .desk-hint, .desk-offline, .desk-camera, .desk-handle, " +
      ".desk-track-handle, .desk-measure-point, .desk-landmark, .desk-search");
    Array.prototype.forEach.call(blockers, function (node) {
      if (node.offsetParent === null) { return; }  // not shown
      var r = node.getBoundingClientRect();
      if (r.width > 0 || r.height > 0) {
        var m = node.classList.contains("leaflet-control") ? 4 : 1;
        taken.push({left: r.left - m, right: r.right + m, top: r.top - m, bottom: r.bottom + m});
      }
    });
    hiddenLabels = 0;
    collectLabels().forEach(function (label) {
      var node = label.node;
      node.style.translate = "";
      node.style.visibility = "";
      node.classList.remove("desk-label-hidden");
      var inView = label.at.x >= 0 && label.at.y >= 0 && label.at.x <= box.width &&
        label.at.y <= box.height;
      if (!inView) { return; }  // its place is off the map: no label pulled in from outside
      var rect = node.getBoundingClientRect();
      var h = rect.height + 2;
      var w = rect.width / 2 + 4;
      // Inside the edges first, then a step up or down, then further.
      var inside = function (r) {
        var dx = 0;
        var dy = 0;
        if (r.right > edge.right) { dx = edge.right - r.right; }
        if (r.left + dx < edge.left) { dx = edge.left - r.left; }
        if (r.bottom > edge.bottom) { dy = edge.bottom - r.bottom; }
        if (r.top + dy < edge.top) { dy = edge.top - r.top; }
        return [dx, dy];
      };
      var base = inside(rect);
      var steps = [[0, 0], [0, -h], [0, h], [-w, 0], [w, 0], [0, -2 * h], [0, 2 * h],
                   [-w, -h], [w, -h], [-w, h], [w, h], [0, -3 * h], [0, 3 * h]];
      for (var i = 0; i < steps.length; i++) {
        var moved = shifted(rect, base[0] + steps[i][0], base[1] + steps[i][1]);
        var fix = inside(moved);
        moved = shifted(moved, fix[0], fix[1]);
        var free = taken.every(function (t) { return !overlaps(moved, t); });
        if (free) {
          var dx = moved.left - rect.left;
          var dy = moved.top - rect.top;
          if (dx || dy) { node.style.translate = Math.round(dx) + "px " + Math.round(dy) + "px"; }
          taken.push(moved);
          return;
        }
      }
      node.style.visibility = "hidden";
      node.classList.add("desk-label-hidden");
      hiddenLabels += 1;
    });
  }

  // ------------------------------------------------------------------ reference overlays

  /* Stills of the case laid over the map (an older drone still, a satellite crop). desk fits
   * each placement from the reviewer's point pairs and sends the map points of the image's
   * top-left, top-right and bottom-left corners: the page draws the image as an <img> of the
   * image's own size, carried onto the map by the one CSS matrix those corners fix (an affine
   * map of Web Mercator is an affine map of the map's pixels at any zoom). The matrix is worked
   * out again for every zoom; panning moves the overlays' pane with the rest of the map. */
  var references = {};  // id -> {img, def, loaded, failed}
  var referenceIds = [];
  var compare = {swipe: false, position: 0.5, flicker: false, shown: true, phase: true};
  var flickerTimer = null;
  var swipeBar = null;
  var FLICKER_MS = 250;  // on, off, on, off: twice a second
  var pairMarks = 0;

  /* Unrounded layer pixels of a position (Leaflet's own latLngToLayerPoint rounds to whole
   * pixels, which would move an overlay's far corner by up to its scale over a pixel). */
  function exactLayerPoint(at) {
    return map.project(at)._subtract(map.getPixelOrigin());
  }

  function referenceTransform(def, toPoint) {
    var p0 = toPoint(latlng(def.corners[0]));
    var p1 = toPoint(latlng(def.corners[1]));
    var p2 = toPoint(latlng(def.corners[2]));
    var m = [(p1.x - p0.x) / def.width, (p1.y - p0.y) / def.width,
             (p2.x - p0.x) / def.height, (p2.y - p0.y) / def.height, p0.x, p0.y];
    return "matrix(" + m.join(",") + ")";
  }

  function placeReferences() {
    referenceIds.forEach(function (id) {
      var rec = references[id];
      rec.img.style.transform = referenceTransform(rec.def, exactLayerPoint);
    });
    clipReferences();
  }

  function animateReferences(e) {
    referenceIds.forEach(function (id) {
      var rec = references[id];
      rec.img.style.transform = referenceTransform(rec.def, function (at) {
        return map._latLngToNewLayerPoint(at, e.zoom, e.center);
      });
    });
  }

  /* Swipe: the overlays show left of the divider only. The clip is a rectangle in the pane's
   * own (layer) pixels, the part of the view left of the divider, so it moves with panning. */
  function clipReferences() {
    var pane = map.getPane("deskReferences");
    if (!compare.swipe) {
      pane.style.clipPath = "";
      if (swipeBar) { swipeBar.style.display = "none"; }
      return;
    }
    var size = map.getSize();
    var x = Math.round(size.x * compare.position);
    var topLeft = map.containerPointToLayerPoint([-50, -50]);
    var bottomRight = map.containerPointToLayerPoint([x, size.y + 50]);
    pane.style.clipPath = "polygon(" + [
      topLeft.x + "px " + topLeft.y + "px", bottomRight.x + "px " + topLeft.y + "px",
      bottomRight.x + "px " + bottomRight.y + "px", topLeft.x + "px " + bottomRight.y + "px"
    ].join(", ") + ")";
    ensureSwipeBar();
    swipeBar.style.display = "block";
    swipeBar.style.left = x + "px";
  }

  function ensureSwipeBar() {
    if (swipeBar) { return; }
    swipeBar = el("div", "desk-swipe");
    swipeBar.appendChild(el("div", "desk-swipe-line"));
    var handle = el("div", "desk-swipe-handle");
    handle.appendChild(el("span", "desk-swipe-side", "overlay"));
    handle.appendChild(el("span", "desk-swipe-grip", "⇔"));
    handle.appendChild(el("span", "desk-swipe-side", "map"));
    swipeBar.appendChild(handle);
    swipeBar.title = "Drag to compare the overlay (left) with the map (right)";
    map.getContainer().appendChild(swipeBar);
    L.DomEvent.disableClickPropagation(swipeBar);
    L.DomEvent.disableScrollPropagation(swipeBar);
    var moveTo = function (clientX) {
      var box = map.getContainer().getBoundingClientRect();
      var fraction = (clientX - box.left) / Math.max(1, box.width);
      compare.position = Math.min(1, Math.max(0, fraction));
      clipReferences();
    };
    var onMove = function (e) { moveTo(e.clientX); e.preventDefault(); };
    var onUp = function () {
      document.removeEventListener("mousemove", onMove);
      document.removeEventListener("mouseup", onUp);
      swipeBar.classList.remove("desk-swipe-dragging");
      map.dragging.enable();
    };
    swipeBar.addEventListener("mousedown", function (e) {
      if (e.button !== 0) { return; }
      e.preventDefault();
      e.stopPropagation();
      map.dragging.disable();
      swipeBar.classList.add("desk-swipe-dragging");
      document.addEventListener("mousemove", onMove);
      document.addEventListener("mouseup", onUp);
    });
  }

  function showReferences() {
    var on = compare.shown && (!compare.flicker || compare.phase);
    map.getPane("deskReferences").style.visibility = on ? "visible" : "hidden";
  }

  function setFlicker(on) {
    compare.flicker = on;
    compare.phase = true;
    if (flickerTimer !== null) { clearInterval(flickerTimer); flickerTimer = null; }
    if (on) {
      flickerTimer = setInterval(function () {
        compare.phase = !compare.phase;
        showReferences();
      }, FLICKER_MS);
    }
    showReferences();
  }

  function setReferences(list) {
    var pane = map.getPane("deskReferences");
    var keep = {};
    referenceIds = [];
    (list || []).forEach(function (def) {
      if (typeof def.id !== "number" || !(def.width > 0) || !(def.height > 0) ||
          !def.corners || def.corners.length !== 3 || typeof def.src !== "string" ||
          def.src.indexOf("data:image/") !== 0) {
        return;
      }
      var rec = references[def.id];
      if (!rec || rec.def.src !== def.src) {
        if (rec) { L.DomUtil.remove(rec.img); }
        var img = el("img", "desk-reference-image leaflet-image-layer leaflet-zoom-animated");
        img.alt = "";
        img.draggable = false;
        rec = {img: img, def: def, loaded: false, failed: false};
        img.addEventListener("load", function () { rec.loaded = true; });
        img.addEventListener("error", function () { rec.failed = true; });
        img.src = def.src;
      }
      rec.def = def;
      rec.img.style.width = def.width + "px";
      rec.img.style.height = def.height + "px";
      rec.img.style.opacity = String(Math.min(1, Math.max(0, Number(def.opacity) || 0)));
      pane.appendChild(rec.img);  // in the order given: later ones on top
      references[def.id] = rec;
      keep[def.id] = true;
      referenceIds.push(def.id);
    });
    Object.keys(references).forEach(function (key) {
      if (!keep[key]) {
        L.DomUtil.remove(references[key].img);
        delete references[key];
      }
    });
    placeReferences();
    showReferences();
  }

  function referenceState() {
    return referenceIds.map(function (id) {
      var rec = references[id];
      var d = rec.def;
      var p0 = map.latLngToContainerPoint(latlng(d.corners[0]));
      var p1 = map.latLngToContainerPoint(latlng(d.corners[1]));
      var p2 = map.latLngToContainerPoint(latlng(d.corners[2]));
      var corners = [[p0.x, p0.y], [p1.x, p1.y], [p1.x + p2.x - p0.x, p1.y + p2.y - p0.y],
                 [p2.x, p2.y]];
      return {id: id, loaded: rec.loaded, failed: rec.failed,
              opacity: parseFloat(rec.img.style.opacity), corners: corners};
    });
  }

  /* The point pairs of a placement in progress (the placement dialog's map); `fit` brings
   * them all into view. */
  function showPairs(list, fit) {
    layers.pairs.clearLayers();
    pairMarks = 0;
    if (fit && list && list.length) {
      var around = L.latLngBounds(list.map(function (pair) { return latlng(pair.at); }));
      map.fitBounds(around.pad(0.25), {maxZoom: 19, animate: false});
    }
    (list || []).forEach(function (pair) {
      if (pair.fitted) {  // where the fit puts this pair's image point: the residual
        layers.pairs.addLayer(L.polyline([latlng(pair.at), latlng(pair.fitted)], {
          color: "#ff4fa3", weight: 2, interactive: false, pane: "deskPairs"
        }));
      }
      var marker = L.marker(latlng(pair.at), {
        icon: L.divIcon({className: "desk-pair-mark" + (pair.worst ? " desk-pair-worst" : ""),
                         html: el("span", null, String(pair.n)), iconSize: null}),
        interactive: false, keyboard: false, pane: "deskPairs"
      });
      layers.pairs.addLayer(marker);
      pairMarks += 1;
    });
  }

  // ------------------------------------------------------------------ measuring

  var measureData = null;

  /* What desk measured (desk.mapping.measure): lines and the label, drawn, never computed. */
  function showMeasure(d, text) {
    layers.measure.clearLayers();
    measureData = d || null;
    if (d) {
      (d.paths || []).forEach(function (path) {
        var line = path.map(latlng);
        layers.measure.addLayer(L.polyline(line, {color: "#1d2025", weight: 5, opacity: 0.7,
                                                  interactive: false, pane: "deskMeasure"}));
        layers.measure.addLayer(L.polyline(line, {color: "#ffffff", weight: 2.5,
                                                  dashArray: "8 5", interactive: false,
                                                  className: "desk-measure-line",
                                                  pane: "deskMeasure"}));
      });
      if (d.kind === "area" && d.points.length >= 3) {
        layers.measure.addLayer(L.polygon(d.points.map(latlng), {
          stroke: false, fillColor: "#ffffff", fillOpacity: 0.18, interactive: false,
          pane: "deskMeasure"
        }));
      }
      (d.points || []).forEach(function (p) {
        layers.measure.addLayer(divMarker(latlng(p), "desk-measure-point", false, "deskMeasure"));
      });
      if (d.label && d.label_at) {
        var tip = label(latlng(d.label_at), d.label, "desk-measure-label", "top");
        tip.options.offset = [0, -8];
        tip.options.pane = "deskMeasureLabels";
        layers.measure.addLayer(tip);
      }
    }
    showHint(text || "");
    scheduleDeclutter();
  }

  // ------------------------------------------------------------------ interaction

  function onClick(e) {
    if (mode === "track") {
      draftClick(e.latlng.wrap());
      return;
    }
    if (mode === "ruler" || mode === "area") {
      var point = e.latlng.wrap();
      send("measureAdd", point.lat, point.lng);
      return;
    }
    // While placing or picking, a click means a position even on top of a point.
    var index = mode === "none" ? points.hit(e.containerPoint, 8) : -1;
    if (index >= 0) {
      send("pointSelected", data.points.id[index]);
      return;
    }
    var at = e.latlng.wrap();
    send("mapClicked", at.lat, at.lng);
  }

  function onMouseMove(e) {
    if (draft.line) { draft.line.setLatLngs([draft.start, e.latlng]); }
    if (mode === "ruler" || mode === "area") {
      var over = e.latlng.wrap();
      throttle("measure", false, function () { send("measureHover", over.lat, over.lng); });
    }
    var index = points.hit(e.containerPoint, 8);
    var container = map.getContainer();
    if (index < 0) {
      hover.style.display = "none";
      container.classList.remove("desk-over-point");
      return;
    }
    var id = data.points.id[index];
    var name = (data.names && data.names[String(id)]) || ("evidence " + id);
    hover.textContent = "";
    hover.appendChild(el("div", "desk-hover-name", name));
    hover.appendChild(el("div", "desk-hover-kind", KIND_TEXT[data.points.kind[index]]));
    hover.style.left = (e.containerPoint.x + 14) + "px";
    hover.style.top = (e.containerPoint.y + 10) + "px";
    hover.style.display = "block";
    container.classList.add("desk-over-point");
  }

  /* A computed CSS colour ("rgb(214, 39, 40)") as "#d62728". */
  function hex(value) {
    var m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(value || "");
    if (!m) { return value || ""; }
    return "#" + [m[1], m[2], m[3]].map(function (n) {
      return ("0" + parseInt(n, 10).toString(16)).slice(-2);
    }).join("");
  }

  function movementTags() {
    var tags = [];
    layers.movements.eachLayer(function (layer) {
      var node = layer.deskMovement !== undefined && layer.getElement && layer.getElement();
      if (!node) { return; }
      tags.push({id: layer.deskMovement, text: node.textContent,
                 colour: hex(getComputedStyle(node).borderLeftColor)});
    });
    return tags;
  }

  function cameraStyle() {
    var icon = detailState.camera && map.hasLayer(detailState.camera) &&
      detailState.camera.getElement();
    if (!icon) { return null; }
    var style = getComputedStyle(icon);
    return {fill: hex(style.backgroundColor), ring: style.boxShadow};
  }

  /* Each shown label's box on screen (container pixels), for tests that check legibility. */
  function labelBoxes() {
    var box = map.getContainer().getBoundingClientRect();
    return collectLabels().map(function (label) {
      var r = label.node.getBoundingClientRect();
      return {text: label.node.textContent, hidden: label.node.style.visibility === "hidden",
              left: r.left - box.left, top: r.top - box.top, right: r.right - box.left,
              bottom: r.bottom - box.top};
    });
  }

  function controlBoxes() {
    var box = map.getContainer().getBoundingClientRect();
    return Array.prototype.map.call(map.getContainer().querySelectorAll(".leaflet-control"),
      function (node) {
        var r = node.getBoundingClientRect();
        return {className: node.className, left: r.left - box.left, top: r.top - box.top,
                right: r.right - box.left, bottom: r.bottom - box.top};
      });
  }

  /* Whether the selected frame's whole view cone is on screen (null without a cone). */
  function coneVisible() {
    var d = detailState.data;
    if (!d || !d.cone) { return null; }
    var view = map.getBounds();
    return d.cone.every(function (p) { return view.contains(latlng(p)); });
  }

  // ------------------------------------------------------------------ public API

  var api = {
    /* Called by the page once the map exists. The page's shell is the same for every scene
     * (folium renders it ahead of time), so the view comes from the data, and first: the
     * canvas layers, the grid and fitBounds below all need a map that has a view. */
    start: function (leafletMap, dataNode) {
      map = leafletMap;
      data = JSON.parse(dataNode.textContent);
      if (data.view) { map.setView(latlng(data.view.center), data.view.zoom, {animate: false}); }
      map.createPane("deskGrid").style.zIndex = 250;
      map.createPane("deskPoints").style.zIndex = 450;
      map.getPane("deskPoints").style.pointerEvents = "none";
      // Movement tracks above the selected frame's translucent view cone, which would tint them.
      map.createPane("deskTracks").style.zIndex = 430;
      map.getPane("deskTracks").style.pointerEvents = "none";
      map.getPane("deskGrid").style.pointerEvents = "none";
      grid = new GridLayer();
      points = new PointsLayer();
      layers.landmarks = L.layerGroup().addTo(map);
      layers.movements = L.layerGroup().addTo(map);
      layers.detail = L.layerGroup().addTo(map);
      layers.tracks = L.layerGroup().addTo(map);
      layers.draft = L.layerGroup().addTo(map);
      layers.search = L.layerGroup().addTo(map);
      map.createPane("deskMeasure").style.zIndex = 640;
      map.getPane("deskMeasure").style.pointerEvents = "none";
      map.createPane("deskMeasureLabels").style.zIndex = 660;
      layers.measure = L.layerGroup().addTo(map);
      // Reference overlays: over the tiles and the grid, under everything desk draws.
      map.createPane("deskReferences").style.zIndex = 300;
      map.getPane("deskReferences").style.pointerEvents = "none";
      map.createPane("deskPairs").style.zIndex = 645;
      map.getPane("deskPairs").style.pointerEvents = "none";
      layers.pairs = L.layerGroup().addTo(map);
      map.on("zoomanim", animateReferences);
      map.on("zoom viewreset zoomend resize", placeReferences);
      map.on("move", clipReferences);
      hover = el("div", "desk-hover");
      hover.style.display = "none";
      map.getContainer().appendChild(hover);
      setupBaseLayers(data.base_layers);
      L.control.scale({position: "bottomright", imperial: false}).addTo(map);
      addLegend();
      map.on("click", onClick);
      map.on("zoomend", placeReferenceLabels);
      map.on("moveend zoomend resize", scheduleDeclutter);
      map.on("dblclick", function () { if (mode === "area") { send("measureFinish"); } });
      document.addEventListener("keydown", function (e) {
        if (mode !== "ruler" && mode !== "area") { return; }
        if (e.key === "Escape") { send("measureCancel"); e.preventDefault(); }
        if (e.key === "Enter" && mode === "area") { send("measureFinish"); e.preventDefault(); }
      });
      map.on("mousemove", onMouseMove);
      map.on("mouseout", function () { hover.style.display = "none"; });
      points.addTo(map);
      api.setData(data, true);
      connectBridge();
    },
    /* Replace what the map shows (after an edit, undo or import) without reloading. */
    setData: function (next, fit) {
      next.base_layers = data.base_layers;
      data = next;
      points.setPoints(next.points);
      drawLandmarks(next.landmarks);
      drawMovements(next.movements);
      points.setSelected(next.selected ? next.selected.id : null);
      showDetail(next.selected || null);
      scheduleDeclutter();
      if (!fit) {
        ensureInView(next.selected || null);
        return;
      }
      var sel = next.selected;
      if (sel && (sel.camera || sel.claimed)) {
        centreOn(sel);
      } else if (next.bounds) {
        var b = L.latLngBounds(latlng(next.bounds[0]), latlng(next.bounds[1]));
        map.fitBounds(b.pad(0.15), {maxZoom: 16, animate: false});
      }
    },
    /* Select a frame: highlight it and show its camera; `centre` pans the map to it. */
    select: function (detail, centre) {
      data.selected = detail;
      points.setSelected(detail ? detail.id : null);
      showDetail(detail);
      if (centre) {
        centreOn(detail);
        fittedKey = detail && detail.camera ? JSON.stringify([detail.id, detail.camera, detail.cone,
                                                              sunEnds(detail)]) : null;
      } else {
        ensureInView(detail);
      }
      scheduleDeclutter();
    },
    /* A live preview while the reviewer drags (nothing is saved until the drag ends). */
    preview: function (detail) {
      showDetail(detail);
      scheduleDeclutter();
    },
    showMeasure: showMeasure,
    setMode: function (value) {
      mode = MODES.indexOf(value) >= 0 ? value : "none";
      var container = map.getContainer();
      container.classList.toggle("desk-mode-place", mode === "place");
      container.classList.toggle("desk-mode-pick", mode === "pick");
      container.classList.toggle("desk-mode-track", mode === "track");
      var measuring = mode === "ruler" || mode === "area";
      container.classList.toggle("desk-mode-measure", measuring);
      if (measuring) { map.doubleClickZoom.disable(); } else { map.doubleClickZoom.enable(); }
      if (!measuring) { layers.measure.clearLayers(); measureData = null; }
      resetDraft();
    },
    showPlace: function (lat, lon, name) {
      layers.search.clearLayers();
      var marker = divMarker([lat, lon], "desk-search", false);
      marker.bindTooltip(el("span", null, name), {
        permanent: true, direction: "right", offset: [8, 0], opacity: 1,
        className: "desk-search-label"
      });
      layers.search.addLayer(marker);
      map.setView([lat, lon], Math.max(map.getZoom(), 13), {animate: false});
      scheduleDeclutter();
    },
    clearPlace: function () { layers.search.clearLayers(); },
    /* The case's reference overlays: [{id, src (a data: URL), width, height, corners: the
     * map points of the image's top-left, top-right and bottom-left corners, opacity}]. */
    setOverlays: setReferences,
    setOverlayOpacity: function (id, opacity) {
      var rec = references[id];
      if (rec && typeof opacity === "number") {
        rec.def.opacity = opacity;
        rec.img.style.opacity = String(Math.min(1, Math.max(0, opacity)));
      }
    },
    /* How the overlays are compared with the map: {shown, swipe, position (0-1, the divider
     * across the view), flicker}; a key left out keeps its value. */
    setCompare: function (options) {
      var o = options || {};
      if (typeof o.shown === "boolean") { compare.shown = o.shown; }
      if (typeof o.position === "number" && isFinite(o.position)) {
        compare.position = Math.min(1, Math.max(0, o.position));
      }
      if (typeof o.swipe === "boolean") { compare.swipe = o.swipe; }
      if (typeof o.flicker === "boolean" && o.flicker !== compare.flicker) {
        setFlicker(o.flicker);
      }
      clipReferences();
      showReferences();
    },
    showPairs: showPairs,
    /* Open the view at a place and zoom (the placement dialog starts where the map was). */
    setView: function (lat, lon, zoom) {
      map.setView([lat, lon], zoom, {animate: false});
    },
    /* Show a movement's ground track large enough to read (tracks are often a few metres). */
    focusTrack: function (id) {
      var found = null;
      (data.movements || []).forEach(function (mv) { if (mv.id === id) { found = mv; } });
      if (!found) { return; }
      var bounds = L.latLngBounds(found.path.map(latlng));
      // A little of the line to the reference point, so its direction and name show too.
      ((data.selected && data.selected.tracks) || []).forEach(function (t) {
        if (t.id !== id || !t.reference) { return; }
        var ref = t.reference.path.map(latlng);
        var total = ref[0].distanceTo(ref[ref.length - 1]);
        var length = latlng(t.start).distanceTo(latlng(t.end));
        if (total > 0) { bounds.extend(along(ref, Math.min(1, 1.2 * length / total))); }
      });
      map.fitBounds(bounds, {padding: [90, 90], maxZoom: 20, animate: false});
      placeReferenceLabels();
      scheduleDeclutter();
    },
    /* Where a position is on screen (for tests that click like a reviewer). */
    containerPointOf: function (lat, lon) {
      var p = map.latLngToContainerPoint([lat, lon]);
      return [p.x, p.y];
    },
    /* What a reviewer would see, for tests and diagnostics. */
    probe: function () {
      var texts = function (selector) {
        return Array.prototype.map.call(document.querySelectorAll(selector), function (n) {
          return n.textContent;
        });
      };
      return {
        points: points.count(),
        offline: offline,
        notice: notice && notice.style.display !== "none" ? notice.textContent : "",
        grid: map.hasLayer(grid),
        selected: detailState.id,
        camera: detailState.camera && map.hasLayer(detailState.camera)
          ? [detailState.camera.getLatLng().lat, detailState.camera.getLatLng().lng] : null,
        cone: document.querySelectorAll(".desk-cone").length > 0 ||
          (detailState.data !== null && !!(detailState.data && detailState.data.cone)),
        landmarks: texts(".desk-landmark-label"),
        sights: texts(".desk-sight-label"),
        claims: texts(".desk-claim-label"),
        movements: texts(".desk-movement-label"),
        references: texts(".desk-reference-label"),
        sun: texts(".desk-sun-label"),
        sunCast: texts(".desk-cast-label"),
        shadows: texts(".desk-shadow-label"),
        sunRay: sunDrawn.ray,
        shadowLines: sunDrawn.shadows,
        tracks: trackHandles.map(function (h) {
          var at = h.marker.getLatLng();
          return {id: h.id, end: h.end, at: [at.lat, at.lng]};
        }),
        draftStart: draft.start ? [draft.start.lat, draft.start.lng] : null,
        hint: hint && hint.style.display !== "none" ? hint.textContent : "",
        search: texts(".desk-search-label"),
        measure: texts(".desk-measure-label"),
        measured: measureData,
        movementTags: movementTags(),
        camera_style: cameraStyle(),
        labels: labelBoxes(),
        hiddenLabels: hiddenLabels,
        labelsPlaced: !declutterQueued,
        controls: controlBoxes(),
        coneVisible: coneVisible(),
        mode: mode,
        zoom: map.getZoom(),
        centre: [map.getCenter().lat, map.getCenter().lng],
        painted: painted,
        tiles_loaded: tilesLoaded,
        pack_areas: packAreas,
        overlays: referenceState(),
        overlays_loaded: referenceIds.every(function (id) {
          return references[id].loaded || references[id].failed;
        }),
        overlays_visible: map.getPane("deskReferences").style.visibility !== "hidden",
        swipe: compare.swipe ? Math.round(map.getSize().x * compare.position) : null,
        flicker: compare.flicker,
        pairs: pairMarks
      };
    }
  };

  window.deskMap = api;
}());
