"""Random routed labs for the differential suite (prefix ``rnd_``): ``python3 -m tests.kernel.make_cases_random``.

The hand-written cases test what we thought of; these test combinations we did
not: a chain of one to three routers between two hosts, each router with or
without forwarding, back-route, MASQUERADE, FORWARD rules (DROP, REJECT with a
random ICMP type, policy DROP with ESTABLISHED), extra routes (longer prefixes,
metrics, blackhole/unreachable/prohibit), TTLs and rp_filter. The seed is fixed,
so the YAML is the same on every run; raise ``COUNT`` or change ``SEED`` to
explore further, record with ``python3 -m tests.kernel.record rnd_…`` and keep
what the kernel says.
"""
from __future__ import annotations

import random

from tests.kernel.make_cases import write_cases

SEED = 20261125
COUNT = 30
HOME_COUNT = 30
POLICY_COUNT = 30
TTL_COUNT = 20
ROUND2 = 10
FIREWALL_COUNT = 30
REJECTS = ["icmp-net-unreachable", "icmp-host-unreachable", "icmp-port-unreachable",
           "icmp-net-prohibited", "icmp-host-prohibited", "icmp-admin-prohibited"]


def _lab(rng: random.Random) -> tuple[dict, list[dict], str]:
    n = rng.randint(1, 3)
    nets = [f"10.{rng.randint(1, 200)}.{i}.0" for i in range(n + 1)]
    net = [ip.rsplit(".", 1)[0] for ip in nets]          # "10.x.i"
    a_ip, b_ip = f"{net[0]}.10", f"{net[n]}.20"
    nodes: dict[str, dict] = {
        "a": {"interfaces": {"eth0": "s0"}, "startup": [f"ip addr add {a_ip}/24 dev eth0",
                                                         f"ip route add default via {net[0]}.1"]},
        "b": {"interfaces": {"eth0": f"s{n}"}, "startup": [f"ip addr add {b_ip}/24 dev eth0"]},
    }
    if rng.random() < 0.8:
        nodes["b"]["startup"].append(f"ip route add default via {net[n]}.2")
    notes = []
    commands: list[dict] = []
    for i in range(n):
        name = f"r{i + 1}"
        st = [f"ip addr add {net[i]}.{1 if i == 0 else 2}/24 dev eth0"]
        if i > 0:
            st = [f"ip addr add {net[i]}.1/24 dev eth0"]
        st.append(f"ip addr add {net[i + 1]}.2/24 dev eth1")
        if rng.random() < 0.85:
            st.append("sysctl -w net.ipv4.ip_forward=1")
        else:
            notes.append(f"{name} no forwarding")
        if i < n - 1:
            st.append(f"ip route add default via {net[i + 1]}.1")
        if i > 0 and rng.random() < 0.85:
            st.append(f"ip route add {net[0]}.0/24 via {net[i]}.2")
        masq = rng.random() < 0.35
        if masq:
            st.append("iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE")
            commands.append({"node": name, "cmd": "conntrack -L", "after": True})
        roll = rng.random()
        if roll < 0.2:
            st.append(f"iptables -A FORWARD -d {b_ip} -j REJECT --reject-with {rng.choice(REJECTS)}")
        elif roll < 0.3:
            st.append(f"iptables -A FORWARD -d {b_ip} -j DROP")
        elif roll < 0.45:
            st += ["iptables -P FORWARD DROP",
                   "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"]
            if rng.random() < 0.7:
                st.append("iptables -A FORWARD -i eth0 -o eth1 -j ACCEPT")
        if roll < 0.45:
            commands.append({"node": name, "cmd": "iptables -L FORWARD -v -n -x --line-numbers", "after": True})
        extra = rng.random()
        if extra < 0.15:
            st.append(f"ip route add {rng.choice(['blackhole', 'unreachable', 'prohibit'])} {b_ip}/32")
        elif extra < 0.3:
            st.append(f"ip route add {net[n]}.0/25 via {net[i]}.{250} metric 5" if i > 0 else
                      f"ip route add {b_ip}/32 dev eth1 metric {rng.choice([0, 50])}")
        if rng.random() < 0.15:
            st.append("sysctl -w net.ipv4.conf.all.rp_filter=1")
        nodes[name] = {"interfaces": {"eth0": f"s{i}", "eth1": f"s{i + 1}"}, "startup": st}
    if rng.random() < 0.3:
        nodes["a"]["startup"].append(f"ip route add {net[n]}.0/24 via {net[0]}.1 metric {rng.choice([10, 200])}")
    out = [{"node": "a", "cmd": f"ping -c 2 -i 0.3 -W 1 {b_ip}"},
           {"node": "a", "cmd": f"traceroute -n -q 1 -w 1 -m {n + 2} {b_ip}"},
           {"node": "a", "cmd": f"ip route get {b_ip}"}]
    if rng.random() < 0.5:
        out.append({"node": "a", "cmd": f"ping -c 1 -W 1 -t {rng.randint(1, n + 1)} {b_ip}"})
    if rng.random() < 0.4:
        out.append({"node": "b", "cmd": f"ping -c 1 -W 1 {a_ip}"})
    if rng.random() < 0.3:
        out.append({"node": "r1", "cmd": f"ip route get {b_ip} from {a_ip} iif eth0"})
    out += [{"node": c["node"], "cmd": c["cmd"]} for c in commands]
    return {"nodes": nodes}, out, ", ".join(notes) or "all forwarding"


