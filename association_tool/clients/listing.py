"""The client list and its search: which index answers each question, and why.

The client list (`/clients/`) is the most visited page, and search as you type asks it again at
every key press. Its queries were shaped with the benchmark (`make bench`, 10,000 and 100,000
clients; README, "Benchmark"). What each choice saves was measured before and after in
`bench/results/`: `2026-11-24-changes.md` (the trigram indexes), `2026-11-24-changes-2.md` (the
count cap, plain rows, queries built once), `2026-11-24-changes-3.md` (the names index, the
status counters, PostgreSQL's gathered search, the start-date index) and
`2026-11-24-changes-4.md` (instr() on SQLite, the growth measured side by side). The latest
results: `2026-11-24-sqlite-large-4.md`, `2026-11-24-postgresql-large-4.md` and
`2026-11-24-postgresql-large-4b.md`.

Every page in two steps (`_rows_query`)
    First the page's ids: sorting and skipping happen on narrow (id, sort key) rows, which an
    index often gives in order without any sort. Then only those 25 clients are read, as plain
    rows of the columns the list shows (`LIST_COLUMNS`) with their responsible workers' names;
    no client objects are built.

The list without a search
    When only the status narrows it (the default view), its two queries are built once per
    status and order (`_plain_list`) and neither reads every client:

    - by name: the statuses shown are spelled out (`status IN ('active', 'paused')`, never
      `status != 'ended'`), so the database reads each status's names in order from
      `ix_client_status_name (status, display_name)` and stops after the page;
    - by start date: `ix_client_start_status (start_date, id, status)` is read in order and the
      status tested on each entry. There `IN` made SQLite choose the status index and sort every
      client: 67 ms of SQL at 100,000 clients, 3.6 ms of CPU per request after (migration 0011);
    - the total is the sum of `client_status_count`, counters the database keeps by triggers
      (migration 0010), because PostgreSQL counts by reading every row: counting 90,000 clients
      took 6-9 ms on every page.

    Other filters (mine, level, worker, a peer supporter's own clients) use the plain queries
    and an exact count: an index walk in order could visit every client to find a few.

The search
    The typed text is lower-cased and split into at most five words, the longest first (it
    narrows the most); a client matches when their names' search text (`search_text`, lower-cased
    alike) holds every word. The count, and three ways to the page, are built once per shape of
    search when only the status narrows it (`_plain_search`, `_build_search`):

    - the candidates. SQLite: the FTS5 trigram table `client_search` (migration 0008) gives the
      candidates of the longest word, a quoted phrase being a substring search answered from
      the index alone; each candidate's row is then read once and every word tested with
      instr(), a third of the cost of a LIKE, which matters when a broad word is tested on
      thousands of names. PostgreSQL: the trigram GIN index `ix_client_search_trgm` (pg_trgm)
      answers each `LIKE '%word%'` itself. A longest word of one or two letters has no trigram:
      SQLite then tests the words on the clients' rows. On SQLite a common word's count stops
      at the cap as the candidates come, instead of gathering all its matches first; on
      PostgreSQL the trigram index hands over every match (40,000 for "nen" at 100,000 clients)
      before the count stops (1-3 ms).
    - the count stops at `SEARCH_COUNT_CAP` + 1. A search that matches more than 1,000 clients
      says "More than 1,000 clients match" and pages on instead of counting every match, so its
      cost stays the same however many clients the association has ("nen" at 100,000 clients:
      37 ms to count and 43 ms for the page before, under 1 ms and 1-2 ms after).
    - at most 1,000 matches: all of them are found and sorted (`gathered`), which is cheap. On
      PostgreSQL a MATERIALIZED CTE makes the database take them from the trigram index first:
      left to choose, it read the names index in order until it had a page, half of it for
      "mik", whose matches sit late in the alphabet (8.3 ms, 2.3 ms gathered).
    - more than 1,000, in name order: the page is looked for among the first `WALK_BUDGET`
      (2,000) names in order (`many`), read with what is tested on them from one index,
      `ix_client_name_text (display_name, id, status, search_text)` (migration 0009), without
      reading the clients' rows: 2,000 names in 0.4-0.5 ms, against 1.8-1.9 ms reading each row,
      about as long as sorting some 600 matches. A common word ("ain", "nen") fills its page
      there. A word whose matches cluster further on in the alphabet ("mik" of every Mikko,
      "ell" of every Ella) does not, and all its matches are sorted instead (`gathered`). The
      walk is bounded because an unbounded one read half the clients for "mik" (89 ms); it was
      500 names until the names index held the search text. Filters beyond the status make the
      walk read the clients' rows.
    - more than 1,000, in another order (newest first, by level): `few`, the matches in the
      order the database chooses; on PostgreSQL gathering them was slower there ("nen": 36
      against 24 ms). On SQLite `few` and `gathered` are the same query.

SQLite and PostgreSQL, in short
    SQLite finds candidates in its FTS5 trigram table and tests words with instr(); PostgreSQL's
    trigram index answers the LIKEs, and its search gathers matches in a materialized CTE before
    sorting them. Both read the same b-tree indexes for the names walk and the list, and both
    keep the status counters by triggers. SQLite keeps up to 32 MiB of the database in memory per
    connection (`PAGE_CACHE_KIB`, database.py): at 100,000 clients that is what lets searches
    run without rereading the client table.

Measured and left out (the changes files say more): a second, larger walk sized by how many of
the first names matched (names cluster, so the estimate misled); `status IN (...)` for the
search's own sort (quick for a common word, but it reads the whole index for a word that matches
nobody: 8.6 ms for "laa"); gathering up to 2,000 matches with the count in one statement
(quicker for "mik", slower for the broadest words, worse in sum). Not done, since it changes
what users find: searching from the start of a word, which would count and sort from one index
but no longer find "Mikkola" for "kola".

tests/test_clients.py checks the plans (the trigram index, the covering names index, the
start-date index), that a broad search shows the same pages as an exact one, and that the list
asks the same number of queries whatever the number of clients.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (Integer, bindparam, column, func, literal, literal_column, or_, select,
                        table)
from sqlalchemy.sql.util import ClauseAdapter

from ..access import visible_clients_filter
from ..database import is_sqlite
from ..extensions import db
from ..models import Client, ClientStatus, ClientStatusCount, User
from ..users import WORKER_ROLES


@dataclass
class ClientFilters:
    """What the client list is asked to show."""

    q: str = ""
    mine: bool = False
    level: str = ""
    status: str = ""  # "" = active and paused; "all"; or one status
    worker_id: int | None = None
    worker_name: str = ""  # part of a worker's name, where the workers are too many to list
    sort: str = "name"
    page: int = 1


# Each key with its direction spelled out, so that the search can say the same order on its
# gathered matches (ClauseAdapter replaces the columns inside asc() and desc()).
SORTS = {
    "name": (Client.display_name.asc(), Client.id.asc()),
    "-start": (Client.start_date.desc(), Client.id.desc()),
    "start": (Client.start_date.asc(), Client.id.asc()),
    "level": (Client.level.asc(), Client.display_name.asc(), Client.id.asc()),
}
PER_PAGE = 25
# What a row of the list shows: read as plain rows, without building client objects.
LIST_COLUMNS = (Client.id, Client.display_name, Client.full_name, Client.status, Client.level,
                User.name.label("worker_name"))

# Every status but "ended", spelled out for ix_client_status_name (see above).
_NOT_ENDED = tuple(s.value for s in ClientStatus if s is not ClientStatus.ENDED)
_ALL_STATUSES = tuple(s.value for s in ClientStatus)

# More matches than this are not counted: the list says "more than 1,000" (see above).
SEARCH_COUNT_CAP = 1000
# How many names in alphabetical order a broad search reads for its page before it sorts all
# its matches instead (see above).
WALK_BUDGET = 2000


@dataclass
class ClientPage:
    """One page of the client list, with the total (or, for a broad search, its lower bound)."""

    items: list
    total: int
    page: int
    more: bool = False  # more than SEARCH_COUNT_CAP match: `total` is the cap, not the count
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


def _rows_query(ids, order, ids_order=None):
    """The query of one page's rows: the page's ids chosen first (sorted by `ids_order`, else
    `order`), then just those clients, sorted by `order`."""
    page_ids = (ids.order_by(*(ids_order or order)).limit(PER_PAGE)
                .offset(bindparam("offset", type_=Integer)))
    return (select(*LIST_COLUMNS).outerjoin(User, User.id == Client.responsible_id)
            .where(Client.id.in_(page_ids)).order_by(*order))


def _page_rows(query, page: int, params: dict | None = None) -> list:
    return db.session.execute(query, {**(params or {}), "offset": (page - 1) * PER_PAGE}).all()


@lru_cache(maxsize=32)
def _plain_list(status: str, sort: str) -> tuple:
    """The list's page and total queries when only the status narrows it, built once."""
    order = SORTS[sort]
    walk = _ALL_STATUSES if status == "all" else (status,) if status else _NOT_ENDED
    if sort == "name":
        ids = select(Client.id).where(Client.status.in_(walk))
    else:
        # By start date the status is tested on each entry of ix_client_start_status.
        condition = _status_filter(status)
        ids = select(Client.id).where(*(() if condition is None else (condition,)))
    count = (select(func.coalesce(func.sum(ClientStatusCount.clients), 0))
             .where(ClientStatusCount.status.in_(walk)))
    return _rows_query(ids, order), count


