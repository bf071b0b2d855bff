"""curl 7.88 (Debian 12) for the road: name lookup, TCP through the lab, the
certificate check and the response; plus the DuckDNS update script.

Supported: -I -i -v -s -S -f -k -L -o FILE -K FILE|- -H -X -m --connect-timeout.
"""
from __future__ import annotations

import shlex

from simnet.core.errors import CommandError
from simnet.commands.base import Context
from simnet.services.road import road_of
from simnet.services.road_client import FetchResult, fetch, road_now
from simnet.services.tls import verify_error

__all__ = ["main", "run_script"]

USAGE = ("Usage: curl [options...] <url>\n"
         " -d, --data <data>          HTTP POST data\n"
         " -f, --fail                 Fail fast with no output on HTTP errors\n"
         " -h, --help <category>      Get help for commands\n"
         " -i, --include              Include protocol response headers in the output\n"
         " -o, --output <file>        Write to file instead of stdout\n"
         " -O, --remote-name          Write output to a file named as the remote file\n"
         " -s, --silent               Silent mode\n"
         " -T, --upload-file <file>   Transfer local FILE to destination\n"
         " -u, --user <user:password> Server user and password\n"
         " -A, --user-agent <name>    Send User-Agent <name> to server\n"
         " -v, --verbose              Make the operation more talkative\n"
         " -V, --version              Show version number and quit\n\n"
         "This is not the full help, this menu is stripped into categories.\n"
         'Use "--help category" to get an overview of all categories.\n'
         "For all options use the manual or \"--help all\".")
SSL_TAIL = ("More details here: https://curl.se/docs/sslcerts.html\n\n"
            "curl failed to verify the legitimacy of the server and therefore could not\n"
            "establish a secure connection to it. To learn more about this situation and\n"
            "how to fix it, please visit the web page mentioned above.")
SHORT = {"I": "head", "i": "include", "v": "verbose", "s": "silent", "S": "show-error", "f": "fail",
         "k": "insecure", "L": "location", "4": "ipv4", "6": "ipv6"}
LONG_BOOL = {"--head": "head", "--include": "include", "--verbose": "verbose", "--silent": "silent",
             "--show-error": "show-error", "--fail": "fail", "--insecure": "insecure", "--location": "location",
             "--http1.1": "http1.1", "--http2": "http2", "--ipv4": "ipv4", "--ipv6": "ipv6"}
WITH_ARG = {"-o": "output", "--output": "output", "-K": "config", "--config": "config", "-H": "header",
            "--header": "header", "-X": "request", "--request": "request", "-m": "max-time",
            "--max-time": "max-time", "--connect-timeout": "connect-timeout", "-A": "user-agent",
            "--user-agent": "user-agent"}


# connect()'s errno as curl -v names it, by simnet.services.transport's status
CONNECT_ERRNO = {"refused": "Connection refused", "hostunreach": "No route to host",
                 "netunreach": "Network is unreachable"}


class CurlError(CommandError):
    def __init__(self, text: str, code: int) -> None:
        super().__init__(text)
        self.text, self.code = text, code


