"""Rendering a section of the client page: alone for htmx, inside the client layout otherwise."""
from flask import render_template, request
from flask_login import current_user

from ..access import visible_sections


def wants_fragment() -> bool:
    """Tell whether htmx asked for a piece of a page rather than a whole page."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


def render_section(client, template: str, status: int = 200, **context):
    """Render a section template as a fragment (htmx) or as a page of its own (plain link)."""
    context.update(client=client, sections=visible_sections(client, current_user),
                   fragment=wants_fragment())
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
