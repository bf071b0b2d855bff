"""The usage text tailscale v1.90 prints for a subcommand (cmd/tailscale/cli/cli.go, usageFuncOpt).

Every subcommand's FlagSet is made with flag.ExitOnError and ffcli sets its Usage to print this
text: ``tailscale up -h`` prints it and exits 0, a flag the command does not know
(``flag provided but not defined: -x``) prints the error line, then this text, and exits 2.
Layout: ShortHelp, ``USAGE`` with the ShortUsage, LongHelp, and ``FLAGS`` in lexical order, each
as ``--name, --name=false`` (bool) or ``--name type``, the usage on the next line behind a tab
that text/tabwriter turns into six spaces, and ``(default X)`` whenever the default is not empty.
The flags are those of the Linux build (hidden ones left out); texts copied from v1.90.9.
"""
from __future__ import annotations

__all__ = ["usage", "COMMANDS"]

# (name, Go type, usage, default as flag.DefValue)
Flag = tuple[str, str, str, str]

_RISK = ("accept-risk", "string", "accept risk and skip confirmation for risk types: lose-ssh,mac-app-connector,"
                                  "linux-strict-rp-filter,all", "")
_UP_LONG = '''"tailscale up" connects this machine to your Tailscale network,
triggering authentication if necessary.

With no flags, "tailscale up" brings the network online without
changing any settings. (That is, it's the opposite of "tailscale
down").

If flags are specified, the flags must be the complete set of desired
settings. An error is returned if any setting would be changed as a
result of an unspecified flag's default value, unless the --reset flag
is also used. (The flags --auth-key, --force-reauth, and --qr are not
considered settings that need to be re-specified when modifying
settings.)'''
_UP: tuple[Flag, ...] = (
    ("qr", "bool", "show QR code for login URLs", "false"),
    ("qr-format", "string", "QR code formatting (small or large)", "small"),
    ("auth-key", "string", 'node authorization key; if it begins with "file:", then it\'s a path to a file containing '
                           'the authkey', ""),
    ("client-id", "string", "Client ID used to generate authkeys via workload identity federation", ""),
    ("client-secret", "string", 'Client Secret used to generate authkeys via OAuth; if it begins with "file:", then '
                                'it\'s a path to a file containing the secret', ""),
    ("id-token", "string", "ID token from the identity provider to exchange with the control server for workload "
                           'identity federation; if it begins with "file:", then it\'s a path to a file containing the '
                           "token", ""),
    ("login-server", "string", "base URL of control server", "https://controlplane.tailscale.com"),
    ("accept-routes", "bool", "accept routes advertised by other Tailscale nodes", "false"),
    ("accept-dns", "bool", "accept DNS configuration from the admin panel", "true"),
    ("exit-node", "string", "Tailscale exit node (IP, base name, or auto:any) for internet traffic, or empty string to "
                            "not use an exit node", ""),
    ("exit-node-allow-lan-access", "bool", "Allow direct access to the local network when routing traffic via an exit "
                                           "node", "false"),
    ("shields-up", "bool", "don't allow incoming connections", "false"),
    ("ssh", "bool", "run an SSH server, permitting access per tailnet admin's declared policy", "false"),
    ("advertise-tags", "string", 'comma-separated ACL tags to request; each must start with "tag:" (e.g. '
                                 '"tag:eng,tag:montreal,tag:ssh")', ""),
    ("hostname", "string", "hostname to use instead of the one provided by the OS", ""),
    ("advertise-routes", "string", 'routes to advertise to other nodes (comma-separated, e.g. '
                                   '"10.0.0.0/8,192.168.0.0/24") or empty string to not advertise routes', ""),
    ("advertise-connector", "bool", "advertise this node as an app connector", "false"),
    ("advertise-exit-node", "bool", "offer to be an exit node for internet traffic for the tailnet", "false"),
    ("operator", "string", "Unix username to allow to operate on tailscaled without sudo", ""),
    ("snat-subnet-routes", "bool", "source NAT traffic to local routes advertised with --advertise-routes", "true"),
    ("stateful-filtering", "bool", "apply stateful filtering to forwarded packets (subnet routers, exit nodes, etc.)",
     "false"),
    ("netfilter-mode", "string", "netfilter mode (one of on, nodivert, off)", "on"),
    ("timeout", "duration", "maximum amount of time to wait for tailscaled to enter a Running state; default (0s) "
                            "blocks forever", "0s"),
    ("json", "bool", "output in JSON format (WARNING: format subject to change)", "false"),
    ("reset", "bool", "reset unspecified settings to their default values", "false"),
    ("force-reauth", "bool", "force reauthentication (WARNING: this will bring down the Tailscale connection and thus "
                             "should not be done remotely over SSH or RDP)", "false"),
    _RISK,
)
_STATUS_LONG = '''JSON FORMAT

Warning: this format has changed between releases and might change more
in the future.

For a description of the fields, see the "type Status" declaration at:

https://github.com/tailscale/tailscale/blob/main/ipn/ipnstate/ipnstate.go

(and be sure to select branch/tag that corresponds to the version
 of Tailscale you're running)'''
