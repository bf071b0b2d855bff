"""The seed's Tests 1-3 and the failure cases, as learner command sequences."""
import re

import pytest

from simnet.lab import Lab
from simnet.tailnet.explain import explain_tailnet
from simnet.trace import Disposition

UP = "tailscale up --login-server=https://vpn.example.net"
PING = "ping -c 1 -W 1 192.168.0.101"


def register(lab, node, cmd, user="zabooz"):
    res = lab.run(node, cmd)
    key = re.search(r"/register/(\S+)", res.stderr).group(1)
    assert len(key) == 24
    out = lab.run("vps", f"headscale nodes register --user {user} --key {key}")
    assert out.returncode == 0, out.stderr
    return out


@pytest.fixture
def routed():
    """Container advertises 192.168.0.0/24, laptop logged in with --accept-routes; nothing approved."""
    lab = Lab.load("headscale")
    lab.run("vps", "headscale users create zabooz")
    lab.run("tailscale", "sysctl -w net.ipv4.ip_forward=1")
    assert register(lab, "tailscale", UP + " --advertise-routes=192.168.0.0/24 --accept-routes").stdout \
        == "Node tailscale registered\n"
    register(lab, "maschinchen", UP + " --accept-routes")
    return lab


def test_1_route_not_approved(routed):
    res = routed.run("maschinchen", PING)
    assert res.returncode == 1
    assert "nicht freigegeben" in explain_tailnet(res.trace.main)
    assert "192.168.0.0/24 dev tailscale0" not in routed.run("maschinchen", "ip route show table 52").stdout


def test_2_approved_but_not_accepted():
    lab = Lab.load("headscale")
    lab.run("vps", "headscale users create zabooz")
    lab.run("tailscale", "sysctl -w net.ipv4.ip_forward=1")
    register(lab, "tailscale", UP + " --advertise-routes=192.168.0.0/24")
    assert lab.run("vps", "headscale nodes approve-routes -i 1 -r 192.168.0.0/24").stdout == "Node updated\n"
    register(lab, "maschinchen", UP)
    res = lab.run("maschinchen", PING)
    assert res.returncode == 1
    assert "--accept-routes" in explain_tailnet(res.trace.main)


def test_3_all_correct(routed):
    routed.run("vps", "headscale nodes approve-routes -i 1 -r 192.168.0.0/24")
    res = routed.run("maschinchen", PING)
    assert res.returncode == 0
    assert "64 bytes from 192.168.0.101: icmp_seq=1 ttl=63 " in res.stdout
    assert res.trace.main.nodes()[:3] == ["maschinchen", "tailscale", "proxmox"]
    carriers = res.trace.main.nodes(underlay=True)
    assert carriers[:3] == ["maschinchen", "cafe", "internet"]     # the WireGuard packet's own way


def test_ready_state_and_table_52():
    lab = Lab.load("headscale", state="ready")
    assert "ttl=63" in lab.run("maschinchen", PING).stdout
    assert lab.run("maschinchen", "ip route show table 52").stdout == (
        "100.64.0.1 dev tailscale0 \n100.64.0.3 dev tailscale0 \n"
        "100.100.100.100 dev tailscale0 \n192.168.0.0/24 dev tailscale0 \n")
    rules = lab.run("tailscale", "ip rule").stdout
    assert "5270:\tfrom all lookup 52\n" in rules and "5250:\tfrom all fwmark 0x80000/0xff0000 unreachable" in rules
    assert "inet 100.64.0.1/32 scope global tailscale0" in lab.run("tailscale", "ip addr show tailscale0").stdout
    assert lab.run("maschinchen", "ip route").stdout.count("tailscale0") == 0


def test_forwarding_off_in_container():
    lab = Lab.load("headscale", state="ready")
    lab.run("tailscale", "sysctl -w net.ipv4.ip_forward=0")
    res = lab.run("maschinchen", PING)
    assert res.returncode == 1
    assert res.trace.main.disposition is Disposition.FORWARDING_DISABLED
    assert res.trace.main.where == "tailscale"