def _home_lab(rng: random.Random) -> tuple[dict, list[dict], str]:
    """The seed's shape: café laptop, subnet router / exit node, home LAN, home router with
    MASQUERADE to the internet, a web server there; each piece switched on or off at random."""
    forward = rng.random() < 0.85
    sr_masq = rng.random() < 0.5
    back = rng.random() < 0.4
    home_masq = rng.random() < 0.8
    fw = rng.random()
    sr = ["ip addr add 10.0.5.1/24 dev eth0", "ip addr add 192.168.0.150/24 dev eth1",
          "ip route add default via 192.168.0.1"]
    if forward:
        sr.append("sysctl -w net.ipv4.ip_forward=1")
    if sr_masq:
        sr.append("iptables -t nat -A POSTROUTING -s 10.0.5.0/24 -o eth1 -j MASQUERADE")
    if fw < 0.25:
        sr += ["iptables -P FORWARD DROP", "iptables -A FORWARD -i eth0 -o eth1 -j ACCEPT",
               "iptables -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT"]
    elif fw < 0.4:
        sr.append(f"iptables -A FORWARD -d 192.168.0.{rng.choice([1, 101])} -p icmp -j "
                  f"{rng.choice(['DROP', 'REJECT', 'REJECT --reject-with icmp-admin-prohibited'])}")
    router = ["ip addr add 192.168.0.1/24 dev eth0", "ip addr add 198.51.100.57/24 dev eth1",
              "sysctl -w net.ipv4.ip_forward=1"]
    if home_masq:
        router.append("iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE")
    if back:
        router.append("ip route add 10.0.5.0/24 via 192.168.0.150")
    dnat = rng.random() < 0.3
    if dnat:
        router.append("iptables -t nat -A PREROUTING -i eth1 -p tcp --dport 8080 -j DNAT "
                      "--to-destination 192.168.0.101:22")
    px = ["ip addr add 192.168.0.101/24 dev eth0", "ip route add default via 192.168.0.1"]
    if rng.random() < 0.4:
        px.append("ip route add 10.0.5.0/24 via 192.168.0.150")
    nodes = {
        "laptop": {"interfaces": {"eth0": "cafe"}, "startup": [
            "ip addr add 10.0.5.23/24 dev eth0", "ip route add default via 10.0.5.1"]},
        "tailscale": {"interfaces": {"eth0": "cafe", "eth1": "heimnetz"}, "startup": sr},
        "router": {"interfaces": {"eth0": "heimnetz", "eth1": "internet"}, "startup": router},
        "proxmox": {"interfaces": {"eth0": "heimnetz"}, "startup": px},
        "web": {"interfaces": {"eth0": "internet"}, "startup": ["ip addr add 198.51.100.80/24 dev eth0"]},
    }
    target = rng.choice(["192.168.0.101", "192.168.0.1", "198.51.100.80", "198.51.100.57"])
    out = [{"node": "laptop", "cmd": f"ping -c 2 -i 0.3 -W 1 {target}"},
           {"node": "laptop", "cmd": f"traceroute -n -q 1 -w 1 -m 4 {target}"}]
    if rng.random() < 0.4:
        out.append({"node": "laptop", "cmd": f"traceroute -n -I -q 1 -w 1 -m 4 {target}"})
    if rng.random() < 0.3:
        out.append({"node": "laptop", "cmd": f"traceroute -n -T -p 22 -q 1 -w 1 -m 4 {target}"})
    if dnat:
        out.append({"node": "web", "cmd": "traceroute -n -T -p 8080 -q 1 -w 1 -m 3 198.51.100.57"})
    out += [{"node": "tailscale", "cmd": "conntrack -L"}, {"node": "router", "cmd": "conntrack -L"},
            {"node": "tailscale", "cmd": f"ip route get {target} from 10.0.5.23 iif eth0"}]
    if rng.random() < 0.5:
        out.append({"node": "router", "cmd": "iptables -t nat -L -v -n"})
    if rng.random() < 0.5:
        out.append({"node": "tailscale", "cmd": "iptables -L FORWARD -v -n --line-numbers"})
    if rng.random() < 0.3:
        out.append({"node": "proxmox", "cmd": "ip neigh"})
    note = f"home: forward={forward} sr_masq={sr_masq} back={back} home_masq={home_masq} dnat={dnat}"
    return {"nodes": nodes}, out, note


