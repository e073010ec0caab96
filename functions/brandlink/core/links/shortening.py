"""Shorten every link of one message body: find, check, mint, rewrite.

Decisions (also in ``docs/links.md``):

* Each occurrence of a link gets its own slug, even when the same URL appears twice: Twilio shortens
  each link of each message, and a click then says which occurrence was tapped.
* A link already on the shortening domain (``https://{domain}/...``, any letter case) is left as it is:
  re-shortening a short link would chain two redirects and report one tap twice.
* An invalid link (``validity.link_problem``) fails the whole body with ``InvalidLinkError`` (30139)
  by default, so nothing is sent with a link that would not work. With ``keep_invalid`` (what the
  dispatcher passes for ``ContinueOnFailure``) invalid links stay in the body as written and the
  valid ones are still shortened.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple
from urllib.parse import urlsplit

from brandlink.core.links.detection import LinkSpan, find_links
from brandlink.core.links.errors import InvalidLinkError
from brandlink.core.links.validity import link_problem

MintSlugs = Callable[[int], Sequence[str]]
"""Returns that many new slugs (``SlugMinter.mint_many``)."""


# ShortLink and ShortenedBody are named tuples rather than frozen dataclasses: as immutable, and about
# a quarter of the cost to build, which counts on the send path of every message (bench/RESULTS.md).


class ShortLink(NamedTuple):
    """One shortened occurrence: ``url`` was at ``span`` in the original body, now ``short_url``."""

    slug: str
    url: str
    short_url: str
    span: LinkSpan


_new_link: Callable[[tuple[object, ...]], ShortLink] = partial(tuple.__new__, ShortLink)
"""``ShortLink`` from a tuple of its fields, in order: one C call (a named tuple's ``__new__`` is a
Python function), for every link of every message."""


class ShortenedBody(NamedTuple):
    body: str
    links: tuple[ShortLink, ...]
    """The links that were shortened, in body order (one link item per entry)."""
    skipped: tuple[LinkSpan, ...] = ()
    """Links left as written: on the shortening domain already, or invalid under ``keep_invalid``."""
    invalid: tuple[tuple[LinkSpan, str], ...] = ()
    """The invalid links left as written under ``keep_invalid`` (also in ``skipped``), each with its problem."""


_new_shortened: Callable[[tuple[object, ...]], ShortenedBody] = partial(tuple.__new__, ShortenedBody)
"""``ShortenedBody`` from a tuple of all four fields, in order: one C call, once per message."""


def short_url(domain: str, slug: str, *, https: bool = True, local_port: int | None = None) -> str:
    """How every short link is spelled (in a message body, a click event, the Links API):
    ``https://{domain}/{slug}``, or ``{domain}/{slug}`` with ``DisableHttps``. ``local_port`` (local
    mode only) is the local links gateway's port, which speaks plain HTTP: ``http://{domain}:{port}/{slug}``
    (``{domain}:{port}/{slug}`` with ``DisableHttps``)."""
    host = domain if local_port is None else f"{domain}:{local_port}"
    if not https:
        return f"{host}/{slug}"
    return f"https://{host}/{slug}" if local_port is None else f"http://{host}/{slug}"


def _on_domain(url: str, domain: str) -> bool:
    """Whether ``url``'s host is ``domain`` (lower case, no trailing dot)."""
    if domain not in url.lower():  # the common case, without parsing the URL
        return False
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return host.rstrip(".") == domain


class _Plan(NamedTuple):
    """What shortening a body needs besides the slugs: the same for every message with that body."""

    pieces: tuple[str, ...]
    """The body's text around the links to shorten (one more than there are links): the new body
    is ``pieces[0] + short_0 + pieces[1] + ... + pieces[-1]``."""
    to_shorten: tuple[LinkSpan, ...]
    skipped: tuple[LinkSpan, ...]
    invalid: tuple[tuple[LinkSpan, str], ...]


PLAN_CACHE_SIZE = 512
"""Bodies whose plan is remembered (~1 KB each at most): a campaign sends one body to every recipient."""

_PlanKey = tuple[str, str, bool]
_plans: OrderedDict[_PlanKey, _Plan] = OrderedDict()
"""Plans of bodies seen at least twice, least recently used first (``_plan_for``)."""
SEEN_SIZE = 4096
"""Hashes of bodies seen once that are remembered (a few dozen KB): the second-sight filter."""
_seen: set[int] = set()
_latest: tuple[_PlanKey, _Plan] | None = None
"""The plan of the latest body seen once: its second sight enters ``_plans`` without a new scan."""
_plans_lock = threading.Lock()


