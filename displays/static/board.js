/* What every board shares: the device token, the device's settings, the clock, the offline mark,
 * and the centre's state fed only by the event stream (a snapshot replaces it; events patch it). */
(function (global) {
  "use strict";
  const TOKEN_KEY = "motcua.board.token";
  const WEEKDAYS = { vi: ["Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"],
                     en: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] };
  const TEXT = {
    vi: { calling: "Mời số", counter: "Quầy", serving: "Đang phục vụ", waiting: "chờ", countersHead: "Quầy đang phục vụ",
          waitingHead: "Số người đang chờ", paused: "Tạm dừng", closed: "Đóng",
          offline: "Mất kết nối", to: "Quầy", none: "Chưa gọi số", noToken: "Thiết bị chưa có mã hoặc mã đã bị thu hồi.",
          revoked: "Thiết bị đã bị thu hồi.", revokedHint: "Liên hệ quản trị viên để được cấp mã mới.",
          sound: "Chạm vào màn hình để bật âm thanh" },
    en: { calling: "Now calling", counter: "Counter", serving: "Now serving", waiting: "waiting", countersHead: "Counters",
          waitingHead: "Waiting", paused: "Paused", closed: "Closed",
          offline: "Offline", to: "Counter", none: "No calls yet", noToken: "This device has no valid token.",
          revoked: "This device has been revoked.", revokedHint: "Ask the administrator for a new token.",
          sound: "Touch the screen to enable sound" },
  };
  const BOARD_VERSION = "1"; // this script's version, in the fleet list beside the browser's
  const HEARTBEAT_MS = 30000; // the server calls a device offline after 120 s of silence
  const RECENT_ANNOUNCE_MS = 60000; // calls replayed after a longer outage are shown, not read out

  function takeToken() {
    const url = new URL(location.href);
    const given = url.searchParams.get("token");
    if (given) {
      localStorage.setItem(TOKEN_KEY, given);
      url.searchParams.delete("token");
      history.replaceState(null, "", url.pathname + (url.search || "") + url.hash);
    }
    return localStorage.getItem(TOKEN_KEY);
  }

  const pad = (n) => String(n).padStart(2, "0");
  function clockText(lang, now = new Date()) {
    // The centre's wall clock (Asia/Ho_Chi_Minh), whatever zone the TV was set to.
    const parts = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Ho_Chi_Minh", weekday: "short", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false }).formatToParts(now).forEach((p) => (parts[p.type] = p.value));
    const wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday);
    return `${WEEKDAYS[lang][wd]}, ${parts.day}/${parts.month}/${parts.year} ${parts.hour === "24" ? "00" : parts.hour}:${parts.minute}`;
  }

  async function withRetry(path, token) {
    let delay = 500;
    for (;;) {
      try {
        return await MotcuaStream.api(path, { token });
      } catch (err) {
        if (err.status >= 400 && err.status < 500) throw err; // refused: say why, do not retry
        await new Promise((r) => setTimeout(r, delay)); // server not up yet (power cut): try again
        delay = Math.min(10000, delay * 2);
      }
    }
  }

  /* The device's token was revoked (docs/events.md, close 4410): the board stops showing the queue
   * at once, forgets the token and says so until someone enrols it again with a new one. */
  function showRevoked(t) {
    localStorage.removeItem(TOKEN_KEY);
    if (global.__board && global.__board.stream) global.__board.stream.close();
    const box = document.createElement("div");
    box.className = "revoked";
    box.id = "revoked";
    const head = document.createElement("div");
    head.textContent = t.revoked;
    const hint = document.createElement("small");
    hint.textContent = t.revokedHint;
    box.append(head, hint);
    document.body.replaceChildren(box);
    document.body.dataset.revoked = "1";
  }

  function blink(el) {
    if (!el) return;
    el.classList.remove("blink");
    void el.offsetWidth; // restart the animation
    el.classList.add("blink");
  }

  /* Every 30 s: alive, with the script's and the browser's versions and whether sound can play. */
  function startHeartbeats(token, announcer) {
    const chrome = (navigator.userAgent.match(/Chrom(e|ium)\/([\d.]+)/) || [])[2];
    const version = "board " + BOARD_VERSION + (chrome ? " · Chromium " + chrome : "");
    const beat = () => {
      if (document.body.dataset.revoked) return;
      const hardware = announcer ? { audio: announcer.muted ? "muted" : "ok" } : {};
      MotcuaStream.api("/api/v1/devices/me/heartbeat", { token, method: "POST", body: { app_version: version.slice(0, 60), hardware } })
        .catch(() => {}); // offline: the stream's mark says so; the next beat tries again
    };
    beat();
    setInterval(beat, HEARTBEAT_MS);
  }

  /* Why this board shows nothing: said in the middle of the screen, where whoever set up the TV looks. */
  function refuse(message) {
    const box = document.getElementById("refused");
    document.getElementById("centre-name").textContent = box ? "" : message;
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    document.body.classList.add("is-refused");
  }

  /* start({render, wantsAnnouncements, check}) — render(state, change) redraws; check: the API path
   * the server must allow for this device before the board shows anything (403: it says why). */
  async function start({ render, wantsAnnouncements, check }) {
    const token = takeToken();
    const offline = document.getElementById("offline");
    if (!token) { refuse(TEXT.vi.noToken); return; }
    let device, checked = null;
    try {
      device = await withRetry("/api/v1/devices/me", token);
      if (check) checked = await withRetry(check, token);
    } catch (err) {
      if (err.code === "device_revoked") showRevoked(TEXT.vi);
      else refuse(err.message || TEXT.vi.noToken);
      return;
    }
    const settings = device.settings || {};
    const lang = settings.language === "en" ? "en" : "vi";
    const t = TEXT[lang];
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-t]").forEach((el) => (el.textContent = t[el.dataset.t]));
    offline.textContent = t.offline;
    const hint = document.getElementById("sound-hint");
    if (hint) hint.textContent = t.sound;
    const tick = () => (document.getElementById("clock").textContent = clockText(lang));
    tick();
    setInterval(tick, 1000);

    const announceOn = settings.announce !== undefined ? !!settings.announce : wantsAnnouncements;
    const announcer = announceOn ? createAnnouncer({ token, language: lang }) : null;
    const state = { centre: null, services: new Map(), counters: new Map(), calls: [], settings, lang, t, device, checked };
    const services = settings.services && settings.services.length ? new Set(settings.services) : null;
    const counters = settings.counters && settings.counters.length ? new Set(settings.counters) : null;
    state.showsService = (id) => !services || services.has(id);
    state.showsCounter = (number) => !counters || counters.has(number);

    function addCall(brief) {
      state.calls = [brief].concat(state.calls.filter((c) => c.id !== brief.id)).slice(0, 8);
    }

    const stream = MotcuaStream.connect({
      centre: device.centre_id,
      token,
      onStatus(online) { offline.hidden = online; document.body.dataset.online = online ? "1" : "0"; },
      onRevoked() { showRevoked(t); },
      onSnapshot(data) {
        state.centre = data.centre;
        state.services = new Map(data.services.map((s) => [s.id, s]));
        state.counters = new Map(data.counters.map((c) => [c.id, c]));
        state.calls = data.recent_calls.filter((c) => state.showsService(c.service_id)).slice(0, 8);
        render(state, { type: "snapshot" });
      },
      onEvent(msg) {
        const d = msg.data;
        switch (msg.type) {
          case "ticket.called":
          case "ticket.recalled": {
            if (!state.showsService(d.service_id) || !state.showsCounter(d.counter_number)) return;
            addCall(d);
            const fresh = Date.now() - Date.parse(msg.at || 0) < RECENT_ANNOUNCE_MS;
            if (announcer && fresh) {
              announcer.announce({ ticket_id: d.id, display_number: d.display_number, counter_number: d.counter_number,
                                   kind: msg.type === "ticket.called" ? "call" : "recall" });
            }
            break;
          }
          case "counter.updated": state.counters.set(d.id, d); break;
          case "queue.updated":
            d.services.forEach((s) => state.services.set(s.id, Object.assign({}, state.services.get(s.id) || {}, s)));
            break;
          case "notice.updated":
            if (state.centre) {
              state.centre.notice = d.notice;
              if ("calendar_notice" in d) state.centre.calendar_notice = d.calendar_notice; // a holiday, an announced change
            }
            break;
          // Its own settings (layout, language, services shown) changed in /admin: start again with them.
          case "config.updated": if (d.entity === "device" && d.id === device.id) location.reload(); return;
          default: return;
        }
        render(state, msg);
      },
    });
    global.__board = { state, stream };
    startHeartbeats(token, announcer);
  }

  // The scrolling band: today's holiday or an announced change of hours first, then the centre's own notice.
  const noticeText = (centre) => [centre.calendar_notice, centre.notice].filter(Boolean).join("   •   ");
  global.Board = { start, blink, clockText, noticeText };
})(window);
