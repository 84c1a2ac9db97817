/* Counter board: the counter's number and name, the number now served, the officer, paused/closed. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const number = parseInt(location.pathname.split("/").pop(), 10);

  // "QUẦY 1" is already the headline: a name "Quầy 1 - Hộ tịch" adds only "Hộ tịch" under it.
  function ownName(name, n) {
    const prefix = new RegExp(`^\\s*(quầy|counter)\\s*(số\\s*)?0*${n}(?!\\d)\\s*[-–—:.,]?\\s*`, "i");
    return (name || "").replace(prefix, "").trim();
  }

  function render(state, change) {
    const t = state.t;
    if (state.centre) {
      $("centre-name").textContent = state.centre.name;
      const notice = Board.noticeText(state.centre);
      if ($("notice").textContent !== notice) $("notice").textContent = notice;
    }
    const counter = [...state.counters.values()].find((c) => c.number === number);
    $("counter-number").textContent = `${t.counter.toUpperCase()} ${number}`;
    if (!counter) return;
    $("counter-name").textContent = ownName(counter.name, number);
    const stopped = counter.state !== "open";
    $("state").hidden = !stopped;
    $("state").textContent = counter.state === "paused" ? t.paused : counter.state === "closed" ? t.closed : "";
    $("serving").hidden = stopped;
    $("serving-label").hidden = stopped;
    const cur = counter.current_ticket;
    $("serving").textContent = cur ? cur.display_number : "—";
    const o = counter.officer;
    $("officer").textContent = o ? (o.title ? `${o.title} ${o.full_name}` : o.full_name) : "";
    const mine = change.data && (change.data.counter_number === number);
    if ((change.type === "ticket.called" || change.type === "ticket.recalled") && mine) Board.blink($("serving"));
  }

  // The server refuses (403) a display registered for another counter; the board then says so.
  Board.start({ render, wantsAnnouncements: false, check: `/api/v1/displays/counters/${number}` });
})();
