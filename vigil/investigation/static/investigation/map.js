/* The outbreak map (investigation:map) and the small map of the outbreak form
   that fills in the longitude and latitude on a click. Leaflet is vendored
   (vigil/static/vendor/leaflet); the tile URL and attribution come from the
   settings through data- attributes; without a tile URL the map has no base
   layer. No inline script: the Content-Security-Policy forbids it. */
(function () {
  "use strict";
  var COLOURS = { recent: "#dc3545", active: "#fd7e14", closed: "#6c757d" };

  function bbox(el) {
    var v = (el.getAttribute("data-bbox") || "").split(",").map(Number);
    if (v.length !== 4 || v.some(isNaN)) { return null; }
    return L.latLngBounds([v[1], v[0]], [v[3], v[2]]);
  }

  function baseMap(el) {
    var map = L.map(el, { scrollWheelZoom: false });
    var tiles = el.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.getAttribute("data-attribution") || "" }).addTo(map);
    }
    var box = bbox(el);
    if (box) { map.fitBounds(box); } else { map.setView([16.46, 107.59], 10); }
    return map;
  }

  function text(tag, value) {
    var node = document.createElement(tag);
    node.textContent = value;
    return node;
  }

  function link(href, label) {
    var a = text("a", label);
    a.href = href;
    return a;
  }

  function popup(el, p) {
    var box = document.createElement("div");
    box.className = "outbreak-popup";
    box.appendChild(text("strong", p.name));
    var lines = [
      el.getAttribute("data-label-commune") + ": " + p.commune + (p.district ? ", " + p.district : ""),
      el.getAttribute("data-label-status-" + p.activity) || p.status,
      el.getAttribute("data-label-cases") + ": " + p.cases + " · " + el.getAttribute("data-label-contacts") + ": " + p.contacts
    ];
    lines.forEach(function (line) { box.appendChild(text("div", line)); });
    var links = document.createElement("div");
    links.appendChild(link(p.cases_url, el.getAttribute("data-label-list")));
    links.appendChild(document.createTextNode(" · "));
    links.appendChild(link(p.chain_url, el.getAttribute("data-label-chain")));
    box.appendChild(links);
    return box;
  }

  function outbreakMap(el) {
    var map = baseMap(el);
    fetch(el.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var markers = [];
        data.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var colour = COLOURS[f.properties.activity] || COLOURS.active;
          var m = L.circleMarker([c[1], c[0]], {
            radius: 8 + Math.min(12, Math.sqrt(f.properties.cases + f.properties.contacts) * 2),
            color: colour, fillColor: colour, fillOpacity: 0.6, weight: 2
          });
          m.bindPopup(popup(el, f.properties));
          m.addTo(map);
          markers.push(m);
        });
        if (markers.length) {
          map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 14 });
        }
        el.setAttribute("data-rendered-markers", String(markers.length));
      });
  }

  function pickMap(el) {
    var lon = document.getElementById(el.getAttribute("data-lon-field"));
    var lat = document.getElementById(el.getAttribute("data-lat-field"));
    if (!lon || !lat) { return; }
    var map = baseMap(el);
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 8, color: COLOURS.recent }).addTo(map); }
    }
    if (lon.value && lat.value && !isNaN(Number(lon.value)) && !isNaN(Number(lat.value))) {
      place([Number(lat.value), Number(lon.value)]);
      map.setView([Number(lat.value), Number(lon.value)], 14);
    }
    map.on("click", function (e) {
      lon.value = e.latlng.lng.toFixed(6);
      lat.value = e.latlng.lat.toFixed(6);
      place(e.latlng);
    });
    el.setAttribute("data-ready", "1");
  }

  function start() {
    if (typeof L === "undefined") { return; }
    var big = document.getElementById("outbreak-map");
    if (big) { outbreakMap(big); }
    var small = document.getElementById("pick-map");
    if (small) {
      // Inside a closed <details>, Leaflet would measure a 0×0 box: wait until opened.
      var details = small.closest("details");
      if (details && !details.open) {
        details.addEventListener("toggle", function once() {
          if (details.open) { details.removeEventListener("toggle", once); pickMap(small); }
        });
      } else {
        pickMap(small);
      }
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
