"""QR codes for printed tickets, drawn by segno as SVG: no image files, no network."""

import io

import segno


def qr_svg_data_uri(url: str, scale: int = 4) -> str:
    """A data: URI of an SVG QR code for `url`, for an <img src> the CSP allows."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_data_uri(scale=scale, border=4, dark="#000", light="#fff")


def qr_svg(url: str, scale: int = 4) -> bytes:
    """A QR code for `url` as a standalone SVG file (with its namespace), for img and phones."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", scale=scale, border=2, title=url
    )
    return buffer.getvalue()