def test_no_snat_needs_back_route():
    lab = Lab.load("headscale", state="ready")
    assert lab.run("tailscale", "tailscale set --snat-subnet-routes=false").returncode == 0
    res = lab.run("maschinchen", PING)
    assert res.returncode == 1
    assert "Rückroute 100.64.0.0/10" in explain_tailnet(res.trace.main)
    lab.run("proxmox", "ip route add 100.64.0.0/10 via 192.168.0.150")
    assert "ttl=63" in lab.run("maschinchen", PING).stdout


def test_exit_node_not_approved_then_not_selected():
    lab = Lab.load("headscale")
    lab.run("vps", "headscale users create zabooz")
    lab.run("tailscale", "sysctl -w net.ipv4.ip_forward=1")
    register(lab, "tailscale", UP + " --advertise-exit-node")
    register(lab, "maschinchen", UP)
    res = lab.run("maschinchen", "tailscale set --exit-node=100.64.0.1")
    assert (res.returncode, res.stderr) == (1, 'node "100.64.0.1" is not advertising an exit node\n')
    res = lab.run("maschinchen", "ping -c 1 -W 1 203.0.113.10")
    assert res.returncode == 0 and "tailscale" not in res.trace.main.nodes()
    steps = [s.get("reason") for h in res.trace.main.hops for s in h.steps if s.kind == "tailnet"]
    assert steps == ["exit-node-not-approved"]
    lab.run("vps", "headscale nodes approve-routes -i 1 -r 0.0.0.0/0")
    res = lab.run("maschinchen", "ping -c 1 -W 1 203.0.113.10")
    steps = [s.get("reason") for h in res.trace.main.hops for s in h.steps if s.kind == "tailnet"]
    assert steps == ["exit-node-not-selected"]
    assert lab.run("maschinchen", "tailscale set --exit-node=100.64.0.1").returncode == 0
    res = lab.run("maschinchen", "ping -c 1 -W 1 203.0.113.10")
    assert res.returncode == 0
    assert res.trace.main.nodes()[:3] == ["maschinchen", "tailscale", "router"]
    assert "default dev tailscale0" in lab.run("maschinchen", "ip route show table 52").stdout


def test_jules_without_and_with_policy():
    lab = Lab.load("headscale", state="ready")
    assert "ttl=63" in lab.run("jules-laptop", PING).stdout
    vps = lab.node("vps")
    lab.run("vps", """echo '{"groups": {"group:admins": ["zabooz@"]}, // nur Daniel
      "acls": [{"action": "accept", "src": ["group:admins"], "dst": ["*:*"]},]}' > /etc/headscale/acl.hujson""")
    assert lab.run("vps", "headscale policy check -f /etc/headscale/acl.hujson").stdout == "Policy is valid\n"
    vps.files["/etc/headscale/config.yaml"] = vps.files["/etc/headscale/config.yaml"].replace(
        'path: ""', "path: /etc/headscale/acl.hujson")          # the learner edits it with nano
    lab.run("vps", "systemctl restart headscale")
    res = lab.run("jules-laptop", PING)
    assert res.returncode == 1
    assert res.trace.main.disposition is Disposition.POLICY_DENIED and res.trace.main.where == "tailscale"
    assert "Policy" in explain_tailnet(res.trace.main)
    assert "ttl=63" in lab.run("maschinchen", PING).stdout


def test_down_and_logout():
    lab = Lab.load("headscale", state="ready")
    lab.run("tailscale", "tailscale down")
    assert lab.run("tailscale", "tailscale status").stdout == "Tailscale is stopped.\n"
    assert lab.run("maschinchen", PING).returncode == 1
    assert "offline" in lab.run("maschinchen", "tailscale status").stdout
    lab.run("maschinchen", "tailscale logout")
    assert lab.run("maschinchen", "tailscale status").stdout == "Logged out.\n"
    lab.run("tailscale", "systemctl stop tailscaled")
    assert "tailscale0" not in lab.run("tailscale", "ip link").stdout


