"""``motcua-kiosk [--config FILE] [--windowed]``: start the kiosk (full screen by default)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys


def _parse(argv):
    parser = argparse.ArgumentParser(prog="motcua-kiosk", description="Motcua touch kiosk")
    parser.add_argument("--config", help="JSON configuration file (default: $MOTCUA_KIOSK_CONFIG)")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen (development)")
    parser.add_argument("--size", help="window size WxH when windowed (default 1920x1080, or 1080x1920 in portrait)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    from .config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"motcua-kiosk: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    width, height = (1920, 1080) if config.orientation == "landscape" else (1080, 1920)
    if args.size:
        width, height = (int(v) for v in args.size.lower().split("x"))
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "0" if args.windowed else "auto")
    Config.set("graphics", "resizable", "1" if args.windowed else "0")
    Config.set("kivy", "exit_on_escape", "1" if args.windowed else "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")

    from .app import KioskApp

    app = KioskApp(config, config_path=args.config or os.environ.get("MOTCUA_KIOSK_CONFIG"))
    asyncio.run(_run(app))
    return 0


async def _run(app) -> None:
    tasks = []
    if port := os.environ.get("MOTCUA_TEST_CONTROL_PORT"):  # set by tests only: see control_channel
        from control_channel import serve

        tasks.append(asyncio.create_task(serve(app, int(port))))
    try:
        await app.async_run(async_lib="asyncio")
    finally:
        for task in tasks:
            task.cancel()
        await app.controller.stop()


if __name__ == "__main__":
    sys.exit(main())
