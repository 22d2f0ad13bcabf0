"""The page that holds the terminal: textual-serve's script and fonts, served by us alone.

textual-serve's own template fetches Roboto Mono from Google; a consortium's users are not
sent to a third party, so this page declares the Roboto Mono files textual-serve ships (under
our static path) and names only our own URLs. It has no inline script, so the policy can
forbid one.
"""

from __future__ import annotations

from html import escape

#: Height of the bar above the terminal that holds the sign-out link.
BAR_PX = 24

_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>{title}</title>
    <link rel="stylesheet" href="{static}css/xterm.css">
    <script src="{static}js/textual.js"></script>
    <style>
      @font-face {{
        font-family: "Roboto Mono";
        src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
        font-style: normal;
      }}
      @font-face {{
        font-family: "Roboto Mono";
        src: url("{static}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype");
        font-style: italic;
      }}
      html, body {{ margin: 0; height: 100%; background: #0c181f; }}
      .notice {{
        position: absolute; inset: 0; display: flex; align-items: center;
        justify-content: center; color: rgba(255, 255, 255, 0.95);
        font: 16px "Roboto Mono", Menlo, "DejaVu Sans Mono", monospace;
      }}
      .notice a {{ color: #ac5af4; margin-left: 1em; }}
      body.-first-byte .starting, .ended {{ display: none; }}
      body.-closed .ended {{ display: flex; }}
      body.-closed .textual-terminal {{ display: none; }}
      .textual-terminal {{ opacity: 0; }}
      body.-first-byte .textual-terminal {{ opacity: 1; transition: opacity 0.3s ease-out; }}
      /* The bar sits above the terminal, never on it: textual.js sizes the terminal to its
         element (100vw x 100vh by its own stylesheet), so with a bar that element is made
         shorter by the bar's height, and the app gets every row and column left. */
      html, body.with-bar {{ overflow: hidden; }}
      .bar {{
        box-sizing: border-box; height: {bar}px; padding: 0 .75em; display: flex;
        justify-content: flex-end; align-items: center; background: #0c181f;
        border-bottom: 1px solid #1e3441; font: 12px system-ui, sans-serif;
      }}
      .bar a {{ color: #ddd; }}
      body.with-bar .notice {{ inset: {bar}px 0 0 0; }}
      body.with-bar #terminal.textual-terminal {{ height: calc(100vh - {bar}px); }}
    </style>
  </head>
  <body{body_class}>
    {bar_html}
    <div class="notice starting">Starting {title}…</div>
    <div class="notice ended">Session ended.<a href="">Start again</a></div>
    <div id="terminal" class="textual-terminal"
         data-session-websocket-url="{websocket}" data-font-size="{font_size}"></div>
  </body>
</html>
"""


def page_html(
    title: str, websocket_url: str, static_url: str, font_size: int, sign_out_url: str | None = None
) -> str:
    """The terminal page; every value is escaped, though none comes from the browser.

    With `sign_out_url`, a thin bar above the terminal holds a link to the sign-out page (a
    plain GET: the page it opens carries the form and its CSRF token), and the terminal
    takes the rest of the window; without it the terminal takes the whole window.
    """
    bar = ""
    if sign_out_url:
        bar = f'<nav class="bar"><a href="{escape(sign_out_url)}">Sign out</a></nav>'
    return _PAGE.format(
        title=escape(title),
        websocket=escape(websocket_url),
        static=escape(static_url),
        font_size=int(font_size),
        bar=BAR_PX,
        body_class=' class="with-bar"' if bar else "",
        bar_html=bar,
    )
