/* Manager login shared by /dashboard and /reports: token kept for the browser tab (sessionStorage). */
(function (global) {
  "use strict";
  const KEY = "motcua.manager";

  function saved() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  /* Shows the login form until a manager or admin logs in, then calls start({token, user}). */
  const FORM = `<h2></h2><form id="login-form">
    <label for="username">Tên đăng nhập</label><input id="username" name="username" autocomplete="username" required>
    <label for="password">Mật khẩu</label><input id="password" name="password" type="password" autocomplete="current-password" required>
    <p><button class="primary" type="submit">Đăng nhập</button></p>
    <div id="login-message" class="message error"></div></form>`;

  function requireLogin(start) {
    const box = document.getElementById("login-screen");
    box.innerHTML = FORM;
    box.querySelector("h2").textContent = box.dataset.title;
    const form = document.getElementById("login-form");
    const message = document.getElementById("login-message");
    const screen = document.getElementById("login-screen");
    const app = document.getElementById("app");
    function go(session) { screen.hidden = true; app.hidden = false; start(session); }
    const s = saved();
    if (s) { go(s); return; }
    screen.hidden = false; app.hidden = true;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      message.textContent = "";
      try {
        const res = await MotcuaStream.api("/api/v1/auth/token", { method: "POST", form: {
          username: form.username.value.trim(), password: form.password.value } });
        if (!["admin", "manager"].includes(res.user.role)) {
          message.textContent = "Chỉ lãnh đạo và quản trị viên được xem trang này.";
          return;
        }
        const session = { token: res.access_token, user: res.user };
        sessionStorage.setItem(KEY, JSON.stringify(session));
        go(session);
      } catch (err) { message.textContent = err.message; }
    });
  }

  function logout() { sessionStorage.removeItem(KEY); location.reload(); }

  const fmt = {
    min(s) { return s === null || s === undefined ? "–" : (s / 60).toFixed(1).replace(".", ",") + " phút"; },
    pct(v) { return v === null || v === undefined ? "–" : String(v).replace(".", ",") + " %"; },
    n(v) { return v === null || v === undefined ? "–" : String(v); },
  };

  global.MotcuaLogin = { requireLogin, logout, fmt };
})(window);
