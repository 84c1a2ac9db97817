/* The live dashboard: fetches /api/v1/dashboard/live and re-fetches (debounced) on every relevant
 * event of the centre's WebSocket stream — no page reloads, no polling for queue changes. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const { fmt } = MotcuaLogin;
  const LIVE_EVENTS = /^(ticket\.|counter\.updated|queue\.updated|device\.(alert|state|revoked)|appointment\.)/;
  const STATE_VI = { open: "Mở", paused: "Tạm dừng", closed: "Đóng" };
  let session, stream, liveTimer = null, satTimer = null, inflight = false, again = false;
  window.dashboardState = { fetches: 0, lastEventSeq: null };

  function esc(s) { const d = document.createElement("div"); d.textContent = s === null || s === undefined ? "" : String(s); return d.innerHTML; }

  async function refreshLive() {
    if (inflight) { again = true; return; }
    inflight = true;
    try {
      const d = await MotcuaStream.api("/api/v1/dashboard/live", { token: session.token });
      window.dashboardState.fetches += 1;
      render(d);
    } catch (err) {
      if (err.status === 401) MotcuaLogin.logout();
    } finally {
      inflight = false;
      if (again) { again = false; refreshLive(); }
    }
  }

  function render(d) {
    $("centre-name").textContent = "Bảng điều hành — " + d.centre.name;
    $("updated").textContent = "Cập nhật " + new Date(d.at).toLocaleTimeString("vi-VN");
    const t = d.today;
    $("k-waiting").textContent = d.services.reduce((a, s) => a + s.waiting, 0);
    $("k-longest").textContent = d.longest_wait ? fmt.min(d.longest_wait.seconds) : "–";
    $("k-longest-label").textContent = d.longest_wait ? "Chờ lâu nhất (" + d.longest_wait.name + ")" : "Chờ lâu nhất";
    $("k-issued").textContent = t.issued;
    $("k-served").textContent = t.served;
    $("k-noshow").textContent = t.no_show;
    $("k-wait").textContent = fmt.min(t.mean_wait_s) + " / " + fmt.min(t.p90_wait_s);
    $("k-service").textContent = fmt.min(t.mean_service_s) + " / " + fmt.min(t.p90_service_s);
    $("k-target").textContent = fmt.pct(t.within_target_pct);
    $("k-target-label").textContent = "Gọi trong " + Math.round(d.centre.target_wait_s / 60) + " phút";
    const cs = d.counter_states;
    $("k-counters").textContent = `${cs.open} / ${cs.paused} / ${cs.closed}`;
    renderBookings(d.bookings);
    $("alerts").innerHTML = d.alerts.map((a) => `<li data-kind="${esc(a.kind)}">${esc(a.message)}</li>`).join("");
    $("services").innerHTML = d.services.map((s) =>
      `<tr class="${s.over ? "flagged" : ""}" data-service="${esc(s.code)}"><td>${esc(s.name)}</td>` +
      `<td class="num waiting">${s.waiting}</td><td class="num">${s.waiting ? fmt.min(s.longest_wait_s) : "–"}</td></tr>`).join("");
    $("counters").innerHTML = d.counters.map((c) =>
      `<tr data-counter="${c.number}" class="${c.paused_too_long ? "flagged" : ""}"><td>${c.number}</td>` +
      `<td class="state-${c.state}">${STATE_VI[c.state] || c.state}</td><td>${esc(c.officer ? c.officer.full_name : "–")}</td>` +
      `<td>${esc(c.services.map((s) => s.name).join(", "))}</td>` +
      `<td class="current">${esc(c.current_ticket ? c.current_ticket.display_number : "")}</td></tr>`).join("");
    const hours = [];
    const first = Math.min(7, ...d.by_hour.map((h) => h.hour));
    const last = Math.max(17, ...d.by_hour.map((h) => h.hour));
    const byHour = Object.fromEntries(d.by_hour.map((h) => [h.hour, h]));
    for (let h = first; h <= last; h++) hours.push(byHour[h] || { hour: h, arrivals: 0, served: 0, mean_wait_s: null });
    MotcuaCharts.bars($("chart-arrivals"), { labels: hours.map((h) => h.hour + "h"), series: [
      { name: "Người đến", values: hours.map((h) => h.arrivals), color: "#0b4f8a" },
      { name: "Đã phục vụ", values: hours.map((h) => h.served), color: "#4caf50" }] });
    MotcuaCharts.bars($("chart-wait"), { labels: hours.map((h) => h.hour + "h"), unit: " phút", series: [
      { name: "Chờ trung bình", values: hours.map((h) => h.mean_wait_s === null ? 0 : Math.round(h.mean_wait_s / 6) / 10), color: "#e0a100" }] });
  }

  function hhmm(iso) { return iso.slice(11, 16); }  // the slot's centre-local time, as the server gives it

  function renderBookings(b) {
    const t = b ? b.totals : null;
    $("k-booked").textContent = t ? t.booked : "–";
    $("k-checkedin").textContent = t ? (t.checked_in_late ? `${t.checked_in} (muộn ${t.checked_in_late})` : t.checked_in) : "–";
    $("k-lapsed").textContent = t ? t.no_show : "–";
    const rows = b ? b.services.flatMap((s) => s.slots.map((x) => ({ s, x }))) : [];
    $("bookings-empty").hidden = rows.length > 0;
    $("bookings-table").hidden = rows.length === 0;
    $("bookings").innerHTML = rows.map(({ s, x }) =>
      `<tr data-service="${esc(s.code)}" data-slot="${esc(hhmm(x.start))}"><td>${esc(s.name)}</td>` +
      `<td>${esc(hhmm(x.start))}–${esc(hhmm(x.end))}</td><td class="num">${x.booked}</td>` +
      `<td class="num checked-in">${x.checked_in}</td><td class="num no-show">${x.no_show}</td>` +
      `<td class="num expected">${x.expected}</td></tr>`).join("");
  }

  function satBlock(rep) {
    const t = rep.totals;
    if (!t.total) return '<p class="muted">Chưa có lượt đánh giá.</p>';
    const rows = (list, label) => list.map((r) =>
      `<tr class="${r.flagged ? "flagged" : ""}"><td>${esc(r[label])}${r.flagged ? " ⚠" : ""}</td><td class="num">${r.total}</td>` +
      `<td class="num">${fmt.pct(r.rat_hai_long_pct)}</td><td class="num">${fmt.pct(r.hai_long_pct)}</td>` +
      `<td class="num">${fmt.pct(r.chua_hai_long_pct)}</td></tr>`).join("");
    const head = (first) => `<thead><tr><th>${first}</th><th class="num">Lượt</th><th class="num">Rất hài lòng</th>` +
      `<th class="num">Hài lòng</th><th class="num">Chưa hài lòng</th></tr></thead>`;
    return `<p><b>${t.total}</b> lượt: Rất hài lòng ${fmt.pct(t.rat_hai_long_pct)}, Hài lòng ${fmt.pct(t.hai_long_pct)}, ` +
      `Chưa hài lòng ${fmt.pct(t.chua_hai_long_pct)} — hài lòng ${fmt.pct(t.satisfied_pct)}</p>` +
      `<table>${head("Cơ quan")}<tbody>${rows(rep.by_agency, "name")}</tbody></table>` +
      `<table>${head("Cán bộ")}<tbody>${rows(rep.by_officer, "full_name")}</tbody></table>` +
      `<table>${head("Tiêu chí")}<tbody>${rows(rep.by_criterion, "label")}</tbody></table>`;
  }

  async function refreshSatisfaction() {
    try {
      const d = await MotcuaStream.api("/api/v1/dashboard/satisfaction", { token: session.token });
      $("sat-today").innerHTML = satBlock(d.today);
      $("sat-month").innerHTML = satBlock(d.month);
    } catch (err) {
      if (err.status === 501) { $("sat-unavailable").hidden = false; $("sat").hidden = true; }
    }
  }

  function soon(which, ms) {
    if (which === "live") { clearTimeout(liveTimer); liveTimer = setTimeout(refreshLive, ms); }
    else { clearTimeout(satTimer); satTimer = setTimeout(refreshSatisfaction, ms); }
  }

  MotcuaLogin.requireLogin((s) => {
    session = s;
    $("logout").addEventListener("click", MotcuaLogin.logout);
    refreshLive();
    refreshSatisfaction();
    stream = MotcuaStream.connect({
      centre: s.user.centre_id, token: s.token,
      onSnapshot() { soon("live", 50); },
      onEvent(msg) {
        window.dashboardState.lastEventSeq = msg.seq;
        if (LIVE_EVENTS.test(msg.type)) soon("live", 250);
        if (msg.type === "ticket.completed" || msg.type === "rating.requested") soon("sat", 5000);
      },
      onStatus(online) { $("offline").hidden = online; },
      onAuthError() { MotcuaLogin.logout(); },
    });
    // Waits grow and pauses age without any event: recompute those figures once a minute.
    setInterval(refreshLive, 60000);
  });
})();
