"""What the road's packets carry: DNS questions and answers, HTTP requests and
responses (the TLS handshake folded into them). Values, not bytes; lengths
are plausible on-the-wire sizes so that tcpdump shows believable numbers."""
from __future__ import annotations

from dataclasses import dataclass, field
TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

if TYPE_CHECKING:
    from typing import Any

__all__ = ["DnsQuery", "DnsReply", "HttpRequest", "HttpResponse", "Closed", "SshHello", "SshBanner", "answer_bytes",
           "http_head", "TLS_HANDSHAKE"]

# what the server's side of a TLS handshake adds before the first answer (ServerHello, the certificate
# chain, Finished), folded into the answer's first bytes
TLS_HANDSHAKE = 900


@dataclass(frozen=True, slots=True)
class DnsQuery:
    """One DNS question with its 16-bit id; ``edns`` is the size of its OPT record (dig: 23 with its
    cookie, host/nslookup/glibc: 0, none)."""

    ident: int
    name: str
    qtype: str = "A"
    edns: int = 0

    @property
    def length(self) -> int:
        from simnet.services.dns_wire import message_size

        return message_size(self.name, (), edns=self.edns)


@dataclass(frozen=True, slots=True)
class DnsReply:
    """The answer: rcode NOERROR/NXDOMAIN/SERVFAIL/REFUSED and (name, ttl, address) A records.

    A server that answers more than A (dnsmasq) fills ``records`` with the whole answer
    section, (owner, ttl, type, data) as dig prints them, sets ``flags`` (``qr aa rd ra``)
    and ``authority`` (() for none); ``ede`` is an extended DNS error (``14 (Not Ready)``).
    ``authority`` None is the provider's resolver, which sends its zone's SOA with a
    negative answer."""

    ident: int
    name: str
    rcode: str
    answers: tuple[tuple[str, int, str], ...] = ()
    authoritative: bool = False
    qtype: str = "A"
    records: tuple[tuple[str, int, str, str], ...] = ()
    flags: str = "qr rd ra"
    authority: tuple[str, ...] | None = None
    ede: str = ""
    edns: int = 0              # the OPT record's size: only an EDNS query gets one back

    def wire_records(self) -> tuple[tuple[str, int, str, str], ...]:
        """The answer section as (owner, ttl, type, data): ``records``, else the A ``answers``."""
        return self.records or tuple((n, ttl, "A", a) for n, ttl, a in self.answers)

    @property
    def authority_count(self) -> int:
        """SOAs in the authority section: the provider's resolver (None) sends one with an empty answer."""
        if self.authority is None:
            return 0 if self.wire_records() else 1
        return len(self.authority)

    @property
    def length(self) -> int:
        from simnet.services.dns_wire import message_size

        return message_size(self.name, self.wire_records(), self.authority_count, bool(self.ede), self.edns)


def header_of(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    """The first header called ``name`` (HTTP header names ignore case)."""
    for k, v in headers:
        if k.lower() == name.lower():
            return v
    return None


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """An HTTP/1.1 request; ``tls`` with ``sni`` when it travels inside TLS."""

    method: str
    host: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    tls: bool = True
    sni: str = ""

    def header(self, name: str) -> str | None:
        return header_of(self.headers, name)

    @property
    def length(self) -> int:
        # the ClientHello and the request; a bigger one would be split into MSS-sized segments
        return min(1400, 517 + len(self.path) + sum(len(k) + len(v) + 4 for k, v in self.headers))


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What came back: status, headers, body and (for TLS) the server's certificate."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    certificate: Any = field(default=None, compare=False)
    tls_alert: str = ""          # the server aborted the handshake (e.g. no certificate)
    h2: bool = True              # the server agrees to HTTP/2 in ALPN (nginx does, pveproxy does not)
    version: str = "HTTP/1.1"    # the status line's protocol (Python's http.server answers HTTP/1.0)

    def header(self, name: str) -> str | None:
        return header_of(self.headers, name)

    @property
    def length(self) -> int:
        # first segment of the answer (certificate chain and headers fill more on a real wire)
        return min(1400, 900 + len(self.body) + sum(len(k) + len(v) + 4 for k, v in self.headers))


def http_head(resp: HttpResponse) -> str:
    """The status line and headers as they travel, CRLF-terminated."""
    return f"{resp.version} {resp.status} {resp.reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in resp.headers) + "\r\n"


def answer_bytes(answer: Any, request: Any) -> int:
    """How many bytes the server writes for ``answer`` to ``request``: the HTTP head and the body
    (none for HEAD), inside TLS with the handshake folded in; other protocols' answers their length.
    Server and client agree on it, so the client knows when the answer is complete."""
    if not isinstance(answer, HttpResponse):
        return max(1, int(getattr(answer, "length", 1)))
    if answer.tls_alert:
        return 7                    # one alert record; then the server closes
    size = len(http_head(answer).encode())
    if getattr(request, "method", "") != "HEAD":
        size += len(answer.body.encode())
    return size + TLS_HANDSHAKE if getattr(request, "tls", False) else size


@dataclass(frozen=True, slots=True)
class Closed:
    """Marks a reset sent because the listening service is gone (port now closed)."""

    reason: str = "closed"


@dataclass(frozen=True, slots=True)
class SshHello:
    """The client's version string and the user it wants to log in as (key exchange folded in)."""

    user: str

    @property
    def length(self) -> int:
        return 1200          # version string plus KEXINIT


@dataclass(frozen=True, slots=True)
class SshBanner:
    """sshd's answer: its version string, the machine it runs on, and whether the key was accepted."""

    version: str
    node: str
    accepted: bool

    @property
    def length(self) -> int:
        return 1100
