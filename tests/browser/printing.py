"""Printing a page as the browser would on A4: Chromium's own PDF of the print media, read
back with poppler (``pdfinfo``, ``pdftotext``) so a test can count the pages and read them."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support import skip_or_fail

A4_POINTS = (595, 842)  # 210 × 297 mm in PostScript points, rounded


@dataclass(frozen=True)
class Printout:
    pages: list[str]  # the text of each page, as pdftotext lays it out
    size: tuple[int, int]  # the first page's width and height in points

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


def print_a4(page, *, save_to: Path | None = None) -> Printout:
    """The current page printed on A4 with the page's own print stylesheet and margins."""
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        skip_or_fail("poppler-utils (pdftotext, pdfinfo) is needed to read printed pages")
    page.emulate_media(media="print")
    data = page.pdf(format="A4", prefer_css_page_size=True, print_background=False)
    page.emulate_media(media="screen")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.pdf"
        path.write_bytes(data)
        if save_to is not None:
            save_to.parent.mkdir(parents=True, exist_ok=True)
            save_to.write_bytes(data)
        info = subprocess.run(
            ["pdfinfo", str(path)], check=True, capture_output=True, text=True
        ).stdout
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, height = (round(float(n)) for n in size.split(":")[1].split("pts")[0].split(" x "))
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    return Printout(pages=pages, size=(width, height))
