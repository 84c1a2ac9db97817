"""The rating tablet app: state in App properties, one screen per step of a rating."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, DictProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from .config import TabletConfig
from .outbox import Outbox
from .screens import CommentScreen, CriteriaScreen, OverallScreen, ThanksScreen, WelcomeScreen
from .texts import TEXTS

log = logging.getLogger(__name__)
KV_DIR = Path(__file__).resolve().parent / "kv"
SCREENS = {
    "welcome": WelcomeScreen,
    "overall": OverallScreen,
    "criteria": CriteriaScreen,
    "comment": CommentScreen,
    "thanks": ThanksScreen,
}


class RatingTabletApp(App):
    t = DictProperty()  # the texts of the configured language
    counter_number = NumericProperty(0)
    officer_name = StringProperty("")
    officer_title = StringProperty("")
    officer_photo = StringProperty("")
    connected = BooleanProperty(False)
    problem = StringProperty("")
    pending_count = NumericProperty(0)
    criteria = ListProperty()
    request = DictProperty()  # the rating.requested being answered: display_number, officer, …

    def __init__(self, config: TabletConfig, config_path: str | None = None, **kw):
        super().__init__(**kw)
        self.config_ = config
        self.config_path = config_path  # where a scanned enrolment is written
        self.t = TEXTS[config.language]
        self.title = self.t["title"]
        self.outbox = Outbox(config.outbox_path)
        self.criteria_version: int | None = None
        self.draft: dict | None = None
        self.last_activity = 0.0
        self._tasks: list[asyncio.Task] = []
        self.link = None

    # -- building -------------------------------------------------------------------------
    def build(self):
        for name in ["common", *SCREENS]:
            Builder.load_file(str(KV_DIR / f"{name}.kv"))
        manager = ScreenManager(transition=NoTransition())
        for name, cls in SCREENS.items():
            manager.add_widget(cls(name=name))
        Window.bind(on_touch_down=self.touched)
        Clock.schedule_interval(self._check_idle, 1.0)
        self.set_outbox_counts(self.outbox.counts())
        return manager

    def on_start(self):
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._connect()))

    async def _connect(self) -> None:
        from .link import Link

        if not self.config_.device_token:  # first start: enrol by the camera first
            from .enrol import enrol

            self.config_ = await enrol(self.config_, self.config_path, lambda key: self.set_problem(self.t[key]))
            self.set_problem("")
        self.link = Link(self, self.config_, self.outbox)
        await self.link.run()

    def on_stop(self):
        for task in self._tasks:
            task.cancel()

    # -- called by the link (server side) ----------------------------------------------------
    def show_counter(self, view: dict) -> None:
        self.counter_number = view.get("number") or 0
        officer = view.get("officer") or {}
        self.officer_name = officer.get("full_name") or ""
        self.officer_title = officer.get("title") or ""
        photo = officer.get("photo_url") or ""
        if photo and photo.startswith("/"):
            photo = self.config_.server_url.rstrip("/") + photo
        self.officer_photo = photo if self.config_.show_photo else ""

    def set_criteria(self, version: dict) -> None:
        self.criteria_version = version.get("id")
        self.criteria = list(version.get("items") or [])

    def set_connected(self, connected: bool) -> None:
        self.connected = connected
        if connected:
            self.problem = ""

    def set_problem(self, message: str) -> None:
        self.problem = message

    def set_outbox_counts(self, counts: dict) -> None:
        self.pending_count = counts.get("pending", 0)

    def start_rating(self, request: dict) -> None:
        """A ticket was completed at this counter: ask its visitor (a newer request replaces an unanswered one)."""
        self._save_draft()
        officer = request.get("officer") or {}
        self.request = {
            "ticket_id": request["ticket_id"],
            "display_number": request.get("display_number", ""),
            "officer": officer.get("full_name") or self.officer_name,
        }
        self.draft = {"ticket_id": request["ticket_id"], "criteria": {}}
        self.go("overall")

    # -- called by the screens --------------------------------------------------------------
    def go(self, screen: str) -> None:
        self.last_activity = Clock.get_boottime()
        self.root.current = screen

    def choose_overall(self, level: str) -> None:
        if self.draft is None:
            return
        self.draft["overall"] = level
        self.draft["rated_at"] = datetime.now(UTC).isoformat()
        self.go("criteria" if self.criteria else "comment")

    def set_criterion(self, code: str, level: str | None) -> None:
        if self.draft is None:
            return
        if level is None:
            self.draft["criteria"].pop(code, None)
        else:
            self.draft["criteria"][code] = level

    def finish(self, comment: str | None) -> None:
        if self.draft is not None and comment and comment.strip():
            self.draft["comment"] = comment.strip()[:1000]
        self._save_draft()
        self.go("thanks")

    def _save_draft(self) -> None:
        """Into the outbox (committed) before anything else happens; the sender takes it from there."""
        draft, self.draft = self.draft, None
        if draft is None or "overall" not in draft:
            return
        body = {
            "ticket_id": draft["ticket_id"],
            "overall": draft["overall"],
            "rated_at": draft["rated_at"],
            "criteria": draft["criteria"],
        }
        if draft["criteria"] and self.criteria_version:
            body["criteria_version"] = self.criteria_version
        if draft.get("comment"):
            body["comment"] = draft["comment"]
        self.outbox.add(body)
        self.set_outbox_counts(self.outbox.counts())
        if self.link is not None:
            self.link.wake.set()

    # -- idle -------------------------------------------------------------------------------
    def touched(self, *_):
        self.last_activity = Clock.get_boottime()

    # -- the test control channel (control_channel; absent unless a test enables it) ------------------
    def control_state(self) -> dict:
        return {
            "officer": self.officer_name,
            "counter_number": self.counter_number,
            "connected": self.connected,
            "outbox": self.outbox.counts(),
        }

    def control_commands(self) -> dict:
        """``prompt``: as if ``rating.requested`` had arrived with the request's ``data``."""
        return {"prompt": lambda request: self.start_rating(request["data"])}

    def _check_idle(self, _dt):
        if self.root.current in ("welcome", "thanks"):
            return
        if Clock.get_boottime() - self.last_activity > self.config_.idle_timeout_s:
            self._save_draft()  # a visitor who tapped a face and walked away still counts
            self.go("welcome")