_PING_LONG = '''The 'tailscale ping' command pings a peer node from the Tailscale layer
and reports which route it took for each response. The first ping or
so will likely go over DERP (Tailscale's TCP relay protocol) while NAT
traversal finds a direct path through.

If 'tailscale ping' works but a normal ping does not, that means one
side's operating system firewall is blocking packets; 'tailscale ping'
does not inject packets into either side's TUN devices.

By default, 'tailscale ping' stops after 10 pings or once a direct
(non-DERP) path has been established, whichever comes first.

The provided hostname must resolve to or be a Tailscale IP
(e.g. 100.x.y.z) or a subnet IP advertised by a Tailscale
relay node.'''

# subcommand -> (ShortUsage, ShortHelp, LongHelp, flags)
COMMANDS: dict[str, tuple[str, str, str, tuple[Flag, ...]]] = {
    "up": ("tailscale up [flags]", "Connect to Tailscale, logging in if needed", _UP_LONG, _UP),
    "down": ("tailscale down", "Disconnect from Tailscale", "",
             (("reason", "string", "reason for the disconnect, if required by a policy", ""), _RISK)),
    "logout": ("tailscale logout", "Disconnect from Tailscale and expire current node key",
               '"tailscale logout" brings the network down and invalidates\nthe current node key, forcing a future '
               "use of it to cause\na reauthentication.",
               (("reason", "string", "reason for the logout, if required by a policy", ""),)),
    "status": ("tailscale status [--active] [--web] [--json]", "Show state of tailscaled and its connections",
               _STATUS_LONG, (
                   ("json", "bool", "output in JSON format (WARNING: format subject to change)", "false"),
                   ("web", "bool", "run webserver with HTML showing status", "false"),
                   ("active", "bool", "filter output to only peers with active sessions (not applicable to web mode)",
                    "false"),
                   ("self", "bool", "show status of local machine", "true"),
                   ("peers", "bool", "show status of peers", "true"),
                   ("listen", "string", "listen address for web mode; use port 0 for automatic", "127.0.0.1:8384"),
                   ("browser", "bool", "Open a browser in web mode", "true"),
                   ("header", "bool", "show column headers in table format", "false"))),
    "ip": ("tailscale ip [-1] [-4] [-6] [peer hostname or ip address]", "Show Tailscale IP addresses",
           "Show Tailscale IP addresses for peer. Peer defaults to the current machine.", (
               ("1", "bool", "only print one IP address", "false"), ("4", "bool", "only print IPv4 address", "false"),
               ("6", "bool", "only print IPv6 address", "false"))),
    "ping": ("tailscale ping <hostname-or-IP>", "Ping a host at the Tailscale layer, see how it routed", _PING_LONG, (
        ("verbose", "bool", "verbose output", "false"),
        ("until-direct", "bool", "stop once a direct path is established", "true"),
        ("tsmp", "bool", "do a TSMP-level ping (through WireGuard, but not either host OS stack)", "false"),
        ("icmp", "bool", "do a ICMP-level ping (through WireGuard, but not the local host OS stack)", "false"),
        ("peerapi", "bool", "try hitting the peer's peerapi HTTP server", "false"),
        ("c", "int", "max number of pings to send. 0 for infinity.", "10"),
        ("timeout", "duration", "timeout before giving up on a ping", "5s"),
        ("size", "int", "size of the ping message (disco pings only). 0 for minimum size.", "0"))),
    "netcheck": ("tailscale netcheck", "Print an analysis of local network conditions", "", (
        ("format", "string", 'output format; empty (for human-readable), "json" or "json-line"', ""),
        ("every", "duration", "if non-zero, do an incremental report with the given frequency", "0s"),
        ("verbose", "bool", "verbose logs", "false"))),
    "version": ("tailscale version [flags]", "Print Tailscale version", "", (
        ("daemon", "bool", "also print local node's daemon version", "false"),
        ("json", "bool", "output in JSON format", "false"),
        ("upstream", "bool", "fetch and print the latest upstream release version from pkgs.tailscale.com",
         "false"))),
}
_SHARED = {f[0]: f for f in _UP}        # "tailscale set" defines these with up's texts
_SET: tuple[Flag, ...] = (
    ("nickname", "string", "nickname for the current account", ""),
    *(_SHARED[n] for n in ("accept-routes", "accept-dns", "exit-node", "exit-node-allow-lan-access", "shields-up",
                           "ssh", "hostname", "advertise-routes", "advertise-exit-node", "operator",
                           "snat-subnet-routes", "stateful-filtering", "netfilter-mode")),
    ("advertise-connector", "bool", "offer to be an app connector for domain specific internet traffic for the tailnet",
     "false"),
    ("update-check", "bool", "notify about available Tailscale updates", "true"),
    ("auto-update", "bool", "automatically update to the latest available version", "false"),
    ("report-posture", "bool", "allow management plane to gather device posture information", "false"),
    ("webclient", "bool", "expose the web interface for managing this node over Tailscale at port 5252", "false"),
    ("relay-server-port", "string", "UDP port number (0 will pick a random unused port) for the relay server to bind "
                                    "to, on all interfaces, or empty string to disable relay server functionality", ""),
    _RISK,
)
COMMANDS["set"] = ("tailscale set [flags]", "Change specified preferences",
                   '"tailscale set" allows changing specific preferences.\n\nUnlike "tailscale up", this command does '
                   'not require the complete set of desired settings.\n\nOnly settings explicitly mentioned will be set. '
                   "There are no default values.", _SET)
NO_DEFAULTS = {"set"}           # UsageFunc: usageFuncNoDefaultValues
_TYPE_NAME = {"string": "string", "duration": "duration", "int": "int", "uint": "uint", "float64": "float"}


def usage(sub: str) -> str | None:
    """usageFunc's text for ``tailscale SUB`` (trimmed, as ffcli prints it with Println), or None."""
    if sub not in COMMANDS:
        return None
    short_usage, short_help, long_help, flags = COMMANDS[sub]
    parts = [short_help, "", "USAGE", f"  {short_usage}", ""]
    if long_help:
        parts += [long_help, ""]
    if flags:
        parts.append("FLAGS")
        for name, kind, text, default in sorted(flags):
            parts.append(f"  --{name}, --{name}=false" if kind == "bool" else f"  --{name} {_TYPE_NAME[kind]}")
            shown = default and sub not in NO_DEFAULTS
            parts.append("      " + text.replace("\n", "\n      ") + (f" (default {default})" if shown else ""))
    return "\n".join(parts).strip()
