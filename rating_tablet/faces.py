"""The three rating faces, drawn with the Kivy canvas (no image files to ship or fetch)."""

from __future__ import annotations

from kivy.graphics import Color, Ellipse, Line
from kivy.properties import OptionProperty
from kivy.uix.widget import Widget

# fill colour and mouth curvature (+ smile, − frown) per level
STYLE = {
    "rat_hai_long": ((0.18, 0.65, 0.30), 1.0),
    "hai_long": ((0.55, 0.76, 0.25), 0.45),
    "chua_hai_long": ((0.90, 0.42, 0.20), -0.6),
}


class Face(Widget):
    level = OptionProperty("hai_long", options=list(STYLE))

    def __init__(self, **kw):
        super().__init__(**kw)
        self.bind(pos=self._draw, size=self._draw, level=self._draw)

    def _draw(self, *_):
        (r, g, b), curve = STYLE[self.level]
        d = min(self.width, self.height)
        x0, y0 = self.center_x - d / 2, self.center_y - d / 2
        self.canvas.clear()
        with self.canvas:
            Color(r, g, b, 1)
            Ellipse(pos=(x0, y0), size=(d, d))
            Color(0.12, 0.12, 0.12, 1)
            eye = d * 0.1
            for ex in (0.33, 0.67):
                Ellipse(pos=(x0 + d * ex - eye / 2, y0 + d * 0.6), size=(eye, eye * 1.3))
            # mouth: a quadratic curve whose middle dips for a smile and rises for a frown
            mx, my, half = self.center_x, y0 + d * 0.32, d * 0.22
            Line(
                bezier=[mx - half, my, mx, my - curve * d * 0.16, mx + half, my], width=max(2.0, d * 0.035), cap="round"
            )