def test_policy_hides_peers_no_rule_connects():
    """headscale sends a node only the peers a rule connects it with (either direction)."""
    lab = Lab.load("headscale", state="ready")
    vps = lab.node("vps")
    lab.run("vps", """echo '{"acls": [{"action": "accept", "src": ["zabooz@"], "dst": ["zabooz@:*"]}]}' """
                   "> /etc/headscale/acl.hujson")
    vps.files["/etc/headscale/config.yaml"] = vps.files["/etc/headscale/config.yaml"].replace(
        'path: ""', "path: /etc/headscale/acl.hujson")
    lab.run("vps", "systemctl restart headscale")
    jules = lab.run("jules-laptop", "tailscale status").stdout
    assert jules.count("\n") == 1 and "jules-laptop" in jules          # only itself
    assert "100.64.0.1" not in lab.run("jules-laptop", "ip route show table 52").stdout
    res = lab.run("jules-laptop", "ping -c 1 -W 1 100.64.0.1")
    # no route in table 52: the packet leaves by the default route and dies in the internet
    assert res.returncode == 1 and res.trace.main.nodes()[:2] == ["jules-laptop", "jules-router"]
    assert res.trace.main.disposition is Disposition.NO_ROUTE
    masch = lab.run("maschinchen", "tailscale status").stdout
    assert "tailscale" in masch and "jules-laptop" not in masch


def test_policy_to_a_subnet_keeps_the_router_visible_after_restart():
    """A rule to 192.168.0.101:8006 needs the subnet router as a peer, whatever happened before."""
    lab = Lab.load("headscale", state="ready")
    vps = lab.node("vps")
    lab.run("vps", """echo '{"acls": [{"action": "accept", "src": ["jules@"], "dst": ["192.168.0.101:8006"]}]}' """
                   "> /etc/headscale/acl.hujson")
    vps.files["/etc/headscale/config.yaml"] = vps.files["/etc/headscale/config.yaml"].replace(
        'path: ""', "path: /etc/headscale/acl.hujson")
    lab.run("vps", "systemctl restart headscale")
    assert "192.168.0.0/24 dev tailscale0" in lab.run("jules-laptop", "ip route show table 52").stdout
    assert "tailscale" in lab.run("jules-laptop", "tailscale status").stdout


def test_background_job_on_tailscale0_sees_the_device():
    lab = Lab.load("headscale", state="ready")
    job = lab.start("tailscale", "tcpdump -n -i tailscale0 -c 1")
    lab.run("maschinchen", "ping -c 1 100.64.0.1")
    res = job.result(timeout=1)
    assert "No such device" not in res.stderr and "ICMP echo request" in res.stdout


def test_host_unreachable_behind_the_masquerading_subnet_router():
    """Issue 21: the container masquerades, then ARP for a missing host fails; conntrack turns
    the error back to the laptop, which sees it as the kernel shows it."""
    lab = Lab.load("headscale", state="ready")
    r = lab.run("maschinchen", "ping -c 1 -W 5 192.168.0.77")
    assert r.returncode == 1
    assert "From 192.168.0.150 icmp_seq=1 Destination Host Unreachable" in r.stdout
    assert "1 packets transmitted, 0 received, +1 errors, 100% packet loss" in r.stdout
    assert r.trace.packets[0].disposition is Disposition.ARP_FAILED
    text = r.trace.explain()
    assert "ARP" in text and "192.168.0.77" in text and "keine Antwort" in text


def _tailnet_pairs():
    lab = Lab.load("headscale", state="ready")
    members = {n: str(lab.node(n).services["tailscaled"].me.ipv4) for n in lab.nodes
               if lab.node(n).services.get("tailscaled") is not None}
    return [(a, b, members[b]) for a in members for b in members if a != b]


