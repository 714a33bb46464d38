"""A self-contained HTML report: the leaderboard, every plot and sample grid inline, and the protocol."""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path

import pandas as pd

from bench import __version__
from bench.io import write_text
from bench.report.aggregate import NOTES_LEGEND, direction_markdown, markdown
from bench.runtime import describe_machine

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.3em 0 1.2em; }
.meta { color: #666; font-size: 0.85em; }
.warning { background: #fee; border: 1px solid #c00; padding: 0.5em; }
"""

# On load, count the images that failed to decode; say so on the page and in <body data-broken-images>.
SELF_CHECK = """<script>
window.addEventListener("load", () => {
  const broken = [...document.images].filter(img => !(img.complete && img.naturalWidth > 0));
  document.body.dataset.images = document.images.length;
  document.body.dataset.brokenImages = broken.length;
  if (broken.length) {
    const note = document.createElement("p");
    note.className = "warning";
    note.textContent = broken.length + " image(s) of this report could not be shown: " +
      broken.map(img => img.alt).join(", ");
    document.body.prepend(note);
  }
});
</script>"""


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"/>' \
           f"<figcaption>{html.escape(alt)}</figcaption></figure>"


def _md_table_to_html(md: str) -> str:
    """Render the leaderboard markdown's tables (one per board) as HTML tables."""
    out, rows = [], []

    def flush() -> None:
        if rows:
            head, *body = rows
            out.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body)
                       + "</table>")
            rows.clear()

    for line in md.splitlines():
        if line.startswith("### "):
            flush()
            out.append(f"<h3>{html.escape(line[4:])}</h3>")
        elif line.startswith("|---"):
            continue
        elif line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
    flush()
    return "\n".join(out)


def write_report(board: pd.DataFrame, directions: pd.DataFrame, plots: list[tuple[str, Path]],
                 samples: list[tuple[str, Path]], protocols: dict[str, str], path: Path, label: str = "") -> None:
    """Write ``path`` with every image embedded, so the file can be mailed or archived on its own."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>i2ibench report</title>"
             f"<style>{STYLE}</style></head><body>",
             "<h1>i2ibench: image-to-image translation leaderboard</h1>",
             f"<p class='meta'>generated {dt.datetime.now().isoformat(timespec='seconds')} by i2ibench {__version__} "
             f"on {html.escape(describe_machine())}</p>",
             "<h2>Leaderboard</h2>",
             *([f"<p class='label'><strong>{html.escape(label)}</strong></p>"] if label else []),
             "<p>Scores on each test set's held-out images; FID/KID against the real test images of the target "
             "domain; mean ± standard deviation over seeds. The real-data floor scores real training images of "
             "the target domain; identity returns its input.</p>",
             _md_table_to_html(markdown(board)),
             f"<p class='meta'>{html.escape(NOTES_LEGEND.strip())}</p>",
             *(["<h2>Multi-domain tasks by direction</h2>",
                "<p>The board shows the mean over all directions; here is each one (mean over seeds).</p>",
                _md_table_to_html(direction_markdown(directions))] if not directions.empty else []),
             "<h2>Sample translations</h2>",
             *[_img(p, caption) for caption, p in samples],
             "<h2>Plots</h2>",
             *[_img(p, caption) for caption, p in plots],
             "<h2>Protocol</h2><table><tr><th>test set</th><th>protocol</th></tr>",
             *[f"<tr><td>{html.escape(b)}</td><td>{html.escape(t)}</td></tr>" for b, t in protocols.items()],
             "</table>", SELF_CHECK, "</body></html>"]
    write_text(path, "\n".join(parts))
