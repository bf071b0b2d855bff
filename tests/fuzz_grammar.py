"""Hypothesis strategies for a hostile learner: command lines for every program simnet knows,
and lab files, built from a grammar of what the tools take (options, numbers at and past
their limits, addresses, names) and of the shell around them (pipes, redirections, lists,
background jobs, command substitution, quotes).

Used by tests/test_fuzz.py (a small budget in ``make test``, ≥ 100 000 cases in ``make fuzz``).
"""
from __future__ import annotations

from hypothesis import strategies as st

from simnet.commands.registry import PROGRAMS

NUMBERS = ["0", "1", "2", "3", "5", "10", "30", "64", "255", "256", "1000", "65535", "65536", "99999",
           "2147483647", "2147483648", "4294967295", "4294967296", "18446744073709551616", "-1", "-0", "+5",
           "0x10", "0x", "010", "08", "1.5", ".5", "1e3", "1e999", "-1e-9", "nan", "inf", "-inf", "0.0001",
           "9" * 30, "9" * 5000, "²", "١٢", "1_000", " 1", "3d", "1h", "5m", "2s", "1.5d"]
ADDRESSES = ["192.168.0.1", "192.168.0.101", "192.168.0.77", "10.0.5.1", "10.0.5.2", "203.0.113.10",
             "203.0.113.1", "198.51.100.57", "198.51.100.129", "100.64.0.1", "127.0.0.1", "0.0.0.0",
             "255.255.255.255", "224.0.0.1", "10.0.0.0/8", "192.168.0.0/24", "0.0.0.0/0", "10.1.2.3/33",
             "300.1.1.1", "1.2.3", "010.1.1.1", "::1", "2001:db8::1", "fe80::1/64", "default", "all", "any",
             "vpn.example.net", "home.example.net", "www.duckdns.org", "nirgends.example.net", "localhost",
             "https://vpn.example.net/", "http://203.0.113.10:8080/x?y=1", "vpn.example.net:443",
             "vpn.example.net:99999", "a}", "%{x}", "%{http_code}", "@203.0.113.1"]
NAMES = ["eth0", "eth1", "lan", "wan", "wlan0", "lo", "tailscale0", "nope", "eth0.5", "a" * 16, "INPUT",
         "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING", "DOCKER", "filter", "nat", "mangle", "raw", "main",
         "local", "52", "tcp", "udp", "icmp", "all", "ssh", "http", "https", "22", "443", "3478", "41641",
         "/tmp/x", "/root/r.sh", "/proc/sys/net/ipv4/ip_forward", "/etc/resolv.conf", "/etc/hosts",
         "/etc/nginx/sites-available/default", "/var/log/duckdns.log", "/dev/null", "/", "..", "-", "*", "?",
         "[a", "~", "x" * 300, "zabooz", "jules", "headscale", "tailscaled", "nginx", "ufw", "-", "--", "'",
         "\\", "$", "$?", "$HOME", "${x", "$((1+1))", "é", "\t", "\x00", "\x1b[1m"]
