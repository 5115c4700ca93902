"""Load the interactive API docs in a real headless browser, cut off from the internet, and check
that Swagger UI rendered the API's operations.

    python tools/check_docs_page.py [URL]          # default http://127.0.0.1:8000/docs (make run)
    python tools/check_docs_page.py URL --screenshot docs.png

Needs Chromium (Debian: `apt-get install -y chromium`; or set CHROMIUM=/path/to/chrome). The
browser resolves no host name but the page's own (`--host-resolver-rules`), so a page that needs a
CDN stays blank here as it would offline. Exit 0 when the page rendered, 1 when it did not, 2 when
no browser was found. Run by tests/e2e/test_local_stack.py when Chromium is present.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from urllib.parse import urlsplit

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
)
# what Swagger UI writes once it has loaded the document and rendered its operations
RENDERED_OPERATION = re.compile(r'class="opblock-summary-path"[^>]*data-path="(/[^"]*)"')
RENDERED_TITLE = re.compile(r'<h[12] class="title">\s*([^<]+)')


@dataclass(frozen=True)
class PageCheck:
    title: str | None
    operations: tuple[str, ...]
    console: str

    @property
    def rendered(self) -> bool:
        return self.title is not None and bool(self.operations)


def find_browser() -> str | None:
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured if shutil.which(configured) or os.path.isfile(configured) else None
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def offline_rules(url: str) -> str:
    """Resolve nothing but the page's own host: the browser has no internet, as on a train."""
    host = urlsplit(url).hostname or "127.0.0.1"
    return f"MAP * ~NOTFOUND, EXCLUDE {host}, EXCLUDE localhost, EXCLUDE 127.0.0.1"


def check(url: str, browser: str, *, timeout_s: float = 60, screenshot: str | None = None) -> PageCheck:
    """The rendered DOM of `url` after Swagger UI had 15 s of (virtual) time to load and render."""
    with tempfile.TemporaryDirectory(prefix="kp-docs-check-") as profile:
        common = [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--host-resolver-rules={offline_rules(url)}",
            "--virtual-time-budget=15000",
        ]
        done = subprocess.run(
            [*common, "--dump-dom", url], check=False, capture_output=True, text=True, timeout=timeout_s
        )
        if screenshot:
            subprocess.run(
                [*common, "--window-size=1280,2000", f"--screenshot={screenshot}", url],
                check=False,
                capture_output=True,
                timeout=timeout_s,
            )
    dom = done.stdout
    title = RENDERED_TITLE.search(dom)
    return PageCheck(
        title.group(1).strip() if title else None,
        tuple(dict.fromkeys(RENDERED_OPERATION.findall(dom))),
        done.stderr[-2000:],
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("url", nargs="?", default="http://127.0.0.1:8000/docs")
    p.add_argument("--screenshot", help="also write a PNG of the page")
    args = p.parse_args(argv)
    browser = find_browser()
    if browser is None:
        print("no Chromium found: apt-get install -y chromium, or set CHROMIUM", file=sys.stderr)
        return 2
    result = check(args.url, browser, screenshot=args.screenshot)
    if not result.rendered:
        print(
            f"{args.url}: Swagger UI did not render (title {result.title!r}, "
            f"{len(result.operations)} operations)\n{result.console}",
            file=sys.stderr,
        )
        return 1
    print(
        f"{args.url}: rendered {result.title!r} with {len(result.operations)} paths, offline "
        f"({', '.join(result.operations[:5])}, …)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
