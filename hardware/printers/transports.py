"""Transports move bytes to a printer and read its status answers; nothing more.

All calls block. Optional libraries (pyserial, pyusb) are imported when the
device opens, so a kiosk without them still imports this package.
"""

from __future__ import annotations

import os
import select
import socket
import time
from pathlib import Path

from .emulator import EscposInterpreter, PaperState
from .errors import PrinterDependencyMissing, PrinterOffline

DEFAULT_TIMEOUT_S = 3.0


class Transport:
    """Base transport: ``can_read`` says whether status queries get answers."""

    can_read = False
    description = "?"

    def open(self) -> None:
        pass

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def query(self, command: bytes, reply_len: int = 1) -> bytes:
        """Send a real-time command and return its answer (only when ``can_read``)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class TcpTransport(Transport):
    """Raw TCP (port 9100, "JetDirect"), the usual interface of network receipt printers."""

    can_read = True

    def __init__(self, host: str, port: int = 9100, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.description = f"tcp {host}:{port}"
        self._sock: socket.socket | None = None

    def open(self) -> None:
        if self._sock is not None:
            return
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise PrinterOffline(detail=f"{self.description}: {exc}") from exc

    def _with_reconnect(self, action):
        """Run ``action(sock)``; a printer may have dropped an idle link, so retry once afresh."""
        for attempt in (1, 2):
            self.open()
            try:
                return action(self._sock)
            except (ConnectionError, BrokenPipeError) as exc:
                self.close()
                if attempt == 2:
                    raise PrinterOffline(detail=f"{self.description}: {exc}") from exc
            except TimeoutError as exc:
                self.close()
                raise PrinterOffline(detail=f"{self.description}: no answer in {self.timeout}s") from exc
            except OSError as exc:
                self.close()
                raise PrinterOffline(detail=f"{self.description}: {exc}") from exc

    def write(self, data: bytes) -> None:
        self._with_reconnect(lambda sock: sock.sendall(data))

    def query(self, command: bytes, reply_len: int = 1) -> bytes:
        def ask(sock: socket.socket) -> bytes:
            _drain(sock)
            sock.sendall(command)
            reply = b""
            while len(reply) < reply_len:
                chunk = sock.recv(reply_len - len(reply))
                if not chunk:
                    raise ConnectionResetError("printer closed the connection")
                reply += chunk
            return reply

        return self._with_reconnect(ask)

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None


def _drain(sock: socket.socket) -> None:
    """Drop stale bytes: printers also answer DLE EOT sequences that occur inside image data."""
    while select.select([sock], [], [], 0)[0]:
        if not sock.recv(4096):
            raise ConnectionResetError("printer closed the connection")


class SerialTransport(Transport):
    """RS-232 or USB-serial printers through pyserial."""

    can_read = True

    def __init__(self, device: str, baud: int = 9600, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.device, self.baud, self.timeout = device, baud, timeout
        self.description = f"serial {device} @ {baud}"
        self._port = None

    def open(self) -> None:
        if self._port is not None:
            return
        try:
            import serial
        except ImportError as exc:
            raise PrinterDependencyMissing(
                "Thiếu thư viện pyserial để dùng máy in cổng COM.", detail="pip install pyserial"
            ) from exc
        try:
            self._port = serial.serial_for_url(
                self.device, baudrate=self.baud, timeout=self.timeout, write_timeout=self.timeout
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PrinterOffline(detail=f"{self.description}: {exc}") from exc

    def write(self, data: bytes) -> None:
        self.open()
        import serial

        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise PrinterOffline(detail=f"{self.description}: {exc}") from exc

    def query(self, command: bytes, reply_len: int = 1) -> bytes:
        self.open()
        import serial

        try:
            self._port.reset_input_buffer()
            self._port.write(command)
            reply = self._port.read(reply_len)
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise PrinterOffline(detail=f"{self.description}: {exc}") from exc
        if len(reply) < reply_len:
            raise PrinterOffline(detail=f"{self.description}: no answer in {self.timeout}s")
        return reply

    def close(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            finally:
                self._port = None


class UsbTransport(Transport):
    """USB printer class devices through pyusb (libusb), found by vendor:product id."""

    can_read = True

    def __init__(self, vendor_id: int, product_id: int, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.vendor_id, self.product_id, self.timeout = vendor_id, product_id, timeout
        self.description = f"usb {vendor_id:04x}:{product_id:04x}"
        self._dev = self._out = self._in = None

    def open(self) -> None:
        if self._dev is not None:
            return
        try:
            import usb.core
            import usb.util
        except ImportError as exc:
            raise PrinterDependencyMissing(
                "Thiếu thư viện pyusb để dùng máy in USB.", detail="pip install pyusb"
            ) from exc
        try:
            dev = usb.core.find(idVendor=self.vendor_id, idProduct=self.product_id)
        except usb.core.NoBackendError as exc:
            raise PrinterDependencyMissing(
                "Thiếu thư viện libusb để dùng máy in USB.", detail="apt-get install libusb-1.0-0"
            ) from exc
        if dev is None:
            raise PrinterOffline(
                f"Không tìm thấy máy in USB {self.vendor_id:04x}:{self.product_id:04x}. Kiểm tra cáp và nguồn máy in.",
                detail=self.description,
            )
        try:
            if dev.is_kernel_driver_active(0):
                dev.detach_kernel_driver(0)  # usblp holds the interface otherwise
        except (NotImplementedError, usb.core.USBError):
            pass
        try:
            dev.set_configuration()
        except usb.core.USBError as exc:
            if getattr(exc, "errno", None) == 13:
                raise PrinterOffline(
                    "Không có quyền truy cập máy in USB (cần luật udev).", detail=f"{self.description}: {exc}"
                ) from exc
            # Already configured by the kernel: keep going.
        interface = dev.get_active_configuration()[(0, 0)]
        direction = usb.util.endpoint_direction
        self._out = usb.util.find_descriptor(
            interface, custom_match=lambda e: direction(e.bEndpointAddress) == usb.util.ENDPOINT_OUT
        )
        self._in = usb.util.find_descriptor(
            interface, custom_match=lambda e: direction(e.bEndpointAddress) == usb.util.ENDPOINT_IN
        )
        if self._out is None:
            raise PrinterOffline(detail=f"{self.description}: no OUT endpoint")
        self.can_read = self._in is not None
        self._dev = dev

    def write(self, data: bytes) -> None:
        self.open()
        import usb.core

        try:
            self._out.write(data, timeout=int(self.timeout * 1000))
        except usb.core.USBError as exc:
            self.close()
            raise PrinterOffline(detail=f"{self.description}: {exc}") from exc

    def query(self, command: bytes, reply_len: int = 1) -> bytes:
        self.open()
        import usb.core

        try:
            self._out.write(command, timeout=int(self.timeout * 1000))
            reply = bytes(self._in.read(self._in.wMaxPacketSize, timeout=int(self.timeout * 1000)))
        except usb.core.USBError as exc:
            self.close()
            raise PrinterOffline(detail=f"{self.description}: {exc}") from exc
        if len(reply) < reply_len:
            raise PrinterOffline(detail=f"{self.description}: no answer")
        return reply[-reply_len:]

    def close(self) -> None:
        if self._dev is not None:
            import usb.util

            usb.util.dispose_resources(self._dev)
        self._dev = self._out = self._in = None


class FileTransport(Transport):
    """A device node such as /dev/usb/lp0 (kernel usblp driver) or a plain file; write-only."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.description = f"file {path}"

    def write(self, data: bytes) -> None:
        try:
            with open(self.path, "ab") as fh:  # append: a capture file keeps every job
                fh.write(data)
        except OSError as exc:
            raise PrinterOffline(detail=f"{self.description}: {exc}") from exc


