"""The quarterly report's content: the figures (``data``), the Excel workbook and the PDF
summary built from them (``build``)."""
