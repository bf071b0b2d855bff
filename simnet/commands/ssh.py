"""ssh (OpenSSH 9.2p1, Debian 12): log in to another lab node or run one command there.

The connection is real as far as the network goes: name lookup, then a TCP
handshake to port 22 through every kernel on the way (routes, NAT, ufw,
the tailnet). Whoever answers on that port decides where the session
lands, so a DNAT or a wrong address is visible. Errors and exit code 255
are the real client's.

The host key is checked as OpenSSH does (simnet.commands.ssh_hostkey): the
first connection to a name asks, ``~/.ssh/known_hosts`` remembers it.
Simplifications: the user's key is authorised (sshd accepts ``root`` and the users the lab file names),
and the command's output does not travel back as packets. Without a command
an interactive terminal (``simnet shell``) switches to the remote node;
elsewhere ssh has no terminal and, like the real one, runs its stdin.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simnet.core.errors import CommandError
from simnet.commands.base import Context

if TYPE_CHECKING:
    from ipaddress import IPv4Address

__all__ = ["main", "motd", "prompt", "run_remote", "kernel_of"]

USAGE = """usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]
           [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]
           [-E log_file] [-e escape_char] [-F configfile] [-I pkcs11]
           [-i identity_file] [-J [user@]host[:port]] [-L address]
           [-l login_name] [-m mac_spec] [-O ctl_cmd] [-o option] [-p port]
           [-Q query_option] [-R address] [-S ctl_path] [-W host:port]
           [-w local_tun[:remote_tun]] destination [command [argument ...]]"""
VERSION = "OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.15 3 Sep 2024"
WITH_ARG = set("BbcDEeFIiJLlmOopQRSWw")
FLAGS = set("46AaCfGgKkMNnqsTtVvXxYy")
NO_TTY = "Pseudo-terminal will not be allocated because stdin is not a terminal."
ERRNO = {"refused": "Connection refused", "timeout": "Connection timed out",
         "netunreach": "Network is unreachable", "unreachable": "Network is unreachable",
         "hostunreach": "No route to host"}


class _Usage(CommandError):
    pass


def _parse(args: list[str]) -> tuple[dict[str, Any], str, list[str]]:
    opts: dict[str, Any] = {"o": []}
    k = 0
    while k < len(args):
        a = args[k]
        if a == "--":
            k += 1
            break
        if not a.startswith("-") or a == "-":
            break
        letters = a[1:]
        for i, ch in enumerate(letters):
            if ch in FLAGS:
                opts[ch] = True
                continue
            if ch in WITH_ARG:
                value = letters[i + 1:]
                if not value:
                    k += 1
                    if k >= len(args):
                        raise _Usage(f"option requires an argument -- {ch}")
                    value = args[k]
                if ch == "o":
                    opts["o"].append(value)
                else:
                    opts[ch] = value
                break
            raise _Usage(f"unknown option -- {ch}")
        k += 1
    if k >= len(args):
        raise _Usage("")
    return opts, args[k], args[k + 1:]


def _options(opts: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in opts["o"]:
        key, sep, value = text.partition("=")
        if not sep:
            key, _, value = text.partition(" ")
        out[key.strip().lower()] = value.strip()
    return out


def main(ctx: Context) -> int:
    if "-V" in ctx.args:
        ctx.eprint(VERSION)
        return 0
    try:
        opts, dest, command = _parse(ctx.args)
    except _Usage as exc:
        if str(exc):
            ctx.eprint(f"ssh: {exc}")
        ctx.eprint(USAGE)
        return 255
    extra = _options(opts)
    user, _, host = dest.rpartition("@")
    user = user or opts.get("l") or extra.get("user") or "root"
    port_text = str(opts.get("p") or extra.get("port") or "22")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        ctx.eprint(f"Bad port '{port_text}'")
        return 255
    port = int(port_text)
    addr = _resolve(ctx, host)
    if addr is None:
        return 255
    timeout = extra.get("connecttimeout", "")
    connect_timeout = float(timeout) if timeout.isdigit() and int(timeout) > 0 else 127.0
    from simnet.services.transport import kernel_request
    from simnet.services.wire import SshBanner, SshHello

    hello = SshHello(user)
    out = kernel_request(ctx.node, addr, port, hello, hello.length, f"ssh {user}@{host} (TCP {addr}:{port})",
                         connect_timeout=connect_timeout, process="ssh")
    ctx.journeys.extend(out.journeys)
    if out.status in ERRNO:
        ctx.eprint(f"ssh: connect to host {host} port {port}: {ERRNO[out.status]}")
        return 255
    banner = out.response
    if out.status == "closed" or not isinstance(banner, SshBanner):
        ctx.eprint("kex_exchange_identification: read: Connection reset by peer")
        ctx.eprint(f"Connection reset by {addr} port {port}")
        return 255
    _delivered(out)
    from simnet.commands.ssh_hostkey import check_host_key

    batch = extra.get("batchmode", "no").lower() in ("yes", "true")
    if not check_host_key(ctx, host, addr, port, banner.node, extra, batch):
        return 255
    if not banner.accepted:
        ctx.eprint(f"{user}@{host}: Permission denied (publickey).")
        return 255
    remote = ctx.lab.nodes[banner.node]
    if command:
        return _remote(ctx, remote, user, " ".join(command))
    terminal = ctx.lab.terminal
    if terminal is not None and not opts.get("T"):
        ctx.print(motd(remote), end="")
        terminal.login(remote.name, user, host)
        return 0
    ctx.eprint(NO_TTY)
    if ctx.stdin.strip():
        return _remote(ctx, remote, user, ctx.stdin)
    return 0


def _delivered(out: Any) -> None:
    from simnet.trace import Disposition

    if out.answer_journey is not None and out.answer_journey.disposition is None:
        out.answer_journey.finish(Disposition.DELIVERED, out.answer_journey.hops[-1][0]
                                  if out.answer_journey.hops else None)


def _remote(ctx: Context, remote: Any, user: str, script: str) -> int:
    """Run ``script`` in the remote user's shell; its output comes back to this terminal."""
    home = "/root" if user == "root" else f"/home/{user}"
    return run_remote(ctx, remote, script, {"USER": user, "HOME": home, "PWD": home, "HOSTNAME": remote.hostname})