def _policy_lab(rng: random.Random) -> tuple[dict, list[dict], str]:
    """Two ways from a to b (via r1 or via r2, a diamond), chosen by metrics, policy rules
    (``ip rule … lookup 52`` as Tailscale does, ``from``/``to`` selectors), links going down
    and strict rp_filter on the far router."""
    nodes = {
        "a": {"interfaces": {"eth0": "s1", "eth1": "s2"}, "startup": [
            "ip addr add 10.1.0.10/24 dev eth0", "ip addr add 10.2.0.10/24 dev eth1"]},
        "r1": {"interfaces": {"eth0": "s1", "eth1": "s3"}, "startup": [
            "ip addr add 10.1.0.1/24 dev eth0", "ip addr add 10.3.0.1/24 dev eth1", "sysctl -w net.ipv4.ip_forward=1",
            "ip route add 10.2.0.0/24 via 10.3.0.3"]},
        "r2": {"interfaces": {"eth0": "s2", "eth1": "s4"}, "startup": [
            "ip addr add 10.2.0.1/24 dev eth0", "ip addr add 10.4.0.1/24 dev eth1", "sysctl -w net.ipv4.ip_forward=1",
            "ip route add 10.1.0.0/24 via 10.4.0.3"]},
        "r3": {"interfaces": {"eth0": "s3", "eth1": "s4", "eth2": "s5"}, "startup": [
            "ip addr add 10.3.0.3/24 dev eth0", "ip addr add 10.4.0.3/24 dev eth1", "ip addr add 10.5.0.1/24 dev eth2",
            "sysctl -w net.ipv4.ip_forward=1", "ip route add 10.1.0.0/24 via 10.3.0.1",
            "ip route add 10.2.0.0/24 via 10.4.0.1"]},
        "b": {"interfaces": {"eth0": "s5"}, "startup": ["ip addr add 10.5.0.20/24 dev eth0",
                                                         "ip route add default via 10.5.0.1"]},
    }
    a = nodes["a"]["startup"]
    m1, m2 = rng.sample([10, 20, 100, 0], 2)
    a += [f"ip route add 10.5.0.0/24 via 10.1.0.1 metric {m1}", f"ip route add 10.5.0.0/24 via 10.2.0.1 metric {m2}"]
    notes = [f"metrics {m1}/{m2}"]
    if rng.random() < 0.5:
        a += ["ip route add 10.5.0.0/24 via 10.2.0.1 table 52", "ip rule add to 10.5.0.0/24 lookup 52 pref 5270"]
        notes.append("table 52")
    if rng.random() < 0.3:
        a += ["ip route add default via 10.1.0.1 table 100", "ip rule add from 10.1.0.10 lookup 100 pref 100"]
        notes.append("source rule")
    if rng.random() < 0.3:
        nodes["r3"]["startup"].append(f"sysctl -w net.ipv4.conf.{rng.choice(['all', 'eth0', 'eth1'])}.rp_filter=1")
        notes.append("rp_filter")
    if rng.random() < 0.2:
        a.append("ip rule add to 10.5.0.20 prohibit pref 50")
        notes.append("prohibit rule")
    out = [{"node": "a", "cmd": "ip route get 10.5.0.20"}, {"node": "a", "cmd": "ping -c 1 -W 1 10.5.0.20"},
           {"node": "a", "cmd": "ip route get 10.5.0.20 from 10.1.0.10"},
           {"node": "a", "cmd": "ping -c 1 -W 1 -I 10.1.0.10 10.5.0.20"},
           {"node": "a", "cmd": "traceroute -n -q 1 -w 1 -m 3 10.5.0.20"}]
    if rng.random() < 0.5:
        dev = rng.choice(["eth0", "eth1"])
        out += [{"node": "a", "cmd": f"ip link set {dev} down"}, {"node": "a", "cmd": "ip route"},
                {"node": "a", "cmd": "ip route get 10.5.0.20"}, {"node": "a", "cmd": "ping -c 1 -W 1 10.5.0.20"},
                {"node": "a", "cmd": f"ip link set {dev} up"}, {"node": "a", "cmd": "ip route show 10.5.0.0/24"}]
    if rng.random() < 0.4:
        out.append({"node": "a", "cmd": f"ping -c 1 -W 1 -t {rng.randint(1, 3)} 10.5.0.20"})
    out.append({"node": "a", "cmd": "ip rule"})
    return {"nodes": nodes}, out, ", ".join(notes)


