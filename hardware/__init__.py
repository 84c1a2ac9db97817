"""Device drivers behind small interfaces: printers, scanners, audio.

Each kind of device is chosen by a URL and has an emulator that is a real
implementation. This package imports nothing from the apps or the server.
"""