# SQLite's trigram index of client names (migration 0008); PostgreSQL's is an ordinary index.
_client_search = table("client_search", column("rowid"))
_MATCH = literal_column("client_search").op("MATCH")


def _status_filter(status: str):
    """The list's status condition (None: any status)."""
    if status == "all":
        return None
    if status:
        return Client.status == status
    return Client.status != ClientStatus.ENDED.value


def _contains(i: int, sqlite: bool, text=Client.search_text):
    """The i-th search word in the client's names (`text`), the word a parameter (_search_params):
    instr() on SQLite, a LIKE (answered by the trigram index) on PostgreSQL."""
    if sqlite:
        return func.instr(text, bindparam(f"word{i}")) > 0
    return text.like(bindparam(f"like{i}"), escape="/")


def _build_search(long: tuple, sqlite: bool, where: tuple, order: tuple) -> tuple:
    """A search's queries, its words parameters: the count up to the cap, and three ways to the
    page's rows, `few`, `many` and `gathered` (see above).

    `long` tells which words have three letters or more (the first is the longest).
    """
    tests = [_contains(i, sqlite) for i in range(len(long))]
    if sqlite and long[0]:
        # The longest word's candidates from the trigram index, each joined to its row once.
        source = _client_search.join(Client, Client.id == _client_search.c.rowid)
        tests.insert(0, _MATCH(bindparam("phrase0")))
    else:
        source = Client.__table__
    matching = select(literal(1)).select_from(source).where(*tests, *where)
    count = select(func.count()).select_from(
        matching.limit(bindparam("cap", type_=Integer)).subquery())
    few = gathered = _rows_query(select(Client.id).select_from(source).where(*where, *tests), order)
    if not sqlite:
        # The matches from the trigram index first, then sorted.
        matches = (select(Client.id, Client.display_name, Client.start_date, Client.level)
                   .where(*where, *tests).cte("matches").prefix_with("MATERIALIZED"))
        adapt = ClauseAdapter(matches).traverse
        gathered = _rows_query(select(matches.c.id), order, tuple(adapt(o) for o in order))
    # The first WALK_BUDGET names in order (the index gives them without sorting), and of those
    # the ones that match.
    window = (select(Client.id, Client.display_name, Client.search_text)
              .where(*where).order_by(*SORTS["name"]).limit(WALK_BUDGET).subquery())
    many = _rows_query(
        select(window.c.id).where(*(_contains(i, sqlite, window.c.search_text)
                                    for i in range(len(long)))),
        order, (window.c.display_name, window.c.id))
    return count, few, many, gathered


