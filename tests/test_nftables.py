"""nf_tables as one engine: base chains across tables and families, the typed write API,
iptables as a translator onto it (listing, restore), ufw and the NAT types through the API."""
from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from simnet import Disposition
from simnet.kernel.netfilter import XtRule
from simnet.kernel.nftables import Busy, Exists, NoEntry, Rule, Ruleset, TooManyLinks
from simnet.kernel.nftables import expr as E
from simnet.kernel.nftables.model import priority_text, priority_value

from tests.conftest import routed_lab


def _inet_forward(lab, policy: str = "accept", priority: int = 0):
    nf = lab.node("r").netfilter
    nf.add_table("inet", "fw")
    nf.add_chain("inet", "fw", "fwd", hook="forward", type="filter", priority=priority, policy=policy)
    return nf


def test_inet_and_iptables_chains_both_run_at_forward_and_a_drop_is_final():
    lab = routed_lab()
    lab.run("r", "iptables -A FORWARD -p icmp -j ACCEPT")      # ip filter FORWARD accepts ...
    nf = _inet_forward(lab)
    nf.add_rule("inet", "fw", "fwd", Rule(exprs=(E.Cmp("ip saddr", IPv4Network("10.0.1.0/24")), E.Counter(),
                                                 E.Verdict("drop"))))
    r = lab.run("a", "ping -c 1 -W 1 10.0.2.2")              # ... but the inet chain drops
    assert r.trace.disposition is Disposition.FILTERED
    assert "ip saddr 10.0.1.0/24 drop" in r.trace.explain() and "inet fw" in r.trace.explain()
    assert "nft -a list chain inet fw fwd" in r.trace.explain()
    rule = nf.find_table("inet", "fw").chains["fwd"].rules[0]
    assert rule.packets == 1
    xt = nf.find_table("ip", "filter").chains["FORWARD"].rules[0]
    assert xt.packets == 0          # same priority: the newer inet chain runs first (nft_inet_and_iptables_forward)


def test_accept_ends_only_its_own_chain_and_priority_orders_the_chains():
    lab = routed_lab()
    lab.run("r", "iptables -P FORWARD DROP")                   # iptables' chain at priority 0 drops ...
    nf = _inet_forward(lab, priority=-10)
    nf.add_rule("inet", "fw", "fwd", Rule(exprs=(E.Verdict("accept"),)))
    r = lab.run("a", "ping -c 1 -W 1 10.0.2.2")              # ... after the inet chain (priority -10) accepted
    assert r.trace.disposition is Disposition.FILTERED
    assert "Policy der Kette FORWARD (Tabelle filter)" in r.trace.explain()
    lab.run("r", "iptables -P FORWARD ACCEPT")
    nf.set_policy("inet", "fw", "fwd", "drop")
    nf.flush_chain("inet", "fw", "fwd")
    assert lab.run("a", "ping -c 1 -W 1 10.0.2.2").trace.disposition is Disposition.FILTERED
    nf.set_policy("inet", "fw", "fwd", "accept")
    assert lab.run("a", "ping -c 1 -W 1 10.0.2.2").returncode == 0


def test_native_sets_ports_and_ct_state():
    lab = routed_lab()
    nf = _inet_forward(lab, policy="drop")
    nf.add_set("inet", "fw", "nets", "ipv4_addr", flags=("interval",))
    nf.add_elements("inet", "fw", "nets", [IPv4Network("10.0.1.0/24")])
    nf.add_rule("inet", "fw", "fwd", Rule(exprs=(E.Cmp("ct state", ("established", "related")), E.Verdict("accept"))))
    nf.add_rule("inet", "fw", "fwd", Rule(exprs=(E.Cmp("ip saddr", E.SetRef("nets")),
                                                 E.Cmp("meta l4proto", "icmp"), E.Verdict("accept"))))
    assert lab.run("a", "ping -c 1 -W 1 10.0.2.2").returncode == 0
    nf.delete_elements("inet", "fw", "nets", [IPv4Network("10.0.1.0/24")])
    assert lab.run("a", "ping -c 1 -W 1 10.0.2.2").trace.disposition is Disposition.FILTERED
    with pytest.raises(Busy):
        nf.delete_set("inet", "fw", "nets")
    port = E.Cmp("tcp dport", E.AnonSet((22, E.Range(80, 90))))
    assert E.value_matches(port, 85, {}) and not E.value_matches(port, 91, {})