def _parse(ctx: Context, args: list[str]) -> tuple[dict, list[str], list[str]]:
    opts: dict = {}
    urls: list[str] = []
    headers: list[str] = []
    k = 0
    while k < len(args):
        a = args[k]
        if a in WITH_ARG:
            if k + 1 >= len(args):
                raise CurlError(f"curl: option {a}: requires parameter\ncurl: try 'curl --help' or 'curl --manual' "
                                "for more information", 2)
            name, value = WITH_ARG[a], args[k + 1]
            if name == "header":
                headers.append(value)
            elif name == "config":
                text = ctx.stdin if value == "-" else ctx.node.files.get(value)
                if text is None:
                    raise CurlError(f"Warning: Couldn't read config file '{value}'", 26)
                for url in _config_urls(text):
                    urls.append(url)
            else:
                opts[name] = value
            k += 2
            continue
        if a in LONG_BOOL:
            opts[LONG_BOOL[a]] = True
        elif a.startswith("--"):
            raise CurlError(f"curl: option {a}: is unknown\ncurl: try 'curl --help' or 'curl --manual' "
                            "for more information", 2)
        elif a.startswith("-") and len(a) > 1:
            letters = a[1:]
            for i, ch in enumerate(letters):
                if ch in SHORT:
                    opts[SHORT[ch]] = True
                elif "-" + ch in WITH_ARG:
                    rest = letters[i + 1:]
                    if not rest and k + 1 >= len(args):
                        raise CurlError(f"curl: option -{ch}: requires parameter", 2)
                    value = rest or args[k + 1]
                    if not rest:
                        k += 1
                    if ch == "o":
                        opts["output"] = value
                    elif ch == "K":
                        text = ctx.stdin if value == "-" else ctx.node.files.get(value, "")
                        urls.extend(_config_urls(text))
                    elif ch == "H":
                        headers.append(value)
                    elif ch == "X":
                        opts["request"] = value
                    elif ch == "m":
                        opts["max-time"] = value
                    elif ch == "A":
                        opts["user-agent"] = value
                    break
                else:
                    raise CurlError(f"curl: option -{ch}: is unknown\ncurl: try 'curl --help' or 'curl --manual' "
                                    "for more information", 2)
        else:
            urls.append(a)
        k += 1
    return opts, urls, headers


def _config_urls(text: str) -> list[str]:
    """``url="…"`` lines of a curl config file (how the DuckDNS script passes its URL)."""
    urls = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("url"):
            value = line[3:].lstrip(" =:").strip()
            try:
                parts = shlex.split(value)
            except ValueError:
                parts = [value.strip('"')]
            if parts:
                urls.append(parts[0])
    return urls


def main(ctx: Context) -> int:
    try:
        opts, urls, headers = _parse(ctx, ctx.args)
    except CurlError as exc:
        ctx.eprint(exc.text)
        return exc.code
    if not urls:
        ctx.eprint("curl: try 'curl --help' or 'curl --manual' for more information")
        return 2
    road_of(ctx.lab)
    status = 0
    for url in urls:
        status = _one(ctx, url, opts, headers)
    return status


def _timeout(opts: dict) -> float:
    for key in ("connect-timeout", "max-time"):
        try:
            if key in opts:
                return max(0.001, float(opts[key]))
        except ValueError:
            continue
    return 127.0


def _max_time(opts: dict) -> float | None:
    try:
        return float(opts["max-time"]) if "max-time" in opts else None
    except ValueError:
        return None


def _literal(host: str | None):  # type: ignore[no-untyped-def]
    from ipaddress import ip_address

    try:
        return ip_address(host or "")
    except ValueError:
        return None


