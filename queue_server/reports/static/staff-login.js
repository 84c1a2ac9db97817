/* Manager sign-in for /dashboard and /reports: the browser's one staff sign-in (MotcuaStaff, shared
 * with the console), so Báo cáo opened in a new tab does not ask again. */
(function (global) {
  "use strict";
  const MANAGERS = ["admin", "manager"];

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
    // Signed out (or in as someone else) in another tab: this page follows.
    let current = MotcuaStaff.get();
    MotcuaStaff.onChange((s) => { if (!s || !current || s.user.id !== current.user.id) location.reload(); });
    if (current && MANAGERS.includes(current.user.role)) { go(current); return; }
    if (current) message.textContent = `Tài khoản ${current.user.full_name || current.user.username} không được xem trang này; hãy đăng nhập bằng tài khoản lãnh đạo hoặc quản trị viên.`;
    screen.hidden = false; app.hidden = true;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      message.textContent = "";
      try {
        const res = await MotcuaStream.api("/api/v1/auth/token", { method: "POST", form: {
          username: form.username.value.trim(), password: form.password.value } });
        if (!MANAGERS.includes(res.user.role)) {
          message.textContent = "Chỉ lãnh đạo và quản trị viên được xem trang này.";
          return;
        }
        current = MotcuaStaff.save(res);
        go(current);
      } catch (err) { message.textContent = err.message; }
    });
  }

  function logout() { MotcuaStaff.clear(); location.reload(); }

  const fmt = {
    min(s) { return s === null || s === undefined ? "–" : (s / 60).toFixed(1).replace(".", ",") + " phút"; },
    pct(v) { return v === null || v === undefined ? "–" : String(v).replace(".", ",") + " %"; },
    n(v) { return v === null || v === undefined ? "–" : String(v); },
  };

  global.MotcuaLogin = { requireLogin, logout, fmt };
})(window);
