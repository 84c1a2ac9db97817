/* Clerk console: log in, take a counter, serve the queue from the keyboard.
 * State comes from the event stream (counter, waiting list refreshes) and from each action's answer. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  const COUNTER = "motcua.console.counter"; // the counter this tab works at (the sign-in is the browser's: MotcuaStaff)
  const STATE_VI = { waiting: "đang chờ", called: "đã gọi", serving: "đang phục vụ", done: "đã hoàn thành", no_show: "vắng mặt",
                     cancelled: "đã hủy", transferred: "đã chuyển" };
  const COUNTER_STATE_VI = { open: "Đang mở", paused: "Tạm dừng", closed: "Đóng" };

  const signedIn = MotcuaStaff.get();
  const app = {
    token: signedIn && signedIn.token,
    user: signedIn && signedIn.user,
    counterId: parseInt(sessionStorage.getItem(COUNTER) || "", 10) || null,
    counter: null, services: new Map(), counters: new Map(), ticket: null, dossier: null, stream: null, busy: false,
    agencies: null, priorityClasses: {},
  };
  window.__console = app;

  const api = (path, opts = {}) => MotcuaStream.api(path, Object.assign({ token: app.token }, opts));

  function show(screen) {
    ["login-screen", "choose-screen", "desk-screen"].forEach((id) => ($(id).hidden = id !== screen));
  }

  function say(text, kind = "info") {
    const m = $("message");
    m.textContent = text || "";
    m.className = "message " + kind;
  }

  function fail(err) {
    if (err && err.status === 401) { logout(); return; }
    say((err && err.message) || "Có lỗi xảy ra.", "error");
  }

  // -- login and counter choice --------------------------------------------------------------
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("login-message").textContent = "";
    try {
      const res = await MotcuaStream.api("/api/v1/auth/token", { method: "POST", form: { username: $("username").value.trim(), password: $("password").value } });
      const s = MotcuaStaff.save(res);
      app.token = s.token;
      app.user = s.user;
      $("password").value = "";
      await chooseCounter();
    } catch (err) {
      $("login-message").textContent = err.message;
    }
  });

  function logout() {
    MotcuaStaff.clear(); sessionStorage.removeItem(COUNTER);
    signedOut();
  }
  /* Signed out here or in another tab (the dashboard's Đăng xuất signs the console out too). */
  function signedOut() {
    app.token = null; app.user = null; app.counterId = null; app.agencies = null;
    if (app.stream) { app.stream.close(); app.stream = null; }
    show("login-screen");
    $("username").focus();
  }
  $("logout").addEventListener("click", logout);
  MotcuaStaff.onChange((s) => {
    if (!s) { if (app.token) signedOut(); return; }
    if (!app.token || s.user.id !== app.user.id) {
      if (app.stream) { app.stream.close(); app.stream = null; }
      app.token = s.token; app.user = s.user; app.counterId = null; app.agencies = null;
      chooseCounter();
    }
    else app.token = s.token;
  });
  $("logout-2").addEventListener("click", logout);

  async function chooseCounter() {
    show("choose-screen");
    $("choose-message").textContent = "";
    // The form is answered from the start: a number typed before the list arrives waits for it
    // (without this the browser submitted the form itself, reloading the page and losing it).
    const loading = api("/api/v1/counters");
    $("choose-form").onsubmit = async (ev) => {
      ev.preventDefault();
      const typed = $("counter-input").value;
      let list;
      try { list = await loading; } catch { return; } // the message is shown below
      const c = list.find((x) => x.number === parseInt(typed, 10));
      if (!c) { $("choose-message").textContent = `Không có quầy số ${typed}.`; return; }
      openDesk(c.id, true);
    };
    let counters;
    try { counters = await loading; } catch (err) { if (err.status === 401) return logout(); $("choose-message").textContent = err.message; return; }
    const mine = counters.find((c) => c.officer && c.officer.id === app.user.id && c.state !== "closed");
    if (mine) return openDesk(mine.id, false);
    $("counter-list").innerHTML = counters.map((c) => {
      const taken = c.officer && c.state !== "closed";
      return `<button type="button" data-counter="${c.id}" class="${taken ? "taken" : ""}" title="${esc(c.name)}">Quầy ${c.number}<br><small>${esc(taken ? c.officer.full_name : COUNTER_STATE_VI[c.state])}</small></button>`;
    }).join("");
    $("counter-list").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => openDesk(parseInt(b.dataset.counter, 10), true)));
    $("counter-input").focus();
  }

  async function openDesk(counterId, takeIt) {
    try {
      const counter = takeIt ? await api(`/api/v1/counters/${counterId}/open`, { method: "POST" }) : await api(`/api/v1/counters/${counterId}`);
      if (!takeIt && (counter.state === "closed" || !counter.officer || counter.officer.id !== app.user.id)) {
        sessionStorage.removeItem(COUNTER);
        return chooseCounter(); // closed meanwhile, or taken by someone else
      }
      app.counterId = counter.id;
      app.counter = counter;
      sessionStorage.setItem(COUNTER, String(counter.id));
    } catch (err) {
      $("choose-message").textContent = err.message;
      return;
    }
    show("desk-screen");
    document.activeElement && document.activeElement.blur();
    renderCounter();
    startStream();
    api("/api/v1/console/priority-classes").then((classes) => { app.priorityClasses = classes; refreshWaiting(); }, () => {});
  }

  // -- live state --------------------------------------------------------------------------------
  function myServices() { return new Set(((app.counter && app.counter.services) || []).map((s) => s.service_id)); }

  function startStream() {
    if (app.stream) app.stream.close();
    app.stream = MotcuaStream.connect({
      centre: app.user.centre_id,
      token: app.token,
      onStatus(online) { $("offline").hidden = online; },
      onAuthError() { logout(); },
      onSnapshot(data) {
        app.services = new Map(data.services.map((s) => [s.id, s]));
        app.counters = new Map(data.counters.map((c) => [c.id, c]));
        const mine = app.counters.get(app.counterId);
        if (mine) { app.counter = mine; if (mine.current_ticket) setTicket(mine.current_ticket); }
        renderCounter(); refreshWaiting(); refreshMissed(); refreshStats();
      },
      onEvent(msg) {
        const d = msg.data;
        if (msg.type === "counter.updated") {
          app.counters.set(d.id, d);
          if (d.id === app.counterId) {
            app.counter = d;
            if (d.current_ticket) setTicket(d.current_ticket);
            renderCounter();
          }
        } else if (msg.type.startsWith("ticket.")) {
          if (app.ticket && d.id === app.ticket.id) { app.ticket = Object.assign({}, app.ticket, d); renderTicket(); }
          if (msg.type === "ticket.completed" && d.counter_id === app.counterId) refreshStats();
          if (myServices().has(d.service_id) || (app.counter && d.to_counter_number === app.counter.number)) refreshWaiting();
          // marked absent here or at a counter sharing a service, or called back from the list
          if (myServices().has(d.service_id) && (msg.type === "ticket.skipped" || msg.type === "ticket.called")) refreshMissed();
        } else if (msg.type === "queue.updated") {
          d.services.forEach((s) => app.services.set(s.id, Object.assign({}, app.services.get(s.id) || {}, s)));
          if (d.services.some((s) => myServices().has(s.id))) refreshWaiting();
        }
      },
    });
  }

  let waitingTimer = null;
  function refreshWaiting() {
    // Several events arrive per action; one fetch of the list after them is enough.
    clearTimeout(waitingTimer);
    waitingTimer = setTimeout(async () => {
      if (!app.counterId) return;
      try {
        const rows = await api(`/api/v1/counters/${app.counterId}/queue`);
        $("waiting-count").textContent = `(${rows.length})`;
        $("waiting").innerHTML = rows.map((t) => `<tr data-ticket="${t.id}"><td><b>${esc(t.display_number)}</b></td><td>${esc(t.service_name)}</td>` +
          `<td>${esc(t.priority ? app.priorityClasses[t.priority] || t.priority : "")}</td><td>${new Date(t.issued_at).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" })}</td></tr>`).join("");
      } catch (err) { /* the next event retries; the stream shows when we are offline */ }
    }, 120);
  }

  // -- "Vắng mặt": tickets marked absent that this counter may still call back ------------------------
  const hhmm = (iso) => new Date(iso).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  let missedTimer = null;
  app.missed = [];
  function refreshMissed() {
    clearTimeout(missedTimer);
    missedTimer = setTimeout(async () => {
      if (!app.counterId) return;
      try { app.missed = await api(`/api/v1/counters/${app.counterId}/missed`); renderMissed(); }
      catch (err) { /* the next event retries */ }
    }, 150);
  }
  function renderMissed() {
    // A number whose time is up leaves the list by itself (redrawn each half minute, no server poll).
    const open = app.missed.filter((m) => Date.parse(m.recall_until) > Date.now());
    $("missed-count").textContent = `(${open.length})`;
    $("missed-empty").hidden = open.length > 0;
    $("missed").innerHTML = open.map((m) => `<tr data-missed="${m.id}"><td><b>${esc(m.display_number)}</b></td><td>${esc(m.service_name)}</td>` +
      `<td>${hhmm(m.missed_at)}${m.counter_number && app.counter && m.counter_number !== app.counter.number ? ` (quầy ${m.counter_number})` : ""}</td>` +
      `<td>${hhmm(m.recall_until)}</td><td><button type="button" data-recall-missed="${m.id}">Gọi lại</button></td></tr>`).join("");
    $("missed").querySelectorAll("[data-recall-missed]").forEach((b) => b.addEventListener("click", () => {
      b.blur();
      const reason = blocked("call-number");
      if (reason) { say(reason, "error"); return; }
      callMissed(parseInt(b.dataset.recallMissed, 10));
    }));
  }
  setInterval(() => { if (app.counterId) renderMissed(); }, 30000);
  function callMissed(ticketId) {
    return act(async () => {
      const t = await api(`/api/v1/counters/${app.counterId}/call-missed`, { method: "POST", body: { ticket_id: ticketId } });
      setTicket(t); say(`Đã gọi lại số ${t.display_number} (vắng mặt trước đó).`); refreshMissed();
    });
  }

  async function refreshStats() {
    if (!app.counterId) return;
    try {
      const s = await api(`/api/v1/console/stats?counter_id=${app.counterId}`);
      $("stat-served").textContent = s.served;
      $("stat-average").textContent = s.average_service_s == null ? "—" : `${Math.floor(s.average_service_s / 60)} phút ${s.average_service_s % 60} giây`;
    } catch (err) { /* figures are secondary */ }
  }

  function setTicket(t) {
    const changed = !app.ticket || app.ticket.id !== t.id;
    app.ticket = Object.assign({}, changed ? {} : app.ticket, t);
    if (changed) { app.dossier = null; renderDossier(); }
    renderTicket();
  }

  function renderCounter() {
    const c = app.counter;
    if (!c) return;
    $("desk-title").textContent = c.name.startsWith(`Quầy ${c.number}`) ? c.name : `Quầy ${c.number} — ${c.name}`;
    $("counter-state").textContent = COUNTER_STATE_VI[c.state] || c.state;
    $("counter-state").className = "badge " + (c.state === "open" ? "ok" : c.state === "paused" ? "warn" : "bad");
    $("officer-name").textContent = c.officer ? c.officer.full_name : "";
    $("pause-label").textContent = c.state === "paused" ? "Mở lại quầy" : "Tạm dừng";
    renderButtons();
  }

  function renderTicket() {
    const t = app.ticket;
    $("current-number").textContent = t ? t.display_number : "—";
    $("current-label").textContent = !t || t.state === "called" || t.state === "serving" ? "Số đang phục vụ" : "Số vừa phục vụ";
    renderButtons();
    if (!t) { $("current-info").textContent = ""; return; }
    const service = app.services.get(t.service_id);
    const parts = [service ? service.name : "", STATE_VI[t.state] || t.state];
    if (t.recall_count) parts.push(`đã gọi lại ${t.recall_count} lần`);
    if (t.procedure_code) parts.push(`thủ tục ${t.procedure_code}`);
    $("current-info").textContent = parts.filter(Boolean).join(" · ");
  }

  // -- actions -----------------------------------------------------------------------------------
  // Which ticket states each action applies to (as the server checks), and its verb for the reason.
  const TICKET_ACTIONS = {
    recall: [["called"], "gọi lại"], skip: [["called"], "bỏ qua"], start: [["called"], "bắt đầu phục vụ"],
    complete: [["called", "serving"], "hoàn thành"], transfer: [["called", "serving"], "chuyển"],
    dossier: [["called", "serving", "done"], "tạo hồ sơ"],
  };
  const COUNTER_ACTIONS = { next: ["open"], "call-number": ["open"], pause: ["open", "paused"], close: ["open", "paused", "closed"] };

  /** Why `action` cannot apply now, or "" when it can. */
  function blocked(action) {
    const c = app.counter;
    if (COUNTER_ACTIONS[action]) {
      if (!c || COUNTER_ACTIONS[action].includes(c.state)) return "";
      return c.state === "paused" ? "Quầy đang tạm dừng; bấm F8 để mở lại." : "Quầy đang đóng.";
    }
    const [states, verb] = TICKET_ACTIONS[action];
    const t = app.ticket;
    if (!t) return "Chưa có số nào được gọi tới quầy này.";
    if (!states.includes(t.state)) return `Không thể ${verb}: số ${t.display_number} đang ở trạng thái «${STATE_VI[t.state] || t.state}».`;
    return "";
  }

  function renderButtons() {
    document.querySelectorAll(".actions [data-action]").forEach((b) => {
      const reason = blocked(b.dataset.action);
      b.disabled = !!reason;
      b.title = reason;
    });
  }

  function needTicket() {
    if (!app.ticket) { say("Chưa có số nào được gọi tới quầy này.", "error"); return false; }
    return true;
  }

  async function act(fn) {
    if (app.busy) return;
    app.busy = true;
    try { await fn(); } catch (err) { fail(err); } finally { app.busy = false; }
  }

  const actions = {
    next: () => act(async () => {
      const t = await api(`/api/v1/counters/${app.counterId}/call-next`, { method: "POST" });
      if (!t) { say("Không còn công dân nào đang chờ.", "info"); return; }
      setTicket(t);
      say(`Đã gọi số ${t.display_number}.`);
    }),
    recall: () => needTicket() && act(async () => {
      const t = await api(`/api/v1/tickets/${app.ticket.id}/recall`, { method: "POST" });
      setTicket(t); say(`Đã gọi lại số ${t.display_number}.`);
    }),
    start: () => needTicket() && act(async () => {
      const t = await api(`/api/v1/tickets/${app.ticket.id}/start`, { method: "POST" });
      setTicket(t); say(`Bắt đầu phục vụ số ${t.display_number}.`);
    }),
    complete: () => needTicket() && act(async () => {
      const t = await api(`/api/v1/tickets/${app.ticket.id}/complete`, { method: "POST" });
      setTicket(t); say(`Đã hoàn thành số ${t.display_number}.`); refreshStats();
    }),
    skip: () => needTicket() && openDialog("skip-dialog", async () => {
      const body = { requeue: $("skip-requeue").checked };
      if (body.requeue) body.places_back = parseInt($("skip-places").value, 10) || 3;
      await act(async () => {
        const t = await api(`/api/v1/tickets/${app.ticket.id}/skip`, { method: "POST", body });
        setTicket(t);
        say(body.requeue ? `Đã xếp số ${t.display_number} lại hàng chờ.` : `Số ${t.display_number} vắng mặt; gọi lại được từ danh sách «Vắng mặt».`);
        if (!body.requeue) refreshMissed();
      });
    }, () => { $("skip-requeue").checked = true; $("skip-places").disabled = false; $("skip-requeue").focus(); }),
    transfer: () => needTicket() && openDialog("transfer-dialog", async () => {
      const [kind, id] = $("transfer-target").value.split(":");
      const body = kind === "service" ? { service_id: parseInt(id, 10) } : { counter_id: parseInt(id, 10) };
      if ($("transfer-note").value.trim()) body.note = $("transfer-note").value.trim();
      await act(async () => {
        const t = await api(`/api/v1/tickets/${app.ticket.id}/transfer`, { method: "POST", body });
        setTicket(t); say(`Đã chuyển số ${t.display_number}.`);
      });
    }, fillTransferTargets),
    "call-number": () => openDialog("number-dialog", async () => {
      const number = $("number-input").value.trim();
      if (!number) return;
      await act(async () => {
        const t = await api(`/api/v1/counters/${app.counterId}/call`, { method: "POST", body: { display_number: number } });
        setTicket(t); say(`Đã gọi số ${t.display_number}.`);
      });
    }, () => { $("number-input").value = ""; $("number-input").focus(); }),
    pause: () => act(async () => {
      const paused = app.counter && app.counter.state === "paused";
      app.counter = await api(`/api/v1/counters/${app.counterId}/${paused ? "open" : "pause"}`, { method: "POST" });
      renderCounter(); say(paused ? "Quầy đã mở lại." : "Quầy đang tạm dừng.");
    }),
    close: () => act(async () => {
      await api(`/api/v1/counters/${app.counterId}/close`, { method: "POST" });
      sessionStorage.removeItem(COUNTER);
      if (app.stream) { app.stream.close(); app.stream = null; }
      app.counterId = null; app.ticket = null; renderTicket();
      await chooseCounter();
      $("choose-message").textContent = "Đã đóng quầy.";
    }),
    dossier: () => needTicket() && openDialog("dossier-dialog", createDossier, prefillDossier),
  };

  function fillTransferTargets() {
    const opts = [];
    // Another service (the ticket's own is where it already is), then another counter.
    [...app.services.values()].filter((s) => !app.ticket || s.id !== app.ticket.service_id)
      .forEach((s) => opts.push(`<option value="service:${s.id}">Dịch vụ: ${esc(s.name)}</option>`));
    [...app.counters.values()].filter((c) => c.id !== app.counterId)
      .forEach((c) => opts.push(`<option value="counter:${c.id}">Quầy ${c.number}${c.state === "closed" ? " (đóng)" : ""}</option>`));
    $("transfer-target").innerHTML = opts.join("");
    $("transfer-target").selectedIndex = 0;
    $("transfer-note").value = "";
    $("transfer-target").focus();
  }
  // Re-queue is the default (a visitor who stepped away keeps a place); unticked, the places do not apply.
  $("skip-requeue").addEventListener("change", () => { $("skip-places").disabled = !$("skip-requeue").checked; });
  // "Chuyển (Enter)": Enter on the drop-down submits, as it does in the note, instead of opening the list.
  $("transfer-target").addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" || ev.isComposing) return;
    ev.preventDefault();
    $("transfer-form").requestSubmit($("transfer-form").querySelector('button[value="ok"]'));
  });

  // A dialog is open while it says so: its close event comes a task later, and a quick Esc then F6
  // must open the next dialog rather than be swallowed.
  const dialogOpen = () => document.querySelector("dialog[open]") !== null;
  function openDialog(id, onOk, onOpen) {
    const dlg = $(id);
    dlg.returnValue = "";
    dlg.showModal();
    if (onOpen) onOpen();
    dlg.onclose = async () => {
      if (dlg.returnValue === "ok") await onOk();
    };
  }

  // -- dossier -----------------------------------------------------------------------------------
  async function prefillDossier() {
    const t = app.ticket;
    const service = app.services.get(t.service_id);
    $("d-procedure").value = t.procedure_code || "";
    $("d-notify").checked = false; // consent is asked afresh for each dossier
    $("d-notify").disabled = !$("d-phone").value.trim();
    $("dossier-message").textContent = "";
    $("procedure-results").innerHTML = "";
    $("procedure-search").value = "";
    $("procedure-search").focus();
    try {
      if (!app.agencies) app.agencies = await api(`/api/v1/agencies?centre_id=${app.user.centre_id}`);
    } catch (err) { $("dossier-message").textContent = err.message; return; }
    // Each agency under its own name; the ticket's service's agency is chosen for the clerk.
    $("d-agency").innerHTML = app.agencies.map((a) => `<option value="${a.id}">${esc(a.name)}</option>`).join("");
    if (service && service.agency_id) $("d-agency").value = String(service.agency_id);
  }
  let searchTimer = null;
  $("procedure-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const q = $("procedure-search").value.trim();
      if (q.length < 2) { $("procedure-results").innerHTML = ""; return; }
      try {
        const res = await api(`/api/v1/procedures?q=${encodeURIComponent(q)}`);
        const items = Array.isArray(res) ? res : (res.items || []);
        $("procedure-results").innerHTML = items.slice(0, 20).map((p) => `<option value="${esc(p.code)}">${esc(p.code)} — ${esc(p.name)}</option>`).join("");
      } catch (err) { $("dossier-message").textContent = err.message; }
    }, 200);
  });
  $("procedure-results").addEventListener("change", () => { $("d-procedure").value = $("procedure-results").value; });
  // Consent is to messages at this number: none without one, and it goes if the number is cleared.
  $("d-phone").addEventListener("input", () => {
    const none = !$("d-phone").value.trim();
    $("d-notify").disabled = none;
    if (none) $("d-notify").checked = false;
  });

  async function createDossier() {
    const documents = $("d-documents").value.split("\n").map((s) => s.trim()).filter(Boolean).map((name) => ({ name, copies: 1 }));
    const body = {
      agency_id: parseInt($("d-agency").value, 10), ticket_id: app.ticket.id, procedure_code: $("d-procedure").value.trim() || null,
      applicant: { full_name: $("d-name").value.trim(), id_number: $("d-id").value.trim() || null, phone: $("d-phone").value.trim() || null,
                   address: $("d-address").value.trim() || null },
      content: $("d-content").value.trim() || null, documents,
      notify: !$("d-notify-consent").hidden && $("d-notify").checked && !!$("d-phone").value.trim(),
    };
    await act(async () => {
      const dossier = await api("/api/v1/dossiers", { method: "POST", body });
      app.dossier = dossier;
      renderDossier();
      say(`Đã tạo hồ sơ ${dossier.code}.`);
    });
  }

  function renderDossier() {
    $("dossier-info").textContent = app.dossier ? `Mã hồ sơ: ${app.dossier.code}` : "Chưa tạo hồ sơ.";
    $("print-receipt").disabled = !app.dossier;
  }

  $("print-receipt").addEventListener("click", () => act(async () => {
    await api(`/api/v1/dossiers/${encodeURIComponent(app.dossier.code)}/print-receipt`, { method: "POST", body: {} });
    say(`Đã gửi lệnh in giấy tiếp nhận hồ sơ ${app.dossier.code}.`);
  }));

  // -- keyboard ------------------------------------------------------------------------------------
  const KEYS = { F1: "next", F2: "recall", F3: "skip", F4: "start", F5: "complete", F6: "transfer", F7: "call-number", F8: "pause", F9: "close", F10: "dossier" };
  document.addEventListener("keydown", (ev) => {
    if ($("desk-screen").hidden) return;
    const action = KEYS[ev.key] || (ev.key === " " && !dialogOpen() && !/^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(ev.target.tagName) ? "next" : null);
    if (KEYS[ev.key]) ev.preventDefault(); // F5 must never reload the console
    if (!action || dialogOpen()) return;
    ev.preventDefault();
    const reason = blocked(action);
    if (reason) { say(reason, "error"); return; }
    actions[action]();
  });
  document.querySelectorAll("[data-action]").forEach((b) => b.addEventListener("click", (ev) => { b.blur(); actions[b.dataset.action](); }));

  // -- start ---------------------------------------------------------------------------------------
  if (!app.token || !app.user) { show("login-screen"); $("username").focus(); }
  else if (app.counterId) openDesk(app.counterId, false);
  else chooseCounter();
})();
