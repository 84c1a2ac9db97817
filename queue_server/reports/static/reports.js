/* The reports page: builds the query, shows the tables the API describes (headers come with the
 * data, so they are written once, on the server) and downloads XLSX / PDF / CSV with the token. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const TITLES = { queue: "Báo cáo xếp hàng", dossiers: "Báo cáo tình hình giải quyết hồ sơ", ratings: "Báo cáo mức độ hài lòng" };
  let session;

  function esc(s) { const d = document.createElement("div"); d.textContent = s === null || s === undefined ? "" : String(s); return d.innerHTML; }

  function query(format) {
    const f = $("filters");
    const q = new URLSearchParams({ format });
    if (f.period.value === "range") {
      if (f.from.value) q.set("from", f.from.value);
      if (f.to.value) q.set("to", f.to.value);
    } else {
      q.set("period", f.period.value);
      if (f.on.value) q.set("on", f.on.value);
    }
    for (const k of ["agency", "field", "procedure"]) if (f[k].value.trim()) q.set(k, f[k].value.trim());
    return `/api/v1/reports/${f.kind.value}?${q}`;
  }

  function cell(v, unit) {
    if (v === null || v === undefined) return "";
    if (unit === "min") return (v / 60).toFixed(1).replace(".", ",");
    if (unit === "pct") return String(v).replace(".", ",");
    if (unit === "flag") return v ? "⚠ Cần lưu ý" : "";
    return esc(v);
  }

  function render(kind, rep) {
    $("summary").hidden = false;
    $("title").textContent = TITLES[kind];
    $("period-text").textContent = `Từ ngày ${rep.period.from.split("-").reverse().join("/")} đến ngày ${rep.period.to.split("-").reverse().join("/")}`;
    const html = [];
    for (const t of rep.tables) {
      let rows = rep[t.key];
      if (rows === null || rows === undefined) continue;
      if (!Array.isArray(rows)) rows = [rows];
      html.push(`<section class="panel table-wrap" data-table="${t.key}"><h2>${esc(t.title)}</h2><table><thead><tr>` +
        t.columns.map((c) => `<th class="${c.unit === "t" ? "" : "num"}">${esc(c.label)}</th>`).join("") + "</tr></thead><tbody>" +
        (rows.length ? rows.map((r) => `<tr class="${r.flagged ? "flagged" : ""}">` + t.columns.map((c) =>
          `<td class="${c.unit === "t" ? "" : "num"}">${cell(r[c.key], c.unit)}</td>`).join("") + "</tr>").join("")
          : `<tr><td colspan="${t.columns.length}" class="muted">Không có số liệu.</td></tr>`) + "</tbody></table></section>");
    }
    $("tables").innerHTML = html.join("");
    const chart = kind === "queue" ? { rows: rep.by_hour, label: (r) => r.hour + "h", series: [["arrivals", "Người đến", "#0b4f8a"], ["served", "Đã phục vụ", "#4caf50"]] }
      : kind === "dossiers" ? { rows: rep.by_agency, label: (r) => r.name, series: [["early", "Trước hạn", "#0b4f8a"], ["on_time", "Đúng hạn", "#4caf50"], ["late", "Quá hạn", "#b3261e"]] }
      : { rows: rep.by_agency, label: (r) => r.name, series: [["rat_hai_long", "Rất hài lòng", "#0b4f8a"], ["hai_long", "Hài lòng", "#4caf50"], ["chua_hai_long", "Chưa hài lòng", "#b3261e"]] };
    MotcuaCharts.bars($("chart"), { labels: chart.rows.map(chart.label), series: chart.series.map(([k, name, color]) =>
      ({ name, color, values: chart.rows.map((r) => r[k] || 0) })) });
  }

  async function show(ev) {
    if (ev) ev.preventDefault();
    $("message").textContent = "";
    const kind = $("kind").value;
    try {
      render(kind, await MotcuaStream.api(query("json"), { token: session.token }));
    } catch (err) {
      if (err.status === 401) MotcuaLogin.logout();
      $("message").textContent = err.message;
    }
  }

  async function download(format) {
    $("message").textContent = "";
    const res = await fetch(query(format), { headers: { Authorization: "Bearer " + session.token } });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      $("message").textContent = (body.error && body.error.message) || "Không tải được báo cáo.";
      return;
    }
    const name = (res.headers.get("content-disposition") || "").match(/filename="([^"]+)"/);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await res.blob());
    a.download = name ? name[1] : "bao-cao." + format;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  MotcuaLogin.requireLogin(async (s) => {
    session = s;
    $("logout").addEventListener("click", MotcuaLogin.logout);
    $("on").value = new Date().toLocaleDateString("sv-SE"); // YYYY-MM-DD, local day
    $("period").addEventListener("change", () => {
      const range = $("period").value === "range";
      $("on-box").hidden = range; $("from-box").hidden = !range; $("to-box").hidden = !range;
    });
    $("filters").addEventListener("submit", show);
    document.querySelectorAll("[data-format]").forEach((b) => b.addEventListener("click", () => download(b.dataset.format)));
    try {
      const agencies = await MotcuaStream.api("/api/v1/agencies", { token: s.token });
      for (const a of agencies) $("agency").insertAdjacentHTML("beforeend", `<option value="${a.id}">${esc(a.name)}</option>`);
    } catch (err) { /* the report still works without the list */ }
    show();
  });
})();
