"""Figures fit to show: the shape of a table of aggregate figures (``tables``), the
small-cell suppression every figure goes through before anyone sees it
(``suppression``), charts made fit for a staff page (``svg``) and cells made safe for a
spreadsheet (``spreadsheet``). Relocation's numbers and documentation's figures both use
them, so there is one rule for what a figure may reveal."""
