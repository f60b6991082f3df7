"""Translation on the busiest pages: Flask-Babel's and WTForms' own ways, with the work done once.

Each piece here does what the plain Flask-Babel or WTForms way does, with the same result, but
finds the user's catalogue or a translated text once instead of at every call. The plain way
asks Flask-Babel again, at every text, for the request's locale and catalogue: about 25 µs a
call, where looking a text up in a catalogue already at hand takes 0.1 µs, and a translated
label or a formatted date 20-40 µs (measured in one process on the benchmark's shared 2-core
machine). A page of the client list translates a few dozen texts, shows 25 rows with their
labels and dates, and builds the filter form, so those calls added up to a good part of the
page's own work. Measured with the benchmark (README, "Benchmark"): the labels and dates
cached cut the client list from 12.7 to 11.0 ms of CPU per request (commit d1d304e); the
templates' gettext, the filter choices and WTForms' messages came with the second round
(commit a1349e8, `bench/results/2026-11-24-changes-2.md`), which took the list from 23,334 to
14,789 Python calls per request, next to its query changes.

`once_per_locale`
    A cache of a function's result per language and arguments, for texts that depend on
    nothing else (not the user, the request or the database). Replaces translating a lazy text
    (`str(lazy_gettext(...))`) or formatting with Babel at every call. It serves the labels of
    stored values (`labels.label`, `labels.labels_of`), the dates below, WTForms' messages below
    and the client list's filter choices (`clients/forms.py`, translated once per language:
    about 0.3-0.4 ms on every list page before).

`date_filter`
    The templates' `date` filter: a plain date is formatted once per language and format;
    a datetime goes to Flask-Babel's `format_date` as before. Replaces
    `format_date(value, fmt)` on every date of every row.

`template_gettext`
    The templates' `_`, `gettext` and `ngettext`, bound to the user's catalogue once per
    rendering. They behave as Flask-Babel's (Jinja's "newstyle" gettext: the text is escaped as
    markup and always formatted with its variables), which call `get_translations()`, and with
    it `get_locale()`, again for every text: some 50 Python calls per translated text.

`WTFORMS_TRANSLATIONS`
    WTForms' own messages ("Not a valid choice.") in the user's language, from a catalogue read
    once per process and language. Flask-WTF's translations (`flask_wtf.i18n`) read and parse
    WTForms' `.mo` file again on every request that builds a form (0.4-1 ms). `forms.AppForm`,
    the base of every form, hands it to WTForms.

tests/test_i18n.py checks that each still translates, chooses plurals, escapes what it fills in
and follows the user's language from one request to the next.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache, wraps

from babel import support
from flask_babel import format_date, get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup
from wtforms.i18n import messages_path


def once_per_locale(maxsize: int | None = 128):
    """Cache the decorated function's result per user language and (hashable) arguments.

    The function runs in the user's language (Flask-Babel's locale) the first time and never
    again for the same language and arguments; `cache_clear()` empties the cache.
    """
    def decorate(function):
        @lru_cache(maxsize=maxsize)
        def in_locale(_language: str, _territory: str | None, *args):
            return function(*args)

        @wraps(function)
        def cached(*args):
            # The language and territory name the locale (the app has no scripts or variants);
            # cheaper to compare than the locale's identifier is to build.
            locale = get_locale()
            return in_locale(locale.language if locale else "", locale.territory if locale else None,
                             *args)

        cached.cache_clear = in_locale.cache_clear
        return cached

    return decorate


# The English and Swedish pages and documents write dates and times the Finnish way, as people in
# Finland read them (7.12.2026 and 14:30, not 12/7/26, 2:30 PM or 2026-12-07, as Sweden writes);
# Swedish keeps its own long forms (måndag 7 december 2026); Finnish keeps its own (14.30).
FINNISH_WAY = {
    "date": {"short": "d.M.yyyy", "medium": "d.M.yyyy", "long": "d MMMM yyyy",
             "full": "EEEE d.M.yyyy"},
    "time": {"short": "H:mm", "medium": "H:mm:ss"},
    "datetime": {"short": "d.M.yyyy H:mm", "medium": "d.M.yyyy H:mm:ss"},
}


def pattern(kind: str, fmt: str, locale=None) -> str:
    """The format (Babel's name or a pattern) for a date, time or datetime in a language."""
    language = str(locale if locale is not None else get_locale() or "fi").split("_")[0]
    if language == "en" or (language == "sv" and fmt in ("short", "medium")):
        return FINNISH_WAY[kind].get(fmt, fmt)
    return fmt


def date_filter(value, fmt="short") -> str:
    """Format a date in the user's language; plain dates are formatted once per locale."""
    if not value:
        return ""
    if type(value) is date:
        return _date_in(value, fmt)
    return format_date(value, pattern("date", fmt))


@once_per_locale(maxsize=4096)
def _date_in(value: date, fmt: str) -> str:
    return format_date(value, pattern("date", fmt))


def datetime_filter(value, fmt="short") -> str:
    """Format a date and time in the user's language (the templates' `datetime`)."""
    from flask_babel import format_datetime

    return format_datetime(value, pattern("datetime", fmt)) if value else ""


def time_of_day(value, lang: str | None = None) -> str:
    """A time of day in a language's short form (14.30 in Finnish, 14:30 in Swedish and English)."""
    from babel.dates import format_time

    if not value:
        return ""
    locale = lang or str(get_locale() or "fi")
    return format_time(value, pattern("time", "short", locale), locale=locale)


def template_gettext() -> dict:
    """`_`, `gettext` and `ngettext` for one rendering, with the user's catalogue looked up once."""
    catalogue = get_translations()

    @pass_context
    def gettext(context, string, **variables):
        text = catalogue.ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = catalogue.ungettext(singular, plural, num)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


@once_per_locale(maxsize=8)
def _wtforms_messages() -> support.NullTranslations:
    """WTForms' own messages in the user's language, read once per process."""
    return support.Translations.load(messages_path(), [str(get_locale())], domain="wtforms")


def _own_message(string: str) -> str | None:
    """The app's own wording for a few of WTForms' messages, which say too little to help."""
    from flask_babel import gettext

    if string == "Not a valid date value.":
        return gettext("Write the date as day.month.year, for example 7.12.2026.")
    if string == "Field cannot be longer than %(max)d character.":
        # WTForms fills in %(max)d and %(length)d; nothing of the text is cut off.
        return gettext("This is too long: %(length)d characters, at most %(max)d. Shorten it; "
                       "your text is kept here.")
    return None


class _WTFormsTranslations:
    """WTForms' messages in the user's language (what a form's Meta.get_translations returns)."""

    def gettext(self, string):
        return _own_message(string) or _wtforms_messages().ugettext(string)

    def ngettext(self, singular, plural, n):
        return _own_message(singular) or _wtforms_messages().ungettext(singular, plural, n)


WTFORMS_TRANSLATIONS = _WTFormsTranslations()
