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

    d = "/tmp/seedsys-files"
    old = "touch -d '2025-01-01 10:00'"
    case("seedsys_files_everyday", "mkdir, cp, mv, rm, touch, chmod and ls -l with their errors", lan(),
         cmds("a", f"rm -rf {d}", f"mkdir {d}", f"mkdir {d}", f"mkdir {d}/x/y", f"mkdir -p {d}/x/y",
              f"printf 'eins\\nzwei\\n' > {d}/a.txt", f"{old} {d}/a.txt", f"ls {d}", f"ls -l {d}/a.txt",
              f"cp {d}/a.txt {d}/b.txt", f"ls {d}", f"cp {d}/x {d}/z", f"cp -r {d}/x {d}/z", f"ls -R {d}",
              f"mv {d}/b.txt {d}/x/", f"ls {d}/x", f"mv {d}/nope {d}/q", f"rm {d}/x", f"rm {d}/nope",
              f"rm -f {d}/nope; echo $?", f"rm -r {d}/z", f"ls {d}", f"chmod 600 {d}/a.txt", f"ls -l {d}/a.txt",
              f"chmod u+x,g+r {d}/a.txt", f"ls -l {d}/a.txt", f"chmod zz {d}/a.txt", f"chmod 600 {d}/nope",
              f"touch {d}/q/r", f"rmdir {d}/x", f"cat {d}/x", f"ls {d}/nope", f"{old} {d}/x/y; ls -ld {d}/x/y",
              f"ls -l {d}/x/y {d}/a.txt", f"cp {d}/a.txt {d}/q/r/s", f"touch {d}/a.txt {d}/c.txt; ls {d}",
              f"rm -d {d}/x", f"rm -rv {d}/x/y", f"mkdir -v {d}/v"))
    case("seedsys_files_usage", "the tools without operands, and rm on /", lan(),
         cmds("a", "rm", "mkdir", "cp", "cp /tmp/seedsys-x", "mv", "mv /tmp/seedsys-x", "touch", "chmod", "chmod 600",
              "rmdir", "rm -rf /", "rm -z x", "ls -z", "mkdir --bogus x"))
    case("seedsys_date_forms", "date with formats and -d", lan(),
         cmds("a", "date -d @0", "date -u -d @0", "date -d '2026-01-18 20:07:05' '+%Y%m%d %H:%M:%S'",
              "date -d @86400 -R", "date -d @1768730400 +%F", "date -d @1768730400 -I", "date -d @1768730400 +%s",
              "date -d bogus", "date -z", "date --bogus"))
    t = "/tmp/seedsys-tar"
    case("seedsys_tar_backup", "the seed's backup: tar -czf with absolute paths, list, extract, errors", lan(),
         cmds("a", f"rm -rf {t}", f"mkdir -p {t}/etc/headscale {t}/out", f"echo 'server_url: x' > {t}/etc/headscale/config.yaml",
              f"echo 'db' > {t}/db.sqlite",
              f"tar -czf {t}/b.tar.gz {t}/etc/headscale/config.yaml {t}/db.sqlite",
              f"tar -tzf {t}/b.tar.gz", f"tar -xzf {t}/b.tar.gz -C {t}/out",
              f"cat {t}/out{t}/etc/headscale/config.yaml", f"tar -czf {t}/c.tar.gz {t}/db.sqlite {t}/nope",
              f"tar -czf {t}/d.tar.gz {t}/db.sqlite", f"tar -xzf {t}/none.tar.gz", "tar", f"tar -czf {t}/e.tgz",
              f"tar -cvzf {t}/f.tgz {t}/db.sqlite", f"tar -xvzf {t}/f.tgz -C {t}/out", "tar -czf"))
    g = "/tmp/seedsys-grep.txt"
    case("seedsys_grep_context", "grep -n with -A/-B/-C and the -- separators", lan(),
         cmds("a", f"seq 1 20 > {g}", f"grep -n -A1 -e 5 -e 9 {g}", f"grep -n -B2 1 {g}", f"grep -C1 -n '^1[05]$' {g}",
              f"grep -A 0 -n 7 {g}", f"grep -c -A1 1 {g}", f"grep -n -A1 -B1 -v '[0-9][0-9]' {g}",
              f"grep -C x 1 {g}", f"grep -nA2 20 {g}"))


if __name__ == "__main__":
    build()
    write_cases(CASES, "seedsys", stale="seedsys_*.yaml")