def _one(ctx: Context, url: str, opts: dict, headers: list[str], redirects: int = 0) -> int:
    if "://" not in url:
        url = "http://" + url
    from urllib.parse import urlsplit

    authority = url.split("://", 1)[1].split("/", 1)[0]
    if "[" in authority and _literal(authority.partition("[")[2].partition("]")[0]) is None:
        at = url.index("[") + 1            # the URL parser points at the first character of the bracket
        return _fail(ctx, opts, f"curl: (3) bad range in URL position {at + 1}:\n{url}\n{' ' * at}^", 3)
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError:
        return _fail(ctx, opts, "curl: (3) URL using bad/illegal format or missing URL", 3)
    if not parts.hostname:
        return _fail(ctx, opts, "curl: (3) URL using bad/illegal format or missing URL", 3)
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("http", "https"):
        return _fail(ctx, opts, f"curl: (1) Protocol \"{scheme}\" not supported or disabled in libcurl", 1)
    literal = _literal(parts.hostname)
    if literal is not None and (opts.get("ipv4") and literal.version == 6 or opts.get("ipv6") and literal.version == 4):
        return _fail(ctx, opts, "curl: (7) Couldn't connect to server", 7)      # -4/-6: no address of that family
    method = opts.get("request") or ("HEAD" if opts.get("head") else "GET")
    agent = opts.get("user-agent", "curl/7.88.1")
    hdrs = (("User-Agent", agent), ("Accept", "*/*")) + tuple(
        (h.split(":", 1)[0].strip(), h.split(":", 1)[1].strip()) for h in headers if ":" in h)
    family = 6 if opts.get("ipv6") else 4 if opts.get("ipv4") else 0
    res = fetch(ctx.node, url, method, hdrs, connect_timeout=_timeout(opts), insecure=True, family=family)
    ctx.journeys.extend(res.journeys)
    verbose = opts.get("verbose")
    if verbose:
        for addr in res.tried:
            ctx.eprint(f"*   Trying {f'[{addr}]' if addr.version == 6 else addr}:{res.port}...")
    if res.stage == "dns" and res.detail == "no-address":
        return _fail(ctx, opts, "curl: (7) Couldn't connect to server", 7)     # -6: no AAAA record
    if res.stage == "dns":
        limit = _max_time(opts)
        if limit is not None and res.elapsed >= limit:      # -m ran out while the resolver still waited
            return _fail(ctx, opts, f"curl: (28) Resolving timed out after {round(limit * 1000) + 1} milliseconds",
                         28)
        return _fail(ctx, opts, f"curl: (6) Could not resolve host: {res.host}", 6)
    ms = max(0, round(res.elapsed * 1000))
    if res.stage == "connect":
        if res.detail == "closed":
            text = (f"curl: (35) OpenSSL SSL_connect: Connection reset by peer in connection to {res.host}:{res.port} "
                    if scheme == "https" else "curl: (56) Recv failure: Connection reset by peer")
            return _fail(ctx, opts, text, 35 if scheme == "https" else 56)
        if res.detail == "timeout" and "connect-timeout" in opts:
            return _fail(ctx, opts, f"curl: (28) Failed to connect to {res.host} port {res.port} after {ms + 1} ms: "
                                    "Timeout was reached", 28)
        limit = _max_time(opts)
        if res.detail == "timeout" and limit is not None:       # -m: the whole transfer's clock ran out
            return _fail(ctx, opts, f"curl: (28) Connection timed out after {round(limit * 1000) + 1} milliseconds",
                         28)
        code = 28 if res.detail == "timeout" else 7
        if verbose and res.detail in CONNECT_ERRNO:
            # what curl -v tells before giving up (curl 7.88: cf-socket's and connect.c's infof)
            ctx.eprint(f"* connect to {res.address or res.host} port {res.port} failed: {CONNECT_ERRNO[res.detail]}\n"
                       f"* Failed to connect to {res.host} port {res.port} after {ms} ms: Couldn't connect to server\n"
                       "* Closing connection 0")
        return _fail(ctx, opts, f"curl: ({code}) Failed to connect to {res.host} port {res.port} after {ms} ms: "
                                "Couldn't connect to server", code)
    if verbose:
        ctx.eprint(f"* Connected to {res.host} ({res.address}) port {res.port} (#0)")
    resp = res.response
    assert resp is not None
    if scheme == "https":
        if resp.tls_alert:
            return _fail(ctx, opts, f"curl: (35) OpenSSL/3.0.15: error:0A000438:SSL routines::tlsv1 alert "
                                    f"{resp.tls_alert.replace(' ', ' ')}", 35)
        problem = verify_error(resp.certificate, res.host, road_now(ctx.node))
        if verbose and resp.certificate is not None:
            _verbose_tls(ctx, res.host, resp.certificate, problem, bool(opts.get("insecure")), resp.h2)
        if problem is not None and not opts.get("insecure"):
            _judge(res, problem)
            if "unknown authority" in problem:         # OpenSSL checks the chain before dates and names
                return _fail(ctx, opts, "curl: (60) SSL certificate problem: unable to get local issuer "
                                        "certificate\n" + SSL_TAIL, 60)
            if "expired" in problem:
                return _fail(ctx, opts, "curl: (60) SSL certificate problem: certificate has expired\n" + SSL_TAIL, 60)
            return _fail(ctx, opts, f"curl: (60) SSL: no alternative certificate subject name matches target host "
                                    f"name '{res.host}'\n" + SSL_TAIL, 60)
    upgrade = any(k.lower() == "upgrade" for k, _ in hdrs)          # only HTTP/1.1 can upgrade
    h2 = scheme == "https" and resp.h2 and resp.status != 101 and not upgrade and not opts.get("http1.1")
    version = "HTTP/2" if h2 else "HTTP/1.1"
    answered = "HTTP/2" if h2 else resp.version          # an HTTP/1.0 server answers HTTP/1.0
    head = [f"{answered} {resp.status}" + (" " if h2 else f" {resp.reason}")]
    for k, v in resp.headers:
        if h2 and k.lower() == "connection":         # HTTP/2 has no connection-specific headers
            continue
        head.append(f"{k.lower() if h2 else k}: {v}")
    # curl writes the header lines as they came off the wire: each ends in CR LF (HTTP/2's too: curl
    # turns them into HTTP/1-style lines), so `curl -I … | cat -A` shows ^M$ as on the real box
    head_text = "\r\n".join(head) + "\r\n\r\n"
    if verbose:
        path = url.split("://", 1)[1].partition("/")[2]
        default_port = res.port == (443 if scheme == "https" else 80)
        host_header = res.host if default_port else f"{res.host}:{res.port}"
        sent = [f"> {method} /{path.split('#', 1)[0]} {version}", f"> Host: {host_header}"]
        sent += [f"> {k.lower() if h2 else k}: {v}" for k, v in hdrs]
        # as for a pipe (no terminal): empty "> "/"< " lines, the body's size, how the connection ends
        close = answered == "HTTP/1.0"
        notes = ["* HTTP 1.0, assume close after body"] if close else []
        tail = [f"{{ [{len(resp.body.encode())} bytes data]"] if resp.body and method != "HEAD" and \
            scheme == "http" else []
        tail.append("* Closing connection 0" if close else f"* Connection #0 to host {res.host} left intact")
        # the "> " and "< " lines are the header bytes as sent and received (CR LF), the "* " lines curl's own
        ctx.eprint("".join(f"{line}\r\n" for line in sent + ["> "]) + "".join(f"{line}\n" for line in notes)
                   + "".join(f"< {line}\r\n" for line in head + [""]) + "\n".join(tail))
    if opts.get("location") and 300 <= resp.status < 400 and redirects < 5:
        target = resp.header("Location")
        if target:
            if opts.get("include") or opts.get("head"):
                ctx.out.append(head_text)
            return _one(ctx, target, opts, headers, redirects + 1)
    if opts.get("fail") and resp.status >= 400:
        return _fail(ctx, opts, f"curl: (22) The requested URL returned error: {resp.status}", 22)
    text = ""
    if opts.get("head"):
        text = head_text
    else:
        if opts.get("include"):
            text = head_text
        text += resp.body
    out_file = opts.get("output")
    if out_file:
        try:
            ctx.node.write_file(out_file, text)
        except OSError:
            return _fail(ctx, opts, "curl: (23) Failure writing output to destination", 23)
        if not opts.get("silent"):
            size = len(text)
            ctx.eprint("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
                       "                                 Dload  Upload   Total   Spent    Left  Speed\n"
                       f"100 {size:>5}  100 {size:>5}    0     0   {size * 20:>4}      0 --:--:-- --:--:-- --:--:--"
                       f"  {size * 20:>4}")
        return 0
    ctx.out.append(text)
    return 0


