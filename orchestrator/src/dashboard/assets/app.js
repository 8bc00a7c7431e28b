// The dashboard's only script: one long-poll request at a time (the server answers when the
// next block arrives), rendering of the snapshot, and the job form. No framework, nothing
// fetched from outside this machine.
"use strict";

const $ = (id) => document.getElementById(id);
let seq = 0;

function text(tag, value, cls) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (cls) el.className = cls;
  return el;
}

function row(cells, classes = []) {
  const tr = document.createElement("tr");
  cells.forEach((c, i) => tr.appendChild(text("td", c, classes[i])));
  return tr;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function votes(j) {
  if (j.votes_valid === null || j.votes_valid === undefined) return "";
  const outcome = j.dispute_outcome ? ` (${j.dispute_outcome})` : "";
  return `votes ${j.votes_valid} valid / ${j.votes_invalid} invalid${outcome}`;
}

function render(s) {
  $("testnet").textContent = s.testnet || "";
  const health = $("health");
  health.className = "pill " + s.health;
  health.textContent = { live: "Live", waiting: "Waiting for chain connection", stalled: "Chain stalled" }[s.health] || s.health;
  $("message").textContent = s.message || "";
  $("runtime").textContent = s.runtime ? `${s.runtime} v${s.spec_version}` : "-";
  $("best").textContent = s.health === "waiting" ? "-" : "#" + s.best;
  $("finalized").textContent = s.health === "waiting" ? "-" : "#" + s.finalized;
  $("block-time").textContent = s.block_time_ms ? (s.block_time_ms / 1000).toFixed(2) + " s" : "-";

  fill($("blocks"), s.blocks.map((b) => row(["#" + b.number, b.hash, String(b.extrinsics)], ["", "hash", ""])));
  $("validators").replaceChildren(...s.validators.map((v) => {
    const li = text("li", `${v.up ? "up" : "down"}  ${v.name}  (${v.status})`, v.up ? "up" : "down");
    li.dataset.validator = v.name;
    return li;
  }));
  fill($("fleet"), s.fleet.map((n) => {
    const tr = row([
      // Verifiers never register; a worker that has not (yet) is worth saying.
      n.name + (n.role === "worker" && !n.registered ? " (not registered)" : n.registered && !n.online ? " (offline)" : ""),
      n.role + (n.committee ? ", committee" : ""),
      n.cpu_cores + " cores", n.memory_mb + " MB", n.gpu || "-",
      n.stake || "-", n.jobs.length ? n.jobs.map((j) => "#" + j).join(", ") : "idle",
    ]);
    tr.dataset.node = n.name;
    tr.dataset.role = n.role;
    tr.dataset.committee = n.committee;
    return tr;
  }));

  document.querySelectorAll(".column").forEach((col) => {
    const items = s.jobs.filter((j) => j.column === col.dataset.column).map((j) => {
      let detail = j.label;
      if (j.blocks_left !== null && j.blocks_left !== undefined) detail += `, ${j.blocks_left} blocks left`;
      if (j.node_payout) detail += `, node ${j.node_payout} / fee ${j.protocol_fee}`;
      const v = votes(j);
      const li = text("li", `#${j.id}  ${detail}${v ? ", " + v : ""}`);
      li.dataset.job = j.id;
      return li;
    });
    col.querySelector("ul").replaceChildren(...items);
  });
  fill($("jobs"), s.jobs.map((j) => {
    const tr = row([
      "#" + j.id, j.label, j.budget, j.node || "-", votes(j),
      j.node_payout ? `${j.node_payout} / ${j.protocol_fee}` : "-", j.result_hash || "-",
    ], ["", "", "", "", "", "", "hash"]);
    tr.dataset.job = j.id;
    tr.dataset.column = j.column;
    return tr;
  }));
}

async function poll() {
  for (;;) {
    try {
      const r = await fetch(`/api/state?since=${seq}`, { cache: "no-store" });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const s = await r.json();
      seq = s.seq;
      render(s);
    } catch (e) {
      // The dashboard itself went away: say so, and try again shortly.
      $("health").className = "pill waiting";
      $("health").textContent = "Waiting for chain connection";
      $("message").textContent = `dashboard server unreachable (${e.message}); retrying`;
      await new Promise((ok) => setTimeout(ok, 2000));
    }
  }
}

$("job-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = $("form-result");
  const body = {
    workload: $("f-workload").value,
    size: Number($("f-size").value),
    budget: Number($("f-budget").value),
    cpu_cores: Number($("f-cpu").value),
    gpu_model: $("f-gpu").value,
  };
  out.textContent = "submitting...";
  $("f-submit").disabled = true;
  try {
    const r = await fetch("/api/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const answer = await r.json();
    out.textContent = r.ok ? `job #${answer.job_id} submitted` : `not submitted: ${answer.error}`;
    if (r.ok) out.dataset.job = answer.job_id;
  } catch (e) {
    out.textContent = `not submitted: ${e.message}`;
  } finally {
    $("f-submit").disabled = false;
  }
});

poll();
