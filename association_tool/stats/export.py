"""The report as a spreadsheet file: one line per figure, every cell safe to open."""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from .figures import Report

DELIMITER = ";"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A cell a spreadsheet would read as a formula gets an apostrophe in front."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def report_rows(report: Report) -> list[list[str]]:
    """The report as rows: section, table, row, value, share, unit, basis, period."""
    start, end = report.period.start.isoformat(), report.period.end.isoformat()
    rows = []
    for section in report.sections:
        for table in section.tables:
            lines = table.rows + ([table.total] if table.total is not None else [])
            for row in lines:
                rows.append([section.title, table.title, row.label, row.text, row.share,
                             table.unit, table.basis_label, start, end])
    return rows


def report_csv(report: Report) -> bytes:
    """The report as a CSV file Excel opens right (UTF-8 with BOM, `;`)."""
    header = [_("Section"), _("Table"), _("Row"), _("Value"), _("Share"), _("Unit"), _("Basis"),
              _("Period start"), _("Period end")]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([[neutralise(cell) for cell in row] for row in report_rows(report)])
    buffer.write(neutralise(_("Numbers under %(n)d are shown as <%(n)d; × marks a number hidden "
                              "so that a small one cannot be worked out.", n=report.threshold))
                 + "\r\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