def _verbose_tls(ctx: Context, host: str, cert, problem: str | None, insecure: bool, h2: bool = True) -> None:
    """What ``curl -v`` tells about the TLS handshake (OpenSSL 3.0, curl 7.88)."""
    from simnet.services.tls import fmt_time

    lines = ["* ALPN: offers h2,http/1.1", "* TLSv1.3 (OUT), TLS handshake, Client hello (1):",
             "*  CAfile: /etc/ssl/certs/ca-certificates.crt", "*  CApath: /etc/ssl/certs",
             "* TLSv1.3 (IN), TLS handshake, Server hello (2):",
             "* TLSv1.3 (IN), TLS handshake, Encrypted Extensions (8):",
             "* TLSv1.3 (IN), TLS handshake, Certificate (11):"]
    if problem is not None and "unknown authority" in problem and not insecure:
        lines += ["* TLSv1.3 (OUT), TLS alert, unknown CA (560):",
                  "* SSL certificate problem: unable to get local issuer certificate", "* Closing connection 0"]
        ctx.eprint("\n".join(lines))
        return
    if problem is not None and "expired" in problem and not insecure:
        lines += ["* TLSv1.3 (OUT), TLS alert, certificate expired (557):",
                  "* SSL certificate problem: certificate has expired", "* Closing connection 0"]
        ctx.eprint("\n".join(lines))
        return
    lines += ["* TLSv1.3 (IN), TLS handshake, CERT verify (15):", "* TLSv1.3 (IN), TLS handshake, Finished (20):",
              "* TLSv1.3 (OUT), TLS change cipher, Change cipher spec (1):",
              "* TLSv1.3 (OUT), TLS handshake, Finished (20):",
              "* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384",
              "* ALPN: server accepted h2" if h2 else "* ALPN: server did not agree on a protocol. Uses default.",
              "* Server certificate:", f"*  subject: {cert.subject_text or 'CN=' + cert.subject}",
              f"*  start date: {fmt_time(cert.not_before, 'openssl')}",
              f"*  expire date: {fmt_time(cert.not_after, 'openssl')}"]
    if cert.covers(host) and host.replace(".", "").isdigit():
        lines.append(f'*  subjectAltName: host "{host}" matched cert\'s IP address!')
    elif cert.covers(host):
        lines.append(f'*  subjectAltName: host "{host}" matched cert\'s "{host}"')
    else:
        lines.append(f"*  subjectAltName does not match {host}")
    lines.append(f"*  issuer: {cert.issuer.replace(', ', '; ')}")
    lines.append("*  SSL certificate verify ok." if problem is None else
                 "*  SSL certificate verify result: unable to get local issuer certificate (20), continuing anyway."
                 if "unknown authority" in problem else
                 "*  SSL certificate verify result: certificate has expired (10), continuing anyway."
                 if "expired" in problem else "* SSL: no alternative certificate subject name matches target host "
                 f"name '{host}'")
    ctx.eprint("\n".join(lines))