def _plan_for(body: str, own_host: str, keep_invalid: bool) -> _Plan:
    """``_make_plan``'s answer, remembered for bodies seen at least twice (LRU, ``PLAN_CACHE_SIZE``).

    A campaign's messages share one body: finding and checking its links once per environment, not
    once per recipient, takes most of the shortening's own cost off dispatch. Personalised bodies
    (a mail merge: every body different) are each seen once, and inserting each in the LRU (and
    evicting another, keeping 512 plans alive for nothing) was pure overhead for them. So a plan
    enters the LRU on its body's second sight only: a set of hashes of bodies seen once (cleared
    when it holds ``SEEN_SIZE``) says whether this is one, and the latest body's plan is kept
    aside, so consecutive messages of one body scan it once; a body seen again later is scanned a
    second time. A hash collision only caches a plan early (the LRU is keyed by the body itself).
    Plans are immutable, so sharing them between messages and threads is safe."""
    global _latest
    key = (body, own_host, keep_invalid)
    plan = _plans.get(key)
    if plan is not None:
        try:  # noqa: SIM105 (contextlib.suppress costs a context manager on every campaign message)
            _plans.move_to_end(key)
        except KeyError:  # another thread evicted it meanwhile: the plan in hand is still right
            pass
        return plan
    latest = _latest
    if latest is not None and latest[0] == key:
        plan = latest[1]
    else:
        digest = hash(key)
        if digest not in _seen:
            plan = _make_plan(body, own_host, keep_invalid)  # raises for an invalid link: nothing remembered
            if len(_seen) >= SEEN_SIZE:
                _seen.clear()
            _seen.add(digest)
            _latest = (key, plan)
            return plan
        plan = _make_plan(body, own_host, keep_invalid)
    with _plans_lock:
        _plans[key] = plan
        if len(_plans) > PLAN_CACHE_SIZE:
            _plans.popitem(last=False)
    return plan


def _make_plan(body: str, own_host: str, keep_invalid: bool) -> _Plan:
    """Find and check the links of ``body`` (``own_host``: the shortening domain, lower case, no
    trailing dot). Raises ``InvalidLinkError`` for an invalid link unless ``keep_invalid``.

    A pure function of its arguments, returning only immutable values (``_plan_for`` remembers them)."""
    to_shorten: list[LinkSpan] = []
    skipped: list[LinkSpan] = []
    invalid: list[tuple[LinkSpan, str]] = []
    for span in find_links(body):
        if _on_domain(span.url, own_host):
            skipped.append(span)
        elif (problem := link_problem(span.url)) is None:
            to_shorten.append(span)
        elif keep_invalid:
            skipped.append(span)
            invalid.append((span, problem))
        else:
            raise InvalidLinkError.for_link(span.url, problem)
    pieces: list[str] = []
    position = 0
    for span in to_shorten:
        pieces.append(body[position : span.start])
        position = span.end
    pieces.append(body[position:])
    return _Plan(tuple(pieces), tuple(to_shorten), tuple(skipped), tuple(invalid))


def shorten_body(
    body: str,
    *,
    domain: str,
    mint: MintSlugs,
    https: bool = True,
    keep_invalid: bool = False,
    prefix: str | None = None,
) -> ShortenedBody:
    """``body`` with each http(s) link replaced by a new short link on ``domain``.

    A short link is ``prefix + slug``; ``prefix`` defaults to ``short_url(domain, "", https=https)``
    (the dispatcher passes ``ShorteningDomain.short_link_prefix``, which knows local mode's port).
    Raises ``InvalidLinkError`` (30139) for the first invalid link unless ``keep_invalid``. Slugs are
    minted only after every link has been checked, so a failing body uses none, and ``mint`` is not
    called at all when no link needs a slug.
    """
    if "://" not in body:  # the common case of a body without links: no cache entry, no scan
        return ShortenedBody(body, ())
    plan = _plan_for(body, domain.lower().rstrip("."), keep_invalid)
    to_shorten = plan.to_shorten
    if not to_shorten:
        return ShortenedBody(body, (), plan.skipped, plan.invalid)
    slugs = mint(len(to_shorten))
    base = short_url(domain, "", https=https) if prefix is None else prefix
    if len(slugs) != len(to_shorten):
        raise ValueError(f"asked for {len(to_shorten)} slugs, got {len(slugs)}")
    pieces = plan.pieces
    parts = [pieces[0]]
    links = []
    for slug, span, piece in zip(slugs, to_shorten, pieces[1:]):  # noqa: B905 (lengths checked above)
        short = base + slug
        links.append(_new_link((slug, span.url, short, span)))
        parts += (short, piece)
    return _new_shortened(("".join(parts), tuple(links), plan.skipped, plan.invalid))
