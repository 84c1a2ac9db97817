/* Hall board: latest call (blinking for a few seconds), recent calls, each open counter's number, waiting per service. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  function render(state, change) {
    const t = state.t;
    if (state.centre) {
      $("centre-name").textContent = state.centre.name;
      if ($("notice").textContent !== (state.centre.notice || "")) $("notice").textContent = state.centre.notice || "";
    }
    const [latest, ...older] = state.calls;
    $("latest").classList.toggle("empty", !latest);
    $("latest-number").textContent = latest ? latest.display_number : t.none;
    $("latest-counter").textContent = latest ? `→ ${t.to} ${latest.counter_number}` : "";
    $("calls").innerHTML = older.slice(0, 5).map((c) =>
      `<li data-ticket="${c.id}"><span>${esc(c.display_number)}</span><span class="arrow">→ ${esc(t.to)} ${esc(c.counter_number)}</span></li>`).join("");
    if (change.type === "ticket.called" || change.type === "ticket.recalled") Board.blink($("latest"));

    const rows = [...state.counters.values()]
      .filter((c) => c.state !== "closed" && state.showsCounter(c.number))
      .sort((a, b) => a.number - b.number)
      .map((c) => {
        const cur = c.current_ticket;
        const cell = c.state === "paused" ? `<td class="paused">${esc(t.paused)}</td>` : `<td class="serving">${cur ? esc(cur.display_number) : "—"}</td>`;
        return `<tr data-counter="${c.number}"><td>${esc(t.counter)} ${c.number}</td>${cell}</tr>`;
      });
    $("counters").innerHTML = rows.join("");

    $("waiting").innerHTML = [...state.services.values()]
      .filter((s) => state.showsService(s.id) && s.name)
      .sort((a, b) => (a.sort_order || 0) - (b.sort_order || 0))
      .map((s) => `<div data-service="${s.id}">${esc(state.lang === "en" && s.name_en ? s.name_en : s.name)}: <b>${s.waiting}</b> ${esc(t.waiting)}</div>`)
      .join("");
  }

  Board.start({ render, wantsAnnouncements: true });
})();
