"""Printable documents: a Django template rendered to HTML, then to PDF by WeasyPrint.

Every printed document of the system (公示, 扶贫手册, 通报) extends `core/print_base.html`, which sets A4
pages and the Noto CJK fonts Debian installs (`fonts-noto-cjk`, by the Makefile). Nothing is fetched
from the network: WeasyPrint resolves `static` URLs through the project's static files.
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def _fetch_static(url: str):
    """WeasyPrint URL fetcher that serves /static/ from the project's files and refuses anything else."""
    from weasyprint.urls import default_url_fetcher

    prefix = "/static/"
    path = url.split("://", 1)[-1]
    path = path[path.find(prefix) :] if prefix in path else ""
    if path:
        found = finders.find(path[len(prefix) :])
        if found:
            return default_url_fetcher(f"file://{found}")
    raise ValueError(f"not a project static file: {url}")


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which the web process rarely needs

    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, base_url="http://fupin.local/", url_fetcher=_fetch_static).write_pdf()
