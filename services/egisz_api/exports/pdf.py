"""The readable export: a PDF built with fpdf2, the text set in DejaVu Sans (embedded as a subset,
so Cyrillic shows on every reader). The font comes from the system package ``fonts-dejavu-core``
(``EGISZ_PDF_FONT_DIR``); no font file is kept in this repository.

Written section by section as the records are paged in, so only the PDF itself grows with the
record, never a list of every resource.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from egisz_api.exports.errors import FontMissingError
from egisz_api.exports.formatting import Line
from egisz_api.exports.texts import text

FAMILY = "DejaVuSans"
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"


class _Document(FPDF):
    def __init__(self, locale: str, footer_note: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.locale = locale
        self.footer_note = footer_note

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, size=8)
        self.set_text_color(90, 90, 90)
        page = f"{text('export_pdf_page', self.locale)} {self.page_no()}/{{nb}}"
        self.cell(0, 5, f"{self.footer_note}   {page}", align="C")


class PdfExtract:
    """``header`` once, then ``section`` and its ``line``s, then ``finish``."""

    def __init__(self, font_dir: Path, locale: str) -> None:
        regular, bold = font_dir / REGULAR, font_dir / BOLD
        if not regular.is_file() or not bold.is_file():
            raise FontMissingError(
                f"The PDF font is missing in {font_dir} (install the fonts-dejavu-core package)."
            )
        self.locale = locale
        self.doc = _Document(locale, text("export_pdf_footer", locale))
        self.doc.add_font(FAMILY, "", str(regular))
        self.doc.add_font(FAMILY, "B", str(bold))
        self.doc.set_title(text("export_pdf_title", locale))
        self.doc.set_lang(locale)
        self.doc.set_creator("EGISZ")
        self.doc.set_auto_page_break(auto=True, margin=18)
        self.doc.add_page()
        self._open = False
        self._count = 0

    def _write(self, content: str, *, size: float = 10, bold: bool = False, gap: float = 5.0) -> None:
        self.doc.set_font(FAMILY, "B" if bold else "", size)
        self.doc.multi_cell(0, gap, content, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def header(self, name: str, facts: list[tuple[str, str]], generated: str) -> None:
        self._write(text("export_pdf_title", self.locale), size=16, bold=True, gap=8)
        self._write(name, size=13, bold=True, gap=7)
        for label, value in facts:
            self._write(f"{label}: {value}")
        self._write(f"{text('export_pdf_generated', self.locale)}: {generated}", size=9)
        self.doc.ln(3)

    def section(self, resource_type: str) -> None:
        self._close_section()
        self.doc.ln(2)
        self._write(text(f"export_section_{resource_type}", self.locale), size=13, bold=True, gap=7)
        self._count = 0

    def line(self, item: Line) -> None:
        self._count += 1
        head = f"{item.date}  {item.title}" if item.date else item.title
        self._write(head, bold=True)
        if item.details:
            self.doc.set_x(self.doc.l_margin + 4)
            self._write("; ".join(item.details), size=9, gap=4.5)
        self.doc.ln(1)

    def _close_section(self) -> None:
        if self._open and self._count == 0:
            self._write(text("export_pdf_empty", self.locale), size=9)
        self._open = True

    def finish(self) -> bytes:
        self._close_section()
        return bytes(self.doc.output())
