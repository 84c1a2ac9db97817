"""``motcua-hw``: what a technician types to find, test and emulate devices.

Subcommands: printers, print-test, render, decode, read-number, announce.
Exit codes: 0 done, 1 device error (message in Vietnamese on stderr), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

# Kinds of scanned payload that carry personal data: their raw text stays masked.
_PERSONAL_KINDS = {"citizen_id"}


def _list_printers(args: argparse.Namespace) -> int:
    found = 0
    try:
        import usb.core

        # bInterfaceClass 7 is the USB printer class; many ESC/POS printers declare it.
        for dev in usb.core.find(find_all=True):
            is_printer = any(intf.bInterfaceClass == 7 for cfg in dev for intf in cfg)
            if is_printer:
                print(f"usb     escpos+usb://{dev.idVendor:04x}:{dev.idProduct:04x}")
                found += 1
    except ImportError:
        print("(pyusb chưa được cài: bỏ qua máy in USB)")
    except Exception as exc:  # no libusb backend, no permission: say so, keep listing serial ports
        print(f"(không liệt kê được thiết bị USB: {exc})")
    try:
        from serial.tools import list_ports

        for port in list_ports.comports():
            print(f"serial  escpos+serial://{port.device}?baud=9600    {port.description}")
            found += 1
    except ImportError:
        print("(pyserial chưa được cài: bỏ qua cổng COM)")
    if not found:
        print("Không tìm thấy máy in USB hay cổng COM nào. Máy in mạng: dùng escpos+tcp://ĐỊA_CHỈ:9100.")
    return 0


def _print_test(args: argparse.Namespace) -> int:
    from hardware.printers import PrinterError, TicketPrint, open_printer

    ticket = TicketPrint(
        centre_name="Trung tâm Phục vụ hành chính công",
        service_name="In thử – Hộ tịch, Chứng thực",
        display_number="A-0001",
        issued_at=datetime.now(),
        people_ahead=3,
        estimated_wait_s=600,
        qr_url=args.qr,
        priority_label=None,
        note="Bản in thử: tiếng Việt có dấu — Đăng ký khai sinh, Ủy quyền, Thừa kế.",
    )
    try:
        printer = open_printer(args.url)
        status = printer.test_connection()
        printer.print_ticket(ticket)
    except PrinterError as exc:
        print(f"Lỗi máy in [{exc.code}]: {exc}", file=sys.stderr)
        return 1 if exc.code != "printer_config" else 2
    print(
        json.dumps(
            {"printed": True, "status": status.as_dict(), "png": str(printer.last_png) if printer.last_png else None},
            ensure_ascii=False,
        )
    )
    printer.close()
    return 0


def _render(args: argparse.Namespace) -> int:
    from hardware.printers import EscposDecodeError
    from hardware.printers.emulator import render_escpos

    try:
        data = Path(args.bytes_file).read_bytes()
    except OSError as exc:
        print(f"Không đọc được tệp {args.bytes_file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        image = render_escpos(data, args.width)
    except EscposDecodeError as exc:
        print(f"Dữ liệu in không hợp lệ: {exc.detail}", file=sys.stderr)
        return 2
    image.save(args.out)
    print(json.dumps({"out": str(args.out), "width": image.width, "height": image.height}))
    return 0


def _decode(args: argparse.Namespace) -> int:
    from hardware.payloads import parse_payload
    from hardware.scanners import ScannerError, decode_file

    status = 0
    for image in args.images:
        try:
            texts = decode_file(image)
        except ScannerError as exc:
            print(f"{image}: {exc}", file=sys.stderr)
            status = 1
            continue
        for raw in texts:
            payload = parse_payload(raw)
            shown = raw if args.show_raw or payload.kind not in _PERSONAL_KINDS else "***"
            print(
                json.dumps(
                    {"image": str(image), "raw": shown, "kind": payload.kind, "fields": payload.as_dict()},
                    ensure_ascii=False,
                    default=str,
                )
            )
    return status


def _read_number(args: argparse.Namespace) -> int:
    from hardware.voice import read_number

    try:
        print(read_number(args.number))
    except ValueError as exc:
        print(f"Số không hợp lệ: {exc}", file=sys.stderr)
        return 2
    return 0


def _announce(args: argparse.Namespace) -> int:
    from hardware.voice import Announcer, VoiceError

    cache = Path(args.cache_dir) if args.cache_dir else Path(tempfile.gettempdir()) / "motcua-voice-cache"
    try:
        wav = Announcer(cache).wav_for_call(args.number, args.counter)
    except ValueError as exc:
        print(f"Dữ liệu không hợp lệ: {exc}", file=sys.stderr)
        return 2
    except VoiceError as exc:
        print(f"Không tạo được lời gọi: {exc}", file=sys.stderr)
        return 1
    shutil.copyfile(wav, args.out)
    print(json.dumps({"out": str(args.out)}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="motcua-hw", description="Công cụ thiết bị Motcua QMS (máy in, máy quét, loa)."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("printers", help="liệt kê máy in USB và cổng COM").set_defaults(handler=_list_printers)

    p = sub.add_parser("print-test", help="in một phiếu thử có tiếng Việt và mã QR")
    p.add_argument("url", metavar="PRINTER_URL", help="ví dụ escpos+tcp://192.168.1.50:9100 hoặc emulator://out/")
    p.add_argument("--qr", default="http://motcua.local/t/in-thu", help="nội dung mã QR")
    p.set_defaults(handler=_print_test)

    p = sub.add_parser("render", help="vẽ tệp lệnh ESC/POS thành ảnh PNG (máy in giả lập)")
    p.add_argument("bytes_file", metavar="BYTES_FILE")
    p.add_argument("--out", required=True, metavar="PNG")
    p.add_argument("--width", type=int, default=576, choices=(384, 576))
    p.set_defaults(handler=_render)

    p = sub.add_parser("decode", help="đọc mã QR/mã vạch trong ảnh, mỗi mã một dòng JSON")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--show-raw", action="store_true", help="in nguyên văn cả dữ liệu cá nhân (CCCD)")
    p.set_defaults(handler=_decode)

    p = sub.add_parser("read-number", help="đọc số thành chữ tiếng Việt")
    p.add_argument("number", type=int, metavar="N")
    p.set_defaults(handler=_read_number)

    p = sub.add_parser("announce", help="tạo tệp WAV lời gọi số")
    p.add_argument("number", metavar="NUMBER")
    p.add_argument("counter", metavar="COUNTER")
    p.add_argument("--out", required=True, metavar="WAV")
    p.add_argument("--cache-dir", default=None)
    p.set_defaults(handler=_announce)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
