"""Differential cases for the seed's system chores (prefix ``seedsys_``): Debian's sysctl files,
``sysctl -p``/``--system`` as procps-ng 4.0.2 prints them, and the everyday shell tools.
``python3 -m tests.kernel.make_cases_seedsys``.

Writes only tests/kernel/cases/seedsys_*.yaml. The recorder shares the host's file system:
the cases read /etc as Debian 12 ships it and write only to /tmp/seedsys*.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, lan, write_cases

CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("seedsys_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


BAD = "/tmp/seedsys-lines.conf"
LINES = ("# comment", "net.ipv4.ip_forward = 01", "net.ipv4.conf.*.rp_filter = 2", "-net.ipv4.conf.lo.rp_filter",
         "net.ipv4.nope=1", "-net.ipv4.nope2=1", "garbage", " ; c", "x", "net.ipv4.ip_default_ttl = abc",
         "net.ipv4.conf.all.forwarding =    1   ", "net/ipv4/ip_default_ttl = 63", "", "  ", "a")


def build() -> None:
    case("seedsys_sysctl_debian_files", "the sysctl files of a fresh Debian 12 and what --system applies", lan(),
         cmds("a", "cat /etc/sysctl.conf", "cat /etc/sysctl.d/README.sysctl", "ls /etc/sysctl.d", "ls /usr/lib/sysctl.d",
              "cat /etc/sysctl.d/99-sysctl.conf | wc -l", "sysctl -p", "sysctl --system", "sysctl -q --system",
              "sysctl --system -q", "sysctl kernel.pid_max fs.protected_regular", "grep -c . /lib/sysctl.d/*.conf"))
    printf = "printf '" + "\\n".join(LINES) + "' > " + BAD
    case("seedsys_sysctl_load_lines", "sysctl -p: comments, globs, excludes, bad lines and values as written", lan(),
         cmds("a", printf, f"sysctl -p {BAD}", f"sysctl -p /tmp/seedsys-none.conf {BAD}", f"sysctl -p{BAD}",
              f"sysctl --load={BAD} -q", f"sysctl -e -p {BAD}", f"cat {BAD} | sysctl -p -", "sysctl -p /tmp",
              f"sysctl -N -p {BAD}", f"sysctl -n -p {BAD}", f"sysctl -r forward -p {BAD}",
              "sysctl net.ipv4.ip_forward net.ipv4.conf.lo.rp_filter net.ipv4.conf.eth0.rp_filter"))
    case("seedsys_sysctl_write_forms", "sysctl -w: values as typed, folders, globs, repeated dots, dry runs", lan(),
         cmds("a", "sysctl -w net.ipv4.ip_forward=01", "sysctl net.ipv4.ip_forward", "sysctl -w net.ipv4=1",
              "sysctl 'net.ipv4.conf.*.rp_filter=1'", "sysctl -w net..ipv4.ip_default_ttl=62",
              "sysctl --dry-run -w net.ipv4.ip_default_ttl=70", "sysctl net.ipv4.ip_default_ttl",
              "sysctl -n -w net.ipv4.ip_default_ttl=65", "sysctl -w 'net.ipv4.ip_local_port_range=1000   2000'",
              "sysctl -w net.ipv4.ip_forward", "sysctl -w net/ipv4/ip_forward=0", "sysctl -q -w net.ipv4.ip_forward=x"))
    conf = "/tmp/seedsys-sysctl.conf"
    case("seedsys_sysctl_seed_permanent", "the seed's permanent forwarding, on a copy of /etc/sysctl.conf", lan(),
         cmds("a", f"cat /etc/sysctl.conf > {conf}", f"echo 'net.ipv4.ip_forward = 1' >> {conf}",
              f"echo 'net.ipv6.conf.all.forwarding = 1' >> {conf}", f"sysctl -p {conf}", "sysctl net.ipv4.ip_forward",
              f"cat /etc/sysctl.conf > {conf}", f"sed -i 's/^#net.ipv4.ip_forward=1/net.ipv4.ip_forward=1/' {conf}",
              f"grep -n ip_forward {conf}", "sysctl -w net.ipv4.ip_forward=0", f"sysctl -p {conf}",
              "sysctl net.ipv4.conf.eth0.forwarding"))


if __name__ == "__main__":
    build()
    write_cases(CASES, "seedsys", stale="seedsys_*.yaml")
