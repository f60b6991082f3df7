"""Rendering a section of the client page: alone for htmx, inside the client layout otherwise."""
from flask import g, render_template, request
from flask_login import current_user

from ..access import visible_sections


def wants_fragment() -> bool:
    """Tell whether htmx asked for a piece of a page rather than a whole page."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


def render_section(client, template: str, status: int = 200, **context):
    """Render a section template as a fragment (htmx) or as a page of its own (plain link)."""
    context.update(client=client, sections=visible_sections(client, current_user),
                   fragment=wants_fragment())
    if request.method != "GET" and status < 400:
        g.client_changed = True
    if wants_fragment():
        return render_template(template, **context), status
    return render_template("clients/section_page.html", section_template=template, **context), status


def see_other(url: str):
    """Send the browser to another page after a successful form: a full reload for htmx too."""
    from flask import make_response, redirect

    if request.headers.get("HX-Request"):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def announce_client_change(response):
    """Tell the client page that a section saved something (after_request).

    The page's overview (active goals, latest contacts, next due) reloads itself on the
    `client-changed` event; events a route already announces are kept.
    """
    if g.get("client_changed") and wants_fragment() and response.status_code < 400:
        earlier = response.headers.get("HX-Trigger")
        response.headers["HX-Trigger"] = f"{earlier}, client-changed" if earlier else "client-changed"
    return response
