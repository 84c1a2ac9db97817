/* Vietnamese first, English on request: elements carry data-i18n="key"; their Vietnamese text is
 * the page's own, the English comes from the page's dictionary. The choice is kept per browser. */
(function (global) {
  "use strict";
  const KEY = "motcua.lang";

  function lang() { try { return localStorage.getItem(KEY) === "en" ? "en" : "vi"; } catch (e) { return "vi"; } }

  function apply(root, dict) {
    const current = lang();
    document.documentElement.lang = current;
    root.querySelectorAll("[data-i18n]").forEach((el) => {
      if (el.dataset.vi === undefined) el.dataset.vi = el.innerHTML;
      const key = el.dataset.i18n;
      el.innerHTML = current === "en" && dict.en[key] !== undefined ? dict.en[key] : el.dataset.vi;
    });
  }

  /* Wires the switch button (#lang) and applies the stored choice; returns t(key, vi) for scripts. */
  function page(dict, { root = document, onChange } = {}) {
    apply(root, dict);
    const button = document.getElementById("lang");
    if (button) button.addEventListener("click", () => {
      try { localStorage.setItem(KEY, lang() === "en" ? "vi" : "en"); } catch (e) { /* private mode: this page only */ }
      apply(root, dict);
      if (onChange) onChange(lang());
    });
    return (key, vi) => (lang() === "en" && dict.en[key] !== undefined ? dict.en[key] : vi);
  }

  global.MotcuaI18n = { page, lang, apply };
})(window);
