"""``modelsync report``: one self-contained HTML page (``page``) of inline SVG charts (``charts``)."""

from flows.report.page import NothingToReport, ReportScope, report_data, report_html

__all__ = ["NothingToReport", "ReportScope", "report_data", "report_html"]
