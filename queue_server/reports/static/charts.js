/* Small SVG bar charts, drawn locally (no chart library, no CDN).
 *   MotcuaCharts.bars(el, {labels, series: [{name, values, color}], unit, height})
 */
(function (global) {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";

  function node(tag, attrs, text) {
    const n = document.createElementNS(NS, tag);
    for (const k in attrs) n.setAttribute(k, attrs[k]);
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function bars(el, opts) {
    const labels = opts.labels || [];
    const series = opts.series || [];
    const width = el.clientWidth || 600;
    const height = opts.height || 220;
    const pad = { l: 44, r: 10, t: 26, b: 34 };
    const svg = node("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": opts.title || "" });
    const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.map((v) => v || 0))));
    const plotW = width - pad.l - pad.r;
    const plotH = height - pad.t - pad.b;
    for (let i = 0; i <= 4; i++) {
      const y = pad.t + plotH - (plotH * i) / 4;
      svg.appendChild(node("line", { x1: pad.l, x2: width - pad.r, y1: y, y2: y, stroke: "#d5dbe3" }));
      svg.appendChild(node("text", { x: pad.l - 6, y: y + 4, "text-anchor": "end", "font-size": 11, fill: "#5b6878" },
        String(Math.round((max * i) / 4 * 10) / 10)));
    }
    const group = plotW / Math.max(1, labels.length);
    const barW = Math.max(2, (group * 0.8) / Math.max(1, series.length));
    labels.forEach((label, i) => {
      series.forEach((s, j) => {
        const v = s.values[i] || 0;
        const h = (plotH * v) / max;
        const x = pad.l + i * group + group * 0.1 + j * barW;
        const rect = node("rect", { x, y: pad.t + plotH - h, width: barW - 1, height: h, fill: s.color });
        rect.appendChild(node("title", {}, `${label}: ${s.name} ${v}${opts.unit || ""}`));
        svg.appendChild(rect);
      });
      svg.appendChild(node("text", { x: pad.l + i * group + group / 2, y: height - pad.b + 14, "text-anchor": "middle",
        "font-size": 11, fill: "#14202e" }, String(label)));
    });
    let lx = pad.l;
    series.forEach((s) => {
      svg.appendChild(node("rect", { x: lx, y: 6, width: 12, height: 12, fill: s.color }));
      const t = node("text", { x: lx + 16, y: 16, "font-size": 12, fill: "#14202e" }, s.name);
      svg.appendChild(t);
      lx += 28 + s.name.length * 7;
    });
    el.replaceChildren(svg);
  }

  global.MotcuaCharts = { bars };
})(window);
