"""The quarterly report's content: the figures (``data``), the Excel workbook (``workbook``) and
the PDF summary (``pdf``, with its SVG ``charts``) built from them, put together by ``build``."""