OPTIONS = {
    "ip": ["-4", "-6", "-s", "-d", "-o", "-j", "-p", "-br", "-c", "-batch", "-force", "-n", "addr", "address",
           "route", "rule", "link", "neigh", "show", "add", "del", "flush", "get", "replace", "change", "set",
           "up", "down", "dev", "via", "src", "table", "metric", "proto", "scope", "from", "to", "fwmark",
           "lookup", "priority", "pref", "mtu", "type", "blackhole", "unreachable", "prohibit", "throw",
           "onlink", "nexthop", "weight", "lladdr", "nud", "permanent", "help", "-batch -"],
    "ping": ["-c", "-i", "-w", "-W", "-t", "-s", "-I", "-q", "-n", "-f", "-b", "-D", "-O", "-a", "-l", "-p",
             "-M", "do", "dont", "want", "-4", "-6", "-R", "-r"],
    "traceroute": ["-n", "-I", "-T", "-U", "-f", "-m", "-q", "-w", "-p", "-N", "-i", "-s", "-M", "-z",
                   "--max-hops=3", "--icmp", "-V", "--help"],
    "tcpdump": ["-i", "-c", "-n", "-nn", "-e", "-v", "-vv", "-t", "-tttt", "-w", "-r", "any", "host", "port",
                "and", "or", "not", "src", "dst", "net", "icmp", "arp", "udp", "tcp", "(", ")"],
    "iptables": ["-A", "-I", "-D", "-R", "-L", "-S", "-F", "-Z", "-N", "-X", "-P", "-E", "-C", "-t", "-j",
                 "-p", "-s", "-d", "-i", "-o", "-m", "--dport", "--sport", "--ctstate", "--state", "!",
                 "--to-source", "--to-destination", "--set-mark", "--set-xmark", "--mark", "--reject-with",
                 "--log-prefix", "--log-level", "-v", "-n", "--line-numbers", "-x", "ACCEPT", "DROP",
                 "REJECT", "MASQUERADE", "SNAT", "DNAT", "MARK", "CONNMARK", "LOG", "RETURN", "conntrack",
                 "state", "mark", "limit", "--limit", "multiport", "--dports", "comment", "--comment",
                 "NEW,ESTABLISHED", "RELATED", "--restore-mark", "--save-mark", "--to-ports", "REDIRECT"],
    "nft": ["list", "ruleset", "table", "tables", "chain", "flush", "add", "delete", "ip", "inet", "filter",
            "-a", "-n", "-j", "-c", "-f"],
    "conntrack": ["-L", "-D", "-F", "-E", "-C", "-S", "-p", "-s", "-d", "--dport", "--sport", "-n", "-g",
                  "-o", "extended", "-u", "ASSURED", "-f", "ipv4"],
    "sysctl": ["-w", "-a", "-p", "-n", "-e", "-q", "net.ipv4.ip_forward=1", "net.ipv4.ip_forward",
               "net.ipv4.conf.all.rp_filter=2", "net.ipv6.conf.all.forwarding=1", "kernel.nope=1",
               "net.ipv4.ip_default_ttl=0", "net.ipv4.ip_default_ttl=300", "net.ipv4.icmp_ratelimit=-5"],
    "dig": ["+short", "+tries=", "+time=", "+tcp", "+trace", "A", "AAAA", "MX", "TXT", "-x", "-4", "-p"],
    "curl": ["-s", "-S", "-k", "-v", "-I", "-o", "-O", "-w", "-K", "-X", "-H", "-d", "-L", "-m",
             "--connect-timeout", "--max-time", "-4", "--resolve", "-f", "-i", "-u"],
    "sed": ["-i", "-n", "-e", "-E", "-r", "s/a/b/", "s/a/\\9/", "s/\\(a\\)/\\1/g", "1d", "$p", "/x/d",
            "s/[/x/", "s/a/b", "10,20p", "y/ab/cd/", "s|a|b|", "-i.bak"],
    "printf": ["%s", "%d", "%x", "%5.2f", "%b", "%c", "%%", "%999999999s", "%.999999999f", "%.99999999999f",
               "%*d", "%-10s|", "\\x41", "\\x", "\\0101", "\\u00fc", "%q", "%n", "%'d", "%"],
    "echo": ["-e", "-n", "-E", "-ne", "\\x", "\\x41", "\\c", "\\0101", "\\u00fc", "\\U0001F600", "\\e[1m"],
    "seq": ["-s", "-w", "-f", "1", "2", "10", "-1"],
    "sleep": ["1", "0.5", "1d", "inf", "99999999999999999999d", "-1", "1x", "1e3"],
    "tailscale": ["up", "down", "status", "ping", "ip", "netcheck", "set", "--login-server=https://vpn.example.net",
                  "--accept-routes", "--advertise-routes=192.168.0.0/24", "--advertise-exit-node",
                  "--exit-node=", "--json", "-c", "--until-direct=false", "--tsmp", "version", "debug"],
    "headscale": ["users", "nodes", "list", "create", "register", "--user", "--key", "approve-routes",
                  "--identifier", "--routes", "routes", "preauthkeys", "-o", "json", "delete", "expire"],
    "systemctl": ["status", "start", "stop", "restart", "enable", "--now", "disable", "is-active",
                  "reload", "nginx", "tailscaled", "headscale", "nope", "list-units"],
    "openssl": ["s_client", "-connect", "-servername", "x509", "-in", "-noout", "-text", "-dates", "-subject"],
    "grep": ["-v", "-i", "-c", "-E", "-n", "-o", "-q", "-w", "x", "^a", "[", "\\(", "a\\{99999\\}"],
    "awk": ["{print $1}", "-F:", "{print $NF}", "NR==2", "{x=x+1} END{print x}", "{", "BEGIN{while(1){}}"],
    "ufw": ["allow", "deny", "enable", "disable", "--force", "status", "verbose", "numbered", "delete", "reset",
            "22/tcp", "443", "3478/udp", "from", "to", "port", "proto"],
}
PROGRAM_NAMES = sorted(PROGRAMS) + ["cd", "pwd", "exit", "sudo", "nope", "for", "if"]


