"""Fetching one web resource safely: every hop's address checked after DNS resolution and
the connection pinned to it, redirects followed by hand, one deadline from connect to last
byte, a streamed body under a size limit, and the charset from the header, the page or a
guess. Failures are :class:`FetchError`, naming the URL and the problem."""

from __future__ import annotations

import codecs
import functools
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from rag.errors import InputError
from rag.settings import Settings

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
PAGE_TYPES = HTML_TYPES | TEXT_TYPES
ANY_TYPE = "*/*"  # in ``accept``: whatever the server says it sent
XML_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
     "text/xml"}
)  # fmt: skip
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# What HTML's own decoder does with these labels (WHATWG Encoding): Windows-1252 is a
# superset of Latin-1, and pages that say "iso-8859-1" are nearly always written in it.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                    "us-ascii": "cp1252", "ascii": "cp1252"}  # fmt: skip
_CHARSET_ALIASES |= {"gb2312": "gbk", "shift_jis": "cp932", "euc-kr": "cp949"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def user_agent() -> str:
    """The User-Agent every request sends: it names the tool and its version."""
    try:
        v = version("rag-news")
    except PackageNotFoundError:  # a source tree that was never installed
        v = "dev"
    return f"rag-news/{v} (who-said-what news reader; python-httpx)"


def utc_now() -> str:
    """The time now as stored with fetches and polls: ISO, UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class FetchError(InputError):
    """A URL that could not be fetched or read; names the URL and the problem."""


@dataclass(frozen=True)
class Page:
    """One fetched resource. ``status`` 304 means unchanged since ``etag``/``last_modified``:
    then ``text`` is empty."""

    url: str  # as asked for
    final_url: str  # after redirects
    status: int
    content_type: str  # the media type, lower case, without parameters
    text: str
    etag: str = ""
    last_modified: str = ""
    fetched: str = ""  # ISO time, UTC, to the second
    body: bytes = field(default=b"", repr=False)  # as sent (XML parsers read its encoding)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch(
    url: str,
    settings: Settings,
    *,
    accept: Iterable[str] = PAGE_TYPES,
    etag: str = "",
    last_modified: str = "",
) -> Page:
    """GET ``url`` and decode it; refuses media types outside ``accept``. The whole fetch,
    redirects included, ends by ``settings.fetch_timeout``."""
    accepted = frozenset(accept)
    headers = {
        "User-Agent": user_agent(),
        "Accept": _accept_header(accepted),
        "Accept-Encoding": "gzip, deflate",  # decompressed here, under the size limit
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + settings.fetch_timeout
    transport = _CheckedTransport(settings.fetch_allow_private, deadline)
    client = httpx.Client(transport=transport, follow_redirects=False, trust_env=False)
    watchdog = threading.Timer(settings.fetch_timeout, client.close)  # ends a stalled read
    watchdog.daemon = True
    watchdog.start()
    try:
        return _follow(url, client, headers, accepted, settings, deadline)
    except FetchError as e:
        if e.path == url:
            raise
        # The transport refused an address (it knows only host and port): name the URL asked for.
        raise FetchError(url, e.problem) from e
    except httpx.HTTPError as e:
        if time.monotonic() >= deadline or isinstance(e, httpx.TimeoutException):
            raise FetchError(url, f"timed out after {settings.fetch_timeout:g} s") from e
        raise FetchError(url, f"the connection failed: {e}") from e
    except RuntimeError as e:  # the watchdog closed the client between two requests
        if time.monotonic() >= deadline:
            raise FetchError(url, f"timed out after {settings.fetch_timeout:g} s") from e
        raise
    finally:
        watchdog.cancel()
        client.close()


def _follow(
    url: str,
    client: httpx.Client,
    headers: dict[str, str],
    accepted: frozenset[str],
    settings: Settings,
    deadline: float,
) -> Page:
    current, seen = url, [url]
    for _ in range(settings.fetch_max_redirects + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(url, f"timed out after {settings.fetch_timeout:g} s")
        try:
            request = client.build_request("GET", current, headers=headers, timeout=left)
        except (httpx.InvalidURL, ValueError, UnicodeError) as e:
            raise FetchError(url, f"not a valid URL: {current} ({e})") from e
        if request.url.scheme not in ("http", "https"):
            raise FetchError(url, "only http:// and https:// URLs can be fetched")
        response = client.send(request, stream=True)
        try:
            if response.status_code in REDIRECTS:
                current = _redirect_target(url, current, response, seen)
                continue
            return _page(url, current, response, accepted, settings, deadline)
        finally:
            response.close()
    raise FetchError(url, f"more than {settings.fetch_max_redirects} redirects")


def _accept_header(accepted: frozenset[str]) -> str:
    return ", ".join([*sorted(accepted - {ANY_TYPE}), "*/*;q=0.1"])


def _redirect_target(url: str, current: str, response: httpx.Response, seen: list[str]) -> str:
    location = response.headers.get("location", "").strip()
    if not location:
        raise FetchError(url, f"HTTP {response.status_code} redirect without a Location")
    target = urljoin(current, location)
    if seen.count(target) >= 2:  # once back is normal (a consent page that sets a cookie)
        first = seen.index(target)
        raise FetchError(url, f"redirect loop: {' → '.join([*seen[first:], target])}")
    seen.append(target)
    return target


def _page(
    url: str,
    final_url: str,
    response: httpx.Response,
    accepted: frozenset[str],
    settings: Settings,
    deadline: float,
) -> Page:
    status = response.status_code
    etag = response.headers.get("etag", "")
    last_modified = response.headers.get("last-modified", "")
    fetched = utc_now()
    if status == 304:
        return Page(url, final_url, status, "", "", etag, last_modified, fetched)
    if status >= 400:
        raise FetchError(url, f"HTTP {status} {response.reason_phrase}".rstrip())
    if status != 200:
        raise FetchError(url, f"HTTP {status} {response.reason_phrase}: not a page".rstrip())
    media_type, charset = _content_type(response.headers.get("content-type", ""))
    limit = int(settings.fetch_max_mb * 1e6)
    body = _read_body(url, response, limit, deadline, settings.fetch_timeout)
    if not media_type:
        media_type = "text/html" if body.lstrip()[:1] == b"<" else "text/plain"
    if media_type not in accepted and ANY_TYPE not in accepted:
        wanted = ", ".join(sorted(accepted))
        raise FetchError(url, f"the server sent {media_type}, not {wanted}")
    text = decode(body, charset, url)
    if not text.strip():
        raise FetchError(url, "the server sent an empty page")
    return Page(url, final_url, status, media_type, text, etag, last_modified, fetched, body)


def _content_type(header: str) -> tuple[str, str]:
    media_type, _, params = header.partition(";")
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.I)
    return media_type.strip().lower(), (m.group(1) if m else "")


def _read_body(
    url: str, response: httpx.Response, limit: int, deadline: float, timeout: float
) -> bytes:
    declared = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
        raise FetchError(
            url, f"the server sent a body encoded as {encoding!r}, which was not asked for"
        )
    if declared.isdigit() and int(declared) > limit and encoding in ("identity", ""):
        raise FetchError(url, _too_big(int(declared), limit))
    inflate = _Inflater(encoding)
    body = bytearray()
    try:
        for part in response.iter_raw():  # decompressed here, never past the limit
            body += inflate.feed(part, limit + 1 - len(body))
            if len(body) > limit or inflate.overflow:
                raise FetchError(url, _too_big(None, limit))
            if time.monotonic() > deadline:
                raise FetchError(url, f"timed out after {timeout:g} s (the page was still coming)")
    except zlib.error as e:
        raise FetchError(url, f"the {encoding} body is damaged: {e}") from e
    return bytes(body)


class _Inflater:
    """gzip / deflate (zlib or raw) decompression that never yields more than asked."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.z: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self.z = zlib.decompressobj(wbits=31)
        elif encoding == "deflate":
            self.z = zlib.decompressobj(wbits=47)  # zlib header auto-detected
        self.overflow = False
        self.started = False

    def feed(self, data: bytes, room: int) -> bytes:
        if self.z is None:
            return data
        try:
            out = self.z.decompress(data, max(room, 1))
        except zlib.error:
            if self.encoding != "deflate" or self.started:
                raise
            self.z = zlib.decompressobj(wbits=-15)  # raw deflate, sent without its header
            out = self.z.decompress(data, max(room, 1))
        self.started = True
        if self.z.unconsumed_tail:
            self.overflow = True
        return out


def _too_big(size: int | None, limit: int) -> str:
    what = f"is {size / 1e6:.1f} MB, " if size is not None else "is "
    return f"the response {what}over the {limit / 1e6:g} MB limit (RAG_FETCH_MAX_MB)"


def decode(body: bytes, declared: str, url: str) -> str:
    """Text of ``body``: by its BOM, the declared charset, the page's <meta charset>, UTF-8,
    then Windows-1252; a charset that is unknown, not a text encoding, or does not fit the
    bytes is skipped."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return _newlines(body[len(bom) :].decode(codec, errors="replace"))
    m = _META_CHARSET.search(body[:4096])
    meta = m.group(1).decode("ascii", "ignore").lower() if m else ""
    if meta.startswith("utf-16"):  # a page read as bytes cannot be UTF-16 (HTML's rule)
        meta = "utf-8"
    for label in dict.fromkeys(c.strip().lower() for c in (declared, meta, "utf-8") if c):
        charset = _CHARSET_ALIASES.get(label, label)
        try:
            if not codecs.lookup(charset)._is_text_encoding:
                raise LookupError(charset)
        except LookupError:
            log.warning("%s: unknown charset %r ignored", url, label)
            continue
        try:
            return _newlines(body.decode(charset))
        except UnicodeDecodeError:
            log.warning("%s: the bytes are not %s as declared; trying another", url, label)
    return _newlines(body.decode("cp1252", errors="replace"))


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- where a request may go ------------------------------------------------------------


class _CheckedTransport(httpx.HTTPTransport):
    """httpx's transport, connecting only to addresses that pass :func:`checked_address`:
    the check is made on the very address each connection goes to, so neither a redirect
    nor a second DNS answer can lead it elsewhere. URLs, Host, TLS and cookies are as usual."""

    def __init__(self, allow_private: bool, deadline: float) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=4,
            network_backend=_CheckedBackend(allow_private, deadline),
        )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """The verifying TLS context (loading the CA bundle costs ~30 ms; made once)."""
    return httpx.create_ssl_context(trust_env=False)


class _CheckedBackend(httpcore.SyncBackend):
    def __init__(self, allow_private: bool, deadline: float) -> None:
        self.allow_private = allow_private
        self.deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = checked_address(f"http://{host}:{port}/", host, port, self.allow_private,
                                  max(0.1, self.deadline - time.monotonic()))  # fmt: skip
        return super().connect_tcp(address, port, timeout, local_address, socket_options)


def checked_address(
    url: str, host: str, port: int, allow_private: bool, timeout: float = 10.0
) -> str:
    """The address to connect to for ``host``: refused when any of its addresses is not a
    public one (loopback, link-local, private, reserved), unless ``allow_private``."""
    infos = _resolve(url, host, port, timeout)
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise FetchError(url, f"cannot resolve {host}")
    if not allow_private:
        for ip in addresses:
            kind = _non_public(ip)
            if kind:
                where = f"{host} is a" if host.strip("[]") == str(ip) else f"{host} is at {ip}, a"
                raise FetchError(
                    url,
                    f"{where} {kind} address: refused "
                    "(set RAG_FETCH_ALLOW_PRIVATE=1 to fetch from such addresses)",
                )
    addresses.sort(key=lambda ip: ip.version)  # IPv4 first: what most test servers bind
    return str(addresses[0])


def _resolve(url: str, host: str, port: int, timeout: float) -> list[Any]:
    """getaddrinfo with a time limit (it has none of its own)."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.extend(socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as e:
            failure.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise FetchError(url, f"resolving {host} took more than {timeout:g} s")
    if failure:
        raise FetchError(
            url, f"cannot resolve {host}: {getattr(failure[0], 'strerror', None) or failure[0]}"
        )
    return result


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _non_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """What kind of non-public address ``ip`` is ('' for a public one), looking through
    the IPv6 forms that carry an IPv4 address (mapped, compatible, 6to4, NAT64)."""
    kind = _own_kind(ip)
    if kind or not isinstance(ip, ipaddress.IPv6Address):
        return kind
    embedded = ip.ipv4_mapped or ip.sixtofour
    if embedded is None and (ip in _NAT64 or int(ip) >> 32 == 0):
        embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return _own_kind(embedded) if embedded is not None else ""


def _own_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"
    return ""
