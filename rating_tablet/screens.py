"""The five screens. Each reads the app's properties and calls its methods; none talks to the server."""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import DictProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

# The kiosk's on-screen keyboard (Vietnamese letters and tones by touch): a tablet has no keyboard
# either, and the comment box must not depend on one popping up.
from kiosk.keyboard import OnScreenKeyboard  # noqa: F401  (used by comment.kv)


class WelcomeScreen(Screen):
    pass


class OverallScreen(Screen):
    def choose(self, level: str) -> None:
        App.get_running_app().choose_overall(level)


class CriterionRow(BoxLayout):
    """One criterion with its three levels; a second tap on the chosen level clears it."""

    code = StringProperty()
    label = StringProperty()
    texts = DictProperty()

    def choose(self, level: str, down: bool) -> None:
        app = App.get_running_app()
        if down:
            app.set_criterion(self.code, level)
        elif app.draft is not None and app.draft["criteria"].get(self.code) == level:
            app.set_criterion(self.code, None)


class CriteriaScreen(Screen):
    def on_pre_enter(self, *_):
        app = App.get_running_app()
        box = self.ids.rows
        box.clear_widgets()
        for item in app.criteria:
            box.add_widget(CriterionRow(code=item["code"], label=item["label_vi"], texts=app.t))

    def done(self) -> None:
        App.get_running_app().go("comment")


class CommentScreen(Screen):
    def on_pre_enter(self, *_):
        self.ids.comment.text = ""
        self.ids.keyboard.target = self.ids.comment

    def send(self) -> None:
        App.get_running_app().finish(self.ids.comment.text)

    def skip(self) -> None:
        App.get_running_app().finish(None)


class ThanksScreen(Screen):
    _back = None

    def on_enter(self, *_):
        app = App.get_running_app()
        self._back = Clock.schedule_once(lambda _dt: app.go("welcome"), app.config_.thanks_timeout_s)

    def on_leave(self, *_):
        if self._back is not None:
            self._back.cancel()