def _word(program: str) -> st.SearchStrategy[str]:
    """Mostly the program's own words, then numbers and addresses at their limits, rarely noise."""
    pools = [st.sampled_from(NUMBERS)] * 2 + [st.sampled_from(ADDRESSES)] * 2 + [st.sampled_from(NAMES)] + \
        [st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)]
    if program in OPTIONS:
        pools = [st.sampled_from(OPTIONS[program])] * 6 + pools
    return st.one_of(*pools)


@st.composite
def simple_command(draw) -> str:
    program = draw(st.sampled_from(PROGRAM_NAMES))
    args = draw(st.lists(_word(program), max_size=8))
    joined = draw(st.lists(st.sampled_from([""] * 12 + ["=", ":", "/", ","]), min_size=len(args), max_size=len(args)))
    words = []
    for arg, glue in zip(args, joined):
        if glue and words:
            words[-1] = words[-1] + glue + arg
        else:
            words.append(arg)
    quoted = [_quote(w, draw(st.sampled_from(["'", '"'] + [""] * 6))) if w.strip() and w.isprintable() else
              _quote(w, "'") for w in words]
    return " ".join([program, *quoted])


def _quote(word: str, how: str) -> str:
    if how == "'":
        return "'" + word.replace("'", "'\\''") + "'"
    if how == '"':
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`") + '"'
    return word


@st.composite
def command_line(draw) -> str:
    """A shell line around one to three commands."""
    parts = [draw(simple_command())]
    for _ in range(draw(st.integers(0, 2))):
        op = draw(st.sampled_from([" | ", "; ", " && ", " || ", " & ", " > /tmp/x; ", " 2>&1 | "]))
        parts.append(op + draw(simple_command()))
    line = "".join(parts)
    shape = draw(st.sampled_from(["plain"] * 6 + ["subst", "bg", "redir", "for", "junk"]))
    if shape == "subst":
        line = f"echo $({line})"
    elif shape == "bg":
        line += " &"
    elif shape == "redir":
        line += draw(st.sampled_from([" > /tmp/out", " >> /root/r.sh", " < /etc/hosts", " 2> /proc/x",
                                      " &> /", " <<< abc", " >"]))
    elif shape == "for":
        line = f"for i in 1 2 3; do {line}; done"
    elif shape == "junk":
        line += draw(st.sampled_from([" '", ' "', " $(", " `", " \\", " ;;", " |", " &&", " )"]))
    return line


# ----------------------------------------------------------------- lab files
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), st.floats(allow_nan=True),
                     st.sampled_from(["lan", "eth0", "wan", "a", "b", "5", "router", "symmetric", "linux",
                                      "ip addr add 10.0.0.1/24 dev eth0", "ip route add default via 10.0.0.254",
                                      "sysctl -w net.ipv4.ip_forward=1", "203.0.113.1", "soon", ""]),
                     st.text(max_size=6))
_KEYS = ["name", "nodes", "segments", "meta", "states", "limits", "description", "a", "b", "router",
         "interfaces", "startup", "nat", "role", "eth0", "eth1", "lan", "wan", "delay_ms", "prefix", "label",
         "epoch", "road", "records", "nameserver", "ddns", "certificate", "type", "interface", "events",
         "seconds", "output", "ready", 5, True, None]


def lab_data() -> st.SearchStrategy:
    """Lab dicts near the real shape: mostly valid skeletons with broken leaves."""
    values = st.recursive(_SCALARS, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)), max_leaves=10)
    node = st.fixed_dictionaries({}, optional={
        "interfaces": st.one_of(st.dictionaries(st.sampled_from(["eth0", "eth1", "wan", "lo", 5]),
                                                st.sampled_from(["lan", "wan", "x", 5, None]), max_size=2), values),
        "startup": st.one_of(st.lists(st.sampled_from(["ip addr add 10.0.0.1/24 dev eth0", "ip link set eth0 down",
                                                        "ip route add default via 10.0.0.254", "sleep 1",
                                                        "iptables -P FORWARD DROP", "exit 3 &"]), max_size=3),
                             values),
        "nat": st.one_of(st.sampled_from(["eth0", "symmetric", "nope"]), values),
        "role": values})
    return st.fixed_dictionaries({"nodes": st.dictionaries(st.sampled_from(["a", "b", "r", "a b", 5]), node,
                                                           min_size=1, max_size=3)},
                                 optional={"name": st.one_of(st.just("t"), values),
                                           "segments": st.one_of(st.dictionaries(
                                               st.sampled_from(["lan", "wan", 5]),
                                               st.one_of(st.none(), st.fixed_dictionaries({}, optional={
                                                   "delay_ms": st.one_of(st.floats(), st.integers(-5, 10**9),
                                                                         values)})), max_size=2), values),
                                           "meta": values, "states": values, "limits": values})
