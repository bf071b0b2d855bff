"""Random input never produces a Python traceback (Hypothesis)."""
import string

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simnet import Lab, LabError

WORDS = ["ip", "addr", "add", "del", "route", "rule", "neigh", "link", "set", "up", "down", "show", "get", "flush",
         "replace", "dev", "eth0", "eth1", "lo", "via", "table", "52", "metric", "10", "pref", "5270", "fwmark",
         "0x80000/0xff0000", "10.0.1.1", "10.0.2.0/24", "300.1.1.1", "10.0.0.1/33", "default", "blackhole",
         "ping", "-c", "1", "-W", "-t", "-i", "0.2", "-I", "-w", "-s", "-q", "traceroute", "-n", "-T", "-m",
         "iptables", "-A", "-I", "-D", "-P", "-F", "-N", "-X", "-L", "-S", "-t", "nat", "filter", "FORWARD",
         "INPUT", "POSTROUTING", "-j", "DROP", "ACCEPT", "MASQUERADE", "REJECT", "SNAT", "--to-source", "-p",
         "tcp", "udp", "icmp", "--dport", "22", "-m", "conntrack", "--ctstate", "NEW,ESTABLISHED", "!", "-s",
         "-o", "iptables-save", "nft", "list", "ruleset", "conntrack", "-L", "-F", "-C", "-D", "tcpdump",
         "sysctl", "-w", "net.ipv4.ip_forward=1", "net.ipv4.nope", "cat", "/proc/sys/net/ipv4/ip_forward",
         "echo", "grep", "head", "wc", "-l", "sudo", "hostname", "sleep", "|", ";", "&&", "||", ">", ">>",
         "/tmp/x", "#", "'", '"', "foo", "--", "=", "2>&1", "&"]
PRINTABLE = st.text(alphabet=string.printable, max_size=40)


def small_lab() -> Lab:
    return Lab.from_dict({"name": "fuzz", "nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 10.0.1.2/24 dev eth0",
                                                         "ip route add default via 10.0.1.1"]},
        "r": {"interfaces": {"eth0": "s1", "eth1": "s2"},
              "startup": ["ip addr add 10.0.1.1/24 dev eth0", "ip addr add 10.0.2.1/24 dev eth1"]}}})


@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.sampled_from(WORDS), PRINTABLE), min_size=1, max_size=9))
def test_random_command_lines_never_crash(words):
    lab = small_lab()
    for node in ("a", "r"):
        r = lab.run(node, " ".join(words))
        assert isinstance(r.returncode, int) and 0 <= r.returncode <= 255
        assert "Traceback" not in r.stderr and "interner Fehler" not in r.stderr, r.stderr
        r.trace.explain()


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(
    ["lan", "eth0", "a", "ip addr add 10.0.0.1/24 dev eth0", "nodes", "interfaces", "startup", "segments"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["name", "nodes", "a", "b", "interfaces", "startup",
                                                             "segments", "eth0", "lan", "delay_ms", "role"]),
                                            inner, max_size=4)), max_leaves=12))
def test_random_lab_data_builds_or_raises_laberror(data):
    try:
        Lab.from_dict(data)
    except LabError:
        pass


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=200))
def test_random_yaml_text(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("y") / "lab.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        Lab.from_yaml(path)
    except LabError:
        pass
    yaml  # noqa: B018 - the module is what Lab.from_yaml uses
