// The booking page (/hen): service → day → slot → name and phone → booking code and QR; a booking
// found by its code and phone can be moved or cancelled; where a service allows it, a number is
// taken from the phone (lấy số từ xa) and followed on its ticket page. Everything goes through the public
// booking API; every refusal is shown in the server's own words beside the field it concerns,
// and nothing typed is cleared.
"use strict";

const API = "/api/v1";
const WEEKDAYS = ["Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"];
const CENTRE_OFFSET_MS = 7 * 3600 * 1000; // Việt Nam: UTC+7, no daylight saving
const $ = (id) => document.getElementById(id);
const state = { services: [], book: {}, manage: {}, remote: {} };
window.__hen = state;

async function call(method, path, body) {
  try {
    const r = await fetch(API + path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await r.json().catch(() => ({}));
    return { ok: r.ok, status: r.status, data, error: (data && data.error) || null };
  } catch (e) {
    return { ok: false, status: 0, data: {}, error: { code: "offline", message: "Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại." } };
  }
}

// -- time, in the centre's zone whatever the phone's ----------------------------------------------
function centreParts(iso) {
  const d = new Date(new Date(iso).getTime() + CENTRE_OFFSET_MS);
  const two = (n) => String(n).padStart(2, "0");
  return {
    day: `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`,
    hhmm: `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`,
  };
}
function dayLabel(day) {
  const [y, m, d] = day.split("-").map(Number);
  return `${WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]}, ${String(d).padStart(2, "0")}/${String(m).padStart(2, "0")}/${y}`;
}
function daysBetween(first, last) {
  const out = [];
  for (let t = Date.parse(first + "T00:00:00Z"); t <= Date.parse(last + "T00:00:00Z"); t += 86400000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

// -- messages beside the fields -------------------------------------------------------------------
function say(id, message) {
  const el = $(id);
  el.textContent = message || "";
  el.hidden = !message;
  const input = el.previousElementSibling;
  if (input && input.tagName === "INPUT") input.setAttribute("aria-invalid", message ? "true" : "false");
}
function clear(...ids) { ids.forEach((id) => say(id, "")); }

/** Show an API refusal beside its field: `where` maps error codes (and validated field names) to
 *  message elements; anything else goes to `fallback`. */
function showRefusal(error, where, fallback) {
  if (error.code === "invalid_input" && error.fields && error.fields.length) {
    const rest = [];
    for (const f of error.fields) {
      const id = where[f.field];
      if (id) say(id, f.problem.charAt(0).toUpperCase() + f.problem.slice(1) + ".");
      else rest.push(`${f.field}: ${f.problem}`);
    }
    if (rest.length) say(fallback, `${error.message} ${rest.join("; ")}`);
    return;
  }
  say(where[error.code] || fallback, error.message);
}

// -- choosing a day and a slot (booking and moving a booking alike) ------------------------------
function choiceButton(text, small, onPick) {
  const b = document.createElement("button");
  b.type = "button";
  b.setAttribute("aria-pressed", "false");
  b.append(text);
  if (small) { const s = document.createElement("small"); s.textContent = small; b.append(s); }
  b.addEventListener("click", () => {
    b.parentElement.querySelectorAll("button").forEach((o) => o.setAttribute("aria-pressed", String(o === b)));
    onPick();
  });
  return b;
}

/** The working days the service takes bookings on (those the API gives slots for), as buttons. */
async function showDays(box, errorId, service, onPick) {
  box.replaceChildren(Object.assign(document.createElement("p"), { className: "muted", textContent: "Đang tải các ngày…" }));
  const days = daysBetween(service.first_day, service.last_day);
  const answers = await Promise.all(days.map((day) => call("GET", `/appointments/slots?service_id=${service.id}&date=${day}`)));
  box.replaceChildren();
  answers.forEach((r, i) => {
    if (!r.ok || !r.data.length) return; // a day off: not offered
    const free = r.data.reduce((n, s) => n + s.available, 0);
    const b = choiceButton(dayLabel(days[i]), free ? `còn ${free} chỗ` : "hết chỗ", () => onPick(days[i]));
    b.dataset.day = days[i];
    box.append(b);
  });
  if (!box.children.length) say(errorId, "Dịch vụ này hiện không còn ngày nào nhận đặt lịch.");
}

/** The day's slots as buttons (full ones disabled); a refusal of the day is shown at `dayErrorId`. */
async function showSlots(box, dayErrorId, service, day, onPick) {
  box.replaceChildren();
  const r = await call("GET", `/appointments/slots?service_id=${service.id}&date=${day}`);
  if (!r.ok) { say(dayErrorId, r.error.message); return; }
  for (const slot of r.data) {
    const b = choiceButton(centreParts(slot.start).hhmm, slot.available ? `còn ${slot.available} chỗ` : "Hết chỗ", () => onPick(slot));
    b.dataset.start = slot.start;
    b.disabled = slot.available === 0;
    box.append(b);
  }
}

// -- booking --------------------------------------------------------------------------------------
const BOOK_FIELDS = {
  slot_full: "book-slot-error", not_a_slot: "book-slot-error", start: "book-slot-error",
  booking_day_closed: "book-day-error", booking_day_out_of_range: "book-day-error", booking_not_offered: "book-day-error",
  already_booked: "phone-error", invalid_phone: "phone-error", phone: "phone-error", full_name: "full-name-error",
};

function showServices() {
  const box = $("services");
  box.replaceChildren();
  const bookable = state.services.filter((s) => s.booking_enabled);
  if (!bookable.length) {
    box.append(Object.assign(document.createElement("p"), { className: "muted", textContent: "Hiện chưa có dịch vụ nào nhận đặt lịch hẹn." }));
    return;
  }
  for (const service of bookable) {
    box.append(choiceButton(service.name, `mỗi lượt ${service.slot_minutes} phút`, () => pickService(service)));
  }
}

function pickService(service) {
  state.book = { service };
  clear("book-day-error", "book-slot-error", "book-error");
  $("book-day-card").hidden = false;
  $("book-slot-card").hidden = true;
  $("book-who-card").hidden = true;
  showDays($("book-days"), "book-day-error", service, pickDay);
}

function pickDay(day) {
  state.book.day = day;
  state.book.slot = null;
  clear("book-day-error", "book-slot-error", "book-error");
  $("book-slot-card").hidden = false;
  $("book-who-card").hidden = true;
  return showSlots($("book-slots"), "book-day-error", state.book.service, day, pickSlot);
}

function pickSlot(slot) {
  state.book.slot = slot;
  clear("book-slot-error", "book-error");
  $("book-who-card").hidden = false;
  $("book-summary").textContent = `${state.book.service.name} — ${centreParts(slot.start).hhmm}, ${dayLabel(state.book.day)}`;
  $("full-name").focus();
}

async function submitBooking(event) {
  event.preventDefault();
  clear("full-name-error", "phone-error", "book-slot-error", "book-day-error", "book-error");
  const { service, day, slot } = state.book;
  if (!slot) { say("book-slot-error", "Vui lòng chọn giờ hẹn."); return; }
  $("book-submit").disabled = true;
  const r = await call("POST", "/appointments", {
    service_id: service.id, start: slot.start, full_name: $("full-name").value.trim(), phone: $("phone").value.trim(),
    notify: $("notify").checked, // consent, recorded with the phone
  });
  $("book-submit").disabled = false;
  if (r.ok) { showBooking(r.data, "Đã đặt lịch hẹn"); $("book").hidden = true; return; }
  if (r.error.code === "slot_full") { // the places changed meanwhile: show them afresh, then why
    await pickDay(day);
    $("book-who-card").hidden = false;
    state.book.slot = null;
  }
  showRefusal(r.error, BOOK_FIELDS, "book-error");
}

// -- the booking's card ---------------------------------------------------------------------------
function showBooking(a, title) {
  const start = centreParts(a.start), end = centreParts(a.end);
  $("booked-title").textContent = title;
  $("booked-code").textContent = a.code;
  $("booked-service").textContent = a.service_name;
  $("booked-when").textContent = `${start.hhmm}–${end.hhmm}, ${dayLabel(start.day)}`;
  $("booked-status").textContent = a.status_label;
  $("booked-name").textContent = a.full_name;
  $("booked-phone").textContent = a.phone_masked;
  const active = a.status === "booked";
  $("booked-qr").hidden = !active;
  if (active) $("booked-qr").src = "/hen/qr/" + encodeURIComponent(a.qr_url.split("/").pop());
  $("booked-help").textContent = active
    ? `Đến trung tâm từ ${centreParts(a.checkin_from).hhmm} đến ${centreParts(a.checkin_until).hhmm}, quét mã QR này ` +
      "(hoặc nhập mã lịch hẹn) tại máy lấy số để nhận số thứ tự ưu tiên. Hãy chụp màn hình hoặc ghi lại mã lịch hẹn."
    : "";
  $("booked").hidden = false;
  $("booked").scrollIntoView({ block: "start" });
}

// -- change or cancel -----------------------------------------------------------------------------
const MANAGE_FIELDS = { booking_not_found: "manage-code-error", invalid_phone: "manage-phone-error", phone: "manage-phone-error" };
const MOVE_FIELDS = {
  ...MANAGE_FIELDS, slot_full: "move-slot-error", not_a_slot: "move-slot-error", start: "move-slot-error",
  booking_day_closed: "move-day-error", booking_day_out_of_range: "move-day-error", already_booked: "move-error",
};

function ref() { return { code: $("manage-code").value.trim(), phone: $("manage-phone").value.trim() }; }

async function findBooking(event) {
  event.preventDefault();
  clear("manage-code-error", "manage-phone-error", "manage-error", "cancel-error", "move-error");
  $("booked").hidden = true;
  $("manage-actions").hidden = true;
  const { code, phone } = ref();
  if (!code) { say("manage-code-error", "Vui lòng nhập mã lịch hẹn."); return; }
  const r = await call("POST", `/appointments/${encodeURIComponent(code)}/find`, { phone });
  if (!r.ok) { showRefusal(r.error, MANAGE_FIELDS, "manage-error"); return; }
  showManaged(r.data, "Lịch hẹn của bạn");
}

function showManaged(a, title) {
  state.manage = { appointment: a };
  showBooking(a, title);
  $("manage-actions").hidden = a.status !== "booked";
  $("reschedule").hidden = true;
  $("cancel-booking").textContent = "Hủy lịch hẹn";
  delete $("cancel-booking").dataset.armed;
}

async function cancelBooking() {
  const button = $("cancel-booking");
  clear("cancel-error");
  if (!button.dataset.armed) { // a second tap confirms: no browser dialog on a phone
    button.dataset.armed = "1";
    button.textContent = "Bấm lần nữa để xác nhận hủy lịch";
    return;
  }
  const { code, phone } = ref();
  const r = await call("POST", `/appointments/${encodeURIComponent(code)}/cancel`, { phone });
  if (!r.ok) { showRefusal(r.error, MANAGE_FIELDS, "cancel-error"); return; }
  showManaged(r.data, "Đã hủy lịch hẹn");
}

function startReschedule() {
  const a = state.manage.appointment;
  const service = state.services.find((s) => s.id === a.service_id && s.booking_enabled);
  clear("move-day-error", "move-slot-error", "move-error");
  $("reschedule").hidden = false;
  $("move-slots").replaceChildren();
  if (!service) { say("move-day-error", "Dịch vụ này hiện không nhận đặt lịch, không thể đổi giờ hẹn."); return; }
  state.manage.service = service;
  showDays($("move-days"), "move-day-error", service, (day) => {
    state.manage.day = day;
    state.manage.slot = null;
    clear("move-day-error", "move-slot-error", "move-error");
    showSlots($("move-slots"), "move-day-error", service, day, (slot) => { state.manage.slot = slot; clear("move-slot-error", "move-error"); });
  });
}

async function submitReschedule() {
  clear("move-day-error", "move-slot-error", "move-error");
  const { slot, day, service } = state.manage;
  if (!slot) { say("move-slot-error", "Vui lòng chọn giờ hẹn mới."); return; }
  const { code, phone } = ref();
  const r = await call("POST", `/appointments/${encodeURIComponent(code)}/reschedule`, { phone, start: slot.start });
  if (r.ok) { showManaged(r.data, "Đã đổi lịch hẹn"); return; }
  if (r.error.code === "slot_full") {
    state.manage.slot = null;
    await showSlots($("move-slots"), "move-day-error", service, day, (s) => { state.manage.slot = s; });
  }
  showRefusal(r.error, MOVE_FIELDS, "move-error");
}

// -- a number from the phone (lấy số từ xa) ------------------------------------------------------
const REMOTE_FIELDS = {
  invalid_phone: "remote-phone-error", phone: "remote-phone-error", remote_already_taken: "remote-phone-error",
  service_id: "remote-service-error",
};

function showRemoteServices() {
  const box = $("remote-services");
  box.replaceChildren();
  state.remote = {};
  for (const service of state.services.filter((s) => s.remote_enabled)) {
    box.append(choiceButton(service.name, "", () => { state.remote.service = service; clear("remote-service-error", "remote-error"); }));
  }
}

async function submitRemote(event) {
  event.preventDefault();
  clear("remote-service-error", "remote-phone-error", "remote-error");
  const { service } = state.remote;
  if (!service) { say("remote-service-error", "Vui lòng chọn dịch vụ."); return; }
  $("remote-submit").disabled = true;
  const r = await call("POST", "/appointments/remote-ticket", { service_id: service.id, phone: $("remote-phone").value.trim() });
  $("remote-submit").disabled = false;
  // Every refusal (not offered, the hour's numbers all taken, this phone already has one today,
  // outside issuing hours or a day off) is the server's own sentence.
  if (!r.ok) { showRefusal(r.error, REMOTE_FIELDS, "remote-error"); return; }
  const t = r.data;
  $("remote-number").textContent = t.display_number;
  $("remote-service").textContent = t.service_name;
  $("remote-ahead").textContent = t.people_ahead ? `Còn ${t.people_ahead} người trước bạn` : "Không còn ai trước bạn";
  $("remote-track").href = t.track_url;
  $("remote-rule").textContent = t.absence_rule;
  $("remote").hidden = true;
  $("remote-taken").hidden = false;
  $("remote-taken").scrollIntoView({ block: "start" });
}

// -- tabs and start -------------------------------------------------------------------------------
function showTab(tab) {
  for (const name of ["book", "remote", "manage"]) {
    $("tab-" + name).setAttribute("aria-selected", String(tab === name));
    $(name).hidden = tab !== name;
  }
  $("manage-actions").hidden = true;
  $("booked").hidden = true;
  $("remote-taken").hidden = true;
}

async function start() {
  $("tab-book").addEventListener("click", () => showTab("book"));
  $("tab-remote").addEventListener("click", () => showTab("remote"));
  $("tab-manage").addEventListener("click", () => showTab("manage"));
  $("remote").addEventListener("submit", submitRemote);
  $("remote-again").addEventListener("click", () => { showTab("remote"); showRemoteServices(); });
  $("book").addEventListener("submit", submitBooking);
  $("manage").addEventListener("submit", findBooking);
  $("cancel-booking").addEventListener("click", cancelBooking);
  $("show-reschedule").addEventListener("click", startReschedule);
  $("move-submit").addEventListener("click", submitReschedule);
  for (const input of document.querySelectorAll("input")) { // typing again takes the field's refusal away
    const error = input.nextElementSibling;
    if (error && error.classList.contains("field-error")) input.addEventListener("input", () => say(error.id, ""));
  }
  $("booked-again").addEventListener("click", () => {
    showTab("book");
    $("book-who-card").hidden = true;
    $("book-slot-card").hidden = true;
    $("book-day-card").hidden = true;
    showServices();
  });
  const r = await call("GET", "/appointments/services");
  if (!r.ok) { say("page-error", r.error.message); return; }
  state.services = r.data;
  if (r.data.length) $("centre-name").textContent = `Đặt lịch hẹn — ${r.data[0].centre_name}`;
  showServices();
  showRemoteServices();
  $("tab-remote").hidden = !r.data.some((s) => s.remote_enabled);
  state.ready = true;
}

start();