def run_remote(ctx: Context, node: Any, script: str, env: dict[str, str]) -> int:
    """Run ``script`` line by line in a shell on ``node`` (ssh, pct exec/enter); output goes to ``ctx``."""
    from simnet.commands.shell import run_lines

    return run_lines(ctx, node, [line for line in script.splitlines() if line.strip()], env)


def _resolve(ctx: Context, host: str) -> "IPv4Address | None":
    """getaddrinfo as ssh calls it, with ssh's wording for the two ways it fails."""
    from simnet.commands.resolve import resolve_host
    from simnet.services.dns import lookup, lookup_search
    from simnet.services.road import road_of

    addr = resolve_host(ctx.node, host, dns=False)
    if addr is not None:
        return addr
    if "." not in host:                 # a short name: whatever else getaddrinfo knows (MagicDNS, search list)
        addr = resolve_host(ctx.node, host)
        if addr is not None:
            return addr
    if road_of(ctx.lab) is not None:
        found = lookup_search(ctx.node, host)       # the search list completes short names
        look = found[0] if found is not None else lookup(ctx.node, host)
        ctx.journeys.extend(look.journeys)
        if look.ok:
            return look.addresses[0]
        if look.status != "NXDOMAIN":
            ctx.eprint(f"ssh: Could not resolve hostname {host}: Temporary failure in name resolution")
            return None
    ctx.eprint(f"ssh: Could not resolve hostname {host}: Name or service not known")
    return None


def kernel_of(node: Any) -> str:
    """uname -r -v as the node's login banner shows it (an LXC container shares Proxmox' kernel)."""
    if node.role in ("hypervisor", "container"):
        return "6.8.12-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z)"
    return "6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)"


def motd(node: Any) -> str:
    """What Debian 12 prints after an interactive login (uname line and /etc/motd)."""
    return (f"Linux {node.hostname} {kernel_of(node)} x86_64\n\n"
            "The programs included with the Debian GNU/Linux system are free software;\n"
            "the exact distribution terms for each program are described in the\n"
            "individual files in /usr/share/doc/*/copyright.\n\n"
            "Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent\n"
            "permitted by applicable law.\n")


def prompt(user: str, hostname: str) -> str:
    """bash's default prompt on Debian: ``#`` for root, ``$`` for everyone else."""
    return f"{user}@{hostname}:~{'#' if user == 'root' else '$'} "
