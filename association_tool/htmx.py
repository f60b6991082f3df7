"""htmx: what a request asks for (a piece of a page or a whole one) and the headers htmx reads.

Routes ask here instead of reading `HX-…` headers themselves, and answer through here: a
section of the client page alone or inside the client layout, a redirect htmx follows, events
(`HX-Trigger`) that other parts of the page listen for.
"""
from flask import Response, current_app, g, render_template, request
from flask import redirect as http_redirect
from flask_login import current_user

from .access import visible_sections


def is_htmx() -> bool:
    """Tell whether htmx sent the request (a boosted link or form, or a piece of a page)."""
    return bool(request.headers.get("HX-Request"))


def is_boosted() -> bool:
    """Tell whether the request comes from a boosted link or form (htmx swaps in a whole page)."""
    return bool(request.headers.get("HX-Boosted"))


def is_fragment() -> bool:
    """Tell whether htmx asked for a piece of a page rather than a whole page."""
    return is_htmx() and not is_boosted()


def targets(element_id: str) -> bool:
    """Tell whether htmx asked for a piece of a page to put into the element with this id."""
    return is_fragment() and request.headers.get("HX-Target") == element_id


def current_url() -> str:
    """The address of the page htmx sent the request from ('' when not known)."""
    return request.headers.get("HX-Current-URL", "")


def full_redirect(url: str, status: int = 204) -> Response:
    """Have htmx load another page in full (HX-Redirect), answering with `status`."""
    response = current_app.response_class(status=status)
    response.headers["HX-Redirect"] = url
    return response


def see_other(url: str):
    """Send the browser to another page after a successful form: a full reload for htmx too."""
    if is_htmx():
        return full_redirect(url)
    return http_redirect(url, 303)


def trigger(response, event: str):
    """Announce an event to the page (HX-Trigger), keeping the events already announced."""
    earlier = response.headers.get("HX-Trigger")
    response.headers["HX-Trigger"] = f"{earlier}, {event}" if earlier else event
    return response


# --- sections of the client page ----------------------------------------------------------------

def render_section(client, template: str, status: int = 200, **context):
    """Render a section template as a fragment (htmx) or as a page of its own (plain link)."""
    context.update(client=client, sections=visible_sections(client, current_user),
                   fragment=is_fragment())
    if request.method != "GET" and status < 400:
        g.client_changed = True
    if is_fragment():
        return render_template(template, **context), status
    return render_template("clients/section_page.html", section_template=template, **context), status


def announce_client_change(response):
    """Tell the client page that a section saved something (after_request).

    The page's overview (active goals, latest contacts, next due) reloads itself on the
    `client-changed` event; events a route already announces are kept.
    """
    if g.get("client_changed") and is_fragment() and response.status_code < 400:
        trigger(response, "client-changed")
    return response


def keep_the_page_address(response):
    """Keep the address bar on the page after a boosted form (after_request).

    A boosted form that answers with a page of its own (its errors) would otherwise put the
    form's POST address in the address bar, and reloading that gives an error page. After a
    redirect the browser asks with GET, and htmx shows that page's address.
    """
    if is_boosted() and request.method != "GET" and not 300 <= response.status_code < 400:
        response.headers.setdefault("HX-Push-Url", "false")
    return response


def init_app(app) -> None:
    """Add the htmx answers every response may need."""
    app.after_request(announce_client_change)
    app.after_request(keep_the_page_address)
