"""``python3 -m http.server [PORT]`` — the quickest web server a learner can start (Python 3.11).

It listens on 0.0.0.0:PORT (backlog 5, as socketserver's request_queue_size) over
simnet's TCP, prints ``Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...``
and on Ctrl+C ``Keyboard interrupt received, exiting.``; each request it answers is
logged to stderr the way BaseHTTPRequestHandler does. Other Python is not simulated.
"""
from __future__ import annotations

from datetime import datetime, timezone
from ipaddress import IPv4Address, IPv6Address
from typing import Any

from simnet.commands.base import Context
from simnet.kernel.tcp import Endpoint, tcp_of
from simnet.services.wire import HttpRequest, HttpResponse, http_head

__all__ = ["main"]

ANSWER_DELAY = 0.0005       # the handler's time to answer (the recording shows about half a millisecond)

USAGE = ("usage: server.py [-h] [--cgi] [--bind ADDRESS] [--directory DIRECTORY] [port]\n"
         "server.py: error: argument port: invalid int value: '{}'")


def main(ctx: Context) -> int:
    args = list(ctx.args)
    if args[:2] != ["-m", "http.server"]:
        ctx.eprint("simnet: von python3 gibt es hier nur „python3 -m http.server [PORT]“.")
        return 2
    rest = args[2:]
    port = 8000
    bind = "0.0.0.0"
    for flag in ("--bind", "-b"):          # --bind ADDRESS: "::" is one socket for IPv6 and IPv4
        if rest[-1:] == [flag]:
            ctx.eprint(USAGE.split("\n")[0] + "\nserver.py: error: argument --bind/-b: expected one argument")
            return 2
        if flag in rest and rest.index(flag) + 1 < len(rest):
            k = rest.index(flag)
            bind = rest[k + 1]
            rest = rest[:k] + rest[k + 2:]
    if bind not in ("0.0.0.0", "::"):
        ctx.eprint("simnet: http.server bindet hier nur an 0.0.0.0 oder :: (alle Adressen).")
        return 2
    positional = [a for a in rest if not a.startswith("-")]
    if positional:
        if not positional[0].isdigit():
            ctx.eprint(USAGE.format(positional[0]))
            return 2
        port = int(positional[0])
    layer = tcp_of(ctx.node)
    v6 = bind == "::"

    def peer(ep: Endpoint) -> str:
        """The client as the handler's client_address shows it: IPv4 through a :: socket is v4-mapped."""
        return f"::ffff:{ep.remote}" if v6 and ep.remote.version == 4 else str(ep.remote)

    def now() -> datetime:
        return datetime.fromtimestamp(ctx.lab.wallclock(), tz=timezone.utc)

    def stamp() -> str:
        return now().strftime("%d/%b/%Y %H:%M:%S")

    def on_data(ep: Endpoint, data: Any) -> None:
        if data is None:
            ep.close()
            return
        if isinstance(data, HttpRequest):          # curl (simnet.services.road) sends a request object
            line = f"{data.method} {data.path or '/'} HTTP/1.1"
            body = _listing() if data.method == "GET" else ""
            date = now().strftime("%a, %d %b %Y %H:%M:%S GMT")
            resp = HttpResponse(200, "OK", (("Server", "SimpleHTTP/0.6 Python/3.11.2"), ("Date", date),
                                            ("Content-type", "text/html; charset=utf-8"),
                                            ("Content-Length", str(len(_listing())))), body, h2=False,
                                version="HTTP/1.0")
            head = http_head(resp)
            ctx.eprint(f'{peer(ep)} - - [{stamp()}] "{line}" 200 -')
            # the kernel acknowledges the request before the handler answers; the handler writes the
            # header and then the file, two segments on the wire; HTTP/1.0: then it closes (FIN)
            ctx.sim.schedule(ANSWER_DELAY, ep.send_data, resp, len(head.encode()))
            if not body:                   # HEAD: the headers are all; handle() returns and the socket closes
                ctx.sim.schedule(ANSWER_DELAY, ep.close)
                return

            def rest() -> None:
                ep.send_data(("body", body), len(body.encode()))
                ep.close()

            ctx.sim.schedule(2 * ANSWER_DELAY, rest)
            return
        line = str(data).split("\r\n", 1)[0].split("\n", 1)[0]
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("GET", "HEAD"):
            body = _listing()
            head = ("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\n"
                    f"Date: {now().strftime('%a, %d %b %Y %H:%M:%S GMT')}\r\n"
                    f"Content-type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n")
            answer = head + (body if parts[0] == "GET" else "")
            ctx.eprint(f'{peer(ep)} - - [{stamp()}] "{line}" 200 -')
            ep.send_data(answer, len(answer.encode()))
        ep.close()

    def on_accept(ep: Endpoint) -> None:
        ep.on_data = on_data

    try:
        lst = layer.listen(port, backlog=5, process="python3", pid=52000 + port % 1000, on_accept=on_accept,
                           addr=IPv6Address(0) if v6 else IPv4Address(0))
    except OSError:
        ctx.eprint("Traceback (most recent call last):\n  ...\nOSError: [Errno 98] Address already in use")
        return 1
    url_host = "[::]" if v6 else bind
    ctx.print(f"Serving HTTP on {bind} port {port} (http://{url_host}:{port}/) ...")

    def stop() -> int:
        layer.unlisten(lst)
        ctx.print("\nKeyboard interrupt received, exiting.")
        return 0

    if ctx.job is not None:
        ctx.deferred = (lambda: False, stop)
        return 0
    from simnet.core.guard import Interrupted

    try:
        ctx.sim.run(until=ctx.sim.now + 3600.0, stop=lambda: ctx.sim.peek() is None)
    except Interrupted as exc:
        # Python turns the learner's Ctrl+C into KeyboardInterrupt: http.server says goodbye and exits 0
        # (so bash goes on with the line); the guard's stop ends it like a signal
        if not ctx.sim.catch_sigint(exc.kind):
            layer.unlisten(lst)
            raise
    return stop()


def _listing() -> str:
    return ('<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            "<title>Directory listing for /</title>\n</head>\n<body>\n<h1>Directory listing for /</h1>\n"
            "<hr>\n<ul>\n</ul>\n<hr>\n</body>\n</html>\n")
