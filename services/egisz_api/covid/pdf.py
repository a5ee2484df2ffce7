"""The certificate as a PDF (fpdf2, DejaVu Sans embedded like the record export) with the QR code
(segno) of the verification URL embedded as a PNG image."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from egisz_api.covid.content import Dose, Holder, day, spaced
from egisz_api.covid.errors import FontMissingError
from egisz_api.covid.texts import text

FAMILY = "DejaVuSans"


def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url`` (error correction M: a phone reads it from a screen or a print)."""
    return segno.make_qr(url, error="m")


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def _line(doc: FPDF, content: str, *, size: float = 11, bold: bool = False, gap: float = 6) -> None:
    doc.set_font(FAMILY, "B" if bold else "", size)
    doc.multi_cell(0, gap, content, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def certificate_pdf(
    *,
    number: str,
    holder: Holder,
    doses: list[Dose],
    qr_url: str,
    page_url: str,
    locale: str,
    font_dir: Path,
) -> bytes:
    regular, bold = font_dir / "DejaVuSans.ttf", font_dir / "DejaVuSans-Bold.ttf"
    if not regular.is_file() or not bold.is_file():
        raise FontMissingError(
            f"The PDF font is missing in {font_dir} (install the fonts-dejavu-core package)."
        )
    doc = FPDF(orientation="portrait", unit="mm", format="A4")
    doc.add_font(FAMILY, "", str(regular))
    doc.add_font(FAMILY, "B", str(bold))
    doc.set_title(text("covid_pdf_title", locale))
    doc.set_lang(locale)
    doc.set_creator("EGISZ")
    doc.add_page()
    _line(doc, text("covid_pdf_title", locale), size=16, bold=True, gap=9)
    _line(doc, f"{text('covid_number', locale)}: {spaced(number)}", size=13, bold=True, gap=8)
    _line(doc, f"{text('covid_holder', locale)}: {holder.initials}")
    _line(doc, f"{text('covid_birth_date', locale)}: {day(holder.birth_date)}")
    doc.ln(3)
    _line(doc, text("covid_doses", locale), size=13, bold=True, gap=8)
    for dose in doses:
        n = f"{text('covid_dose', locale)} {dose.number}" if dose.number else text("covid_dose", locale)
        _line(doc, f"{day(dose.date)}  {dose.vaccine}  ({n})")
    doc.ln(4)
    top = doc.get_y()
    doc.image(io.BytesIO(qr_png(qr_url)), x=doc.l_margin, y=top, w=60, h=60)
    doc.set_y(top + 62)
    _line(doc, text("covid_pdf_scan", locale), size=9, gap=5)
    _line(doc, page_url, size=9, gap=5)
    return bytes(doc.output())
