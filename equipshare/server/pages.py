"""The sign-in pages of `equipshare serve`: plain HTML, readable without styles or scripts.

Nothing is loaded from anywhere else (no fonts, scripts or images from third parties): the
pages carry a few lines of inline style, and the Content-Security-Policy forbids the rest.
Every value shown is escaped.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5;color:#111;background:#fff}label{display:block;font-weight:600}"
    "input[type=email]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}"
    "button{margin-top:.75rem;padding:.5rem 1rem;font-size:1rem}"
    ".refusal{color:#8b0000;font-weight:600}"
)
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # A sign-in link's token is in its URL: no page may send it to another site as a Referer.
    # Not no-referrer: under it browsers send `Origin: null` on our own forms' POSTs, which
    # web_auth.same_origin refuses (signing out failed in Chromium).
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def page(title: str, body: str, *, status: int = 200) -> web.Response:
    """A whole page around `body` (already escaped HTML)."""
    text = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - equipshare</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>\n"
    )
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=HEADERS
    )


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


def refusal(message: str, field: str = "") -> str:
    """A refusal, announced to screen readers; `field` names the input it belongs to."""
    ident = f' id="{escape(field)}-refusal"' if field else ""
    return f'<p class="refusal" role="alert"{ident}>{escape(message)}</p>'


def email_form(csrf: str, *, email: str = "", problem: str = "") -> str:
    """The form asking for an address to send a sign-in link to."""
    described = ' aria-invalid="true" aria-describedby="email-refusal"' if problem else ""
    return (
        '<form method="post" action="/sign-in/email">'
        + hidden("csrf", csrf)
        + '<label for="email">Your email address</label>'
        + '<input type="email" id="email" name="email" required autocomplete="email" '
        + f'maxlength="320" value="{escape(email)}"{described}>'
        + (refusal(problem, "email") if problem else "")
        + '<button type="submit">Email me a sign-in link</button></form>'
        + "<p>The link works once, for a few minutes.</p>"
    )


def oidc_link(start: str) -> str:
    """The way to sign in through the university: a link to the provider, via `start`."""
    return (
        f'<p><a href="{escape(start)}">Sign in with your university account</a></p>'
        "<p>Your university's sign-in page opens, then brings you back here.</p>"
    )


def sign_out_form(csrf: str) -> str:
    return (
        '<form method="post" action="/sign-out">'
        + hidden("csrf", csrf)
        + '<button type="submit">Sign out</button></form>'
    )


def redeem_form(action: str, csrf: str) -> str:
    """A button that redeems a link: a mail scanner fetching the link cannot sign anyone in."""
    return (
        f'<form method="post" action="{escape(action)}">'
        + hidden("csrf", csrf)
        + "<p>Sign in to equipshare in this browser?</p>"
        + '<button type="submit">Sign in</button></form>'
    )
