/* Hall board: latest call (blinking for a few seconds), recent calls, each open counter's number, waiting per service. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  function render(state, change) {
    const t = state.t;
    if (state.centre) {
      $("centre-name").textContent = state.centre.name;
      const notice = Board.noticeText(state.centre);
      if ($("notice").textContent !== notice) $("notice").textContent = notice;
    }
    const [latest, ...older] = state.calls;
    $("latest").classList.toggle("empty", !latest);
    $("latest-number").textContent = latest ? latest.display_number : t.none;
    $("latest-counter").textContent = latest ? `→ ${t.to} ${latest.counter_number}` : "";
    $("calls").innerHTML = older.slice(0, 5).map((c) =>
      `<li data-ticket="${c.id}"><span>${esc(c.display_number)}</span><span class="arrow">→ ${esc(t.to)} ${esc(c.counter_number)}</span></li>`).join("");
    if (change.type === "ticket.called" || change.type === "ticket.recalled") Board.blink($("latest"));

    const open = [...state.counters.values()]
      .filter((c) => c.state !== "closed" && state.showsCounter(c.number))
      .sort((a, b) => a.number - b.number);
    $("counters").innerHTML = open.map((c) => {
      const cur = c.current_ticket;
      const cell = c.state === "paused" ? `<span class="paused">${esc(t.paused)}</span>` : `<span class="serving">${cur ? esc(cur.display_number) : "—"}</span>`;
      return `<div data-counter="${c.number}"><span>${esc(t.counter)} ${c.number}</span>${cell}</div>`;
    }).join("");

    const services = [...state.services.values()]
      .filter((s) => state.showsService(s.id) && s.name)
      .sort((a, b) => (a.sort_order || 0) - (b.sort_order || 0));
    $("waiting").innerHTML = services
      .map((s) => `<div data-service="${s.id}"><span class="name">${esc(state.lang === "en" && s.name_en ? s.name_en : s.name)}</span>` +
                  `<span class="count"><b>${s.waiting}</b> ${esc(t.waiting)}</span></div>`)
      .join("");
    fit(open.length, services.length);
  }

  // Every open counter and every service's count must show, whatever their number (a centre has
  // 4 to 12 of each): counters go in two columns past six, then the side shrinks all its type
  // together until nothing overflows. Re-fitted only when the counts change or the screen turns.
  let fitted = "";
  function fit(counters, services) {
    const side = $("side");
    const key = `${counters}/${services}/${innerWidth}x${innerHeight}`;
    if (key === fitted) return; // no forced layout on every call: only when the rows or the screen change
    fitted = key;
    side.style.setProperty("--counter-cols", counters > 6 ? 2 : 1);
    let scale = 1;
    side.style.setProperty("--fit", scale);
    while (scale > 0.4 && (side.scrollHeight > side.clientHeight || side.scrollWidth > side.clientWidth)) {
      scale = Math.round((scale - 0.05) * 100) / 100;
      side.style.setProperty("--fit", scale);
    }
  }
  const refit = (type) => { fitted = ""; if (window.__board) render(window.__board.state, { type }); };
  addEventListener("resize", () => refit("resize"));
  if (document.fonts) document.fonts.ready.then(() => refit("fonts")); // DejaVu's widths, not the fallback's

  Board.start({ render, wantsAnnouncements: true });
})();
