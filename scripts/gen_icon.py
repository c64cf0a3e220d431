#!/usr/bin/env python3
"""Draw the 128x128 Apps icons of the addons with Pillow (run with .venv/bin/python):

    scripts/gen_icon.py credit_management/static/description/icon.png
    scripts/gen_icon.py credit_management_stock/static/description/icon.png stock

A white shield with a red-orange-green gauge on Odoo's purple; the bridge's has a
parcel in the corner. Drawn at 4x and reduced, for smooth edges.
"""

import math
import sys

from PIL import Image, ImageDraw

S = 4 * 128  # drawn at 4x, then reduced (anti-aliasing)
PURPLE = (113, 75, 103, 255)  # Odoo's #714B67
TEAL = (1, 126, 132, 255)  # Odoo's #017E84
LIGHT = (255, 255, 255, 255)
ORANGE = (243, 156, 18, 255)
RED = (214, 69, 65, 255)
GREEN = (40, 167, 69, 255)


def shield(draw, box, fill):
    x0, y0, x1, y1 = box
    w = x1 - x0
    top = y0 + 0.12 * w
    pts = [(x0, top)]
    # top edge with a shallow notch in the middle
    pts += [(x0 + 0.5 * w, y0), (x1, top)]
    # sides down then curve to the point
    steps = 40
    for i in range(steps + 1):
        t = i / steps
        x = x1 - (0.5 * w) * (t**1.6)
        y = (
            top + (y1 - top) * (0.55 + 0.45 * math.sin(t * math.pi / 2))
            if t > 0
            else top
        )
        pts.append((x, y))
    for i in range(steps, -1, -1):
        t = i / steps
        x = x0 + (0.5 * w) * (t**1.6)
        y = (
            top + (y1 - top) * (0.55 + 0.45 * math.sin(t * math.pi / 2))
            if t > 0
            else top
        )
        pts.append((x, y))
    draw.polygon(pts, fill=fill)


def main(path, variant):
    img = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, S - 1, S - 1), radius=int(S * 0.18), fill=PURPLE)
    m = S * 0.17
    shield(d, (m, S * 0.12, S - m, S * 0.90), LIGHT)
    # gauge: a half ring in three colours, inside the shield
    cx, cy, r = S / 2, S * 0.56, S * 0.24
    ring = S * 0.065
    box = (cx - r, cy - r, cx + r, cy + r)
    for start, end, colour in ((180, 240, RED), (240, 300, ORANGE), (300, 360, GREEN)):
        d.arc(box, start, end, fill=colour, width=int(ring))
    # needle pointing to the green zone
    angle = math.radians(-35)
    tip = (
        cx + (r - ring * 0.3) * math.cos(angle),
        cy + (r - ring * 0.3) * math.sin(angle),
    )
    d.line((cx, cy, *tip), fill=TEAL, width=int(S * 0.035))
    hub = S * 0.045
    d.ellipse((cx - hub, cy - hub, cx + hub, cy + hub), fill=TEAL)
    if variant == "stock":
        # a parcel at the bottom right: deliveries
        b = S * 0.25
        x0, y0 = S - b - S * 0.06, S - b - S * 0.06
        d.rounded_rectangle(
            (x0, y0, x0 + b, y0 + b),
            radius=int(S * 0.02),
            fill=(201, 138, 75, 255),
            outline=LIGHT,
            width=int(S * 0.014),
        )
        d.rectangle(
            (x0 + b * 0.4, y0 + S * 0.007, x0 + b * 0.6, y0 + b * 0.42),
            fill=(240, 214, 170, 255),
        )
        d.line(
            (x0 + S * 0.007, y0 + b * 0.42, x0 + b - S * 0.007, y0 + b * 0.42),
            fill=(150, 95, 45, 255),
            width=int(S * 0.01),
        )
    img.resize((128, 128), Image.LANCZOS).save(path, optimize=True)


main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
