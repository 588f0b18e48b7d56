"""Pages of rich text to a PDF with Qt's own writer: one page each, A4 or Letter.

Each page's HTML is laid out by QTextDocument at the sheet's printable width; its charts
(SVG) are rendered to images at print resolution. A page that would run over one sheet is
drawn smaller until it fits, so the page count is always the number of pages given.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QMarginsF, QRectF, QSizeF, QUrl
from PySide6.QtGui import (
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtSvg import QSvgRenderer

from shipyard.core.review.report_pages import Page

PAGE_SIZES = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}
DPI = 300
MIN_SCALE = 0.55


def svg_image(svg: str, scale: float = 3.0) -> QImage:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = renderer.defaultSize()
    image = QImage(
        max(1, int(size.width() * scale)), max(1, int(size.height() * scale)),
        QImage.Format.Format_ARGB32,
    )  # fmt: skip
    image.fill(0)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def page_document(page: Page, width: float) -> QTextDocument:
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    font = QFont("Sans Serif")
    font.setPointSizeF(10)
    doc.setDefaultFont(font)
    for name, svg in page.charts.items():
        doc.addResource(
            QTextDocument.ResourceType.ImageResource, QUrl(f"chart:{name}"), svg_image(svg)
        )
    doc.setHtml(page.html)
    doc.setTextWidth(width)
    return doc


def draw_page(painter: QPainter, page: Page, width: float, height: float) -> float:
    """Lay `page` out in a `width` × `height` box (scaled down to fit); returns the scale."""
    doc = page_document(page, width)
    scale = max(MIN_SCALE, min(1.0, height / max(doc.size().height(), 1.0)))
    painter.save()
    painter.scale(scale, scale)
    doc.setTextWidth(width / scale)
    doc.drawContents(painter, QRectF(0, 0, width / scale, height / scale))
    painter.restore()
    return scale


def page_png(page: Page, width: int = 718, height: int = 1040) -> QImage:
    """One page as an image at screen density (A4's printable area by default), white."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_page(painter, page, width, height)
    painter.end()
    return image


def write_pdf(pages: list[Page], out: Path, page_size: str = "A4", title: str = "") -> int:
    """Write `pages` to `out`, one sheet each; returns the number of sheets."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    writer = _writer(tmp, page_size, title)
    painter = QPainter(writer)
    try:
        area = writer.pageLayout().paintRectPixels(DPI)
        # Lay text out at screen-like density (96 dpi), then scale to the printer's.
        to_print = DPI / 96
        width, height = area.width() / to_print, area.height() / to_print
        for i, page in enumerate(pages):
            if i:
                writer.newPage()
            painter.save()
            painter.scale(to_print, to_print)
            draw_page(painter, page, width, height)
            painter.restore()
    finally:
        painter.end()
    tmp.replace(out)
    return len(pages)


def _writer(out: Path, page_size: str, title: str) -> QPdfWriter:
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page size must be one of {', '.join(PAGE_SIZES)}")
    writer = QPdfWriter(str(out))
    writer.setResolution(DPI)
    writer.setTitle(title)
    writer.setCreator("Shipyard")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(PAGE_SIZES[page_size]),
            QPageLayout.Orientation.Portrait,
            QMarginsF(16, 16, 16, 16),
            QPageLayout.Unit.Millimeter,
        )
    )
    return writer


def write_paginated_pdf(page: Page, out: Path, page_size: str = "A4", title: str = "") -> int:
    """One document flowed over as many sheets as it needs (a one-pager with a long
    narrative); returns the number of sheets."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    writer = _writer(tmp, page_size, title)
    doc = page_document(page, writer.pageLayout().paintRectPixels(DPI).width() / (DPI / 96))
    doc.setPageSize(QSizeF(writer.pageLayout().paintRectPoints().size()))
    doc.print_(writer)
    sheets = doc.pageCount()
    del writer
    tmp.replace(out)
    return sheets


def write_pdf_headless(
    pages: list[Page], out: Path, page_size: str, title: str, *, paginate: bool = False
) -> int:
    """The command line's PDF: needs no display (Qt's offscreen platform), prints the path."""
    import os

    from PySide6.QtWidgets import QApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # A QApplication, not a QGuiApplication: the one instance a process gets must also
    # serve any window it opens later (a QWidget aborts under a QGuiApplication).
    app = QApplication.instance() or QApplication(["shipyard"])
    if paginate:
        sheets = write_paginated_pdf(pages[0], out, page_size, title)
    else:
        sheets = write_pdf(pages, out, page_size, title)
    print(f"Wrote {out} ({sheets} page{'s' if sheets != 1 else ''}, {page_size})")
    del app
    return 0
