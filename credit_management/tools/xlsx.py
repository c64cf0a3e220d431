"""Workbooks the addon writes.

Customer names, references and reasons come from users and customers: a name
such as ``=HYPERLINK("http://evil","x")`` must reach the sheet as the text it
is, never as a formula Excel evaluates (CSV/formula injection), and a text that
looks like an address must not become a link.
"""

import xlsxwriter

WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}


def new_workbook(output):
    """An xlsxwriter workbook writing into ``output`` that writes every string
    as text (``write`` never turns one into a formula or a link)."""
    return xlsxwriter.Workbook(output, WORKBOOK_OPTIONS)
