"""`motcua-tablet [--config FILE] [--windowed]`: the counter rating tablet, full screen by default."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="motcua-tablet", description="Máy đánh giá mức độ hài lòng tại quầy")
    parser.add_argument("--config", help="JSON configuration file (default: $MOTCUA_TABLET_CONFIG)")
    parser.add_argument(
        "--windowed", action="store_true", help="a 1280×800 window instead of full screen (development)"
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from .config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"motcua-tablet: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our flags are not Kivy's
    from kivy.config import Config

    fullscreen = config.fullscreen and not args.windowed
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    if not fullscreen:
        Config.set("graphics", "width", "1280")
        Config.set("graphics", "height", "800")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")

    from kivy.core.text import DEFAULT_FONT, LabelBase

    from hardware.fonts import font_path

    # DejaVu covers every Vietnamese diacritic; shipped with the project, never fetched.
    LabelBase.register(DEFAULT_FONT, fn_regular=str(font_path()), fn_bold=str(font_path(bold=True)))

    from .app import RatingTabletApp

    app = RatingTabletApp(config, config_path=args.config or os.environ.get("MOTCUA_TABLET_CONFIG"))

    async def run():
        control = None
        if port := os.environ.get("MOTCUA_TEST_CONTROL_PORT"):  # set by tests only: see control_channel
            from control_channel import serve

            control = asyncio.create_task(serve(app, int(port)))
        try:
            await app.async_run(async_lib="asyncio")
        finally:
            if control is not None:
                control.cancel()
            if app.link is not None:
                await app.link.aclose()
            app.outbox.close()

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