def test_write_api_errors_and_shared_handles():
    nf = Ruleset()
    t = nf.add_table("inet", "t")
    with pytest.raises(Exists):
        nf.add_table("inet", "t", create=True)
    with pytest.raises(NoEntry) as missing:
        nf.add_chain("ip", "t", "c")
    assert missing.value.obj == "table" and missing.value.strerror == "No such file or directory"
    base = nf.add_chain("inet", "t", "in", hook="input", priority=0, policy="drop")
    sub = nf.add_chain("inet", "t", "sub")
    jump = nf.add_rule("inet", "t", "in", Rule(exprs=(E.Verdict("jump", "sub"),)))
    assert (t.handle, base.handle, sub.handle, jump.handle) == (1, 1, 2, 3)
    with pytest.raises(Busy) as busy:
        nf.delete_chain("inet", "t", "sub")
    assert busy.value.strerror == "Device or resource busy"
    with pytest.raises(TooManyLinks):
        nf.add_rule("inet", "t", "sub", Rule(exprs=(E.Verdict("jump", "sub"),)))
    with pytest.raises(NoEntry):
        nf.add_rule("inet", "t", "sub", Rule(exprs=(E.Verdict("goto", "nowhere"),)))
    with pytest.raises(Exists):
        nf.rename_chain("inet", "t", "in", "sub")
    first = nf.insert_rule("inet", "t", "in", Rule(exprs=(E.Verdict("accept"),)))
    after = nf.add_rule("inet", "t", "in", Rule(exprs=(E.Verdict("drop"),)), after=first.handle)
    assert [r.handle for r in base.rules] == [first.handle, after.handle, jump.handle]
    nf.delete_rule("inet", "t", "in", jump.handle)
    with pytest.raises(NoEntry):
        nf.delete_rule("inet", "t", "in", jump.handle)
    nf.rename_chain("inet", "t", "sub", "other")
    nf.delete_chain("inet", "t", "other")
    with pytest.raises(NoEntry):
        with nf.transaction():
            nf.flush_ruleset()
            nf.delete_table("inet", "t")            # gone already: the whole batch is undone
    assert nf.find_chain("inet", "t", "in").policy == "DROP"


def test_replace_keeps_the_handle_and_equal_priorities_run_newest_first():
    nf = Ruleset()
    nf.add_table("ip", "t")
    nf.add_chain("ip", "t", "c")
    first = nf.add_rule("ip", "t", "c", Rule(exprs=(E.Verdict("accept"),)))
    nf.replace_rule("ip", "t", "c", first.handle, Rule(exprs=(E.Verdict("drop"),)))
    later = nf.add_rule("ip", "t", "c", Rule(exprs=(E.Verdict("accept"),)))
    assert [r.handle for r in nf.find_chain("ip", "t", "c").rules] == [first.handle, first.handle + 1]
    assert later.handle == first.handle + 1           # the replacement drew no handle of its own
    old = nf.add_chain("ip", "t", "a", hook="input", priority=0)
    nf.add_table("inet", "u")
    new = nf.add_chain("inet", "u", "b", hook="input", priority=0)
    early = nf.add_chain("inet", "u", "e", hook="input", priority=-5)
    assert nf.chains_at("ipv4", "input")[0] == (early, new, old)


def test_priority_names_as_nft_lists_them():
    assert [priority_text(p, "input") for p in (0, 10, -5, 50, -300, -100, 100, 11)] == \
        ["filter", "filter + 10", "filter - 5", "security", "raw", "-100", "100", "11"]
    assert priority_text(100, "postrouting") == "srcnat" and priority_text(-100, "prerouting") == "dstnat"
    assert priority_value("srcnat + 10", "postrouting") == 110 and priority_value("dstnat", "input") is None


def test_iptables_shows_native_rules_as_incompatible_and_lists_user_chains_sorted():
    lab = routed_lab()
    for chain in ("zeta", "alpha"):
        lab.run("r", f"iptables -N {chain}")
    assert lab.run("r", "iptables -S").stdout.split("\n")[3:5] == ["-N alpha", "-N zeta"]
    lab.run("r", "iptables -A INPUT -j ACCEPT")
    nf = lab.node("r").netfilter
    nf.add_rule("ip", "filter", "INPUT", Rule(exprs=(E.Cmp("ct state", ("established",)), E.Verdict("accept"))))
    r = lab.run("r", "iptables -S INPUT")
    assert r.returncode == 1
    assert r.stderr == "iptables v1.8.9 (nf_tables): chain `INPUT' in table `filter' is incompatible, use 'nft' tool.\n"
    assert "ct state established accept" in lab.run("r", "nft list ruleset").stdout


