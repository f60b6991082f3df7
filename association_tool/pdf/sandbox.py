"""What a document may reach while it renders: the app's own assets from memory, nothing else.

Runs inside the render process (association_tool.pdf.worker). The URL fetcher serves the print
CSS, DejaVu Sans regular and bold, and the document's logo under the `app-asset:` scheme;
every other URL (file:, http(s):, ftp:, data:, anything) is refused before any network or disk
access, and WeasyPrint logs the refusal and leaves the resource out (SECURITY.md 16). Author
styles, links other than the print stylesheet, and attachments are removed from the parsed tree
before layout (SECURITY.md 17).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
ASSET_SCHEME = "app-asset:"
PRINT_CSS_URL = ASSET_SCHEME + "css/print.css"
LOGO_URL = ASSET_SCHEME + "logo"
PRINT_CSS_PATH = PROJECT_ROOT / "templates" / "pdf" / "print.css"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {
    ASSET_SCHEME + "fonts/DejaVuSans.ttf": "DejaVuSans.ttf",
    ASSET_SCHEME + "fonts/DejaVuSans-Bold.ttf": "DejaVuSans-Bold.ttf",
}
PDF_VARIANT = "pdf/ua-1"
MAX_FETCHES_PER_DOCUMENT = 16      # an SVG logo that refers to itself must not loop


@lru_cache(maxsize=1)
def static_assets() -> dict[str, tuple[str, bytes]]:
    """Read the print CSS and the fonts once; they are then served from memory."""
    assets = {PRINT_CSS_URL: ("text/css", PRINT_CSS_PATH.read_bytes())}
    for url, name in FONT_FILES.items():
        assets[url] = ("font/ttf", (FONT_DIR / name).read_bytes())
    return assets


def make_fetcher(logo=None, refused: list | None = None):
    """Return a WeasyPrint URL fetcher that serves the app's assets and refuses all else."""
    from urllib.request import OpenerDirector

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serve app-asset: URLs from memory; refuse every other URL before any I/O."""

        def __init__(self) -> None:
            OpenerDirector.__init__(self)  # no urllib handlers at all: nothing can be opened
            self._fail_on_errors = False
            self._timeout = 0
            self._http_headers = {}
            self._allowed_protocols = ()
            self._request = None
            self.assets = dict(static_assets())
            if logo is not None:
                self.assets[LOGO_URL] = logo
            self.fetches = 0
            self.refused = refused if refused is not None else []

        def fetch(self, url, headers=None):
            self.fetches += 1
            asset = self.assets.get(url) if isinstance(url, str) else None
            if asset is None or self.fetches > MAX_FETCHES_PER_DOCUMENT:
                shown = str(url)[:80] + ("…" if len(str(url)) > 80 else "")
                self.refused.append(shown)
                raise ValueError(f"URL refused by the PDF engine: {shown}")
            mime, body = asset
            return URLFetcherResponse(url, body, {"Content-Type": mime})

        def open(self, url, data=None, timeout=None):
            return self.fetch(getattr(url, "full_url", url))

        def __call__(self, url):
            return self.fetch(url)

    return AssetFetcher()


def _local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def strip_unsafe(root) -> None:
    """Remove author styles, links other than the print CSS, and attachments, in place."""
    for parent in list(root.iter()):
        for child in list(parent):
            name = _local_name(child.tag)
            drop = name == "style" or (name == "link" and not (
                (child.get("rel") or "").strip().lower() == "stylesheet"
                and child.get("href") == PRINT_CSS_URL))
            if drop:
                if child.tail:  # keep the text that followed the removed element
                    previous = None
                    for sibling in parent:
                        if sibling is child:
                            break
                        previous = sibling
                    if previous is not None:
                        previous.tail = (previous.tail or "") + child.tail
                    else:
                        parent.text = (parent.text or "") + child.tail
                parent.remove(child)
    for element in root.iter():
        if "style" in element.attrib and not str(element.tag).startswith("{"):
            del element.attrib["style"]
        if "attachment" in (element.get("rel") or "").lower().split():
            del element.attrib["rel"]


def render_document(html: str, logo=None) -> tuple[bytes, list[str]]:
    """Turn finished HTML into PDF bytes with the restricted fetcher (no time limit here)."""
    import cssselect2
    from weasyprint import HTML

    refused: list[str] = []
    fetcher = make_fetcher(logo, refused)
    document = HTML(string=html, url_fetcher=fetcher)
    strip_unsafe(document.etree_element)
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(document.etree_element)
    document.etree_element = document.wrapper_element.etree_element
    rendered = document.render(pdf_variant=PDF_VARIANT, attachments=[])
    rendered.metadata.attachments = []
    for page in rendered.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    pdf = rendered.write_pdf(pdf_variant=PDF_VARIANT, attachments=[])
    return pdf, refused
