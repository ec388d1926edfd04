/* The transmission chain graph (investigation:outbreak-chain, case-chain):
   cytoscape (vendored), laid out as a tree by generation, coloured by level;
   a click opens the record. The number of nodes drawn is written into
   #node-count and onto the graph's element (data-rendered-nodes) once the
   layout has run. */
(function () {
  "use strict";
  var COLOURS = { 0: "#dc3545", 1: "#fd7e14", 2: "#ffc107" };
  var DEEPER = "#0d6efd";
  var HIDDEN = "#adb5bd";

  function colour(node) {
    if (node.hidden) { return HIDDEN; }
    if (node.level === null || node.level === undefined) { return DEEPER; }
    return COLOURS[node.level] || DEEPER;
  }

  function elements(data) {
    var out = [];
    data.nodes.forEach(function (n) {
      var caption = n.hidden ? n.label : (n.label === n.level_label ? n.label : n.label + "\n" + n.level_label);
      out.push({ group: "nodes", data: { id: n.id, caption: caption, colour: colour(n), url: n.url || "", generation: n.generation } });
    });
    data.edges.forEach(function (e) {
      out.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target } });
    });
    return out;
  }

  function draw(el, data) {
    var roots = data.nodes.filter(function (n) { return n.generation === 0; }).map(function (n) { return "#" + n.id; });
    var cy = cytoscape({
      container: el,
      elements: elements(data),
      wheelSensitivity: 0.3,
      style: [
        { selector: "node", style: {
          "background-color": "data(colour)", label: "data(caption)", "font-size": 10,
          "text-wrap": "wrap", "text-valign": "bottom", "text-margin-y": 3, width: 22, height: 22 } },
        { selector: "node[url != '']", style: { "border-width": 1, "border-color": "#212529" } },
        { selector: "edge", style: {
          width: 1.5, "line-color": "#adb5bd", "target-arrow-color": "#adb5bd",
          "target-arrow-shape": "triangle", "curve-style": "bezier" } }
      ]
    });
    var layout = cy.layout({
      name: "breadthfirst", directed: true, roots: roots.length ? roots.join(",") : undefined,
      spacingFactor: 1.1, animate: false, avoidOverlap: data.nodes.length < 500
    });
    layout.on("layoutstop", function () {
      var n = cy.nodes().length;
      el.setAttribute("data-rendered-nodes", String(n));
      document.getElementById("node-count").textContent = String(n);
    });
    layout.run();
    cy.on("tap", "node", function (event) {
      var url = event.target.data("url");
      if (url) { window.location.assign(url); }
    });
  }

  function start() {
    var el = document.getElementById("chain-graph");
    if (!el || typeof cytoscape === "undefined") { return; }
    fetch(el.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.truncated) { document.getElementById("chain-truncated").classList.remove("d-none"); }
        draw(el, data);
      });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
