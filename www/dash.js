// The dashboard's page: polls the JSON API of `miniinet serve` (no other
// site, no library).  Read-only: GET requests only.
"use strict";

const pages = ["matrix", "lg", "topology", "status"];

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

async function getJSON(url) {
  const r = await fetch(url, { cache: "no-store" });
  return r.json();
}

function show(page) {
  if (!pages.includes(page)) page = "matrix";
  for (const p of pages) {
    document.getElementById("page-" + p).classList.toggle("active", p === page);
  }
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("active", a.dataset.page === page);
  }
  if (page === "lg") loadLg();
  window.scrollTo(0, 0); // the hash also names an element: stay on top
}

// --- matrix ---------------------------------------------------------------
function drawMatrix(m) {
  document.getElementById("network").textContent = m.network;
  const round = document.getElementById("round");
  round.textContent = m.round
    ? `Round ${m.round} at ${m.time}: ${m.seconds.toFixed(1)} s, ` +
      `${m.cpu_seconds.toFixed(2)} s CPU; every ${m.period} s.`
    : "No probe round yet.";
  const silent = m.servers.filter((s) => !s.answered)
    .map((s) => (s.since ? `${s.name} (since ${s.since})` : s.name));
  if (m.round && silent.length) round.textContent += ` Not answering: ${silent.join(", ")}.`;
  if (m.error) round.textContent += ` (${m.error})`;
  const state = {};
  for (const p of m.pairs) state[p.from + "-" + p.to] = p.state;
  const t = document.getElementById("matrix");
  t.replaceChildren();
  const head = el("tr");
  head.appendChild(el("th", {}, "from \\ to"));
  for (const b of m.ases) head.appendChild(el("th", {}, b));
  t.appendChild(head);
  for (const a of m.ases) {
    const tr = el("tr");
    tr.appendChild(el("th", {}, a));
    for (const b of m.ases) {
      const s = a === b ? "self" : state[a + "-" + b];
      const what = s === "valley" ? "reachable, over a path that breaks the Gao-Rexford rule" : s;
      const td = el("td", { "data-from": a, "data-to": b, "data-state": s,
                            title: `AS ${a} -> AS ${b}: ${what}` });
      if (s !== "self") td.className = s;
      tr.appendChild(td);
    }
    t.appendChild(tr);
  }
}

// A tab in the background asks nothing (a class leaves many open); shown
// again, it asks at once.
async function pollMatrix() {
  if (document.hidden) return;
  try {
    drawMatrix(await getJSON("/api/matrix"));
  } catch (e) {
    document.getElementById("round").textContent = "The server does not answer.";
  }
}

// --- looking glass ----------------------------------------------------------
let routersLoaded = false;

async function loadRouters() {
  const r = await getJSON("/api/routers");
  const sel = document.getElementById("lg-router");
  for (const x of r.routers) {
    sel.appendChild(el("option", { value: x.name }, `AS ${x.as}: ${x.name} (${x.server})`));
  }
  routersLoaded = true;
}

// The server answers from its cache and fetches in the background: while
// the answer is "pending" ask again every 2 s, then when the data turns
// older than max_age seconds (it is no fresher before), as long as the
// page is shown.
let lgTimer = null;

function lgAgain(seconds) {
  clearTimeout(lgTimer);
  lgTimer = setTimeout(() => {
    if (document.getElementById("page-lg").classList.contains("active")) loadLg();
  }, seconds * 1000);
}

async function loadLg() {
  if (!routersLoaded) await loadRouters();
  const name = document.getElementById("lg-router").value;
  if (!name) return;
  const meta = document.getElementById("lg-meta");
  let lg;
  try {
    lg = await getJSON("/api/lg/" + encodeURIComponent(name));
  } catch (e) {
    meta.textContent = "The server does not answer.";
    meta.className = "error";
    lgAgain(5);
    return;
  }
  if (lg.router !== document.getElementById("lg-router").value) return; // changed meanwhile
  if (lg.pending) {
    meta.textContent = `asking ${name}... (pending)`;
    meta.className = "meta";
    lgAgain(2);
  } else {
    const age = `as of ${lg.time}, ${lg.age} s ago (refreshed at most every ${lg.max_age} s)`;
    meta.textContent = lg.error ? `${lg.error} (${age})` : age;
    meta.className = lg.error ? "error" : "meta";
    // stale data is being refetched: look again soon; fresh: when it turns stale
    lgAgain(lg.age >= lg.max_age ? 3 : lg.max_age - lg.age + 1);
  }
  const body = document.querySelector("#lg-routes tbody");
  body.replaceChildren();
  for (const r of lg.routes) {
    const tr = el("tr", { class: "route" });
    for (const v of [r.prefix, r.path, r.next_hop, r.local_pref, r.communities, r.best ? "*" : ""]) {
      tr.appendChild(el("td", {}, v === undefined ? "" : v));
    }
    body.appendChild(tr);
  }
  const ospf = document.querySelector("#lg-ospf tbody");
  ospf.replaceChildren();
  for (const n of lg.ospf_neighbours) {
    const tr = el("tr");
    for (const v of [n.router_id, n.state, n.address, n.interface]) tr.appendChild(el("td", {}, v === undefined ? "" : v));
    ospf.appendChild(tr);
  }
}

// --- servers ------------------------------------------------------------------
async function pollStatus() {
  if (document.hidden) return;
  let st;
  try { st = await getJSON("/api/status"); } catch (e) { return; }
  const div = document.getElementById("servers");
  div.replaceChildren();
  for (const s of st.servers) {
    const since = s.since ? ` since ${s.since}` : "";
    const last = s.time ? `, last answer at ${s.time}` : "";
    div.appendChild(el("h2", {}, s.answered ? `${s.name}: answering`
                                             : `${s.name}: NOT ANSWERING${since}${last}`));
    if (!s.status) continue;
    const t = el("table", { class: "servers" });
    const h = el("tr");
    for (const c of ["node", "kind", "state", "BGP", "interfaces down"]) h.appendChild(el("th", {}, c));
    t.appendChild(h);
    for (const n of s.status.nodes) {
      const tr = el("tr");
      const down = (n.interfaces || []).filter((i) => !i.up && i.name !== "lo").map((i) => i.name);
      const bgp = n.bgp ? `${n.bgp.established}/${n.bgp.expected}` : "-";
      // A node `up` would repair (status's DAMAGED) shows so, as a missing one does.
      const state = n.state === "up" && n.damaged ? "DAMAGED" : n.state;
      for (const v of [n.name, n.kind, state, bgp, down.join(" ")]) tr.appendChild(el("td", {}, v));
      if (n.state !== "up" || n.damaged) tr.className = "down";
      t.appendChild(tr);
    }
    div.appendChild(t);
    // status's "damaged:" lines: what `up` repairs.
    for (const d of s.status.damage || []) div.appendChild(el("p", { class: "down" }, `damaged: ${d}`));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const a of document.querySelectorAll("nav a")) {
    a.addEventListener("click", () => show(a.dataset.page));
  }
  document.getElementById("lg-router").addEventListener("change", loadLg);
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  show(location.hash.slice(1));
  pollMatrix();
  pollStatus();
  setInterval(pollMatrix, 5000);
  setInterval(pollStatus, 10000);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      pollMatrix();
      pollStatus();
    }
  });
});
