"""The temporary card: a one-page PDF with photo, name, company, card number, expiry and a QR
code that opens the public status lookup."""

from __future__ import annotations

import datetime as dt
import io

import qrcode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas


def qr_png(data: str) -> bytes:
    image = qrcode.make(data, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def temporary_card_pdf(
    *,
    name: str,
    company: str,
    card_number: str,
    expires: dt.date,
    portrait_jpeg: bytes | None,
    status_link: str,
    qr_content: str,
) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"Midlertidig HMS-kort {card_number}")
    # The card: 85.6 x 54 mm (ID-1), drawn near the top-left of the page.
    x0, y0, width, height = 20 * mm, A4[1] - 20 * mm - 54 * mm, 85.6 * mm, 54 * mm
    pdf.roundRect(x0, y0, width, height, 3 * mm)
    pdf.setFont("Helvetica-Bold", 9)
    pdf.drawString(x0 + 4 * mm, y0 + height - 6 * mm, "MIDLERTIDIG HMS-KORT / TEMPORARY HSE CARD")
    if portrait_jpeg:
        pdf.drawImage(
            ImageReader(io.BytesIO(portrait_jpeg)), x0 + 4 * mm, y0 + 5 * mm, 28 * mm, 36 * mm
        )
    text_x = x0 + 36 * mm
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawString(text_x, y0 + 36 * mm, name[:38])
    pdf.setFont("Helvetica", 8)
    pdf.drawString(text_x, y0 + 31 * mm, company[:45])
    pdf.drawString(text_x, y0 + 25 * mm, f"Kortnr. / Card no.: {card_number}")
    pdf.drawString(text_x, y0 + 21 * mm, f"Gyldig til / Valid until: {expires.isoformat()}")
    pdf.drawImage(
        ImageReader(io.BytesIO(qr_png(qr_content))),
        x0 + width - 22 * mm,
        y0 + 3 * mm,
        18 * mm,
        18 * mm,
    )
    pdf.setFont("Helvetica", 9)
    pdf.drawString(
        20 * mm,
        y0 - 10 * mm,
        "Gyldig til det varige kortet kommer. Valid until the permanent card arrives.",
    )
    pdf.drawString(20 * mm, y0 - 15 * mm, f"Status: {status_link}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
