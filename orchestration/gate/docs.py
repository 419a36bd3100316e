"""Great Expectations Data Docs kept private, small and readable offline.

GE's pages load Bootstrap, jQuery, Vega and Font Awesome from CDNs; without network they
render unstyled. The pages are server-rendered HTML, so the CDN tags are replaced by one
local stylesheet and the content reads the same with no network. GE also copies ~4 MB of
images and fonts into every site; the ones the pages do not need are dropped, and only the
last `G2139_VALIDATION_RETENTION` runs' results are kept (default 7).
"""

from __future__ import annotations

import os
import re
import shutil
from html import escape
from pathlib import Path

ENV_RETENTION = "G2139_VALIDATION_RETENTION"
DEFAULT_RETENTION = 7
OFFLINE_CSS = "g2139_offline.css"
KEPT_IMAGES = {"favicon.ico", "short-logo.png", "short-logo-vector.svg"}

_REMOTE_TAG = re.compile(
    r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>|<link[^>]*\bhref=\"https?://[^\"]*\"[^>]*>",
    re.IGNORECASE,
)
_REMOTE_IMAGE = re.compile(r'src="https?://[^"]*"', re.IGNORECASE)
_REMOTE_URL = re.compile(r"url\(\s*'?https?://[^)]*\)", re.IGNORECASE)
_CSS = """/* Local replacement for the CDN stylesheets of GE Data Docs (offline reading). */
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; background: #fff; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
.card, .ge-section { border: 1px solid #ddd; border-radius: 4px; padding: .75rem; margin-bottom: 1rem; }
.navbar, .sticky, footer, .ge-breadcrumbs { display: block; margin-bottom: .5rem; }
.text-danger, .fa-times { color: #b00020; } .text-success, .fa-check-circle { color: #1b7f3b; }
img { max-height: 2rem; } code, pre { background: #f4f4f4; padding: 0 .2rem; }
.hide-succeeded-validations-column-section, .d-none { display: none; }
"""


def retention(environ: dict[str, str] | None = None) -> int:
    text = (os.environ if environ is None else environ).get(ENV_RETENTION, "").strip()
    return max(1, int(text)) if text else DEFAULT_RETENTION


def make_offline(docs_dir: Path, asset_name: str | None = None) -> None:
    """CDN tags out, one local stylesheet in, unneeded static files dropped; the checked
    asset's name where GE's page renderer leaves "None" for a dataframe batch."""
    static = docs_dir / "static"
    styles = static / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    (styles / OFFLINE_CSS).write_text(_CSS, encoding="utf-8")
    for page in docs_dir.rglob("*.html"):
        relative = os.path.relpath(styles / OFFLINE_CSS, page.parent)
        logo = os.path.relpath(static / "images" / "short-logo.png", page.parent)
        html = _REMOTE_TAG.sub("", page.read_text(encoding="utf-8"))
        html = _REMOTE_URL.sub("none", _REMOTE_IMAGE.sub(f'src="{logo}"', html))
        if asset_name:
            html = html.replace("Data asset: None<", f"Data asset: {escape(asset_name)}<")
        html = html.replace("<head>", f'<head>\n<link rel="stylesheet" href="{relative}">', 1)
        page.write_text(html, encoding="utf-8")
    shutil.rmtree(static / "fonts", ignore_errors=True)
    for image in (static / "images").glob("*"):
        if image.name not in KEPT_IMAGES:
            image.unlink()


def make_private(folder: Path) -> None:
    """Folders 0700, files 0600, whatever the process umask was."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)


def prune_runs(validations_dir: Path, keep: int | None = None) -> list[Path]:
    """Removes all but the `keep` most recent run folders; returns what was removed."""
    keep = retention() if keep is None else keep
    runs = sorted((p for p in validations_dir.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    removed = runs[:-keep] if len(runs) > keep else []
    for run in removed:
        shutil.rmtree(run, ignore_errors=True)
    return removed
