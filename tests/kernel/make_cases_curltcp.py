"""Kernel cases: curl's plain-HTTP connection over TCP as the wire shows it (issue 17).

Real curl 7.88.1 against ``python3 -m http.server`` in a netns pair, with ``tcpdump -n -i eth0 tcp``:
the handshake with the kernel's ISNs and options, the request as one [P.] segment of its real length
(78 bytes: ``GET / HTTP/1.1``, ``Host:``, ``User-Agent: curl/7.88.1``, ``Accept: */*``), the HTTP/1.0
answer and the close with FINs. Run ``python -m tests.kernel.make_cases_curltcp``.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_lan import bg, collect, tcp_pair

CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("ct_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def build() -> None:
    case("ct_curl_http", "curl to python3 -m http.server: handshake, request, answer and FINs in tcpdump",
         tcp_pair(),
         cmds("a", "sleep 1") + bg("b", "python3 -m http.server 8000", "h1") + cmds("a", "sleep 1")
         + bg("a", "tcpdump -n -i eth0 tcp", "t1") + cmds("a", "sleep 1")
         + cmds("a", "curl -s -o /dev/null http://192.168.0.1:8000/; echo $?", "sleep 1")
         + collect("t1") + collect("h1"))
    # http.server answers HTTP/1.0 (curl prints the status line it got) and closes first after HEAD
    case("ct_curl_head", "curl -I and -v against python3 -m http.server: HTTP/1.0 status line, headers, close",
         tcp_pair(),
         cmds("a", "sleep 1") + bg("b", "python3 -m http.server 8000", "h1") + cmds("a", "sleep 1")
         + bg("a", "tcpdump -n -i eth0 tcp", "t1") + cmds("a", "sleep 1")
         + cmds("a", "curl -sI http://192.168.0.1:8000/ | sed 's/\\r$//'", "sleep 1")
         + collect("t1")
         + cmds("a", "curl -sv -o /dev/null http://192.168.0.1:8000/ 2>&1 | sed 's/\\r$//'", "sleep 1")
         + collect("h1"))


def main() -> None:
    build()
    write_cases(CASES, "curltcp", stale="ct_curl*.yaml")


if __name__ == "__main__":
    main()