def _ttl_lab(rng: random.Random) -> tuple[dict, list[dict], str]:
    """A chain of two to five routers, sometimes with a routing loop at the end (two routers
    pointing at each other), probed with ping -t and every traceroute method."""
    n = rng.randint(2, 5)
    loop = rng.random() < 0.3
    nodes: dict[str, dict] = {"a": {"interfaces": {"eth0": "s0"}, "startup": [
        "ip addr add 172.16.0.10/24 dev eth0", "ip route add default via 172.16.0.1"]}}
    for i in range(n):
        st = [f"ip addr add 172.16.{i}.1/24 dev eth0", f"ip addr add 172.16.{i + 1}.2/24 dev eth1",
              "sysctl -w net.ipv4.ip_forward=1"]
        if i < n - 1:
            st.append(f"ip route add default via 172.16.{i + 1}.1")
        elif loop:
            # the last router sends everything unknown back: it bounces until the TTL runs out
            st.append(f"ip route add default via 172.16.{i}.2")
        if i > 0:
            st.append(f"ip route add 172.16.0.0/24 via 172.16.{i}.2")
        nodes[f"r{i + 1}"] = {"interfaces": {"eth0": f"s{i}", "eth1": f"s{i + 1}"}, "startup": st}
    if loop:
        target = "198.51.100.7"
    else:
        nodes["b"] = {"interfaces": {"eth0": f"s{n}"}, "startup": [
            f"ip addr add 172.16.{n}.20/24 dev eth0", f"ip route add default via 172.16.{n}.2"]}
        target = f"172.16.{n}.20"
    ttl = rng.randint(1, n + 1)
    out = [{"node": "a", "cmd": f"ping -c 1 -W 1 -t {ttl} {target}"},
           {"node": "a", "cmd": f"traceroute -n -q 1 -w 1 -m {n + 2} {target}"}]
    method = rng.choice(["-I", "-T", "-U", ""])
    first = rng.randint(1, 2)
    out.append({"node": "a", "cmd": f"traceroute -n {method} -f {first} -q 2 -w 1 -m {n + 1} {target}".replace("  ", " ")})
    if rng.random() < 0.5:
        out.append({"node": "a", "cmd": f"ping -c 2 -i 0.5 -W 1 {target}"})
    if rng.random() < 0.5:
        out.append({"node": f"r{rng.randint(1, n)}", "cmd": "ping -c 1 -W 1 172.16.0.10"})
    return {"nodes": nodes}, out, f"{n} routers" + (", loop" if loop else "")