class EmulatorTransport(Transport):
    """Renders each job to ``job-NNNN.png`` in a folder and answers status like a printer."""

    can_read = True

    def __init__(
        self, directory: str, width_dots: int, code_pages: dict[int, str], state: PaperState | None = None
    ) -> None:
        self.directory = Path(directory)
        self.width_dots, self.code_pages = width_dots, code_pages
        self.state = state or PaperState()
        self.description = f"emulator {directory}"
        self.last_png: Path | None = None
        self.jobs = 0

    def open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrinterOffline(detail=f"{self.description}: {exc}") from exc

    def write(self, data: bytes) -> None:
        self.open()
        interpreter = EscposInterpreter(self.width_dots, self.state, self.code_pages)
        interpreter.feed(data)
        # Millisecond stamp + pid keep names unique when several kiosks share a folder.
        name = f"job-{time.strftime('%Y%m%d-%H%M%S')}-{int(time.time() * 1000) % 1000:03d}-{os.getpid()}-{self.jobs:04d}.png"
        path = self.directory / name
        interpreter.image().save(path)
        self.jobs += 1
        self.last_png = path

    def query(self, command: bytes, reply_len: int = 1) -> bytes:
        interpreter = EscposInterpreter(self.width_dots, self.state, self.code_pages)
        interpreter.feed(command)
        return b"".join(interpreter.responses)[:reply_len]
