"""Charts drawn on the server, made fit for a page: matplotlib's SVG rewritten for the
staff pages' CSP, which blocks ``<style>`` elements and ``style=`` attributes. Every
style becomes an SVG presentation attribute (not a style, so CSP allows it), and ids get
a per-chart prefix so that two charts on one page never share a clip path. Shared by
every page that draws figures (relocation's numbers, documentation's figures).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)

# Style properties that SVG also accepts as presentation attributes.
PRESENTATION = {
    "clip-path",
    "color",
    "fill",
    "fill-opacity",
    "fill-rule",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "opacity",
    "stroke",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-opacity",
    "stroke-width",
    "text-anchor",
}
_URL = re.compile(r"url\(#([^)]+)\)")


def clean_svg(root: ET.Element, *, prefix: str, title: str) -> str:
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{SVG}}}style", f"{{{SVG}}}metadata", f"{{{SVG}}}script"):
                parent.remove(child)
    href = f"{{{XLINK}}}href"
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                name, _, value = declaration.partition(":")
                name, value = name.strip(), value.strip()
                if name in PRESENTATION and value:
                    element.set(name, value)
        for name, value in list(element.attrib.items()):
            if name == "id":
                element.set(name, f"{prefix}-{value}")
            elif name in (href, "href") and value.startswith("#"):
                element.set(name, f"#{prefix}-{value[1:]}")
            elif "url(#" in value:
                element.set(name, _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", value))
            elif name.startswith("on"):
                del element.attrib[name]  # never produced by matplotlib; never let one through
    for size in ("width", "height"):
        root.attrib.pop(size, None)
    root.set("role", "img")
    root.set("class", "chart")
    root.set("aria-labelledby", f"{prefix}-title")
    heading = ET.Element(f"{{{SVG}}}title", {"id": f"{prefix}-title"})
    heading.text = title
    root.insert(0, heading)
    # ET's prefixes are process-wide and qrcode (two-factor enrolment) registers "svg" for
    # the same namespace, after which the output would be <svg:svg>, which HTML does not
    # draw. (``default_namespace=`` would refuse the plain attribute names.) Workers are
    # single-threaded, so registering again right before writing holds.
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", XLINK)
    return ET.tostring(root, encoding="unicode")
