"""Shipping labels, 4 × 6 in: PDF (reportlab) and ZPL for thermal printers (zpl), with a Code 128 barcode
of the tracking number. Rendered on request from the parcel (what it shows: ``wms.views.labels.label_data``),
so a reprint is always the same label."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import zpl
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

WIDTH_IN, HEIGHT_IN = 4, 6


@dataclass(frozen=True)
class LabelData:
    tracking_number: str
    carrier: str
    parcel_seq: int
    parcel_count: int
    weight_kg: float
    sender: str
    ship_to: dict[str, Any]
    reference: str

    def address_lines(self) -> list[str]:
        t = self.ship_to
        return [
            str(t.get("name") or ""),
            str(t.get("line1") or ""),
            *([str(t["line2"])] if t.get("line2") else []),
            f"{t.get('postcode') or ''} {t.get('city') or ''}".strip(),
            str(t.get("country") or ""),
        ]


def pdf(data: LabelData) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(WIDTH_IN * inch, HEIGHT_IN * inch))
    c.setTitle(f"Label {data.tracking_number}")
    c.setFont("Helvetica-Bold", 20)
    c.drawString(0.25 * inch, 5.55 * inch, data.carrier.upper())
    c.setFont("Helvetica", 9)
    c.drawString(0.25 * inch, 5.3 * inch, f"FROM: {data.sender}")
    c.drawRightString(3.75 * inch, 5.55 * inch, f"{data.parcel_seq} of {data.parcel_count}")
    c.drawRightString(3.75 * inch, 5.3 * inch, f"{data.weight_kg:g} kg")
    c.setFont("Helvetica-Bold", 14)
    y = 4.8 * inch
    c.drawString(0.25 * inch, y, "SHIP TO:")
    for line in data.address_lines():
        y -= 0.25 * inch
        c.drawString(0.4 * inch, y, line)
    barcode = Code128(data.tracking_number, barHeight=1.1 * inch, barWidth=0.018 * inch, quiet=True)
    barcode.drawOn(c, (WIDTH_IN * inch - barcode.width) / 2, 1.2 * inch)
    c.setFont("Helvetica", 12)
    c.drawCentredString(WIDTH_IN * inch / 2, 0.95 * inch, data.tracking_number)
    c.setFont("Helvetica", 7)
    c.drawString(0.25 * inch, 0.4 * inch, data.reference[:90])
    c.showPage()
    c.save()
    return buf.getvalue()


def zpl_label(data: LabelData) -> str:
    label = zpl.Label(height=HEIGHT_IN * 25.4, width=WIDTH_IN * 25.4, dpmm=8)
    rows = [
        (5, 6, 6, data.carrier.upper()),
        (5, 15, 3, f"FROM: {data.sender}"),
        (70, 6, 4, f"{data.parcel_seq} of {data.parcel_count}"),
        (70, 15, 3, f"{data.weight_kg:g} kg"),
        (5, 28, 4, "SHIP TO:"),
    ]
    rows += [(8, 35 + 6 * k, 4, line) for k, line in enumerate(data.address_lines())]
    for x, y, size, text in rows:
        label.origin(x, y)
        label.write_text(text, char_height=size, char_width=size * 0.8)
        label.endorigin()
    label.origin(8, 95)
    label.barcode("C", data.tracking_number, height=200, print_interpretation_line="Y")
    label.endorigin()
    label.origin(5, 145)
    label.write_text(data.reference[:60], char_height=2.5, char_width=2)
    label.endorigin()
    return label.dumpZPL()
