/* One staff sign-in per browser, shared by the console, the dashboard and the reports: a page opened
 * in a new tab (Báo cáo from the dashboard, a second console) finds the sign-in already there.
 * Kept in localStorage until the token's own expiry (MOTCUA_ACCESS_TOKEN_MINUTES) or "Đăng xuất",
 * which signs the browser out in every tab at once (the storage event). */
(function (global) {
  "use strict";
  const KEY = "motcua.staff";

  function expiry(token) {
    try {
      const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return typeof claims.exp === "number" ? claims.exp * 1000 : null;
    } catch (e) { return null; }
  }

  /** {token, user, expires_at} of the browser's signed-in staff member, or null. */
  function get() {
    let s = null;
    try { s = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { s = null; }
    if (!s || !s.token || !s.user) return null;
    if (s.expires_at && Date.now() >= s.expires_at) { localStorage.removeItem(KEY); return null; }
    return s;
  }

  /** Keep the answer of POST /api/v1/auth/token as the browser's sign-in. */
  function save(res) {
    const s = { token: res.access_token, user: res.user, expires_at: expiry(res.access_token) };
    localStorage.setItem(KEY, JSON.stringify(s));
    return s;
  }

  function clear() { localStorage.removeItem(KEY); }

  /** cb(session or null) when another tab signs in or out. */
  function onChange(cb) {
    global.addEventListener("storage", (ev) => { if (ev.key === KEY || ev.key === null) cb(get()); });
  }

  global.MotcuaStaff = { get, save, clear, onChange };
})(window);
