"""Import and export files: reading CSV and Excel as people really have them, importing leads and
ad performance, exporting any list and the reports."""
