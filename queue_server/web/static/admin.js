/* /admin: the centre's set-up, edited by administrators and seen read-only by managers.
 *
 * Every page is a table and a form over the API (/api/v1). A form sends what is typed; when the
 * server refuses it, its own Vietnamese message shows beside the field it names (422 `fields`) or
 * above the buttons (409 …), and nothing typed is lost. Saved changes reach kiosks and boards by
 * the event stream (config.updated → a fresh snapshot), not by a restart. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"];
  const WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
  const STATES = { open: "Mở", paused: "Tạm dừng", closed: "Đóng" };
  const ROLES = { admin: "Quản trị viên", manager: "Lãnh đạo", clerk: "Cán bộ một cửa" };
  const KINDS = { kiosk: "Ki-ốt lấy số", display: "Màn hình", tablet: "Máy tính bảng đánh giá", console: "Bàn phím quầy" };
  const EN = {
    title: "Administration", centre: "Centre", logout: "Sign out",
    "nav-services": "Services", "nav-counters": "Counters", "nav-centres": "Centres and agencies",
    "nav-users": "Officers and accounts", "nav-devices": "Devices", "nav-catalogue": "Procedure catalogue",
    "nav-criteria": "Rating criteria", "nav-audit": "Audit log", "nav-notifications": "Messages", "nav-lexicon": "Search dictionary",
    "lex-title": "Search dictionary", "lex-new": "Add an entry", "lex-phrase": "Phrase visitors say", "lex-target": "Procedure / meaning",
    "lex-target-input": "Procedure code (e.g. 1.001193) or what the phrase means", "lex-source": "Source (who asked for it, why)",
    "lex-empty": "The centre has no entries yet.",
    "lex-help": "How visitors name procedures at this centre: a kiosk search reads the phrase as the procedure (or meaning) given. Each entry states its source.",
    "ntf-title": "Messages to visitors", "ntf-empty": "No messages.", "tpl-title": "Message texts", "tpl-edit": "Edit text",
    "tpl-help": "Each kind of message has a default text; the centre may change it. The {placeholders} are filled in when sending.",
    "tpl-default": "Back to the default",
    readonly: "You are viewing as a manager: read only.",
    add: "Add", save: "Save", cancel: "Cancel", edit: "Edit", saved: "Saved.",
    "svc-title": "Services (queues)", "svc-new": "New service", "svc-edit": "Edit service",
    code: "Code", name: "Name", name_en: "English name", agency: "Agency", prefix: "Prefix", number_start: "First number",
    number_end: "Last number", daily_cap: "Daily cap", allow_priority: "Priority allowed", accepting: "Accepting tickets",
    default_service_s: "Default service time (s)", max_wait_alert_s: "Wait alert after (s)", sort_order: "Order",
    notice: "Public notice", hours: "Issuing hours per weekday", "hours-add": "Add a window", "hours-weekdays": "Mon–Fri 7:30–11:30, 13:30–17:00",
    "hours-empty": "No hours: tickets are issued at any time (within the working calendar).",
    weekday: "Weekday", start: "From", end: "To", effective_from: "In force from", remove: "Remove",
    "ctr-title": "Counters", "ctr-new": "New counter", "ctr-edit": "Edit counter", number: "Number", state: "State",
    officer: "Officer on duty", services: "Services served (in order) and weight", "svc-add": "Add a service", weight: "Weight",
    open: "Open", pause: "Pause", close: "Close",
    "centre-title": "Centre", "agency-title": "Agencies (one-stop desks)", "agency-new": "New agency", identifier: "Agency identifier",
    call_template: "The call spoken and shown ({number}: ticket, {counter}: counter); empty: the default",
    ticket_note: "Line printed at the foot of each ticket",
    short_name: "Short name", address: "Address", phone: "Telephone", email: "E-mail", target_wait_s: "Target wait (s)",
    "user-title": "Officers and accounts", "user-new": "New account", "user-edit": "Edit account", username: "Username",
    full_name: "Full name", job_title: "Job title", role: "Role", agencies: "Agencies (managers)", password: "Initial password",
    active: "Active", reset: "Reset password", deactivate: "Deactivate",
    "dev-title": "Devices", "dev-new": "Register a device", kind: "Kind", counter: "Counter", settings: "Board settings (JSON)",
    revoke: "Revoke", revoked: "revoked", "last-seen": "Last seen",
    "cat-title": "Procedure catalogue", "cat-import": "Import a file (JSON, CSV or XLSX)", "cat-do": "Import",
    "crit-title": "Rating criteria", "crit-current": "Current criteria", "crit-publish": "Publish a new list",
    "nav-calendar": "Working calendar",
    "cal-title": "Working calendar", "cal-days": "Days off and make-up working days", "cal-own": "Days set by the centre",
    "cal-day-new": "Add a day", "cal-rules": "Working and receiving hours", "cal-rule-new": "New rule (from a date)",
    "cal-rule-edit": "Edit rule", "cal-changes": "Changes", "cal-year": "Year", day: "Day", kind: "Kind", source: "Document",
    replaces: "Makes up for (day off)", reason: "Reason", working: "Working hours", receiving: "Receiving hours",
    saturday: "Saturday sessions", cutoff: "Cut-off", counts_from: "After the cut-off, counts from", notice_from: "Announced from",
    "cal-notice": "Announcement of the change", delete: "Delete",
    "audit-title": "Audit log", "audit-csv": "Export CSV", filter: "Filter", when: "When", who: "Who", what: "What", action: "Action", change: "Before → after",
  };
  const t = MotcuaI18n.page({ en: EN }, { onChange: () => show(currentPage()) });
  const en = () => MotcuaI18n.lang() === "en";
  const L = (key, vi) => t(key, vi);

  const ctx = { session: null, admin: false, centreId: null, centres: [], agencies: [], services: [], counters: [], users: null };
  window.__admin = ctx;

  async function api(path, opts = {}) {
    try {
      return await MotcuaStream.api("/api/v1" + path, Object.assign({ token: ctx.session.token }, opts));
    } catch (err) {
      if (err.status === 401) MotcuaLogin.logout();
      throw err;
    }
  }

  // -- forms ------------------------------------------------------------------------------------
  // A field: {name, label, key (i18n), type: text|number|check|select|textarea|hours|counterServices|checks|json,
  //           options: [[value, label]], wide, createOnly, required, nullable}

  function fieldHtml(f, value, editing, prefix) {
    const id = prefix + "-" + f.name;
    const label = `<label for="${id}">${esc(L(f.key || f.name, f.label))}</label>`;
    const err = `<div class="field-error" data-error-for="${f.name}" role="alert"></div>`;
    const disabled = editing && f.createOnly ? " disabled" : "";
    const wide = f.wide ? " wide" : "";
    const v = value === null || value === undefined ? "" : value;
    switch (f.type) {
      case "check":
        return `<div class="field${wide}" data-field="${f.name}"><label class="check"><input type="checkbox" id="${id}" name="${f.name}"${value ? " checked" : ""}> ${esc(L(f.key || f.name, f.label))}</label>${err}</div>`;
      case "select":
        return `<div class="field${wide}" data-field="${f.name}">${label}<select id="${id}" name="${f.name}"${disabled}>` +
          (f.nullable ? `<option value="">—</option>` : "") +
          f.options().map(([val, text]) => `<option value="${esc(val)}"${String(val) === String(v) ? " selected" : ""}>${esc(text)}</option>`).join("") +
          `</select>${err}</div>`;
      case "checks":
        return `<div class="field wide" data-field="${f.name}">${label}<div class="checks">` +
          f.options().map(([val, text]) => `<label class="check small"><input type="checkbox" name="${f.name}" value="${esc(val)}"${(value || []).includes(val) ? " checked" : ""}> ${esc(text)}</label>`).join("") +
          `</div>${err}</div>`;
      case "textarea":
      case "json":
        return `<div class="field wide" data-field="${f.name}">${label}<textarea id="${id}" name="${f.name}" rows="${f.rows || 3}">${esc(f.type === "json" ? JSON.stringify(value || {}, null, 2) : v)}</textarea>${err}</div>`;
      case "hours":
        return `<div class="field wide" data-field="hours"><fieldset><legend>${esc(L("hours", f.label))}</legend>` +
          `<div class="hours-rows"></div><p class="muted small hours-empty">${esc(L("hours-empty", "Không đặt giờ: phát số cả ngày (theo lịch làm việc của trung tâm)."))}</p>` +
          `<div class="buttons"><button type="button" class="hours-add">${esc(L("hours-add", "Thêm khung giờ"))}</button>` +
          `<button type="button" class="hours-weekdays">${esc(L("hours-weekdays", "Thứ Hai–Thứ Sáu 7:30–11:30, 13:30–17:00"))}</button></div>${err}</fieldset></div>`;
      case "counterServices":
        return `<div class="field wide" data-field="service_ids"><fieldset><legend>${esc(L("services", f.label))}</legend>` +
          `<div class="svc-rows"></div><div class="buttons"><button type="button" class="svc-add">${esc(L("svc-add", "Thêm dịch vụ"))}</button></div>` +
          `<div class="field-error" data-error-for="service_ids" role="alert"></div><div class="field-error" data-error-for="weights" role="alert"></div></fieldset></div>`;
      default:
        return `<div class="field${wide}" data-field="${f.name}">${label}<input id="${id}" name="${f.name}" type="${["number", "password", "date", "time"].includes(f.type) ? f.type : "text"}"` +
          ` value="${esc(v)}"${disabled}${f.placeholder ? ` placeholder="${esc(f.placeholder)}"` : ""}>${err}</div>`;
    }
  }

  function weekdayOptions(selected) {
    return (en() ? WEEKDAYS_EN : WEEKDAYS).map((d, i) => `<option value="${i}"${i === selected ? " selected" : ""}>${d}</option>`).join("");
  }

  function addHoursRow(box, h) {
    const rows = box.querySelector(".hours-rows");
    const i = rows.children.length;
    const row = document.createElement("div");
    row.className = "hours-row";
    row.innerHTML = `<select name="weekday" aria-label="${esc(L("weekday", "Thứ"))}">${weekdayOptions(h.weekday)}</select>` +
      `<input name="start" type="time" value="${esc((h.start || "").slice(0, 5))}" aria-label="${esc(L("start", "Từ"))}">` +
      `<input name="end" type="time" value="${esc((h.end || "").slice(0, 5))}" aria-label="${esc(L("end", "Đến"))}">` +
      `<input name="effective_from" type="date" value="${esc(h.effective_from && h.effective_from !== "2000-01-01" ? h.effective_from : "")}" title="${esc(L("effective_from", "Áp dụng từ ngày"))}">` +
      `<button type="button" class="row-action remove">${esc(L("remove", "Xóa"))}</button>` +
      `<div class="field-error" data-error-for="hours.${i}" role="alert"></div>`;
    row.querySelector(".remove").addEventListener("click", () => { row.remove(); renumber(box, ".hours-rows", "hours"); });
    rows.appendChild(row);
    box.querySelector(".hours-empty").hidden = true;
  }

  function renumber(box, sel, prefix) {
    [...box.querySelector(sel).children].forEach((row, i) => {
      const e = row.querySelector(".field-error");
      if (e) e.dataset.errorFor = `${prefix}.${i}`;
    });
    if (prefix === "hours") box.querySelector(".hours-empty").hidden = box.querySelector(sel).children.length > 0;
  }

  function addServiceRow(box, link) {
    const rows = box.querySelector(".svc-rows");
    const row = document.createElement("div");
    row.className = "svc-row";
    row.innerHTML = `<select name="service_id">${ctx.services.map((s) => `<option value="${s.id}"${s.id === link.service_id ? " selected" : ""}>${esc(s.code)} — ${esc(s.name)}</option>`).join("")}</select>` +
      `<input name="weight" type="number" step="0.1" min="0.1" value="${link.weight || 1}" aria-label="${esc(L("weight", "Trọng số"))}">` +
      `<button type="button" class="row-action up">↑</button><button type="button" class="row-action remove">${esc(L("remove", "Xóa"))}</button>`;
    row.querySelector(".remove").addEventListener("click", () => row.remove());
    row.querySelector(".up").addEventListener("click", () => { if (row.previousElementSibling) rows.insertBefore(row, row.previousElementSibling); });
    rows.appendChild(row);
  }

  /* Renders a form into `host`; resolves nothing — `submit(body)` is called on save and may throw an API error. */
  function form(host, { title, fields, values = {}, editing = false, submit, cancel, extra = "", prefix = "f" }) {
    host.innerHTML = `<form class="panel edit-form" novalidate><fieldset class="plain"${ctx.admin ? "" : " disabled"}>` +
      `<h3>${esc(title)}</h3><div class="form">${fields.map((f) => fieldHtml(f, values[f.name], editing, prefix)).join("")}</div>` +
      `<div class="message error form-message" role="alert"></div>` +
      `<div class="buttons"><button type="submit" class="primary">${esc(L("save", "Lưu"))}</button>` +
      (cancel ? `<button type="button" class="cancel">${esc(L("cancel", "Hủy"))}</button>` : "") + extra + `</div></fieldset></form>`;
    const el = host.querySelector("form");
    const hours = el.querySelector('[data-field="hours"]');
    if (hours) {
      (values.hours || []).forEach((h) => addHoursRow(hours, h));
      hours.querySelector(".hours-add").addEventListener("click", () => addHoursRow(hours, { weekday: 0, start: "07:30", end: "11:30" }));
      hours.querySelector(".hours-weekdays").addEventListener("click", () => {
        hours.querySelector(".hours-rows").innerHTML = "";
        for (let d = 0; d < 5; d++) {
          addHoursRow(hours, { weekday: d, start: "07:30", end: "11:30" });
          addHoursRow(hours, { weekday: d, start: "13:30", end: "17:00" });
        }
      });
    }
    const svc = el.querySelector('[data-field="service_ids"]');
    if (svc) {
      (values.services || []).forEach((link) => addServiceRow(svc, link));
      svc.querySelector(".svc-add").addEventListener("click", () => addServiceRow(svc, { service_id: ctx.services[0] && ctx.services[0].id, weight: 1 }));
    }
    if (cancel) el.querySelector(".cancel").addEventListener("click", cancel);
    el.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(el);
      let body;
      try { body = readForm(el, fields, editing); } catch (bad) { showErrors(el, bad); return; }
      const button = el.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        await submit(body);
      } catch (err) {
        showErrors(el, err);
      } finally {
        button.disabled = false;
      }
    });
    return el;
  }

  function readForm(el, fields, editing) {
    const body = {};
    for (const f of fields) {
      if (editing && f.createOnly) continue;
      if (f.type === "hours") {
        body.hours = [...el.querySelectorAll(".hours-row")].map((row) => {
          const h = { weekday: parseInt(row.querySelector('[name="weekday"]').value, 10),
            start: row.querySelector('[name="start"]').value, end: row.querySelector('[name="end"]').value };
          const from = row.querySelector('[name="effective_from"]').value;
          if (from) h.effective_from = from;
          return h;
        });
        continue;
      }
      if (f.type === "counterServices") {
        const rows = [...el.querySelectorAll(".svc-row")];
        body.service_ids = rows.map((r) => parseInt(r.querySelector('[name="service_id"]').value, 10));
        body.weights = Object.fromEntries(rows.map((r) => [r.querySelector('[name="service_id"]').value, parseFloat(r.querySelector('[name="weight"]').value || "1")]));
        continue;
      }
      if (f.type === "checks") {
        body[f.name] = [...el.querySelectorAll(`input[name="${f.name}"]:checked`)].map((i) => (isNaN(+i.value) ? i.value : +i.value));
        continue;
      }
      const input = el.querySelector(`[name="${f.name}"]`);
      if (!input) continue;
      if (f.type === "check") { body[f.name] = input.checked; continue; }
      const raw = input.value.trim();
      if (f.type === "json") {
        try { body[f.name] = raw ? JSON.parse(raw) : {}; } catch (e) {
          throw { status: 422, detail: { fields: [{ field: f.name, problem: "không phải JSON hợp lệ" }] }, message: "Dữ liệu chưa hợp lệ." };
        }
        continue;
      }
      if (raw === "") {
        if (f.required) body[f.name] = "";  // the server says what is missing, in its words
        else if (editing || f.nullable) body[f.name] = null;
        continue;
      }
      body[f.name] = f.type === "number" || (f.type === "select" && f.numeric) ? Number(raw) : raw;
    }
    return body;
  }

  function clearErrors(el) {
    el.querySelectorAll(".field-error").forEach((e) => (e.textContent = ""));
    el.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
    el.querySelector(".form-message").textContent = "";
  }

  /* The server's messages beside their fields (the deepest element its path names), the rest above the buttons. */
  function showErrors(el, err) {
    const general = [];
    const fields = (err.detail && err.detail.fields) || [];
    for (const f of fields) {
      let path = f.field.split(".");
      let target = null;
      while (path.length && !(target = el.querySelector(`[data-error-for="${path.join(".")}"]`))) path = path.slice(0, -1);
      if (!target) { general.push(`${f.field}: ${f.problem}`); continue; }
      target.textContent = target.textContent ? target.textContent + "; " + f.problem : f.problem;
      const holder = target.closest(".hours-row, .field");
      if (holder) holder.querySelectorAll("input, select, textarea").forEach((i) => { if (holder.classList.contains("hours-row") || i.name === path[0]) i.classList.add("invalid"); });
    }
    el.querySelector(".form-message").textContent = fields.length ? (general.length ? general.join(" · ") : err.message) : err.message;
  }

  // -- data -------------------------------------------------------------------------------------
  async function load() {
    const q = `?centre_id=${ctx.centreId}`;
    [ctx.agencies, ctx.services, ctx.counters] = await Promise.all([api("/agencies" + q), api("/services" + q), api("/counters" + q)]);
    ctx.services.sort((a, b) => a.sort_order - b.sort_order || a.code.localeCompare(b.code));
    ctx.counters.sort((a, b) => a.number - b.number);
    ctx.users = ctx.admin ? await api("/users") : null;
  }

  const agencyOptions = () => ctx.agencies.map((a) => [a.id, `${a.identifier} — ${a.name}`]);
  const serviceName = (id) => { const s = ctx.services.find((x) => x.id === id); return s ? s.name : "#" + id; };
  const hm = (s) => (s || "").slice(0, 5);
  function hoursText(hours) {
    if (!hours.length) return '<span class="muted">—</span>';
    const days = en() ? WEEKDAYS_EN : WEEKDAYS;
    const byDay = {};
    hours.forEach((h) => (byDay[h.weekday] = (byDay[h.weekday] || []).concat(`${hm(h.start)}–${hm(h.end)}`)));
    return Object.keys(byDay).map((d) => `${days[d]}: ${byDay[d].join(", ")}`).join("<br>");
  }
  function flash(text) {
    const m = document.createElement("div");
    m.className = "message info saved-message";
    m.textContent = text;
    $("page").prepend(m);
    setTimeout(() => m.remove(), 4000);
  }

  // -- pages ------------------------------------------------------------------------------------
  const SERVICE_FIELDS = [
    { name: "code", label: "Mã dịch vụ", createOnly: true, required: true, placeholder: "HOTICH" },
    { name: "name", label: "Tên dịch vụ", required: true },
    { name: "name_en", label: "Tên tiếng Anh" },
    { name: "agency_id", key: "agency", label: "Cơ quan", type: "select", nullable: true, numeric: true, options: agencyOptions },
    { name: "prefix", label: "Chữ đầu số (A, B…)" },
    { name: "number_start", label: "Số đầu", type: "number" },
    { name: "number_end", label: "Số cuối", type: "number" },
    { name: "daily_cap", label: "Số phiếu tối đa mỗi ngày", type: "number", nullable: true },
    { name: "default_service_s", label: "Thời gian phục vụ mặc định (giây)", type: "number", nullable: true },
    { name: "max_wait_alert_s", label: "Cảnh báo khi chờ quá (giây)", type: "number", nullable: true },
    { name: "sort_order", label: "Thứ tự hiển thị", type: "number" },
    { name: "allow_priority", label: "Cho phép ưu tiên", type: "check" },
    { name: "accepting", label: "Đang nhận phiếu", type: "check" },
    { name: "notice", label: "Thông báo công khai", type: "textarea", nullable: true },
    { name: "hours", label: "Giờ phát số theo thứ trong tuần", type: "hours" },
  ];

  async function servicesPage(host) {
    host.innerHTML = `<div class="page-head"><h2>${esc(L("svc-title", "Dịch vụ (hàng chờ)"))}</h2>` +
      (ctx.admin ? `<button class="primary" id="svc-new">${esc(L("svc-new", "Thêm dịch vụ"))}</button>` : "") + `</div>` +
      `<div id="svc-form"></div><div class="panel table-wrap"><table class="data" id="svc-table"><thead><tr>` +
      `<th>${esc(L("code", "Mã"))}</th><th>${esc(L("name", "Tên"))}</th><th>${esc(L("prefix", "Chữ đầu"))}</th><th>${esc(en() ? "Range" : "Dải số")}</th>` +
      `<th>${esc(L("daily_cap", "Tối đa/ngày"))}</th><th>${esc(L("accepting", "Nhận phiếu"))}</th><th>${esc(L("hours", "Giờ phát số"))}</th><th></th></tr></thead><tbody>` +
      ctx.services.map((s) => `<tr data-service="${esc(s.code)}"><td>${esc(s.code)}</td><td>${esc(s.name)}</td><td>${esc(s.prefix)}</td>` +
        `<td>${s.number_start}–${s.number_end}</td><td>${s.daily_cap || "—"}</td><td>${s.accepting ? "✓" : "✗"}</td><td class="small">${hoursText(s.hours)}</td>` +
        `<td><button class="row-action edit" data-id="${s.id}">${esc(ctx.admin ? L("edit", "Sửa") : en() ? "View" : "Xem")}</button></td></tr>`).join("") +
      `</tbody></table></div>`;
    const box = $("svc-form");
    const close = () => (box.innerHTML = "");
    if (ctx.admin) $("svc-new").addEventListener("click", () => form(box, {
      title: L("svc-new", "Thêm dịch vụ"), fields: SERVICE_FIELDS,
      values: { number_start: 1, number_end: 999, sort_order: 0, allow_priority: true, accepting: true, hours: [] },
      cancel: close,
      submit: async (body) => {
        body.centre_id = ctx.centreId;
        const created = await api("/services", { method: "POST", body });
        await reload(`Đã thêm dịch vụ ${created.code}.`);
      },
    }));
    host.querySelectorAll("#svc-table .edit").forEach((b) => b.addEventListener("click", () => {
      const s = ctx.services.find((x) => x.id === +b.dataset.id);
      form(box, {
        title: `${L("svc-edit", "Sửa dịch vụ")} ${s.code}`, fields: SERVICE_FIELDS, values: s, editing: true, cancel: close,
        submit: async (body) => { await api(`/services/${s.id}`, { method: "PATCH", body }); await reload(`Đã lưu dịch vụ ${s.code}.`); },
      });
    }));
  }

  const COUNTER_FIELDS = () => [
    { name: "number", label: "Số quầy", type: "number", createOnly: true, required: true },
    { name: "name", label: "Tên quầy" },
    ...(ctx.users ? [{ name: "officer_id", key: "officer", label: "Cán bộ trực", type: "select", nullable: true, numeric: true,
      options: () => ctx.users.filter((u) => u.role === "clerk" && u.active && u.centre_id === ctx.centreId).map((u) => [u.id, `${u.full_name} (${u.username})`]) }] : []),
    { name: "services", label: "Dịch vụ phục vụ (theo thứ tự) và trọng số", type: "counterServices" },
  ];

  async function countersPage(host) {
    host.innerHTML = `<div class="page-head"><h2>${esc(L("ctr-title", "Quầy"))}</h2>` +
      (ctx.admin ? `<button class="primary" id="ctr-new">${esc(L("ctr-new", "Thêm quầy"))}</button>` : "") + `</div>` +
      `<div id="ctr-form"></div><div class="panel table-wrap"><table class="data" id="ctr-table"><thead><tr>` +
      `<th>${esc(L("number", "Số"))}</th><th>${esc(L("name", "Tên"))}</th><th>${esc(L("services", "Dịch vụ"))}</th><th>${esc(L("officer", "Cán bộ trực"))}</th>` +
      `<th>${esc(L("state", "Trạng thái"))}</th><th></th></tr></thead><tbody>` +
      ctx.counters.map((c) => `<tr data-counter="${c.number}"><td>${c.number}</td><td>${esc(c.name)}</td>` +
        `<td class="small">${c.services.map((l) => esc(serviceName(l.service_id)) + (l.weight !== 1 ? ` ×${l.weight}` : "")).join("<br>")}</td>` +
        `<td>${esc(c.officer ? c.officer.full_name : "—")}</td><td class="state-${c.state}">${esc(en() ? c.state : STATES[c.state])}</td><td>` +
        (ctx.admin ? ["open", "pause", "close"].map((a) => `<button class="row-action state" data-action="${a}" data-id="${c.id}">${esc(L(a, { open: "Mở", pause: "Tạm dừng", close: "Đóng" }[a]))}</button>`).join(" ") + " " : "") +
        `<button class="row-action edit" data-id="${c.id}">${esc(ctx.admin ? L("edit", "Sửa") : en() ? "View" : "Xem")}</button></td></tr>`).join("") +
      `</tbody></table></div><div class="message error" id="ctr-message" role="alert"></div>`;
    const box = $("ctr-form");
    const close = () => (box.innerHTML = "");
    if (ctx.admin) $("ctr-new").addEventListener("click", () => form(box, {
      title: L("ctr-new", "Thêm quầy"), fields: COUNTER_FIELDS(),
      values: { number: (ctx.counters.reduce((m, c) => Math.max(m, c.number), 0) || 0) + 1, services: [] }, cancel: close,
      submit: async (body) => {
        const officer = body.officer_id;
        delete body.officer_id;
        body.centre_id = ctx.centreId;
        const created = await api("/counters", { method: "POST", body });
        if (officer) await api(`/counters/${created.id}`, { method: "PATCH", body: { officer_id: officer } });
        await reload(`Đã thêm quầy ${created.number}.`);
      },
    }));
    host.querySelectorAll("#ctr-table .edit").forEach((b) => b.addEventListener("click", () => {
      const c = ctx.counters.find((x) => x.id === +b.dataset.id);
      form(box, {
        title: `${L("ctr-edit", "Sửa quầy")} ${c.number}`, fields: COUNTER_FIELDS(), editing: true, cancel: close,
        values: Object.assign({}, c, { officer_id: c.officer ? c.officer.id : null }),
        submit: async (body) => { await api(`/counters/${c.id}`, { method: "PATCH", body }); await reload(`Đã lưu quầy ${c.number}.`); },
      });
    }));
    host.querySelectorAll("#ctr-table .state").forEach((b) => b.addEventListener("click", async () => {
      $("ctr-message").textContent = "";
      try { await api(`/counters/${b.dataset.id}/${b.dataset.action}`, { method: "POST" }); await reload(); }
      catch (err) { $("ctr-message").textContent = err.message; }
    }));
  }

  const CENTRE_FIELDS = [
    { name: "name", label: "Tên trung tâm", required: true, wide: true },
    { name: "short_name", label: "Tên viết tắt" },
    { name: "phone", label: "Điện thoại" },
    { name: "target_wait_s", label: "Thời gian chờ mục tiêu (giây)", type: "number" },
    { name: "address", label: "Địa chỉ", wide: true },
    { name: "notice", label: "Thông báo chạy trên màn hình sảnh", type: "textarea" },
    { name: "call_template", label: "Câu mời khi gọi số (loa, màn hình): {number} là số thứ tự, {counter} là số quầy; để trống: câu mặc định", wide: true,
      placeholder: "Mời công dân có số thứ tự {number} đến quầy số {counter}" },
    { name: "ticket_note", label: "Dòng chữ in cuối phiếu số thứ tự", wide: true, placeholder: "Vui lòng giữ phiếu và theo dõi màn hình gọi số." },
  ];
  const AGENCY_FIELDS = [
    { name: "identifier", label: "Mã định danh cơ quan", createOnly: true, required: true, placeholder: "000.00.14.H12" },
    { name: "name", label: "Tên cơ quan", required: true },
    { name: "phone", label: "Điện thoại" },
    { name: "email", label: "Thư điện tử" },
  ];

  async function centresPage(host) {
    const centre = ctx.centres.find((c) => c.id === ctx.centreId);
    host.innerHTML = `<div class="page-head"><h2>${esc(L("centre-title", "Trung tâm"))}</h2></div><div id="centre-form"></div>` +
      `<div class="page-head"><h2>${esc(L("agency-title", "Cơ quan (bộ phận một cửa)"))}</h2>` +
      (ctx.admin ? `<button class="primary" id="agency-new">${esc(L("agency-new", "Thêm cơ quan"))}</button>` : "") + `</div><div id="agency-form"></div>` +
      `<div class="panel table-wrap"><table class="data" id="agency-table"><thead><tr><th>${esc(L("identifier", "Mã định danh"))}</th><th>${esc(L("name", "Tên"))}</th>` +
      `<th>${esc(L("phone", "Điện thoại"))}</th><th>${esc(L("email", "Thư điện tử"))}</th><th></th></tr></thead><tbody>` +
      ctx.agencies.map((a) => `<tr data-agency="${esc(a.identifier)}"><td>${esc(a.identifier)}</td><td>${esc(a.name)}</td><td>${esc(a.phone)}</td><td>${esc(a.email)}</td>` +
        `<td>${ctx.admin ? `<button class="row-action edit" data-id="${a.id}">${esc(L("edit", "Sửa"))}</button>` : ""}</td></tr>`).join("") + `</tbody></table></div>`;
    form($("centre-form"), {
      title: centre.name, fields: CENTRE_FIELDS, values: centre, editing: true, prefix: "centre",
      submit: async (body) => {
        const saved = await api(`/centres/${centre.id}`, { method: "PATCH", body });
        Object.assign(centre, saved);
        await reload("Đã lưu thông tin trung tâm.");
      },
    });
    const box = $("agency-form");
    const close = () => (box.innerHTML = "");
    if (ctx.admin) $("agency-new").addEventListener("click", () => form(box, {
      title: L("agency-new", "Thêm cơ quan"), fields: AGENCY_FIELDS, cancel: close,
      submit: async (body) => { body.centre_id = ctx.centreId; await api("/agencies", { method: "POST", body }); await reload("Đã thêm cơ quan."); },
    }));
    host.querySelectorAll("#agency-table .edit").forEach((b) => b.addEventListener("click", () => {
      const a = ctx.agencies.find((x) => x.id === +b.dataset.id);
      form(box, { title: a.identifier, fields: AGENCY_FIELDS, values: a, editing: true, cancel: close,
        submit: async (body) => { await api(`/agencies/${a.id}`, { method: "PATCH", body }); await reload("Đã lưu cơ quan."); } });
    }));
  }

  function showOnce(title, text, value, extraHtml = "") {
    $("once-title").textContent = title;
    $("once-text").textContent = text;
    $("once-value").textContent = value;
    $("once-extra").innerHTML = extraHtml;
    $("once-dialog").showModal();
  }

  const USER_FIELDS = (editing) => [
    { name: "username", label: "Tên đăng nhập", createOnly: true, required: true },
    { name: "full_name", label: "Họ và tên", required: true },
    { name: "title", key: "job_title", label: "Chức danh" },
    { name: "role", label: "Vai trò", type: "select", options: () => Object.entries(ROLES) },
    { name: "centre_id", key: "centre", label: "Trung tâm", type: "select", nullable: true, numeric: true, options: () => ctx.centres.map((c) => [c.id, c.name]) },
    { name: "agency_ids", key: "agencies", label: "Cơ quan (lãnh đạo xem số liệu của)", type: "checks", options: agencyOptions },
    ...(editing ? [{ name: "active", label: "Đang hoạt động", type: "check" }] : [{ name: "password", label: "Mật khẩu ban đầu", type: "password", required: true }]),
  ];

  async function usersPage(host) {
    const users = ctx.users.filter((u) => u.centre_id === ctx.centreId || u.centre_id === null);
    host.innerHTML = `<div class="page-head"><h2>${esc(L("user-title", "Cán bộ và tài khoản"))}</h2>` +
      `<button class="primary" id="user-new">${esc(L("user-new", "Thêm tài khoản"))}</button></div><div id="user-form"></div>` +
      `<div class="panel table-wrap"><table class="data" id="user-table"><thead><tr><th>${esc(L("username", "Tên đăng nhập"))}</th><th>${esc(L("full_name", "Họ và tên"))}</th>` +
      `<th>${esc(L("role", "Vai trò"))}</th><th>${esc(L("active", "Hoạt động"))}</th><th></th></tr></thead><tbody>` +
      users.map((u) => `<tr data-user="${esc(u.username)}"><td>${esc(u.username)}</td><td>${esc(u.full_name)}</td><td>${esc(en() ? u.role : ROLES[u.role])}</td>` +
        `<td>${u.active ? "✓" : "✗"}</td><td><button class="row-action edit" data-id="${u.id}">${esc(L("edit", "Sửa"))}</button> ` +
        `<button class="row-action reset" data-id="${u.id}">${esc(L("reset", "Đặt lại mật khẩu"))}</button>` +
        (u.active ? ` <button class="row-action deactivate" data-id="${u.id}">${esc(L("deactivate", "Vô hiệu hóa"))}</button>` : "") + `</td></tr>`).join("") +
      `</tbody></table></div><div class="message error" id="user-message" role="alert"></div>`;
    const box = $("user-form");
    const close = () => (box.innerHTML = "");
    $("user-new").addEventListener("click", () => form(box, {
      title: L("user-new", "Thêm tài khoản"), fields: USER_FIELDS(false), values: { role: "clerk", centre_id: ctx.centreId, agency_ids: [] }, cancel: close,
      submit: async (body) => { const u = await api("/users", { method: "POST", body }); await reload(`Đã thêm tài khoản ${u.username}.`); },
    }));
    const byId = (id) => ctx.users.find((x) => x.id === +id);
    host.querySelectorAll("#user-table .edit").forEach((b) => b.addEventListener("click", () => {
      const u = byId(b.dataset.id);
      form(box, { title: u.username, fields: USER_FIELDS(true), values: u, editing: true, cancel: close,
        submit: async (body) => { await api(`/users/${u.id}`, { method: "PATCH", body }); await reload(`Đã lưu tài khoản ${u.username}.`); } });
    }));
    host.querySelectorAll("#user-table .reset").forEach((b) => b.addEventListener("click", async () => {
      const u = byId(b.dataset.id);
      if (!confirm(`Đặt lại mật khẩu của ${u.username}? Các phiên đăng nhập hiện có sẽ bị đăng xuất.`)) return;
      try {
        const r = await api(`/users/${u.id}/reset-password`, { method: "POST" });
        showOnce(`Mật khẩu mới của ${u.username}`, "Chỉ hiển thị một lần: hãy trao cho cán bộ và đề nghị đổi ngay.", r.password);
      } catch (err) { $("user-message").textContent = err.message; }
    }));
    host.querySelectorAll("#user-table .deactivate").forEach((b) => b.addEventListener("click", async () => {
      const u = byId(b.dataset.id);
      if (!confirm(`Vô hiệu hóa tài khoản ${u.username}? Tài khoản bị đăng xuất ngay trên mọi thiết bị.`)) return;
      try { await api(`/users/${u.id}`, { method: "PATCH", body: { active: false } }); await reload(`Đã vô hiệu hóa ${u.username}.`); }
      catch (err) { $("user-message").textContent = err.message; }
    }));
  }

  const DEVICE_FIELDS = (editing) => [
    ...(editing ? [] : [{ name: "kind", label: "Loại thiết bị", type: "select", options: () => Object.entries(KINDS) },
      { name: "counter_id", key: "counter", label: "Quầy (máy tính bảng, bàn phím quầy, màn hình quầy)", type: "select", nullable: true, numeric: true,
        options: () => ctx.counters.map((c) => [c.id, `Quầy ${c.number}`]) }]),
    { name: "name", label: "Tên thiết bị" },
    { name: "settings", label: "Cài đặt hiển thị (JSON: language, services, counters, announce…)", type: "json", rows: 4 },
  ];

  const PROBLEMS = { offline: "mất liên lạc", "printer.paper_out": "máy in hết giấy", "printer.paper_near_end": "máy in sắp hết giấy",
    "printer.cover_open": "nắp máy in mở", "printer.offline": "máy in không phản hồi", "scanner.missing": "không thấy đầu đọc mã",
    "audio.muted": "chưa bật âm thanh", "audio.missing": "không có âm thanh" };
  const HW = { ok: "tốt", paper_near_end: "sắp hết giấy", paper_out: "hết giấy", cover_open: "mở nắp", offline: "không phản hồi", missing: "không có", muted: "tắt tiếng" };

  function hardwareText(hw) {
    const parts = [["printer", en() ? "printer" : "máy in"], ["scanner", en() ? "scanner" : "đầu đọc"], ["audio", en() ? "audio" : "âm thanh"]]
      .filter(([k]) => hw && hw[k]).map(([k, label]) => `${label}: ${en() ? hw[k] : HW[hw[k]] || hw[k]}`);
    return parts.join(", ") || "—";
  }

  /* The fleet as the devices report it (GET /fleet: admins and managers); registering, settings and revoking for admins. */
  async function devicesPage(host) {
    const fleet = await api(`/fleet?centre_id=${ctx.centreId}`);
    const settingsOf = ctx.admin ? Object.fromEntries((await api("/devices")).map((d) => [d.id, d.settings])) : {};
    const counterNo = (id) => { const c = ctx.counters.find((x) => x.id === id); return c ? c.number : ""; };
    host.innerHTML = `<div class="page-head"><h2>${esc(L("dev-title", "Thiết bị"))}</h2>` +
      (ctx.admin ? `<button class="primary" id="dev-new">${esc(L("dev-new", "Đăng ký thiết bị"))}</button>` : "") + `</div><div id="dev-form"></div>` +
      `<div class="panel table-wrap"><table class="data" id="dev-table"><thead><tr><th>#</th><th>${esc(L("kind", "Loại"))}</th><th>${esc(L("name", "Tên"))}</th>` +
      `<th>${esc(L("counter", "Quầy"))}</th><th>${esc(en() ? "Status" : "Tình trạng")}</th><th>${esc(L("last-seen", "Lần cuối liên lạc"))}</th>` +
      `<th>${esc(en() ? "Version" : "Phiên bản")}</th><th>${esc(en() ? "Hardware" : "Phần cứng")}</th><th></th></tr></thead><tbody>` +
      fleet.map((d) => `<tr data-device="${d.id}"${d.revoked ? ' class="muted"' : ""}><td>${d.id}</td><td>${esc(en() ? d.kind : KINDS[d.kind])}</td><td>${esc(d.name)}</td>` +
        `<td>${counterNo(d.counter_id)}</td><td>` +
        (d.revoked ? `<span class="badge bad">${esc(L("revoked", "đã thu hồi"))}</span>`
          : `<span class="badge ${d.online ? (d.problems.length ? "warn" : "ok") : "bad"}">${esc(d.online ? (en() ? "online" : "đang hoạt động") : (en() ? "offline" : "mất liên lạc"))}</span>` +
            d.problems.filter((p) => p !== "offline").map((p) => ` <span class="badge warn">${esc(en() ? p : PROBLEMS[p] || p)}</span>`).join("")) +
        `</td><td class="small">${d.last_seen_at ? new Date(d.last_seen_at).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" }) : "—"}</td><td class="small">${esc(d.app_version || "—")}</td>` +
        `<td class="small">${esc(hardwareText(d.hardware))}</td><td>` +
        (ctx.admin && !d.revoked ? `<button class="row-action edit" data-id="${d.id}">${esc(L("edit", "Sửa"))}</button> <button class="row-action revoke" data-id="${d.id}">${esc(L("revoke", "Thu hồi"))}</button>` : "") +
        `</td></tr>`).join("") + `</tbody></table></div><div class="message error" id="dev-message" role="alert"></div>`;
    if (!ctx.admin) return;
    const box = $("dev-form");
    const close = () => (box.innerHTML = "");
    $("dev-new").addEventListener("click", () => form(box, {
      title: L("dev-new", "Đăng ký thiết bị"), fields: DEVICE_FIELDS(false), values: { kind: "kiosk", settings: {} }, cancel: close,
      submit: async (body) => {
        body.centre_id = ctx.centreId;
        const d = await api("/devices", { method: "POST", body });
        await reload();
        const board = d.kind === "display" ? `<p class="small">${esc(location.origin)}/displays/${d.counter_id ? "counter/" + counterNo(d.counter_id) : "hall"}?token=${esc(d.token)}</p>` : "";
        // The enrolment QR (motcua://enrol?…, docs/hardware.md): a kiosk or tablet scans it at first start.
        const qr = d.enrolment_qr_svg ? `<p><img class="enrol-qr" alt="QR" src="data:image/svg+xml;charset=utf-8,${encodeURIComponent(d.enrolment_qr_svg)}"></p>` +
          `<p class="small muted">${esc(en() ? "Kiosks and tablets: show this code to the device's camera at first start." : "Ki-ốt và máy tính bảng: đưa mã này trước camera của thiết bị khi khởi động lần đầu.")}</p>` : "";
        showOnce(`Mã của thiết bị ${d.name || d.id}`, "Chỉ hiển thị một lần: nhập vào cấu hình của thiết bị (máy chủ và mã).", d.token, board + qr);
      },
    }));
    host.querySelectorAll("#dev-table .edit").forEach((b) => b.addEventListener("click", () => {
      const d = fleet.find((x) => x.id === +b.dataset.id);
      form(box, { title: `${KINDS[d.kind]} ${d.name || d.id}`, fields: DEVICE_FIELDS(true), values: Object.assign({}, d, { settings: settingsOf[d.id] }),
        editing: true, cancel: close,
        submit: async (body) => { await api(`/devices/${d.id}`, { method: "PATCH", body }); await reload("Đã lưu thiết bị."); } });
    }));
    host.querySelectorAll("#dev-table .revoke").forEach((b) => b.addEventListener("click", async () => {
      if (!confirm("Thu hồi mã của thiết bị này? Thiết bị sẽ ngừng hoạt động cho tới khi được đăng ký lại.")) return;
      try { await api(`/devices/${b.dataset.id}/revoke`, { method: "POST" }); await reload("Đã thu hồi thiết bị."); }
      catch (err) { $("dev-message").textContent = err.message; }
    }));
  }

  // The working calendar (issue «The working calendar governs the queue…»): the year's days off and
  // make-up days as the server applies them (national files + the centre's own entries), the
  // centre's own entries to add or remove, the time rules with their effective dates, and the log.
  const DAY_KINDS = { day_off: "Ngày nghỉ", working_day: "Ngày làm bù (làm việc)" };
  const sessionsText = (list) => (list || []).map((w) => `${hm(w.start)}–${hm(w.end)}`).join(", ");
  function parseSessions(name, text) {
    const raw = String(text || "").trim();
    if (!raw) return [];
    return raw.split(/[,;]/).map((part) => {
      const m = part.trim().match(/^(\d{1,2})[:hg.](\d{2})\s*[-–—]\s*(\d{1,2})[:hg.](\d{2})$/i);
      if (!m) {
        const problem = `"${part.trim()}" chưa đúng dạng khung giờ, ví dụ 07:30–11:30, 13:30–17:00.`;
        throw { status: 422, detail: { fields: [{ field: name, problem }] }, message: "Dữ liệu chưa hợp lệ." };
      }
      const two = (n) => String(n).padStart(2, "0");
      return { start: `${two(m[1])}:${m[2]}`, end: `${two(m[3])}:${m[4]}` };
    });
  }
  const RULE_FIELDS = () => [
    { name: "agency_id", key: "agency", label: "Áp dụng cho (trống: cả trung tâm)", type: "select", nullable: true, numeric: true, options: agencyOptions, createOnly: true },
    { name: "effective_from", label: "Áp dụng từ ngày", type: "date", required: true },
    { name: "working", label: "Giờ làm việc (ví dụ 07:30–11:30, 13:30–17:00)", wide: true },
    { name: "receiving", label: "Giờ tiếp nhận hồ sơ", wide: true },
    { name: "saturday", label: "Buổi sáng thứ Bảy (nếu có)", wide: true },
    { name: "cutoff", label: "Giờ chốt tiếp nhận trong ngày", type: "time", nullable: true },
    { name: "counts_from", label: "Sau giờ chốt, tính từ (trống: giờ mở cửa ngày làm việc tiếp theo)", type: "time", nullable: true },
    { name: "notice", key: "cal-notice", label: "Thông báo thay đổi (hiện trên ki-ốt, màn hình từ ngày công bố)", type: "textarea", nullable: true },
    { name: "notice_from", label: "Ngày công bố thông báo", type: "date", nullable: true },
  ];
  const DAY_FIELDS = [
    { name: "day", label: "Ngày", type: "date", required: true },
    { name: "kind", label: "Loại", type: "select", options: () => Object.entries(DAY_KINDS) },
    { name: "name", label: "Tên (ví dụ: Nghỉ bù Giỗ Tổ Hùng Vương)", required: true, wide: true },
    { name: "source", label: "Văn bản (số, ngày ban hành)", nullable: true, wide: true },
    { name: "replaces", label: "Làm bù cho ngày (chỉ với ngày làm bù)", type: "date", nullable: true },
  ];

  function ruleBody(body) {
    for (const key of ["working", "receiving", "saturday"]) if (key in body) body[key] = parseSessions(key, body[key]);
    return body;
  }

  async function calendarPage(host) {
    const year = calendarPage.year || (calendarPage.year = new Date().getFullYear());
    const c = ctx.centreId;
    const [days, own, rules, changes] = await Promise.all([
      api(`/calendar/days?centre=${c}&from=${year}-01-01&to=${year}-12-31`),
      api(`/centres/${c}/calendar-days?year=${year}`),
      api(`/centres/${c}/time-rules`),
      api(`/centres/${c}/calendar-changes?limit=20`),
    ]);
    const ownByDay = Object.fromEntries(own.map((d) => [d.day, d]));
    const weekend = (d) => [0, 6].includes(new Date(d.date + "T00:00:00Z").getUTCDay());
    // Ordinary weekends are left out: holidays, days off on weekdays, worked weekends (làm bù),
    // the centre's own entries and the library's unconfirmed days are what an officer checks.
    const special = days.items.filter((d) => (d.reason && !(weekend(d) && /hằng tuần/.test(d.reason))) || (d.is_working_day && weekend(d)) || ownByDay[d.date] || !d.confirmed);
    const agencyName = (id) => { const a = ctx.agencies.find((x) => x.id === id); return a ? a.name : (en() ? "Whole centre" : "Cả trung tâm"); };
    const dmy = (iso) => (iso ? iso.split("-").reverse().join("/") : "—");
    host.innerHTML = `<div class="page-head"><h2>${esc(L("cal-title", "Lịch làm việc"))}</h2>` +
      `<label>${esc(L("cal-year", "Năm"))} <select id="cal-year">${[year - 1, year, year + 1].map((y) => `<option${y === year ? " selected" : ""}>${y}</option>`).join("")}</select></label></div>` +
      `<div class="panel"><div class="page-head"><h3>${esc(L("cal-days", "Ngày nghỉ lễ, Tết và ngày làm bù"))} ${year}</h3>` +
      (ctx.admin ? `<button class="primary" id="day-new">${esc(L("cal-day-new", "Thêm ngày"))}</button>` : "") + `</div>` +
      `<div id="day-form"></div><div class="message error" id="day-message" role="alert"></div>` +
      `<div class="table-wrap"><table class="data" id="days-table"><thead><tr><th>${esc(L("day", "Ngày"))}</th><th>${esc(L("kind", "Loại"))}</th>` +
      `<th>${esc(L("reason", "Lý do"))}</th><th>${esc(L("source", "Văn bản"))}</th><th></th></tr></thead><tbody>` +
      (special.map((d) => {
        const mine = ownByDay[d.date];
        return `<tr data-day="${d.date}"${d.confirmed ? "" : ' class="unconfirmed"'}><td>${esc(d.weekday)}, ${dmy(d.date)}</td>` +
          `<td>${d.is_working_day ? (en() ? "working day" : "làm việc") : (en() ? "day off" : "nghỉ")}${mine ? ` <span class="badge">${en() ? "centre" : "của trung tâm"}</span>` : ""}</td>` +
          `<td>${esc(d.reason || (d.is_working_day ? (en() ? "Make-up working day" : "Ngày làm bù") : ""))}${mine && mine.replaces ? ` (${en() ? "for" : "bù cho"} ${dmy(mine.replaces)})` : ""}</td><td class="small">${esc(d.source || "")}</td>` +
          `<td>${mine && ctx.admin ? `<button class="row-action" data-remove-day="${d.date}">${esc(L("delete", "Xóa"))}</button>` : ""}</td></tr>`;
      }).join("") || `<tr><td colspan="5" class="muted">—</td></tr>`) +
      `</tbody></table></div></div>` +
      `<div class="panel"><div class="page-head"><h3>${esc(L("cal-rules", "Giờ làm việc, giờ tiếp nhận hồ sơ"))}</h3>` +
      (ctx.admin ? `<button class="primary" id="rule-new">${esc(L("cal-rule-new", "Thêm quy định (áp dụng từ ngày)"))}</button>` : "") + `</div>` +
      `<div id="rule-form"></div><div class="message error" id="rule-message" role="alert"></div>` +
      `<div class="table-wrap"><table class="data" id="rules-table"><thead><tr><th>${esc(L("agency", "Áp dụng cho"))}</th><th>${esc(L("effective_from", "Từ ngày"))}</th>` +
      `<th>${esc(L("working", "Giờ làm việc"))}</th><th>${esc(L("receiving", "Giờ tiếp nhận"))}</th><th>${esc(L("saturday", "Thứ Bảy"))}</th>` +
      `<th>${esc(L("cutoff", "Giờ chốt"))}</th><th>${esc(L("cal-notice", "Thông báo"))}</th><th></th></tr></thead><tbody>` +
      rules.map((r) => `<tr data-rule="${r.id}"><td>${esc(agencyName(r.agency_id))}</td><td>${dmy(r.effective_from)}</td><td>${esc(sessionsText(r.working))}</td>` +
        `<td>${esc(sessionsText(r.receiving))}</td><td>${esc(sessionsText(r.saturday) || "—")}</td>` +
        `<td>${esc(hm(r.cutoff) || "—")}${r.counts_from ? ` → ${esc(hm(r.counts_from))}` : ""}</td>` +
        `<td class="small">${r.notice ? `${esc(r.notice)}<br><span class="muted">${en() ? "from" : "từ"} ${dmy(r.notice_from)}</span>` : ""}</td>` +
        `<td><button class="row-action edit" data-rule-edit="${r.id}">${esc(ctx.admin ? L("edit", "Sửa") : en() ? "View" : "Xem")}</button>` +
        (ctx.admin ? `<button class="row-action" data-rule-remove="${r.id}">${esc(L("delete", "Xóa"))}</button>` : "") + `</td></tr>`).join("") +
      `</tbody></table></div></div>` +
      `<div class="panel"><h3>${esc(L("cal-changes", "Lịch sử thay đổi"))}</h3><table class="data small" id="cal-changes"><tbody>` +
      changes.map((x) => `<tr><td>${new Date(x.at).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" })}</td><td>${esc(x.actor)}</td><td>${esc(x.entity)} ${esc(x.entity_key)}</td><td>${esc(x.action)}</td></tr>`).join("") +
      `</tbody></table></div>`;
    $("cal-year").addEventListener("change", () => { calendarPage.year = +$("cal-year").value; show("calendar"); });
    const dayBox = $("day-form"), ruleBox = $("rule-form");
    if (ctx.admin) {
      $("day-new").addEventListener("click", () => form(dayBox, {
        title: L("cal-day-new", "Thêm ngày nghỉ hoặc ngày làm bù"), fields: DAY_FIELDS, values: { kind: "day_off" }, prefix: "d",
        cancel: () => (dayBox.innerHTML = ""),
        submit: async (body) => {
          const day = body.day;
          delete body.day;
          if (!day) throw { status: 422, detail: { fields: [{ field: "day", problem: "Hãy chọn ngày." }] }, message: "Hãy chọn ngày." };
          await api(`/centres/${c}/calendar-days/${day}`, { method: "PUT", body });
          calendarPage.year = +day.slice(0, 4);
          await reload(`Đã lưu ngày ${dmy(day)}.`);
        },
      }));
      $("rule-new").addEventListener("click", () => form(ruleBox, {
        title: L("cal-rule-new", "Thêm quy định giờ làm việc"), fields: RULE_FIELDS(), prefix: "r",
        values: { working: "07:30–11:30, 13:30–17:00", receiving: "07:30–11:30, 13:30–17:00", cutoff: "16:00" },
        cancel: () => (ruleBox.innerHTML = ""),
        submit: async (body) => { await api(`/centres/${c}/time-rules`, { method: "POST", body: ruleBody(body) }); await reload("Đã thêm quy định giờ làm việc."); },
      }));
      host.querySelectorAll("[data-remove-day]").forEach((b) => b.addEventListener("click", async () => {
        if (!confirm(`Xóa mục của trung tâm cho ngày ${dmy(b.dataset.removeDay)}? Lịch quốc gia lại áp dụng cho ngày này.`)) return;
        try { await api(`/centres/${c}/calendar-days/${b.dataset.removeDay}`, { method: "DELETE" }); await reload("Đã xóa."); }
        catch (err) { $("day-message").textContent = err.message; }
      }));
      host.querySelectorAll("[data-rule-remove]").forEach((b) => b.addEventListener("click", async () => {
        if (!confirm("Xóa quy định giờ làm việc này?")) return;
        try { await api(`/time-rules/${b.dataset.ruleRemove}`, { method: "DELETE" }); await reload("Đã xóa quy định."); }
        catch (err) { $("rule-message").textContent = err.message; }
      }));
    }
    host.querySelectorAll("[data-rule-edit]").forEach((b) => b.addEventListener("click", () => {
      const r = rules.find((x) => x.id === +b.dataset.ruleEdit);
      const values = Object.assign({}, r, { working: sessionsText(r.working), receiving: sessionsText(r.receiving), saturday: sessionsText(r.saturday),
        cutoff: hm(r.cutoff), counts_from: hm(r.counts_from) });
      form(ruleBox, {
        title: `${L("cal-rule-edit", "Sửa quy định")} (${agencyName(r.agency_id)}, ${dmy(r.effective_from)})`, fields: RULE_FIELDS(), values, editing: true, prefix: "r",
        cancel: () => (ruleBox.innerHTML = ""),
        submit: async (body) => { await api(`/time-rules/${r.id}`, { method: "PATCH", body: ruleBody(body) }); await reload("Đã lưu quy định giờ làm việc."); },
      });
    }));
  }

  async function cataloguePage(host) {
    const fields = await api("/procedures/fields");
    host.innerHTML = `<div class="page-head"><h2>${esc(L("cat-title", "Danh mục thủ tục"))}</h2></div>` +
      (ctx.admin ? `<form class="panel" id="cat-form"><label for="cat-file">${esc(L("cat-import", "Nhập tệp danh mục (JSON, CSV hoặc XLSX)"))}</label>` +
        `<input type="file" id="cat-file" accept=".json,.csv,.xlsx"><div class="buttons"><button class="primary" type="submit">${esc(L("cat-do", "Nhập"))}</button></div>` +
        `<div class="message error" id="cat-message" role="alert"></div><div id="cat-result"></div></form>` : "") +
      `<div class="panel table-wrap"><p>${fields.total} ${en() ? "procedures" : "thủ tục"}</p>` +
      `<div class="message error" id="map-message" role="alert"></div><div class="message info" id="map-result"></div>` +
      `<table class="data" id="field-table"><thead><tr><th>${en() ? "Field" : "Lĩnh vực"}</th><th class="num">${en() ? "Procedures" : "Số thủ tục"}</th>` +
      `<th>${en() ? "Received at the queue of" : "Tiếp nhận tại hàng chờ"}</th></tr></thead><tbody>` +
      fields.items.map((f, i) => `<tr data-field-row="${i}"><td>${esc(f.field)}</td><td class="num">${f.count}</td><td>` +
        (ctx.admin ? `<select class="field-service" data-i="${i}" aria-label="${esc(f.field)}"><option value="">—</option>` +
          [...new Set(ctx.services.map((s) => s.code).concat(f.service_code ? [f.service_code] : []))].map((code) => {
            const svc = ctx.services.find((s) => s.code === code);
            return `<option value="${esc(code)}"${code === f.service_code ? " selected" : ""}>${esc(code)}${svc ? " — " + esc(svc.name) : (en() ? " (no such service here)" : " (trung tâm này không có)")}</option>`;
          }).join("") + `</select>` : esc(f.service_code || "—")) + `</td></tr>`).join("") + `</tbody></table></div>`;
    host.querySelectorAll(".field-service").forEach((sel) => sel.addEventListener("change", async () => {
      const f = fields.items[+sel.dataset.i];
      $("map-message").textContent = "";
      $("map-result").textContent = "";
      try {
        const r = await api("/procedures/field-service", { method: "PUT", body: { field: f.field, service_code: sel.value || null } });
        f.service_code = r.service_code;
        $("map-result").textContent = `${f.field}: ${r.updated} thủ tục được tiếp nhận tại ${r.service_code || "—"}.`;
      } catch (err) { $("map-message").textContent = err.message; }
    }));
    if (!ctx.admin) return;
    $("cat-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $("cat-message").textContent = "";
      const file = $("cat-file").files[0];
      if (!file) { $("cat-message").textContent = "Hãy chọn tệp cần nhập."; return; }
      const data = new FormData();
      data.append("file", file);
      const res = await fetch("/api/v1/procedures/import", { method: "POST", body: data, headers: { Authorization: "Bearer " + ctx.session.token } });
      const body = await res.json().catch(() => null);
      if (!res.ok) { $("cat-message").textContent = (body && body.error && body.error.message) || `Lỗi ${res.status}`; return; }
      $("cat-result").innerHTML = `<p class="result-summary" id="cat-summary">${esc(body.message)}</p>` +
        (body.rejected.length ? `<table class="data small"><thead><tr><th>${en() ? "Row" : "Dòng"}</th><th>${en() ? "Reason" : "Lý do"}</th></tr></thead><tbody>` +
          body.rejected.map((r) => `<tr><td>${esc(r.row)}</td><td>${esc(r.reason || r.message)}</td></tr>`).join("") + `</tbody></table>` : "");
    });
  }

  async function criteriaPage(host) {
    const current = await api("/ratings/criteria");
    host.innerHTML = `<div class="page-head"><h2>${esc(L("crit-title", "Tiêu chí đánh giá"))}</h2></div>` +
      `<div class="panel"><h3>${esc(L("crit-current", "Bộ tiêu chí đang dùng"))} (${current.id || "—"})</h3><ol>` +
      current.items.map((c) => `<li>${esc(c.label_vi)} <span class="muted small">${esc(c.code)}</span></li>`).join("") + `</ol></div><div id="crit-form"></div>`;
    form($("crit-form"), {
      title: L("crit-publish", "Ban hành bộ tiêu chí mới"),
      fields: [{ name: "items", label: "Mỗi dòng một tiêu chí: mã | nội dung (ví dụ: thai_do | Thái độ của cán bộ)", type: "textarea", rows: 6 }],
      values: { items: current.items.map((c) => `${c.code} | ${c.label_vi}`).join("\n") },
      submit: async (body) => {
        const items = String(body.items || "").split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
          const [code, ...rest] = l.split("|");
          return { code: code.trim(), label_vi: rest.join("|").trim() };
        });
        await api("/ratings/criteria", { method: "POST", body: { items } });
        await reload("Đã ban hành bộ tiêu chí mới; các đánh giá cũ giữ tiêu chí của chúng.");
      },
    });
  }

  async function auditPage(host) {
    const f = auditPage.filters || (auditPage.filters = {});
    host.innerHTML = `<div class="page-head"><h2>${esc(L("audit-title", "Nhật ký thay đổi"))}</h2>` +
      `<button id="audit-csv">${esc(L("audit-csv", "Xuất CSV"))}</button></div>` +
      `<form class="panel filters" id="audit-filters">` +
      `<div><label for="a-entity">${esc(L("what", "Đối tượng"))}</label><select id="a-entity" name="entity"><option value="">—</option>` +
      ["service", "counter", "centre", "agency", "user", "device", "time_rule", "calendar_day", "procedure_catalogue", "procedure_field", "rating_criteria"].map((e) => `<option${f.entity === e ? " selected" : ""}>${e}</option>`).join("") + `</select></div>` +
      `<div><label for="a-action">${esc(L("action", "Thao tác"))}</label><select id="a-action" name="action"><option value="">—</option>` +
      ["create", "update", "open", "paused", "closed", "revoke", "deactivate", "reset_password", "import", "map", "publish"].map((e) => `<option${f.action === e ? " selected" : ""}>${e}</option>`).join("") + `</select></div>` +
      `<div><label for="a-actor">${esc(L("who", "Người thực hiện"))}</label><input id="a-actor" name="actor_name" value="${esc(f.actor_name)}"></div>` +
      `<div><label for="a-text">${esc(en() ? "Words" : "Từ khóa")}</label><input id="a-text" name="text" value="${esc(f.text)}"></div>` +
      `<div><label for="a-from">${esc(en() ? "From" : "Từ ngày")}</label><input id="a-from" name="day_from" type="date" value="${esc(f.day_from)}"></div>` +
      `<div><label for="a-to">${esc(en() ? "To" : "Đến ngày")}</label><input id="a-to" name="day_to" type="date" value="${esc(f.day_to)}"></div>` +
      `<div><button class="primary" type="submit">${esc(L("filter", "Lọc"))}</button></div></form>` +
      `<div class="message error" id="audit-message" role="alert"></div>` +
      `<div class="panel table-wrap"><table class="data" id="audit-table"><thead><tr><th>${esc(L("when", "Thời điểm"))}</th><th>${esc(L("who", "Người thực hiện"))}</th>` +
      `<th>${esc(L("what", "Đối tượng"))}</th><th>${esc(L("action", "Thao tác"))}</th><th>${esc(L("change", "Trước → sau"))}</th></tr></thead><tbody></tbody></table></div>`;
    const query = () => new URLSearchParams(Object.entries(Object.assign({ centre_id: ctx.admin ? ctx.centreId : "" }, f)).filter(([, v]) => v)).toString();
    async function fill() {
      try {
        const rows = await api("/audit?" + query() + "&limit=200");
        host.querySelector("#audit-table tbody").innerHTML = rows.map((e) => `<tr data-entry="${e.id}"><td class="small">${new Date(e.at).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" })}</td>` +
          `<td>${esc(e.actor_name)} <span class="muted small">${esc(e.actor_role)}</span></td><td>${esc(e.entity)} ${esc(e.entity_id || "")}<br><span class="small">${esc(e.summary || "")}</span></td>` +
          `<td>${esc(e.action)}</td><td><pre class="diff">${esc(diffText(e))}</pre></td></tr>`).join("") ||
          `<tr><td colspan="5" class="muted">${en() ? "No entries." : "Không có mục nào."}</td></tr>`;
      } catch (err) { $("audit-message").textContent = err.message; }
    }
    $("audit-filters").addEventListener("submit", (ev) => {
      ev.preventDefault();
      for (const el of ev.target.querySelectorAll("[name]")) f[el.name] = el.value.trim();
      fill();
    });
    $("audit-csv").addEventListener("click", async () => {
      const res = await fetch("/api/v1/audit.csv?" + query(), { headers: { Authorization: "Bearer " + ctx.session.token } });
      if (!res.ok) { $("audit-message").textContent = `Lỗi ${res.status}`; return; }
      const a = document.createElement("a");
      a.href = URL.createObjectURL(await res.blob());
      a.download = "nhat-ky-quan-tri.csv";
      a.click();
    });
    await fill();
  }

  /* «Tin nhắn»: the texts the centre sends (GET /centres/{id}/notification-templates; admins change them) and
   * the notification outbox (GET /centres/{id}/notifications: admins and the centre's managers), newest first. */
  const NTF_STATES = { queued: ["warn", "chờ gửi", "queued"], sent: ["ok", "đã gửi", "sent"], failed: ["bad", "gửi lỗi", "failed"] };
  async function notificationsPage(host) {
    const c = ctx.centreId;
    const [templates, rows] = await Promise.all([api(`/centres/${c}/notification-templates`), api(`/centres/${c}/notifications?limit=200`)]);
    const labels = Object.fromEntries(templates.map((t) => [t.kind, t.label]));
    const when = (v) => (v ? new Date(v).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" }) : "—");
    host.innerHTML = `<div class="page-head"><h2>${esc(L("ntf-title", "Tin nhắn gửi công dân"))}</h2></div>` +
      `<div class="panel"><h3>${esc(L("tpl-title", "Mẫu tin nhắn"))}</h3><p class="muted small">${esc(L("tpl-help", "Mỗi loại tin nhắn có nội dung mặc định; trung tâm có thể sửa. Các ô trong {ngoặc nhọn} được điền khi gửi."))}</p>` +
      `<div class="table-wrap"><table class="data" id="tpl-table"><thead><tr><th>${esc(en() ? "Kind" : "Loại")}</th><th>${esc(en() ? "Text sent" : "Nội dung gửi")}</th><th></th><th></th></tr></thead><tbody>` +
      templates.map((t) => `<tr data-template="${esc(t.kind)}"><td>${esc(en() ? t.kind : t.label)}</td><td class="small">${esc(t.text)}</td>` +
        `<td>${t.overridden ? `<span class="badge warn">${esc(en() ? "changed" : "đã sửa")}</span>` : `<span class="muted small">${esc(en() ? "default" : "mặc định")}</span>`}</td>` +
        `<td><button class="row-action edit" data-template-edit="${esc(t.kind)}">${esc(ctx.admin ? L("edit", "Sửa") : en() ? "View" : "Xem")}</button></td></tr>`).join("") +
      `</tbody></table></div><div id="tpl-form"></div></div>` +
      (rows.length ? `<div class="panel table-wrap"><table class="data" id="ntf-table"><thead><tr><th>#</th>` +
        `<th>${esc(en() ? "Kind" : "Loại")}</th><th>${esc(en() ? "Phone" : "Số điện thoại")}</th><th>${esc(en() ? "Text" : "Nội dung")}</th>` +
        `<th>${esc(en() ? "State" : "Trạng thái")}</th><th>${esc(en() ? "Attempts" : "Số lần gửi")}</th>` +
        `<th>${esc(en() ? "Created" : "Tạo lúc")}</th><th>${esc(en() ? "Sent / next try" : "Gửi lúc / thử lại lúc")}</th><th>${esc(en() ? "Error" : "Lỗi")}</th></tr></thead><tbody>` +
        rows.map((n) => { const [tone, vi, eng] = NTF_STATES[n.state] || ["", n.state, n.state];
          return `<tr data-notification="${n.id}"><td>${n.id}</td><td>${esc(en() ? n.kind : labels[n.kind] || n.kind)}</td><td>${esc(n.phone_masked)}</td>` +
            `<td class="small">${esc(n.text)}</td><td><span class="badge ${tone}">${esc(en() ? eng : vi)}</span></td><td>${n.attempts}</td>` +
            `<td class="small">${when(n.created_at)}</td><td class="small">${when(n.sent_at || n.next_attempt_at)}</td><td class="small">${esc(n.last_error || "")}</td></tr>`; }).join("") +
        `</tbody></table></div>` : `<p class="muted">${esc(L("ntf-empty", "Chưa có tin nhắn nào."))}</p>`);
    const box = $("tpl-form");
    host.querySelectorAll("[data-template-edit]").forEach((b) => b.addEventListener("click", () => {
      const t = templates.find((x) => x.kind === b.dataset.templateEdit);
      const url = `/centres/${c}/notification-templates/${t.kind}`;
      const cells = Object.entries(t.placeholders).map(([name, what]) => `{${name}}: ${what}`).join("; ");
      const el = form(box, {
        title: `${L("tpl-edit", "Sửa mẫu")}: ${t.label}`, prefix: "tpl", values: { text: t.text },
        fields: [{ name: "text", label: `${en() ? "Text (placeholders" : "Nội dung (các ô"} — ${cells})`, type: "textarea", rows: 4 }],
        cancel: () => (box.innerHTML = ""),
        extra: ctx.admin && t.overridden ? `<button type="button" class="tpl-default">${esc(L("tpl-default", "Về nội dung mặc định"))}</button>` : "",
        submit: async (body) => { await api(url, { method: "PUT", body }); await reload(en() ? "Saved." : "Đã lưu mẫu tin nhắn."); },
      });
      el.insertAdjacentHTML("beforeend", `<p class="muted small">${esc(en() ? "Default" : "Mặc định")}: ${esc(t.default_text)}</p>`);
      const back = el.querySelector(".tpl-default");
      if (back) back.addEventListener("click", async () => {
        try { await api(url, { method: "DELETE" }); await reload(en() ? "Back to the default." : "Đã trở về nội dung mặc định."); }
        catch (err) { showErrors(el, err); }
      });
      el.querySelector("textarea").focus();
    }));
  }

  /* «Từ điển tìm kiếm»: the centre's own everyday names (phrase → a procedure's code) and synonyms
   * (phrase → the words meant), each with its source; searches from the centre's kiosks read them
   * from the next search on (GET/POST/DELETE /centres/{id}/search-terms; managers read). */
  const TERM_KINDS = { name: ["Tên thường gọi của thủ tục", "Everyday name of a procedure"], synonym: ["Từ đồng nghĩa", "Synonym"] };
  async function lexiconPage(host) {
    const c = ctx.centreId;
    const terms = await api(`/centres/${c}/search-terms`);
    const kind = (k) => (TERM_KINDS[k] || [k, k])[en() ? 1 : 0];
    host.innerHTML = `<div class="page-head"><h2>${esc(L("lex-title", "Từ điển tìm kiếm"))}</h2></div>` +
      `<p class="muted small">${esc(L("lex-help", "Cách người dân gọi thủ tục ở trung tâm này: khi tìm trên ki-ốt, cụm từ được hiểu là thủ tục (hoặc nghĩa) đã ghi. Mỗi mục ghi rõ nguồn."))}</p>` +
      (terms.length ? `<div class="panel table-wrap"><table class="data" id="lex-table"><thead><tr><th>${esc(L("lex-phrase", "Cụm từ người dân nói"))}</th>` +
        `<th>${esc(L("kind", "Loại"))}</th><th>${esc(L("lex-target", "Thủ tục / nghĩa"))}</th><th>${esc(L("lex-source", "Nguồn"))}</th>` +
        `<th>${esc(L("who", "Người thêm"))}</th><th></th></tr></thead><tbody>` +
        terms.map((t) => `<tr data-term="${t.id}"><td>${esc(t.phrase)}</td><td class="small">${esc(kind(t.kind))}</td>` +
          `<td>${t.kind === "name" ? `${esc(t.target)} — ${esc(t.target_name || "?")}` : esc(t.target)}</td><td class="small">${esc(t.source)}</td>` +
          `<td class="small">${esc(t.created_by)}</td><td>${ctx.admin ? `<button class="row-action" data-term-remove="${t.id}">${esc(L("delete", "Xóa"))}</button>` : ""}</td></tr>`).join("") +
        `</tbody></table><div class="message error" id="lex-message" role="alert"></div></div>` : `<p class="muted" id="lex-empty">${esc(L("lex-empty", "Trung tâm chưa thêm mục nào."))}</p>`) +
      `<div id="lex-form"></div>`;
    if (ctx.admin) {
      form($("lex-form"), {
        title: L("lex-new", "Thêm mục"), prefix: "lex",
        fields: [
          { name: "phrase", key: "lex-phrase", label: "Cụm từ người dân nói", required: true, placeholder: "sổ hồng" },
          { name: "kind", key: "kind", label: "Loại", type: "select", options: () => Object.keys(TERM_KINDS).map((k) => [k, kind(k)]) },
          { name: "target", key: "lex-target-input", label: "Mã thủ tục (ví dụ 1.001193) hoặc nghĩa của cụm từ", required: true },
          { name: "source", key: "lex-source", label: "Nguồn (ai đề nghị, vì sao)", required: true, wide: true },
        ],
        submit: async (body) => {
          await api(`/centres/${c}/search-terms`, { method: "POST", body });
          await reload(en() ? "Added: the kiosks' next search reads it." : "Đã thêm: lần tìm tiếp theo trên ki-ốt sẽ dùng mục này.");
        },
      });
    }
    host.querySelectorAll("[data-term-remove]").forEach((b) => b.addEventListener("click", async () => {
      const t = terms.find((x) => String(x.id) === b.dataset.termRemove);
      if (!confirm(`Xóa «${t.phrase}» khỏi từ điển tìm kiếm của trung tâm?`)) return;
      try { await api(`/centres/${c}/search-terms/${t.id}`, { method: "DELETE" }); await reload(en() ? "Deleted." : "Đã xóa."); }
      catch (err) { $("lex-message").textContent = err.message; }
    }));
  }

  function diffText(e) {
    const before = e.before || {}, after = e.after || {};
    const keys = [...new Set(Object.keys(before).concat(Object.keys(after)))];
    const days = en() ? WEEKDAYS_EN : WEEKDAYS;
    const show = (v, k) => (v === undefined ? "" : k === "hours" && Array.isArray(v)
      ? (v.map((h) => `${days[h.weekday]} ${hm(h.start)}–${hm(h.end)}` + (h.effective_from > "2000-01-01" ? ` (từ ${h.effective_from})` : "")).join(", ") || "—")
      : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
    return keys.map((k) => (e.before && e.after ? `${k}: ${show(before[k], k)} → ${show(after[k], k)}` : `${k}: ${show(e.after ? after[k] : before[k], k)}`)).join("\n");
  }

  // -- shell ------------------------------------------------------------------------------------
  const PAGES = { services: servicesPage, counters: countersPage, centres: centresPage, users: usersPage, devices: devicesPage,
    calendar: calendarPage, catalogue: cataloguePage, criteria: criteriaPage, audit: auditPage, notifications: notificationsPage, lexicon: lexiconPage };
  const ADMIN_ONLY = ["users"];

  function currentPage() {
    const name = location.hash.replace("#", "");
    return PAGES[name] && (ctx.admin || !ADMIN_ONLY.includes(name)) ? name : "services";
  }

  async function show(name) {
    document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.dataset.page === name));
    const host = $("page");
    try {
      await PAGES[name](host);
      host.dataset.page = name;
    } catch (err) {
      host.innerHTML = `<div class="message error">${esc(err.message)}</div>`;
    }
  }

  async function reload(message) {
    await load();
    await show(currentPage());
    if (message) flash(message);
  }

  MotcuaLogin.requireLogin(async (session) => {
    ctx.session = session;
    ctx.admin = session.user.role === "admin";
    $("who").textContent = `${session.user.full_name} · ${ROLES[session.user.role]}`;
    $("logout").addEventListener("click", MotcuaLogin.logout);
    $("readonly-note").hidden = ctx.admin;
    document.querySelectorAll("[data-admin-only]").forEach((a) => (a.hidden = !ctx.admin));
    ctx.centres = await api("/centres");
    ctx.centreId = session.user.centre_id && ctx.centres.some((c) => c.id === session.user.centre_id) ? session.user.centre_id : (ctx.centres[0] || {}).id;
    $("centre").innerHTML = ctx.centres.map((c) => `<option value="${c.id}"${c.id === ctx.centreId ? " selected" : ""}>${esc(c.name)}</option>`).join("");
    $("centre").addEventListener("change", () => { ctx.centreId = +$("centre").value; reload(); });
    $("once-close").addEventListener("click", () => $("once-dialog").close());
    window.addEventListener("hashchange", () => show(currentPage()));
    await load();
    await show(currentPage());
    document.body.dataset.ready = "1";
  });
})();
