"""Tools used before their chapter get a one-line pointer (issue 18, "Language and access").

The lessons follow the order of the LAP. A page that shows a command (in a console block or as
inline code) which is taught only in a later chapter must link to the page that teaches it, so a
learner who meets ``tcpdump`` in chapter 2 knows where it is explained.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"

# tool -> (pattern that finds the tool used as a command, page that teaches it)
TAUGHT_IN: dict[str, tuple[str, str]] = {
    "dig": (r"dig", "02b-dhcp-dns/dns.md"),
    "nslookup": (r"nslookup", "02b-dhcp-dns/dns.md"),
    "nc": (r"nc", "03a-tcp-udp/tcp-und-udp.md"),
    "ss": (r"ss", "03a-tcp-udp/tcp-und-udp.md"),
    "conntrack": (r"conntrack", "04-nat/conntrack.md"),
    "iptables": (r"iptables", "05-firewall/iptables-und-nftables.md"),
    "nft": (r"nft", "05-firewall/iptables-und-nftables.md"),
    "ufw": (r"ufw", "05-firewall/ufw.md"),
    "ping": (r"ping6?", "06-diagnose/ping.md"),
    "ip route get": (r"ip (?:-\d )?r(?:oute)? get", "06-diagnose/ip-route-get.md"),
    "tcpdump": (r"tcpdump", "06-diagnose/tcpdump.md"),
    "traceroute": (r"traceroute6?", "06-diagnose/traceroute-und-ttl.md"),
    "tailscale": (r"tailscale", "08-tailscale-headscale/koordinationsserver.md"),
    "ssh": (r"ssh", "10-weg-zum-server/ssh-telnet-und-tls.md"),
}

FENCE = re.compile(r"^(```|~~~)")
PROMPT = re.compile(r"^\S*[#$>] ")        # root@debian:~# , $ , >>>


def chapter_order() -> list[str]:
    """The chapter folders in the order the site shows them (the numbers in mkdocs.yml)."""
    config = yaml.safe_load("extra:" + (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nextra:")[1])
    return list(config["extra"]["kapitel"])


def commands(text: str) -> list[str]:
    """The commands a page shows: typed lines of its console blocks, and its inline code."""
    found: list[str] = []
    in_block = False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            in_block = not in_block
            continue
        if in_block:
            if PROMPT.match(line):
                found.append(PROMPT.sub("", line, count=1))
        else:
            found.extend(re.findall(r"`([^`\n]+)`", line))
    return found


def uses(tool: str, cmds: list[str]) -> bool:
    pattern = re.compile(rf"(?:^|[;|&(]\s*|sudo\s+|simnet shell \S+ \S+ )({TAUGHT_IN[tool][0]})(?:\s|$)")
    return any(pattern.search(c.strip()) for c in cmds)


def links_to(text: str, page: Path, target: str) -> bool:
    for href in re.findall(r"\]\(([^)\s#]+\.md)(?:#[^)]*)?\)", text):
        if (page.parent / href).resolve() == (LESSONS / target).resolve():
            return True
    return False


def missing_pointers() -> list[str]:
    order = chapter_order()
    rank = {name: k for k, name in enumerate(order)}
    problems = []
    for folder in order:
        for page in sorted((LESSONS / folder).glob("*.md")):
            text = page.read_text(encoding="utf-8")
            cmds = commands(text)
            for tool, (_, target) in TAUGHT_IN.items():
                if rank[target.split("/")[0]] > rank[folder] and uses(tool, cmds) and not links_to(text, page, target):
                    problems.append(f"{page.relative_to(LESSONS)}: {tool} -> {target}")
    return problems


def test_table_names_real_pages():
    order = chapter_order()
    for tool, (_, target) in TAUGHT_IN.items():
        assert (LESSONS / target).is_file(), (tool, target)
        assert target.split("/")[0] in order, (tool, target)


def test_teaching_pages_use_their_tool():
    """The table is right only if each teaching page really shows its tool."""
    for tool, (_, target) in TAUGHT_IN.items():
        assert uses(tool, commands((LESSONS / target).read_text(encoding="utf-8"))), (tool, target)


def test_detector_finds_a_tool_without_pointer(tmp_path):
    text = "Mit `tcpdump -n -i eth0` siehst du es.\n\n```console\nroot@r:~# dig +short a.lan\n```\n"
    assert uses("tcpdump", commands(text)) and uses("dig", commands(text))
    assert not uses("ss", commands("`class` und `ssh-keygen`")) and not uses("nc", commands("`sync`"))
    page = LESSONS / "01-ipv4" / "x.md"
    assert links_to("siehe [tcpdump](../06-diagnose/tcpdump.md#filter)", page, "06-diagnose/tcpdump.md")
    assert not links_to("siehe [tcpdump](tcpdump.md)", page, "06-diagnose/tcpdump.md")


def test_tools_used_early_point_to_their_chapter():
    problems = missing_pointers()
    assert not problems, "Seite benutzt ein Werkzeug vor seinem Kapitel, ohne Link dorthin:\n" + "\n".join(problems)
