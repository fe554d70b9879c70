// What-if widget: the county map (vector layers only, Leaflet inlined: no CDN, no tiles) and the delta panel.
// Every text from the county's files is set with textContent, never as HTML.
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function fmt(v, digits) {
  if (v === null || v === undefined || (typeof v === "number" && !isFinite(v))) return "–";
  if (typeof v === "number") {
    const d = Number.isInteger(v) ? 0 : (digits === undefined ? 1 : digits);
    return v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  return String(v);
}

function render({ model, el: host }) {
  const t = (k) => (model.get("labels") || {})[k] || k;
  const root = el("div", "lw-root");
  const mapDiv = el("div", "lw-map");
  const side = el("div", "lw-side");
  root.append(mapDiv, side);
  host.append(root);

  const map = L.map(mapDiv, { zoomSnap: 0.25, attributionControl: false, maxZoom: 18 });
  const canvas = L.canvas({ padding: 0.5 });
  map.createPane("lw-schools").style.zIndex = 650;          // above the canvas of roads and villages
  const svg = L.svg({ padding: 0.5, pane: "lw-schools" });
  const geo = model.get("geo");
  // A view first, so layers are drawn (and clickable) at once. Fitting a map that has no size yet (the page shows
  // the widget later) gives the highest zoom and a blank map: then a plain view, fitted once the map has a size.
  if (mapDiv.clientWidth > 0 && mapDiv.clientHeight > 0) map.fitBounds(geo.bounds, { padding: [10, 10] });
  else map.setView(L.latLngBounds(geo.bounds).getCenter(), 10);
  if (geo.tiles) L.tileLayer(geo.tiles.url, { attribution: geo.tiles.attribution, maxZoom: 18 }).addTo(map);
  const schoolMarks = {};
  const villageMarks = {};
  for (const tw of geo.townships || []) {
    L.polygon(tw.rings, { renderer: canvas, color: "#555", weight: 1.2, dashArray: "6 4", fill: true,
                          fillOpacity: 0.02, interactive: false }).addTo(map);
  }
  for (const r of geo.roads || []) {
    L.polyline(r.lines, { renderer: canvas, color: r.colour, weight: r.weight, opacity: 0.85,
                          interactive: false }).addTo(map);
  }
  for (const v of geo.villages || []) {
    const m = L.circleMarker([v.lat, v.lon], { renderer: canvas, radius: v.r, weight: 0.5, color: "#444",
                                               fillColor: "#bdbdbd", fillOpacity: 0.85 });
    m.bindTooltip(v.name + " · " + v.children, { sticky: true });
    m.addTo(map);
    villageMarks[v.id] = m;
  }
  for (const c of geo.candidates || []) {
    const m = L.circleMarker([c.lat, c.lon], { renderer: svg, pane: "lw-schools", radius: 7, weight: 2, color: "#111",
                                               fillColor: "#ffd54f", fillOpacity: 0.9, dashArray: "2 2" });
    m.bindTooltip(t("whatif_candidates") + ": " + c.name, { sticky: true });
    m.on("click", (e) => { L.DomEvent.stopPropagation(e); model.send({ type: "candidate", id: c.id }); });
    m.addTo(map);
    const node = m.getElement();
    if (node) { node.setAttribute("data-candidate", c.id); node.classList.add("lw-candidate"); }
  }
  for (const s of geo.schools || []) addSchool(s);
  function addSchool(s) {
    if (schoolMarks[s.id]) return;
    const m = L.circleMarker([s.lat, s.lon], { renderer: svg, pane: "lw-schools", radius: s.r, weight: 2, color: "#fff",
                                               fillColor: "#2b6cb0", fillOpacity: 0.95 });
    m.bindTooltip(s.name, { sticky: true });
    m.on("click", (e) => { L.DomEvent.stopPropagation(e); model.send({ type: "school", id: s.id }); });
    m.addTo(map);
    const node = m.getElement();
    if (node) { node.setAttribute("data-school", s.id); node.classList.add("lw-school"); }
    schoolMarks[s.id] = m;
  }
  map.on("click", (e) => model.send({ type: "point", lon: e.latlng.lng, lat: e.latlng.lat }));
  // The page may show the widget after drawing it (Voilà, a collapsed output): size and fit once it is visible.
  let fitted = false;
  const ro = new ResizeObserver(() => {
    if (mapDiv.clientWidth === 0 || mapDiv.clientHeight === 0) return;
    map.invalidateSize();
    if (!fitted) { map.fitBounds(geo.bounds, { padding: [10, 10] }); fitted = true; }
    // a marker drawn while the map had no size is an empty path ("M0 0"): draw them again in the sized view
    for (const m of [...Object.values(schoolMarks), ...Object.values(villageMarks)]) m.redraw();
  });
  ro.observe(mapDiv);

  function applyStyles() {
    const st = model.get("styles") || {};
    for (const s of st.new_schools || []) addSchool(s);
    for (const [id, sty] of Object.entries(st.schools || {})) {
      const m = schoolMarks[id];
      if (!m) continue;
      m.setStyle({ fillColor: sty.colour, color: sty.closed ? sty.colour : "#fff", fillOpacity: sty.closed ? 0.25 : 0.95 });
      const node = m.getElement();
      if (node) node.setAttribute("data-action", sty.action);
    }
    for (const [id, colour] of Object.entries(st.villages || {})) {
      const m = villageMarks[id];
      if (m) m.setStyle({ fillColor: colour });
    }
  }

  // ---- the side panel --------------------------------------------------------------------------------------
  let pickMerge = null;
  function numberCell(tag, key, value, digits) {
    const c = el(tag, "lw-num", fmt(value, digits));
    if (key) { c.setAttribute("data-key", key); c.setAttribute("data-value", JSON.stringify(value)); }
    return c;
  }
  function button(text, cls, onclick) {
    const b = el("button", "lw-btn " + (cls || ""), text);
    b.addEventListener("click", onclick);
    return b;
  }
  function act(payload) { model.send(Object.assign({ type: "act" }, payload)); }

  function drawSide() {
    side.replaceChildren();
    const busy = model.get("busy");
    const bar = el("div", "lw-bar");
    bar.append(button(t("whatif_undo"), "lw-undo", () => model.send({ type: "undo" })),
               button(t("whatif_redo"), "lw-redo", () => model.send({ type: "redo" })),
               button(t("whatif_save"), "lw-save", () => model.send({ type: "save" })));
    if (busy) bar.append(el("span", "lw-busy", t("whatif_working")));
    side.append(bar);

    const msg = model.get("message") || {};
    if (msg.text) {
      const box = el("div", "lw-msg lw-msg-" + (msg.kind || "info"));
      box.setAttribute("data-kind", msg.kind || "info");
      if (msg.rule) box.setAttribute("data-rule", msg.rule);
      box.append(el("div", "lw-msg-title", msg.kind === "refused" ? t("whatif_refused") : ""));
      box.append(el("div", "lw-msg-text", msg.text));
      if (msg.fix) box.append(el("div", "lw-msg-fix", t("whatif_fix") + ": " + msg.fix));
      side.append(box);
    }

    const sel = model.get("selected") || {};
    const selBox = el("div", "lw-selected");
    if (!sel.kind) {
      selBox.append(el("div", "lw-hint", t("whatif_click_school")));
    } else {
      selBox.append(el("div", "lw-sel-title", sel.title || ""));
      for (const row of sel.info || []) {
        const line = el("div", "lw-sel-row");
        line.append(el("span", "lw-sel-label", row[0] + ": "), el("span", "lw-sel-value", fmt(row[1], 1)));
        selBox.append(line);
      }
      const acts = el("div", "lw-actions");
      for (const a of sel.actions || []) acts.append(actionControl(sel, a));
      selBox.append(acts);
      if ((sel.reasons || []).length) {
        const rs = el("ul", "lw-reasons");
        for (const r of sel.reasons) rs.append(el("li", "", r));
        selBox.append(el("div", "lw-sub", t("whatif_reasons")), rs);
      }
    }
    side.append(selBox);

    const panel = model.get("panel") || {};
    const dl = el("div", "lw-delta");
    dl.append(el("div", "lw-delta-title", panel.title || ""));
    for (const a of panel.actions || []) dl.append(el("div", "lw-edit", "· " + a));
    for (const sec of panel.sections || []) {
      const tab = el("table", "lw-table");
      const cap = el("caption", "", sec.title);
      tab.append(cap);
      for (const r of sec.rows) {
        const tr = el("tr", r.bad ? "lw-bad" : "");
        tr.append(el("th", "", r.label));
        tr.append(r.before === undefined || r.before === null ? el("td", "") : numberCell("td", null, r.before, 1));
        tr.append(numberCell("td", r.key, r.after, 1));
        const ch = el("td", "lw-change", r.change === undefined || r.change === null ? "" :
                      (r.change > 0 ? "+" : "") + fmt(r.change, 1));
        tr.append(ch);
        tab.append(tr);
      }
      dl.append(tab);
    }
    const nv = panel.new_violations || [];
    if (nv.length) {
      dl.append(el("div", "lw-sub", t("whatif_new_violations")));
      const ul = el("ul", "lw-violations");
      for (const v of nv) { const li = el("li", "lw-bad", v.text); li.setAttribute("data-code", v.code); ul.append(li); }
      dl.append(ul);
    }
    const rv = panel.resolved || [];
    if (rv.length) {
      dl.append(el("div", "lw-sub", t("whatif_resolved_violations")));
      const ul = el("ul", "lw-resolved");
      for (const v of rv) ul.append(el("li", "", v.text));
      dl.append(ul);
    }
    if (panel.seconds !== undefined) {
      const s = el("div", "lw-seconds", t("whatif_seconds") + ": ");
      s.append(numberCell("span", "seconds", panel.seconds, 2));
      dl.append(s);
    }
    side.append(dl);
  }

  function actionControl(sel, a) {
    const box = el("div", "lw-action");
    box.setAttribute("data-action", a.action);
    const id = sel.id;
    if (a.action === "close") {
      box.append(button(t("whatif_close"), "lw-act-close", () => act({ action: "close", school: id })));
    } else if (a.action === "merge") {
      box.append(button(t("whatif_merge"), "lw-act-merge", () => {
        pickMerge = id; model.send({ type: "pick_merge", school: id });
      }));
    } else if (a.action === "downgrade") {
      const s = el("select", "lw-grades");
      for (const g of a.grades) { const o = el("option", "", g); o.value = g; s.append(o); }
      box.append(button(t("whatif_downgrade"), "lw-act-downgrade",
                        () => act({ action: "downgrade", school: id, grades: s.value })), s);
    } else if (a.action === "designate_boarding") {
      box.append(button(t("whatif_designate_boarding"), "lw-act-designate",
                        () => act({ action: "designate_boarding", school: id })));
    } else if (a.action === "add_boarding" || a.action === "expand") {
      const inp = el("input", "lw-number");
      inp.type = "number"; inp.min = "1"; inp.step = "1";
      inp.value = String(a.action === "expand" ? a.seats : a.beds);
      const key = a.action === "expand" ? "seats" : "beds";
      box.append(button(t("whatif_" + a.action), "lw-act-" + a.action,
                        () => act({ action: a.action, school: id, [key]: parseInt(inp.value, 10) })), inp);
    } else if (a.action === "open") {
      const kind = el("select", "lw-kind");
      for (const k of a.kinds) { const o = el("option", "", k[1]); o.value = k[0]; kind.append(o); }
      kind.value = a.kind;
      const seats = el("input", "lw-number"); seats.type = "number"; seats.value = String(a.seats);
      const beds = el("input", "lw-number"); beds.type = "number"; beds.value = String(a.beds);
      box.append(button(t(sel.kind === "candidate" ? "whatif_open_candidate" : "whatif_open"), "lw-act-open", () => act({
        action: "open", at: sel.at, candidate: sel.kind === "candidate" ? sel.id : null, kind: kind.value,
        seats: parseInt(seats.value, 10), beds: parseInt(beds.value, 10) })), kind,
        el("span", "", t("seats")), seats, el("span", "", t("beds")), beds);
    } else if (a.action === "cancel") {
      box.append(button(t("whatif_cancel"), "lw-act-cancel", () => model.send({ type: "cancel" })));
    }
    return box;
  }

  model.on("change:styles", applyStyles);
  for (const k of ["panel", "selected", "message", "busy", "labels"]) model.on("change:" + k, drawSide);
  applyStyles();
  drawSide();
  return () => { ro.disconnect(); map.remove(); };
}

export default { render };
