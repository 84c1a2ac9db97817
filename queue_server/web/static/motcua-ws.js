/* Motcua event stream client (WS /ws?centre=&since=&token=), shared by boards, console and dashboards.
 *
 *   const stream = MotcuaStream.connect({centre, token, onSnapshot(data, seq), onEvent(msg), onStatus(online), onRevoked()});
 *
 * A snapshot replaces the caller's state; events arrive once, in seq order. After a config.updated
 * event (an administrator changed services, counters, the centre or a device) the client takes a
 * fresh snapshot, so pages show the new set-up without a reload. On any drop the client
 * reconnects with backoff (0.5 s doubling to 10 s, with jitter) and resumes from its last seq; a gap
 * (an event or heartbeat ahead of what we hold) forces a resume too, so state never goes stale.
 * A server admitting a reconnect storm closes the excess with 1013 and "retry_after_ms=N": the
 * client comes back after N to 1.5 N ms (docs/events.md).
 */
(function (global) {
  "use strict";

  function connect(opts) {
    const minDelay = opts.minDelayMs || 500;
    const maxDelay = opts.maxDelayMs || 10000;
    const silenceMs = opts.silenceMs || 35000; // no heartbeat for this long: the link is dead
    const state = { seq: null, online: false, closed: false, attempts: 0, connects: 0, ws: null, timer: null, watchdog: null };

    function url() {
      const base = opts.baseUrl || location.origin.replace(/^http/, "ws");
      const q = new URLSearchParams({ centre: String(opts.centre) });
      if (state.seq !== null) q.set("since", String(state.seq));
      if (opts.token) q.set("token", opts.token);
      return base + "/ws?" + q.toString();
    }

    function setOnline(value) {
      if (state.online === value) return;
      state.online = value;
      if (opts.onStatus) opts.onStatus(value);
    }

    // No frame for silenceMs (the server sends a heartbeat every 15 s), or no answer to the opening
    // handshake: the server hangs or the path to it is gone. Give the socket up at once: the browser
    // would wait for a closing handshake that a hung server never answers (Chromium: 60 s more).
    function feed(ws) {
      clearTimeout(state.watchdog);
      state.watchdog = setTimeout(() => abandon(ws), silenceMs);
    }

    function abandon(ws) {
      if (state.ws !== ws) return;
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(4000, "silent"); } catch (e) { /* already closing */ }
      closed(ws, { code: 4000, reason: "silent" });
    }

    function schedule(hintMs) {
      if (state.closed) return;
      const base = Math.min(maxDelay, minDelay * Math.pow(2, state.attempts));
      let delay = base / 2 + Math.random() * base / 2; // jitter, so a restarted server is not stampeded
      if (hintMs > 0) delay = Math.max(delay, hintMs * (1 + Math.random() / 2)); // the server said when
      state.attempts += 1;
      clearTimeout(state.timer);
      state.timer = setTimeout(open, delay);
    }

    function handle(msg) {
      if (msg.type === "snapshot") {
        state.seq = msg.seq;
        if (opts.onSnapshot) opts.onSnapshot(msg.data, msg.seq);
        return;
      }
      if (msg.type === "pong") return;
      if (msg.type === "heartbeat") {
        if (state.seq !== null && msg.seq > state.seq) state.ws.close(4001, "behind"); // missed something: resume
        return;
      }
      if (state.seq !== null && msg.seq <= state.seq) return; // already applied
      if (state.seq !== null && msg.seq !== state.seq + 1) { state.ws.close(4001, "gap"); return; }
      state.seq = msg.seq;
      if (opts.onEvent) opts.onEvent(msg);
      if (msg.type === "config.updated" && state.ws) { state.seq = null; state.ws.close(4002, "resync"); }
    }

    function open() {
      if (state.closed) return;
      let ws;
      try { ws = new WebSocket(url()); } catch (e) { schedule(); return; }
      state.ws = ws;
      feed(ws);
      ws.onopen = () => { state.connects += 1; feed(ws); };
      ws.onmessage = (ev) => {
        feed(ws);
        let msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        // Online once the server has answered: a snapshot, a replayed event or a heartbeat.
        state.attempts = 0;
        setOnline(true);
        handle(msg);
      };
      ws.onclose = (ev) => closed(ws, ev);
      ws.onerror = () => { /* onclose follows */ };
    }

    function closed(ws, ev) {
      clearTimeout(state.watchdog);
      if (state.ws === ws) state.ws = null;
      setOnline(false);
      if (ev.code === 4410) { // the device was revoked: never reconnect with this token
        state.closed = true;
        clearTimeout(state.timer);
        if (opts.onRevoked) opts.onRevoked();
        return;
      }
      if (ev.code === 4401 && opts.onAuthError) opts.onAuthError();
      if (ev.code === 4400 || ev.code === 4403) { if (opts.onAuthError) opts.onAuthError(); }
      const hint = ev.code === 1013 ? /^retry_after_ms=(\d+)$/.exec(ev.reason || "") : null;
      schedule(hint ? Math.min(60000, Number(hint[1])) : 0);
    }

    open();
    return {
      get seq() { return state.seq; },
      get online() { return state.online; },
      get connects() { return state.connects; },
      close() { state.closed = true; clearTimeout(state.timer); clearTimeout(state.watchdog); if (state.ws) state.ws.close(1000); },
    };
  }

  /* JSON over fetch with a bearer token; errors become {status, code, message} from the API's error body. */
  async function api(path, { token, method = "GET", body, form, headers = {} } = {}) {
    const h = Object.assign({ Accept: "application/json" }, headers);
    if (token) h.Authorization = "Bearer " + token;
    let payload;
    if (form) { payload = new URLSearchParams(form); }
    else if (body !== undefined) { payload = JSON.stringify(body); h["Content-Type"] = "application/json"; }
    let res;
    try {
      res = await fetch(path, { method, headers: h, body: payload });
    } catch (e) {
      throw { status: 0, code: "network", message: "Không kết nối được máy chủ. Vui lòng thử lại." };
    }
    if (res.status === 204) return null;
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      const err = (data && data.error) || {};
      throw { status: res.status, code: err.code || "http_" + res.status, message: err.message || "Lỗi máy chủ (" + res.status + ").", detail: err };
    }
    return data;
  }

  global.MotcuaStream = { connect, api };
})(window);
