"""Pictures for the screen: a QR code and camera frames as Kivy textures."""

from __future__ import annotations

import qrcode
from kivy.graphics.texture import Texture


def qr_texture(text: str, box_size: int = 10):
    """A crisp black-on-white QR code texture (nearest-neighbour, so phones read it off the screen)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=3)
    qr.add_data(text)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    texture = Texture.create(size=image.size, colorfmt="rgb")
    # Kivy's origin is bottom-left: flip the rows.
    texture.blit_buffer(image.transpose(1).tobytes(), colorfmt="rgb", bufferfmt="ubyte")
    texture.mag_filter = texture.min_filter = "nearest"
    return texture


def frame_texture(frame, texture=None):
    """A camera frame (BGR numpy array) as a texture, reusing ``texture`` when the size matches."""
    height, width = frame.shape[:2]
    if texture is None or texture.size != (width, height):
        texture = Texture.create(size=(width, height), colorfmt="bgr")
    texture.blit_buffer(frame[::-1].tobytes(), colorfmt="bgr", bufferfmt="ubyte")
    return texture