def test_iptables_restore_test_noflush_and_line_errors():
    lab = routed_lab()
    lab.run("r", "iptables -A INPUT -s 10.0.0.9 -j ACCEPT")
    r = lab.run("r", 'printf "*filter\\n-A INPUT -j DROP\\nCOMMIT\\n" | iptables-restore --test')
    assert r.returncode == 0 and "-A INPUT -j DROP" not in lab.run("r", "iptables -S").stdout
    lab.run("r", 'printf "*filter\\n-A INPUT -j DROP\\nCOMMIT\\n" | iptables-restore -n')
    assert lab.run("r", "iptables -S INPUT").stdout.split("\n")[1:3] == ["-A INPUT -s 10.0.0.9/32 -j ACCEPT",
                                                                         "-A INPUT -j DROP"]
    r = lab.run("r", 'printf "*filter\\n-A OUTPUT -j ACCEPT\\n-N x\\n-N x\\nCOMMIT\\n" | iptables-restore')
    assert (r.returncode, r.stderr) == (1, "iptables-restore: line 4 failed: Chain already exists.\n")
    assert "-A INPUT -j DROP" in lab.run("r", "iptables -S").stdout      # the failed batch changed nothing
    lab.run("r", 'printf "*filter\\n-A OUTPUT -j ACCEPT\\nCOMMIT\\n" | iptables-restore')
    assert lab.run("r", "iptables-save").stdout.count("-A ") == 1         # without -n the table starts anew


def test_ufw_and_nat_types_write_what_iptables_would():
    import shlex

    from simnet.commands.iptables import parse
    from simnet.commands.iptables_canon import canonical_matches, canonical_target
    from simnet.services import ufw

    # ufw's fixed chains go through the iptables parser; every line must parse
    for line in ufw.RULES + ufw.TAIL:
        assert parse(shlex.split(line)).rule is not None, line
    # the user's rules are built directly and must equal what iptables would build
    lines = {"-A ufw-user-input -p tcp -m multiport --dports 80,443 -j REJECT --reject-with tcp-reset":
                 ufw.UfwRule("reject", "80,443", "tcp").iptables()[0],
             "-A ufw-user-input -p udp -m udp --dport 3478 -j ACCEPT": ufw.UfwRule("allow", "3478", "udp").iptables()[0]}
    for line, built in lines.items():
        p = parse(line.split())
        canonical_matches(p.rule)
        assert p.rule == built, line
        assert isinstance(built, XtRule)
    assert canonical_target("REJECT", []) == [("reject-with", "icmp-port-unreachable")]


def test_iptables_reads_simple_native_rules_back():
    lab = routed_lab()
    lab.run("r", "iptables -A INPUT -j ACCEPT")
    nf = lab.node("r").netfilter
    for exprs in ((E.Cmp("ip saddr", IPv4Network("1.2.3.4/32")), E.Counter(), E.Verdict("accept")),
                  (E.Cmp("meta l4proto", "tcp"), E.Cmp("tcp dport", E.Range(1000, 2000)), E.Verdict("drop")),
                  (E.Cmp("iifname", "eth*"), E.Cmp("tcp dport", E.AnonSet((22, 80))), E.Verdict("accept"))):
        nf.add_rule("ip", "filter", "INPUT", Rule(exprs=exprs))
    assert lab.run("r", "iptables -S INPUT").stdout.split("\n")[2:5] == [
        "-A INPUT -s 1.2.3.4/32 -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 1000:2000 -j DROP",
        "-A INPUT -i eth+ -p tcp -j ACCEPT"]                      # iptables-nft loses the port set
    lab.run("r", "iptables -D INPUT 2")
    assert len(nf.find_chain("ip", "filter", "INPUT").rules) == 3
    nf.add_rule("ip", "filter", "INPUT", Rule(exprs=(E.Log(prefix="x"), E.Verdict("accept"))))
    save = lab.run("r", "iptables-save")
    assert save.returncode == 0 and save.stdout == "# Table `filter' is incompatible, use 'nft' tool.\n"


def test_nft_lists_sets_before_chains_with_handles():
    lab = routed_lab()
    nf = lab.node("r").netfilter
    nf.add_table("inet", "t")
    nf.add_set("inet", "t", "blocked", "ipv4_addr", flags=("interval",))
    nf.add_elements("inet", "t", "blocked", [IPv4Network("10.0.0.0/8"), IPv4Network("192.168.1.5/32")])
    nf.add_set("inet", "t", "ports", "inet_service")
    nf.add_elements("inet", "t", "ports", [22, 80])
    nf.add_chain("inet", "t", "c", hook="input", priority=0, policy="drop")
    nf.add_rule("inet", "t", "c", Rule(exprs=(E.Cmp("ip saddr", E.SetRef("blocked")), E.Verdict("drop"))))
    nf.add_rule("inet", "t", "c", Rule(exprs=(E.Cmp("tcp dport", E.SetRef("ports")), E.Verdict("accept"))))
    assert lab.run("r", "nft -a list ruleset").stdout == """table inet t { # handle 1
\tset blocked { # handle 1
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 10.0.0.0/8, 192.168.1.5 }
\t}

\tset ports { # handle 2
\t\ttype inet_service
\t\telements = { 22, 80 }
\t}

\tchain c { # handle 3
\t\ttype filter hook input priority filter; policy drop;
\t\tip saddr @blocked drop # handle 4
\t\ttcp dport @ports accept # handle 5
\t}
}
"""
