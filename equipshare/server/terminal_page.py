"""The page that holds the terminal: textual-serve's script and fonts, served by us alone.

textual-serve's own template fetches Roboto Mono from Google; a consortium's users are not
sent to a third party, so this page declares the Roboto Mono files textual-serve ships (under
our static path) and names only our own URLs. It has no inline script, so the policy can
forbid one.
"""

from __future__ import annotations

from html import escape

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
      .sign-out {{
        position: fixed; top: 0; right: 0; z-index: 5; padding: 0 .5em;
        font: 12px system-ui, sans-serif; color: #ddd; background: #0c181f; opacity: .75;
      }}
      body.-first-byte .textual-terminal {{ opacity: 1; transition: opacity 0.3s ease-out; }}
    </style>
  </head>
  <body>
    <div class="notice starting">Starting {title}…</div>
    <div class="notice ended">Session ended.<a href="">Start again</a>{ended_sign_out}</div>
    <div id="terminal" class="textual-terminal"
         data-session-websocket-url="{websocket}" data-font-size="{font_size}"></div>
    {sign_out}
  </body>
</html>
"""


def page_html(
    title: str, websocket_url: str, static_url: str, font_size: int, sign_out_url: str | None = None
) -> str:
    """The terminal page; every value is escaped, though none comes from the browser.

    With `sign_out_url`, a small link in the corner leads to the sign-out page (a plain GET:
    the page it opens carries the form and its CSRF token).
    """
    link = f'href="{escape(sign_out_url)}"' if sign_out_url else ""
    return _PAGE.format(
        title=escape(title),
        websocket=escape(websocket_url),
        static=escape(static_url),
        font_size=int(font_size),
        sign_out=f'<a class="sign-out" {link}>Sign out</a>' if link else "",
        ended_sign_out=f"<a {link}>Sign out</a>" if link else "",
    )