@lru_cache(maxsize=128)
def _plain_search(long: tuple, sqlite: bool, status: str, sort: str) -> tuple:
    """A search's queries when only the status narrows it (staff's usual search), built once."""
    condition = _status_filter(status)
    where = (condition,) if condition is not None else ()
    return _build_search(long, sqlite, where, SORTS[sort])


def _search_params(words: list[str]) -> dict:
    params = {}
    for i, word in enumerate(words):
        escaped = word.replace("/", "//").replace("%", "/%").replace("_", "/_")
        params[f"like{i}"] = f"%{escaped}%"
        params[f"word{i}"] = word
    if words:  # the longest word, looked up in SQLite's trigram index as an FTS5 phrase
        params["phrase0"] = '"' + words[0].replace('"', '""') + '"'
    return params


def list_clients(user: User, filters: ClientFilters) -> ClientPage:
    """Return one page of the clients the user may see, filtered and sorted, with workers' names."""
    conditions = []
    visible = visible_clients_filter(user)
    if visible is not None:
        conditions.append(visible)
    words = filters.q.lower().split()[:5]
    if filters.mine:
        conditions.append(or_(Client.responsible_id == user.id, Client.backup_id == user.id))
    if filters.level:
        conditions.append(Client.level == filters.level)
    if filters.worker_id:
        conditions.append(or_(Client.responsible_id == filters.worker_id,
                              Client.backup_id == filters.worker_id))
    if filters.worker_name:
        like = filters.worker_name.replace("/", "//").replace("%", "/%").replace("_", "/_")
        named = select(User.id).where(User.role.in_(WORKER_ROLES),
                                      User.name.ilike(f"%{like}%", escape="/"))
        conditions.append(or_(Client.responsible_id.in_(named), Client.backup_id.in_(named)))
    status = _status_filter(filters.status)
    sort = filters.sort if filters.sort in SORTS else "name"
    order = SORTS[sort]
    where = conditions + ([status] if status is not None else [])
    if words:
        words.sort(key=len, reverse=True)  # the longest word first: it narrows the most
        long, sqlite = tuple(len(w) >= 3 for w in words), is_sqlite(db.engine)
        count, few, many, gathered = (
            _build_search(long, sqlite, tuple(where), order)
            if conditions else _plain_search(long, sqlite, filters.status, sort))
        params = _search_params(words)
        found = db.session.execute(count, {**params, "cap": SEARCH_COUNT_CAP + 1}).scalar_one()
        more = found > SEARCH_COUNT_CAP
        rows = _page_rows(many, filters.page, params) if more and sort == "name" else []
        if len(rows) < PER_PAGE:  # not a whole page among the first names: sort all matches
            rows = _page_rows(few if more and sort != "name" else gathered, filters.page, params)
        return ClientPage(rows, min(found, SEARCH_COUNT_CAP), filters.page, more=more)
    if not conditions:
        rows, count = _plain_list(filters.status, sort)
        return ClientPage(_page_rows(rows, filters.page), db.session.execute(count).scalar_one(),
                          filters.page)
    # Other filters: the plain queries (an index walk could visit every client to find a few).
    return ClientPage(_page_rows(_rows_query(select(Client.id).where(*where), order), filters.page),
                      db.session.execute(select(func.count(Client.id)).where(*where)).scalar_one(),
                      filters.page)