def _judge(res: FetchResult, problem: str) -> None:
    """curl itself rejects the certificate: say so in the answer's journey."""
    from simnet.trace import Disposition

    from simnet.services.transport import refinish

    for j in res.journeys[-1:]:
        cert = res.response.certificate if res.response else None
        kind = "tls-untrusted" if "unknown authority" in problem else "tls-expired" if "expired" in problem \
            else "tls-name"
        where = j.hops[0][0] if j.hops else None          # the client gives up
        refinish(j, Disposition.REJECTED, where, road=kind, host=res.host, issuer=cert.issuer if cert else "",
                 names=", ".join(cert.names) if cert else "", not_after=cert.not_after if cert else 0.0)


def _fail(ctx: Context, opts: dict, text: str, code: int) -> int:
    if not opts.get("silent") or opts.get("show-error"):
        ctx.eprint(text)
    return code


def run_script(ctx: Context) -> int:
    """Run a shell script from the node's files line by line (the DuckDNS updater)."""
    from simnet.commands.shell import run_line

    path = ctx.argv[0] if ctx.argv[0].startswith("/") else "/usr/local/bin/" + ctx.argv[0]
    text = ctx.node.files.get(path)
    if text is None:
        ctx.eprint(f"bash: {ctx.argv[0]}: No such file or directory")
        return 127
    status = 0
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        res = run_line(ctx.node, ctx.lab, line, {})
        ctx.out.append(res.stdout)
        ctx.err.append(res.stderr)
        ctx.journeys.extend(res.journeys)
        status = res.returncode
    return status