@pytest.mark.parametrize("src,dst,ip", _tailnet_pairs())
def test_every_tailnet_pair_reaches_each_other_in_the_ready_lab(src, dst, ip):
    """Issue 15.2: in a fresh ready lab every node reaches every other one at once, over DERP
    first if need be, with ping and with tailscale ping (each on a fresh lab)."""
    r = Lab.load("headscale", state="ready").run(src, f"ping -c 1 -W 3 {ip}")
    assert r.returncode == 0, r.stdout + r.trace.explain()
    assert f"64 bytes from {ip}: icmp_seq=1" in r.stdout
    t = Lab.load("headscale", state="ready").run(src, f"tailscale ping {ip}")
    assert t.returncode == 0, t.stdout + t.stderr
    assert re.search(rf"pong from {re.escape(dst)} \({re.escape(ip)}\) via \S+ in \d+ms", t.stdout)


def test_magicdns_names_resolve_with_accept_dns_and_not_without():
    """Issue 15.10: tailscaled points resolv.conf at 100.100.100.100 (direct mode, with a
    backup); the tailnet's names resolve there, other names are forwarded; --accept-dns=false
    and tailscale down put the old file back."""
    lab = Lab.load("headscale", state="ready")
    conf = lab.run("maschinchen", "cat /etc/resolv.conf").stdout
    assert conf.startswith("# resolv.conf(5) file generated by tailscale\n")
    assert conf.endswith("\nnameserver 100.100.100.100\nsearch example.com\n")
    assert lab.run("maschinchen", "cat /etc/resolv.pre-tailscale-backup.conf").stdout == "nameserver 203.0.113.1\n"
    ping = lab.run("maschinchen", "ping -c 1 -W 3 tailscale")
    assert ping.returncode == 0
    assert ping.stdout.startswith("PING tailscale.example.com (100.64.0.1) 56(84) bytes of data.\n"
                                  "64 bytes from tailscale.example.com (100.64.0.1): icmp_seq=1 ttl=64 time=")
    assert lab.run("maschinchen", "ssh root@tailscale hostname").stdout == "tailscale\n"
    assert lab.run("maschinchen", "host jules-laptop").stdout == "jules-laptop.example.com has address 100.64.0.3\n"
    assert lab.run("maschinchen", "dig +short vpn.example.net").stdout == "203.0.113.10\n"   # forwarded upstream
    assert "SERVER: 100.100.100.100#53(100.100.100.100)" in lab.run("maschinchen", "dig vpn.example.net").stdout
    off = lab.run("maschinchen", f"{UP} --accept-routes --accept-dns=false")
    assert off.returncode == 0, off.stderr
    assert lab.run("maschinchen", "cat /etc/resolv.conf").stdout == "nameserver 203.0.113.1\n"
    miss = lab.run("maschinchen", "ping -c 1 -W 1 tailscale")
    assert (miss.returncode, miss.stderr) == (2, "ping: tailscale: Name or service not known\n")
    assert lab.run("maschinchen", f"{UP} --accept-routes --accept-dns").returncode == 0
    assert lab.run("maschinchen", "ping -c 1 -W 3 tailscale").returncode == 0
    lab.run("maschinchen", "tailscale down")
    assert lab.run("maschinchen", "cat /etc/resolv.conf").stdout == "nameserver 203.0.113.1\n"


def test_restarted_tailscaled_serves_its_subnet_again_without_other_commands():
    """tailscaled logs in with its saved state when it starts: the subnet router is back
    (tailscale0, presence, DERP) before anyone runs a command on it."""
    lab = Lab.load("headscale", state="ready")
    # a netmap change elsewhere leaves the router's client waiting to apply it (dirty) ...
    assert lab.run("jules-laptop", "tailscale set --accept-routes=false").returncode == 0
    # ... and the restart must still report it online and bring its routes back
    assert lab.run("tailscale", "systemctl stop tailscaled").returncode == 0
    assert lab.run("maschinchen", PING).returncode == 1
    assert lab.run("tailscale", "systemctl start tailscaled").returncode == 0
    lab.advance(1)
    r = lab.run("maschinchen", "ping -c 1 -W 3 192.168.0.101")
    assert r.returncode == 0, r.trace.explain()
