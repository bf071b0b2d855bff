"""Kernel cases (prefix ``tf_``): TCP leftovers of session 6, held to the real tools.

- curl 7.88.1's header lines byte for byte (``\\r\\n`` ends every header line of ``-i``/``-I``
  and of the ``>``/``<`` lines of ``-v``; the recorder reads text with universal newlines, so
  ``sed 's/\\r$/<CR>/'`` makes each carriage return visible);
- a port nobody listens on (a daemon stopped, http.server ended): the SYN gets ``R.``, curl,
  ssh and nc print their "Connection refused" and exit 7 / 255 / 1, ``ss -tlnp`` lists nothing,
  and a new listener can bind the port again;
- ``nc -lk`` serves one connection after the other: a second client's handshake completes in
  the kernel (the backlog), its data waits unread (Recv-Q) until the first connection ends; when
  nc ends, the accepted connection gets a FIN and the waiting one a reset; an orphaned FIN-WAIT-2
  socket is gone after tcp_fin_timeout (60 s);
- ``cat -A``/``-E`` show the ``^M$`` of curl's header lines (and cat's other options).

Record from an empty working directory (http.server lists it): ``cd "$(mktemp -d)" &&
python -m tests.kernel.record tf_…`` with the repository on PYTHONPATH. Run
``python -m tests.kernel.make_cases_tcpfix`` to write the YAML.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_lan import tcp_pair

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
URL = "http://192.168.0.1:8000/"
CR = "sed 's/\\r$/<CR>/'"


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("tf_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def bg(node: str, cmd: str, ident: str) -> list[dict]:
    return [{"node": node, "cmd": cmd, "bg": ident}]


def collect(ident: str) -> list[dict]:
    return [{"collect": ident}]


def build() -> None:
    case("tf_curl_crlf", "curl -I, -i and -v print the server's header lines with \\r\\n, as they came",
         tcp_pair(),
         cmds("a", "sleep 1") + bg("b", "python3 -m http.server 8000", "h1") + cmds("a", "sleep 1")
         + cmds("a", f"curl -sI {URL} | {CR}", f"curl -sI {URL} | wc -c",
                f"curl -si {URL} | {CR} | head -n 7",
                f"curl -sv -o /dev/null {URL} 2>&1 | {CR}",
                f"curl -sIv {URL} 2>&1 >/dev/null | {CR}",
                f"curl -sv -o /dev/null -H 'X-Probe: 1' {URL} 2>&1 | {CR} | grep '^[<>]'")
         + collect("h1"))
    case("tf_curl_cat", "cat -A/-E shows the ^M$ that ends curl's header lines; cat's other options",
         tcp_pair(),
         cmds("a", "sleep 1") + bg("b", "python3 -m http.server 8000", "h1") + cmds("a", "sleep 1")
         + cmds("a", f"curl -sI {URL} | cat -A", f"curl -sI {URL} | cat -E | head -n 2",
                f"curl -sI {URL} | cat -n | tail -n 2",
                "printf 'a\\tb ä\\r\\n\\n\\n\\nx\\n' | cat -A",
                "printf 'a\\tb\\r\\n' | cat -T | cat -A", "printf 'a\\n\\n\\n\\nb\\n' | cat -sn",
                "printf 'a\\n\\n\\nb' | cat -b", "printf 'ä\\tx\\n' | cat -vt", "printf 'x\\n' | cat -e - -",
                "cat -x; echo $?", "cat --bogus; echo $?")
         + collect("h1"))
    # -s: without a terminal curl would draw its progress meter on stderr (a learner's terminal has none)
    refused = ["curl -sS http://192.168.0.1:8000/", "curl -s http://192.168.0.1:8006/; echo $?",
               "curl -sS http://192.168.0.1/", "curl -sv http://192.168.0.1:8006/",
               "ssh root@192.168.0.1 true", "ssh -p 8006 192.168.0.1 true", "nc -zv 192.168.0.1 22",
               "nc -z 192.168.0.1 80; echo $?", "nc 192.168.0.1 8006 </dev/null; echo $?",
               "nc -v 192.168.0.1 8006 </dev/null"]
    case("tf_refused", "nobody listens: the SYN gets R., curl/ssh/nc say 'Connection refused' with their exit codes",
         tcp_pair(),
         cmds("b", "ss -tlnp", "ss -tan") + cmds("a", "sleep 1") + bg("b", "tcpdump -n -i eth0 tcp", "t1")
         + cmds("a", "sleep 1", *refused[:1], "sleep 1") + collect("t1") + cmds("a", *refused[1:]))
    case("tf_released", "a server that ended gives its port back: refused, and the next server binds it again",
         tcp_pair(),
         cmds("a", "sleep 1") + bg("b", "python3 -m http.server 8000", "h1") + cmds("a", "sleep 1")
         + cmds("b", "ss -tln") + cmds("a", f"curl -s -o /dev/null {URL}; echo $?") + collect("h1")
         + cmds("b", "ss -tln") + cmds("a", f"curl -sS {URL}", "nc -zv 192.168.0.1 8000")
         + bg("b", "python3 -m http.server 8000", "h2") + cmds("a", "sleep 1")
         + cmds("b", "ss -tln") + cmds("a", f"curl -s -o /dev/null {URL}; echo $?") + collect("h2"))
    lk = {**tcp_pair(), "private_fs": True}
    case("tf_nc_lk", "nc -lk serves one connection after the other; the second waits in the backlog, unread",
         lk,
         cmds("a", "echo one > /etc/tf1", "sleep 1") + bg("b", "nc -lk 9000", "n1") + cmds("a", "sleep 1")
         + bg("a", "nc -p 40001 192.168.0.1 9000 < /etc/tf1", "c1") + cmds("a", "sleep 1")
         + cmds("a", "echo two | nc -N -w 2 -p 40002 192.168.0.1 9000; echo $?")
         + cmds("b", "ss -tn", "ss -tln") + cmds("a", "ss -tn")
         + collect("c1") + cmds("a", "sleep 1") + cmds("b", "ss -tn", "ss -tln") + collect("n1"))

    case("tf_nc_lk_stop", "nc -lk ends: the accepted connection gets a FIN, the one waiting in the queue a reset",
         lk,
         cmds("a", "echo one > /etc/tf1", "sleep 1") + bg("b", "nc -lk 9000", "n1") + cmds("a", "sleep 1")
         + bg("a", "nc -p 40001 192.168.0.1 9000 < /etc/tf1", "c1") + cmds("a", "sleep 1")
         + cmds("a", "echo two | nc -N -w 1 -p 40002 192.168.0.1 9000; echo $?")
         + bg("a", "tcpdump -n -i eth0 tcp", "t1") + cmds("a", "sleep 1") + collect("n1") + cmds("a", "sleep 1")
         + collect("t1") + collect("c1") + cmds("a", "ss -tan") + cmds("b", "ss -tan"))

    # an orphaned FIN-WAIT-2 socket lives tcp_fin_timeout (60 s); the peer's CLOSE-WAIT stays
    case("tf_fin_timeout", "the client's orphaned FIN-WAIT-2 socket is gone after 60 s, the server's CLOSE-WAIT stays",
         lk,
         cmds("a", "echo one > /etc/tf1", "sleep 1") + bg("b", "nc -lk 9000", "n1") + cmds("a", "sleep 1")
         + bg("a", "nc -p 40001 192.168.0.1 9000 < /etc/tf1", "c1") + cmds("a", "sleep 1")
         + cmds("a", "echo two | nc -N -w 1 -p 40002 192.168.0.1 9000; echo $?", "ss -tan", "sleep 58", "ss -tan",
                "sleep 3", "ss -tan") + cmds("b", "ss -tan") + collect("c1") + collect("n1"))


def main() -> None:
    build()
    write_cases(CASES, "tcpfix", stale="tf_*.yaml")


if __name__ == "__main__":
    main()
