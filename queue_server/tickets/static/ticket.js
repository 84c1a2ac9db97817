/* The visitor's ticket page: one ticket, live over WS /ws/t/<token> (no polling). The token is the
 * last part of the address (the QR printed on the ticket); nothing is stored on the phone. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const token = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
  const CHIME = "/web/sounds/chime.wav";
  const SILENCE_MS = 40000; // no heartbeat for this long: the link is dead, reconnect
  const page = { view: null, ws: null, attempts: 0, timer: null, watchdog: null, stopped: false, sound: null,
                 alerted: null, connects: 0 };
  window.__ticket = page;

  const hhmm = (iso) => new Date(iso).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });

  function minutesText(s) {
    const m = Math.max(1, Math.round(s / 60));
    if (m < 60) return `khoảng ${m} phút`;
    const h = Math.floor(m / 60), r = m % 60;
    return r ? `khoảng ${h} giờ ${r} phút` : `khoảng ${h} giờ`;
  }

  function show(id, on) { $(id).hidden = !on; }

  function turn(title, detail, kind) {
    show("turn", true);
    $("turn").className = "card turn" + (kind ? " " + kind : "");
    $("turn-title").textContent = title;
    $("turn-detail").textContent = detail || "";
  }

  function status(text) { show("status", !!text); $("status-text").textContent = text || ""; }

  function render(v) {
    document.body.classList.remove("loading");
    document.body.dataset.state = v.state;
    $("centre-name").textContent = v.centre_name;
    $("number").textContent = v.display_number;
    $("service").textContent = v.service_name;
    document.title = `${v.display_number} — ${v.service_name}`;
    show("turn", false); show("waiting", false); status("");
    const waiting = v.state === "waiting" || v.state === "transferred";
    const minutes = v.recall_minutes;
    $("missed-help").textContent = minutes > 0
      ? `Nếu bạn không có mặt khi được gọi, số của bạn được giữ ${minutes} phút: hãy đến quầy phục vụ ${v.service_name} và báo cán bộ để được gọi lại. Quá thời gian đó, vui lòng lấy số mới tại ki-ốt.`
      : `Nếu bạn không có mặt khi được gọi, vui lòng lấy số mới tại ki-ốt.`;

    if (v.expired) {
      status(`Số thứ tự này được cấp ngày ${v.service_day.split("-").reverse().join("/")} và chỉ có giá trị trong ngày đó. Vui lòng lấy số mới tại ki-ốt.`);
    } else if (waiting) {
      show("waiting", true);
      $("ahead").textContent = String(v.people_ahead);
      $("position").textContent = `thứ ${v.position}`;
      const [lo, hi] = v.estimated_wait_minutes;
      $("estimate").textContent = v.people_ahead === 0 ? "Sắp đến lượt bạn"
        : lo === hi ? minutesText(v.estimated_wait_s) : `khoảng ${Math.max(1, lo)}–${hi} phút`; // a range while unsure
      let note = v.people_ahead === 0 ? "Bạn là người tiếp theo. Hãy ở gần khu vực các quầy." : "Ước tính theo thời gian phục vụ gần đây; có thể thay đổi.";
      if (v.state === "transferred") note = `Số của bạn đã được chuyển sang ${v.service_name}; bạn giữ thứ tự theo giờ lấy số. ` + note;
      if (v.counters_open === 0) note = "Hiện chưa có quầy nào đang mở phục vụ dịch vụ này; thời gian chờ có thể lâu hơn ước tính.";
      $("estimate-note").textContent = note;
    } else if (v.state === "called") {
      turn(`Đã đến lượt — mời đến quầy ${v.counter_number}`,
           v.recall_count ? `Đã gọi lại lần ${v.recall_count}. Vui lòng đến ngay.` : "Vui lòng đến quầy ngay.");
    } else if (v.state === "serving") {
      status(`Bạn đang được phục vụ tại quầy ${v.counter_number}.`);
    } else if (v.state === "done") {
      status("Đã hoàn thành lượt phục vụ. Cảm ơn bạn đã đến Trung tâm; mời bạn đánh giá mức độ hài lòng trên máy tính bảng tại quầy.");
    } else if (v.state === "no_show") {
      const open = v.recall_until && Date.parse(v.recall_until) > Date.now();
      if (open) {
        turn("Bạn đã lỡ lượt", `Hãy đến quầy ${v.counter_number} và báo cán bộ để được gọi lại trước ${hhmm(v.recall_until)}.`, "missed");
        clearTimeout(page.expiry);
        page.expiry = setTimeout(() => render(page.view), Date.parse(v.recall_until) - Date.now() + 500);
      } else {
        turn("Bạn đã lỡ lượt", "Đã quá thời gian gọi lại. Vui lòng lấy số mới tại ki-ốt.", "missed");
      }
    } else if (v.state === "cancelled") {
      status("Số thứ tự này đã bị hủy. Nếu bạn vẫn cần làm thủ tục, vui lòng lấy số mới tại ki-ốt.");
    }
    // The service stopped issuing (paused, or outside its hours): said, whatever the ticket's state.
    show("service-notice", !!v.service_notice && (waiting || v.state === "no_show"));
    $("service-notice").textContent = v.service_notice || "";
    show("centre-notice", !!v.centre_notice);
    $("centre-notice").textContent = v.centre_notice;
    show("alerts", waiting && !v.expired);
    show("help", waiting && !v.expired);
  }

  // -- the call: vibration and chime where the browser allows ------------------------------------------
  function alertCall(v) {
    const key = `${v.counter_number}:${v.recall_count}`;
    if (page.alerted === key) return;
    page.alerted = key;
    $("turn").classList.remove("flash");
    void $("turn").offsetWidth;
    $("turn").classList.add("flash");
    try { if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 800]); } catch (e) { /* not allowed */ }
    if (page.sound) { page.sound.currentTime = 0; page.sound.play().catch(() => {}); }
  }

  $("enable-sound").addEventListener("click", () => {
    // A tap is what lets a phone play sound and vibrate later: play the chime once now.
    page.sound = page.sound || new Audio(CHIME);
    page.sound.play().then(() => {
      $("enable-sound").hidden = true;
      $("alerts-text").textContent = "Đã bật chuông. Giữ trang này mở: khi đến lượt, điện thoại đổ chuông, rung và trang hiện số quầy.";
    }).catch(() => { $("alerts-text").textContent = "Trình duyệt không cho phát âm thanh; trang vẫn hiện số quầy khi đến lượt."; });
    try { if (navigator.vibrate) navigator.vibrate(100); } catch (e) { /* not allowed */ }
  });

  function receive(v) {
    const before = page.view;
    page.view = v;
    render(v);
    if (v.state === "called" && (!before || before.state !== "called" || before.recall_count !== v.recall_count)) alertCall(v);
  }

  // -- the stream ----------------------------------------------------------------------------------------
  function setOnline(on) {
    document.body.dataset.online = on ? "1" : "0";
    $("link").textContent = on ? "" : "Đang kết nối lại…";
  }

  function feed() {
    clearTimeout(page.watchdog);
    page.watchdog = setTimeout(() => page.ws && page.ws.close(4000, "silent"), SILENCE_MS);
  }

  function schedule(minMs) {
    if (page.stopped) return;
    const base = Math.min(30000, 1000 * Math.pow(2, page.attempts));
    page.attempts += 1;
    clearTimeout(page.timer);
    page.timer = setTimeout(open, Math.max(minMs || 0, base / 2 + Math.random() * base / 2)); // jitter
  }

  function fatal(text) {
    page.stopped = true;
    document.body.classList.remove("loading");
    ["ticket", "turn", "waiting", "alerts", "help", "service-notice", "centre-notice"].forEach((id) => show(id, false));
    status(text);
    $("status-text").className = "error";
    setOnline(true);
  }

  function open() {
    if (page.stopped) return;
    let ws;
    try { ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws/t/" + encodeURIComponent(token)); }
    catch (e) { schedule(); return; }
    page.ws = ws;
    ws.onopen = () => { page.connects += 1; feed(); };
    ws.onmessage = (ev) => {
      feed();
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      page.attempts = 0;
      setOnline(true);
      if (msg.type === "ticket") receive(msg.data);
    };
    ws.onclose = (ev) => {
      clearTimeout(page.watchdog);
      if (page.ws === ws) page.ws = null;
      if (ev.code === 4404 || ev.code === 4400) { fatal("Không tìm thấy số thứ tự. Hãy quét lại mã QR trên phiếu."); return; }
      if (ev.code === 1000 && page.view) { page.stopped = true; setOnline(true); return; } // the visit is over: nothing more will change
      setOnline(false);
      schedule(ev.code === 4429 ? 60000 : 0);
    };
  }

  // A phone that wakes up reconnects at once instead of waiting out its backoff.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !page.ws && !page.stopped) { clearTimeout(page.timer); page.attempts = 0; open(); }
  });

  setOnline(false);
  open();
})();
