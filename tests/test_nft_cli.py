"""nft as a front end of the nf_tables engine: batches, handles, errors, and rules that really act."""
from __future__ import annotations

from simnet import Lab
from tests.kernel.make_cases import lan, routed, subnet_router


def _lab(spec: dict) -> Lab:
    return Lab.from_dict({"name": "t", **spec})


def test_seed_masquerade_lets_the_laptop_reach_proxmox() -> None:
    lab = _lab(subnet_router())
    assert lab.run("laptop", "ping -c 1 -W 1 192.168.0.101").returncode == 1     # no way back without NAT
    for line in ("nft add table ip nat",
                 "nft add chain ip nat postrouting { type nat hook postrouting priority 100 \\; }",
                 'nft add rule ip nat postrouting oifname "eth1" ip saddr 10.0.5.0/24 masquerade'):
        r = lab.run("tailscale", line)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert lab.run("laptop", "ping -c 1 -W 1 192.168.0.101").returncode == 0
    listing = lab.run("tailscale", "nft -a list ruleset").stdout
    assert listing == ("table ip nat { # handle 1\n\tchain postrouting { # handle 1\n"
                       "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                       '\t\toifname "eth1" ip saddr 10.0.5.0/24 masquerade # handle 2\n\t}\n}\n')


def test_forward_policy_drop_and_an_accept_rule() -> None:
    lab = _lab(routed())
    lab.run("r", "nft add table inet filter")
    lab.run("r", "nft 'add chain inet filter forward { type filter hook forward priority 0; policy drop; }'")
    assert lab.run("a", "ping -c 1 -W 1 10.0.2.2").returncode == 1
    lab.run("r", "nft add rule inet filter forward ct state established,related accept")
    lab.run("r", "nft add rule inet filter forward iifname eth0 icmp type echo-request counter accept")
    assert lab.run("a", "ping -c 1 -W 1 10.0.2.2").returncode == 0
    out = lab.run("r", "nft list chain inet filter forward").stdout
    assert 'iifname "eth0" icmp type echo-request counter packets 1 bytes 84 accept' in out


def test_handles_insert_position_replace_delete() -> None:
    lab = _lab(lan())
    for line in ("nft add table ip filter", "nft add chain ip filter input",
                 "nft add rule ip filter input ip saddr 10.0.0.1 drop", "nft add rule ip filter input tcp dport 22 accept",
                 "nft insert rule ip filter input position 3 ip saddr 10.0.0.3 drop",
                 "nft replace rule ip filter input handle 2 ip saddr 10.0.0.9 drop",
                 "nft delete rule ip filter input handle 3"):
        assert lab.run("a", line).returncode == 0, line
    assert lab.run("a", "nft -a list chain ip filter input").stdout == (
        "table ip filter {\n\tchain input { # handle 1\n\t\tip saddr 10.0.0.9 drop # handle 2\n"
        "\t\tip saddr 10.0.0.3 drop # handle 4\n\t}\n}\n")
    r = lab.run("a", "nft delete rule ip filter input handle 3")
    assert (r.returncode, r.stderr) == (1, "Error: Could not process rule: No such file or directory\n"
                                           "delete rule ip filter input handle 3\n" + " " * 35 + "^\n")


def test_one_batch_is_all_or_nothing_and_check_changes_nothing() -> None:
    lab = _lab(lan())
    r = lab.run("a", "nft 'add table z; add chain z y; add rule z nope accept'")
    assert r.returncode == 1 and "^^^^" in r.stderr
    assert lab.run("a", "nft list tables").stdout == ""
    assert lab.run("a", "nft -c add table ip t").returncode == 0
    assert lab.run("a", "nft list tables").stdout == ""


def test_hints_for_misspelled_tables_and_chains() -> None:
    lab = _lab(lan())
    lab.run("a", "nft add table ip nat")
    lab.run("a", "nft add chain ip nat postrouting")
    r = lab.run("a", "nft add rule ip nat postroutin accept")
    assert r.stderr.startswith("Error: No such file or directory; did you mean chain ‘postrouting’ in table ip ‘nat’?")
    r = lab.run("a", "nft add rule ip6 nat postrouting accept")
    assert r.stderr.startswith("Error: No such file or directory; did you mean table ‘nat’ in family ip?")


def test_file_with_flush_ruleset_and_systemctl_nftables() -> None:
    lab = _lab(routed())
    lab.run("r", "nft add table ip junk")
    conf = ("flush ruleset\ntable inet filter {\n\tchain forward {\n"
            "\t\ttype filter hook forward priority 0; policy drop;\n\t}\n}\n")
    lab.nodes["r"].files["/etc/nftables.conf"] = conf
    assert lab.run("r", "systemctl restart nftables").returncode == 0
    assert lab.run("r", "nft list tables").stdout == "table inet filter\n"
    assert lab.run("a", "ping -c 1 -W 1 10.0.2.2").returncode == 1
    assert "active (exited)" in lab.run("r", "systemctl status nftables").stdout
    assert lab.run("r", "systemctl stop nftables").returncode == 0
    assert lab.run("r", "nft list ruleset").stdout == ""
    lab.nodes["r"].files["/etc/nftables.conf"] = "table inet filter {\n"
    r = lab.run("r", "systemctl start nftables")
    assert r.returncode == 1 and r.stderr.startswith("Job for nftables.service failed")


def test_enabled_nftables_loads_its_file_at_boot() -> None:
    lab = _lab(routed())
    lab.nodes["r"].files["/etc/nftables.conf"] = (
        "flush ruleset\ntable inet filter {\n\tchain forward {\n\t\ttype filter hook forward priority 0; policy drop;\n"
        "\t}\n}\n")
    r = lab.run("r", "systemctl enable nftables")
    assert r.stderr == ("Created symlink /etc/systemd/system/sysinit.target.wants/nftables.service \u2192 "
                        "/lib/systemd/system/nftables.service.\n")
    assert lab.run("r", "systemctl is-enabled nftables").stdout == "enabled\n"
    assert lab.run("r", "nft list tables").stdout == ""          # enabled, not started
    lab.run("r", "reboot")
    assert lab.run("r", "nft list tables").stdout == "table inet filter\n"
    assert "Policy der Kette forward (Tabelle inet filter)" in lab.run("a", "ping -c 1 -W 1 10.0.2.2").trace.explain()
