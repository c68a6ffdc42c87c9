"""Fetching one web resource safely: every hop's address checked after DNS resolution and
the connection pinned to it, redirects followed by hand, one deadline from connect to last
byte, a streamed body under a size limit, and the charset from the header, the page or a
guess. Failures are :class:`FetchError`, naming the URL and the problem."""

from __future__ import annotations

import codecs
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from rag.errors import InputError
from rag.settings import Settings

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
PAGE_TYPES = HTML_TYPES | TEXT_TYPES
XML_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
     "text/xml"}
)  # fmt: skip
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# What HTML's own decoder does with these labels (WHATWG Encoding): Windows-1252 is a
# superset of Latin-1, and pages that say "iso-8859-1" are nearly always written in it.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                    "us-ascii": "cp1252", "ascii": "cp1252"}  # fmt: skip
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def user_agent() -> str:
    """The User-Agent every request sends: it names the tool and its version."""
    try:
        v = version("rag-news")
    except PackageNotFoundError:  # a source tree that was never installed
        v = "dev"
    return f"rag-news/{v} (who-said-what news reader; python-httpx)"


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
    """GET ``url`` and decode it; refuses media types outside ``accept``."""
    accepted = frozenset(accept)
    deadline = time.monotonic() + settings.fetch_timeout
    headers = {"User-Agent": user_agent(), "Accept": _accept_header(accepted)}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(settings.fetch_timeout)
    current, seen = url, [url]
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _ in range(settings.fetch_max_redirects + 1):
            request = _pinned_request(client, current, headers, settings.fetch_allow_private)
            try:
                response = client.send(request, stream=True)
            except httpx.TimeoutException as e:
                raise FetchError(url, f"timed out after {settings.fetch_timeout:g} s") from e
            except httpx.HTTPError as e:
                raise FetchError(url, f"could not connect to {_host(current)}: {e}") from e
            try:
                if response.status_code in REDIRECTS:
                    current = _redirect_target(url, current, response, seen)
                    continue
                return _page(url, current, response, accepted, settings, deadline)
            finally:
                response.close()
    raise FetchError(url, f"more than {settings.fetch_max_redirects} redirects")


def _accept_header(accepted: frozenset[str]) -> str:
    return ", ".join([*sorted(accepted), "*/*;q=0.1"])


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _redirect_target(url: str, current: str, response: httpx.Response, seen: list[str]) -> str:
    location = response.headers.get("location", "").strip()
    if not location:
        raise FetchError(url, f"HTTP {response.status_code} redirect without a Location")
    target = urljoin(current, location)
    if target in seen:
        raise FetchError(url, f"redirect loop: {' → '.join([*seen[seen.index(target) :], target])}")
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
    fetched = datetime.now(UTC).replace(microsecond=0).isoformat()
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
    if media_type not in accepted:
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
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(url, _too_big(int(declared), limit))
    body = bytearray()
    try:
        for part in response.iter_bytes():  # decompressed: a gzip bomb meets the limit too
            body += part
            if len(body) > limit:
                raise FetchError(url, _too_big(None, limit))
            if time.monotonic() > deadline:
                raise FetchError(url, f"timed out after {timeout:g} s (the page was still coming)")
    except httpx.TimeoutException as e:
        raise FetchError(url, f"timed out after {timeout:g} s") from e
    except httpx.HTTPError as e:
        raise FetchError(url, f"the connection broke while reading: {e}") from e
    return bytes(body)


def _too_big(size: int | None, limit: int) -> str:
    what = f"{size / 1e6:.1f} MB" if size is not None else "larger than that"
    return f"the response is {what}, over the {limit / 1e6:g} MB limit (RAG_FETCH_MAX_MB)"


def decode(body: bytes, declared: str, url: str) -> str:
    """Text of ``body``: by its BOM, the declared charset, the page's <meta charset>, UTF-8,
    then Windows-1252; a charset that is unknown or does not fit the bytes is skipped."""
    if body.startswith(codecs.BOM_UTF8):
        return _newlines(body.decode("utf-8-sig", errors="replace"))
    m = _META_CHARSET.search(body[:4096])
    meta = m.group(1).decode("ascii", "ignore") if m else ""
    for label in dict.fromkeys(c.strip().lower() for c in (declared, meta, "utf-8") if c):
        charset = _CHARSET_ALIASES.get(label, label)
        try:
            codecs.lookup(charset)
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


def _pinned_request(
    client: httpx.Client, url: str, headers: dict[str, str], allow_private: bool
) -> httpx.Request:
    """A request for ``url`` sent to the address its host was checked at, so that a second
    DNS answer cannot send it elsewhere (TLS still checks the certificate for the host)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(url, "only http:// and https:// URLs can be fetched")
    host = parts.hostname
    if not host:
        raise FetchError(url, "the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as e:
        raise FetchError(url, "the URL's port is not a number") from e
    address = checked_address(url, host, port, allow_private)
    netloc = f"[{address}]" if ":" in address else address
    if parts.port:
        netloc += f":{parts.port}"
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return client.build_request(
        "GET", pinned, headers={**headers, "Host": host_header}, extensions=extensions
    )


def checked_address(url: str, host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for ``host``: refused when any of its addresses is not a
    public one (loopback, link-local, private, reserved), unless ``allow_private``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise FetchError(url, f"cannot resolve {host}: {getattr(e, 'strerror', e)}") from e
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not allow_private:
        for ip in addresses:
            kind = _non_public(ip)
            if kind:
                where = f"{host} is a" if host == str(ip) else f"{host} is at {ip}, a"
                raise FetchError(
                    url,
                    f"{where} {kind} address: refused "
                    "(set RAG_FETCH_ALLOW_PRIVATE=1 to fetch from such addresses)",
                )
    addresses.sort(key=lambda ip: ip.version)  # IPv4 first: what most test servers bind
    return str(addresses[0])


def _non_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """What kind of non-public address ``ip`` is ('' for a public one)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"
    return ""
