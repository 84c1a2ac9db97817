"""Command line: `python -m hardware.voice {read,call,say,chime} …`."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .announcement import DEFAULT_TEMPLATE, announcement_text
from .announcer import CHIME_FILE, Announcer, VoiceError
from .audio import make_chime, write_wav_atomically
from .numbers import NumberStyle, read_number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hardware.voice", description=__doc__)
    parser.add_argument("--thousand", choices=("nghìn", "ngàn"), default="nghìn")
    parser.add_argument("--zero-tens", choices=("linh", "lẻ"), default="linh")
    parser.add_argument("--four-after-tens", choices=("tư", "bốn"), default="tư")
    commands = parser.add_subparsers(dest="command", required=True)
    read = commands.add_parser("read", help="print a number in words")
    read.add_argument("number", type=int)
    for name, help_text in (("call", "render the call for a ticket"), ("say", "render any sentence")):
        command = commands.add_parser(name, help=help_text)
        if name == "call":
            command.add_argument("ticket")
            command.add_argument("counter")
            command.add_argument("--template", default=DEFAULT_TEMPLATE)
        else:
            command.add_argument("text")
        command.add_argument("--out", type=Path, required=True, help="where to copy the WAV")
        command.add_argument("--cache-dir", type=Path, default=Path(".voice-cache"))
        command.add_argument("--clips-dir", type=Path)
        command.add_argument("--no-chime", action="store_true")
        command.add_argument("--speed", type=int, default=150)
    chime = commands.add_parser("chime", help="regenerate the shipped chime WAV")
    chime.add_argument("--out", type=Path, default=CHIME_FILE)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    style = NumberStyle(args.thousand, args.zero_tens, args.four_after_tens)
    try:
        if args.command == "read":
            print(read_number(args.number, style))
            return 0
        if args.command == "chime":
            print(write_wav_atomically(args.out, make_chime()))
            return 0
        template = getattr(args, "template", DEFAULT_TEMPLATE)
        announcer = Announcer(
            args.cache_dir,
            template=template,
            style=style,
            clips_dir=args.clips_dir,
            chime=not args.no_chime,
            speed=args.speed,
        )
        if args.command == "call":
            print(announcement_text(args.ticket, args.counter, template, style))
            wav = announcer.wav_for_call(args.ticket, args.counter)
        else:
            wav = announcer.wav_for_text(args.text)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(wav, args.out)
        print(args.out)
        return 0
    except (ValueError, VoiceError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