def _firewall_lab(rng: random.Random) -> tuple[dict, list[dict], str]:
    """One router between two hosts with a random rule set: INPUT/FORWARD/OUTPUT rules on
    protocol, ports, addresses, interfaces and conntrack state, REJECT variants, LOG, a user
    chain with RETURN, policies; traffic of every kind, then every way to list the rules."""
    lab = {"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 10.0.1.2/24 dev eth0",
                                                         "ip route add default via 10.0.1.1"]},
        "r": {"interfaces": {"eth0": "s1", "eth1": "s2"}, "startup": [
            "ip addr add 10.0.1.1/24 dev eth0", "ip addr add 10.0.2.1/24 dev eth1", "sysctl -w net.ipv4.ip_forward=1"]},
        "b": {"interfaces": {"eth0": "s2"}, "startup": ["ip addr add 10.0.2.2/24 dev eth0",
                                                         "ip route add default via 10.0.2.1"]}}}
    matches = ["-p icmp", "-p tcp --dport 22", "-p tcp --dport 80", "-p udp", "-s 10.0.1.2", "-d 10.0.2.2",
               "-i eth0", "-o eth1", "-m conntrack --ctstate NEW", "-m state --state ESTABLISHED,RELATED",
               "-p tcp -m multiport --dports 22,80", "-p icmp --icmp-type echo-request", "! -s 10.0.1.0/24",
               "-m comment --comment lab"]
    targets = ["ACCEPT", "DROP", "REJECT", "REJECT --reject-with icmp-net-prohibited",
               "REJECT --reject-with icmp-port-unreachable", "LOG --log-prefix fw:", "RETURN"]
    rules = []
    if rng.random() < 0.4:
        rules.append("iptables -N LAB")
        rules.append(f"iptables -A FORWARD {rng.choice(matches)} -j LAB")
        for _ in range(rng.randint(1, 2)):
            rules.append(f"iptables -A LAB {rng.choice(matches)} -j {rng.choice(targets)}")
    for _ in range(rng.randint(1, 4)):
        chain = rng.choice(["FORWARD", "FORWARD", "INPUT", "OUTPUT"])
        m = rng.choice(matches)
        t = rng.choice(targets[:-1])
        if "tcp" in t or "RETURN" in t:
            t = "DROP"
        if chain == "OUTPUT" and ("-i " in m):
            m = "-o eth0"
        if chain == "INPUT" and ("-o " in m):
            m = "-i eth0"
        rules.append(f"iptables -{rng.choice(['A', 'I'])} {chain} {m} -j {t}")
    if rng.random() < 0.25:
        rules.append("iptables -A FORWARD -p tcp -j REJECT --reject-with tcp-reset")
    if rng.random() < 0.3:
        rules += ["iptables -I FORWARD 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
                  f"iptables -P FORWARD {rng.choice(['DROP', 'ACCEPT'])}"]
    lab["nodes"]["r"]["startup"] += rules
    out = [{"node": "a", "cmd": "ping -c 1 -W 1 10.0.2.2"}, {"node": "a", "cmd": "ping -c 1 -W 1 10.0.1.1"},
           {"node": "a", "cmd": f"traceroute -n -T -p {rng.choice([22, 80, 443])} -q 1 -w 1 -m 3 10.0.2.2"},
           {"node": "a", "cmd": "traceroute -n -U -q 1 -w 1 -m 3 10.0.2.2"},
           {"node": "b", "cmd": "ping -c 1 -W 1 10.0.1.2"},
           {"node": "r", "cmd": "iptables -L -v -n -x --line-numbers"}, {"node": "r", "cmd": "iptables -S"},
           {"node": "r", "cmd": "conntrack -L"}]
    if rng.random() < 0.5:
        out.append({"node": "r", "cmd": "iptables-save -c"})
    if rng.random() < 0.5:
        out.append({"node": "r", "cmd": "nft list ruleset"})
    return lab, out, f"{len(rules)} rules"


def main() -> None:
    rng = random.Random(SEED)
    builders = [_lab] * COUNT + [_home_lab] * HOME_COUNT + [_policy_lab] * POLICY_COUNT + [_ttl_lab] * TTL_COUNT
    # a second round of every family from another seed (appended, so the first names keep their labs)
    builders += [_lab, _home_lab, _policy_lab, _ttl_lab] * ROUND2
    builders += [_firewall_lab] * FIREWALL_COUNT
    rng2 = random.Random(SEED + 1)
    first = COUNT + HOME_COUNT + POLICY_COUNT + TTL_COUNT
    rng3 = random.Random(SEED + 2)
    cases = {}
    for k, build in enumerate(builders):
        lab, commands, note = build(rng if k < first else rng2 if k < first + 4 * ROUND2 else rng3)
        cases[f"rnd_{k:02d}"] = (f"random routed lab ({note})", lab, commands)
    write_cases(cases, "random", stale="rnd_*.yaml")


if __name__ == "__main__":
    main()
