"""Reading pages as a browser does: the POST forms on a page, and every element with its attributes."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from association_tool.timeutil import local_today

FREE_TEXT_TYPES = ("text", "search", "tel", "")  # a phone field takes any text a person types


@dataclass
class Field:
    name: str
    tag: str                      # input, textarea, select
    type: str = ""                # the input type ("" for text)
    value: str = ""
    checked: bool = False
    options: list = field(default_factory=list)   # [(value, selected)]
    multiple: bool = False
    invalid: bool = False

    @property
    def free_text(self) -> bool:
        """A field where a person types any text: a text input or a text area."""
        return self.tag == "textarea" or (self.tag == "input" and self.type in FREE_TEXT_TYPES)


@dataclass
class PageForm:
    action: str
    method: str
    fields: list[Field]

    def names(self) -> set[str]:
        return {f.name for f in self.fields}


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self.form: PageForm | None = None
        self.select: Field | None = None
        self.option: list | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            action = a.get("action") or a.get("hx-post") or ""
            method = "post" if a.get("hx-post") else (a.get("method") or "get").lower()
            self.form = PageForm(action, method, [])
            self.forms.append(self.form)
            return
        if self.form is None or not a.get("name") or "disabled" in a:
            if tag == "option" and self.select is not None:
                self.option = [a.get("value"), "selected" in a, ""]
                self.select.options.append(self.option)
            return
        invalid = a.get("aria-invalid") == "true"
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            self.form.fields.append(Field(a["name"], "input", "" if kind == "text" else kind,
                                          a.get("value", ""), "checked" in a, invalid=invalid))
        elif tag == "textarea":
            self.textarea = Field(a["name"], "textarea", invalid=invalid)
            self.form.fields.append(self.textarea)
        elif tag == "select":
            self.select = Field(a["name"], "select", multiple="multiple" in a, invalid=invalid)
            self.form.fields.append(self.select)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "option":
            self.option = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data
        if self.option is not None:
            self.option[2] += data


def post_forms(html: str, page_url: str = "") -> list[PageForm]:
    """The forms of a page that send with POST (a form without an action posts to the page)."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        form.action = form.action or page_url
        for f in form.fields:
            if f.tag == "select":
                f.options = [((value if value is not None else text.strip()), selected)
                             for value, selected, text in f.options]
            if f.tag == "textarea" and f.value.startswith("\n"):
                f.value = f.value[1:]
    return [f for f in parser.forms if f.method == "post" and f.action]


def plausible(f: Field) -> list[str]:
    """What a careful user would send in a field: what is there, or a sensible value."""
    today = local_today().isoformat()
    if f.tag == "select":
        chosen = [v for v, selected in f.options if selected]
        if chosen:
            return chosen if f.multiple else chosen[:1]
        filled = [v for v, _ in f.options if v not in ("", "None")]
        return filled[:1] or [v for v, _ in f.options][:1]
    if f.type in ("checkbox", "radio"):
        return [f.value or "y"] if f.checked else []
    if f.type in ("password", "file"):
        return []
    if f.value:
        return [f.value]
    return [{"email": "testi@example.org", "url": "https://example.org/", "tel": "040 123 4567",
             "date": today, "time": "10:00", "number": "1", "hidden": ""}.get(f.type, "Testi")]


def radio_defaults(form: PageForm) -> dict[str, str]:
    """For radio groups with nothing checked, the first choice (a user must pick one)."""
    groups = {}
    for f in form.fields:
        if f.type == "radio":
            if f.checked:
                groups[f.name] = None
            else:
                groups.setdefault(f.name, f.value)
    return {k: v for k, v in groups.items() if v is not None}


def form_data(form: PageForm, fill=None) -> list[tuple[str, str]]:
    """The (name, value) pairs the form would send; `fill(field)` may override a field's values."""
    data = []
    for f in form.fields:
        values = fill(f) if fill else None
        data += [(f.name, v) for v in (values if values is not None else plausible(f))]
    data += list(radio_defaults(form).items())
    return data


# --- elements and attributes --------------------------------------------------------------------

class _ElementParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str]]]] = []
        self.raw_text: list[tuple[str, str]] = []   # (tag, text) inside script/style
        self._raw: str | None = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, [(k, v or "") for k, v in attrs]))
        if tag in ("script", "style"):
            self._raw = tag

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, [(k, v or "") for k, v in attrs]))

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        if self._raw:
            self.raw_text.append((self._raw, data))


def elements(html: str):
    parser = _ElementParser()
    parser.feed(html)
    parser.close()
    return parser.elements, parser.raw_text
