// The outlet finder's map (Leaflet, vendored under static/vendor/leaflet/). The markers come
// from the JSON the page carries (json_script), never from an API call. A tile layer is added
// only when the page names a tile server (PORTAL_MAP_TILE_URL): without one the markers stand
// on a plain background and the browser asks no outside address for anything. Without
// JavaScript the list on the page is the whole answer, so nothing here is needed to use it.
(function () {
  "use strict";
  var NAMED_UP_TO = 12; // more names than this would hide one another


  function popup(point, openLabel) {
    // Built from text nodes, never from HTML strings: names and addresses are data.
    var box = document.createElement("div");
    box.className = "outlet-popup";
    var title = document.createElement("strong");
    if (point.url) {
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.name;
      title.appendChild(link);
    } else {
      title.textContent = point.name;
    }
    box.appendChild(title);
    [point.kind_label + " · " + point.district, point.address].forEach(function (text) {
      var line = document.createElement("div");
      line.textContent = text;
      box.appendChild(line);
    });
    if (point.url && openLabel) {
      var more = document.createElement("a");
      more.href = point.url;
      more.className = "outlet-popup-open";
      more.textContent = openLabel + " ›";
      box.appendChild(more);
    }
    return box;
  }

  function draw(element) {
    var data = document.getElementById(element.dataset.outletMap);
    if (!data || typeof window.L === "undefined") return;
    var points = JSON.parse(data.textContent);
    if (!points.length) return;
    var L = window.L;
    element.classList.add("map-ready"); // full height before Leaflet measures the container
    var map = L.map(element, { attributionControl: false, scrollWheelZoom: false, zoomSnap: 0.5 });
    var tileUrl = element.dataset.tileUrl;
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 18, attribution: element.dataset.attribution || "" }).addTo(map);
      L.control.attribution({ prefix: false }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    var bounds = [];
    var named = points.length <= NAMED_UP_TO;
    points.forEach(function (point) {
      var latLng = [point.lat, point.lng];
      bounds.push(latLng);
      var icon = L.divIcon({
        className: "outlet-pin kind-" + point.kind,
        iconSize: [16, 16],
        iconAnchor: [8, 8],
        popupAnchor: [0, -8],
      });
      var marker = L.marker(latLng, {
        icon: icon,
        title: point.name + " · " + point.kind_label,
        keyboard: true,
      }).bindPopup(popup(point, element.dataset.openLabel));
      if (named) {
        // A few markers carry their names: on a map without tiles they are the only landmarks.
        marker.bindTooltip(point.name, { permanent: true, direction: "right", offset: [8, 0] });
      }
      marker.addTo(map);
    });
    function fit() {
      map.invalidateSize();
      if (bounds.length === 1) {
        map.setView(bounds[0], 15);
      } else {
        map.fitBounds(bounds, {
          paddingTopLeft: [48, 24],
          paddingBottomRight: [named ? 160 : 24, 24], // room for the names on the right
          maxZoom: 15,
        });
      }
    }
    fit();
    // Fonts and the phone's toolbar can change the container's size after the first layout.
    window.addEventListener("load", fit, { once: true });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-outlet-map]"), draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
