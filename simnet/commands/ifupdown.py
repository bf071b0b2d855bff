"""``ifup``/``ifdown`` (ifupdown 0.8 on Debian 12) for the stanzas of /etc/network/interfaces.

``iface eth0 inet dhcp`` runs dhclient the way ifupdown's dhcp method does
(``dhclient -4 -v -i -pf /run/dhclient.eth0.pid -lf /var/lib/dhcp/dhclient.eth0.leases
-I -df /var/lib/dhcp/dhclient6.eth0.leases eth0``, its ``-v`` lines on stderr);
``inet static`` adds the address and the gateway (``onlink``). The state file
/run/network/ifstate.IFACE remembers what is up: a second ``ifup`` says
``ifup: interface eth0 already configured``.
"""
from __future__ import annotations

from simnet.commands.base import Context

__all__ = ["ifup", "ifdown", "stanzas", "boot_dhcp"]

STATE = "/run/network/ifstate"


def stanzas(text: str) -> dict[str, tuple[str, dict[str, list[str]]]]:
    """iface NAME inet METHOD and its option lines: name -> (method, {option: [values]})."""
    found: dict[str, tuple[str, dict[str, list[str]]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        if words[0] == "iface" and len(words) >= 4 and words[2] == "inet":
            current = {}
            found[words[1]] = (words[3], current)
        elif words[0] in ("auto", "allow-hotplug", "source", "mapping", "source-directory", "iface"):
            current = None
        elif current is not None:
            current.setdefault(words[0], []).append(" ".join(words[1:]))
    return found


def boot_dhcp(text: str) -> list[str]:
    """The ``inet dhcp`` interfaces that come up at boot (``auto`` or ``allow-hotplug``)."""
    marked = {w for line in text.splitlines() for w in line.split("#", 1)[0].split()[1:]
              if line.split()[:1] in (["auto"], ["allow-hotplug"])}
    return [name for name, (method, _) in stanzas(text).items() if method == "dhcp" and name in marked]


def _sh(ctx: Context, command: str):
    from simnet.commands.shell import run_line

    return run_line(ctx.node, ctx.lab, command, {})


def _dhclient(ctx: Context, name: str, *extra: str) -> int:
    """ifupdown's dhcp method: dhclient with its own pid and lease files per interface."""
    from simnet.commands.dhclient import run_dhclient

    return run_dhclient(ctx, ["-4", "-v", "-i", "-pf", f"/run/dhclient.{name}.pid", "-lf",
                              f"/var/lib/dhcp/dhclient.{name}.leases", "-I", "-df",
                              f"/var/lib/dhcp/dhclient6.{name}.leases", *extra, name])


def _args(ctx: Context, prog: str) -> list[str] | None:
    names = [a for a in ctx.args if not a.startswith("-")]
    if not names and "-a" not in ctx.args and "--all" not in ctx.args:
        ctx.eprint(f"{prog}: no interface(s) specified")
        return None
    if not names:
        text = ctx.node.files.get("/etc/network/interfaces", "")
        names = [w for line in text.splitlines() if line.split()[:1] == ["auto"] for w in line.split()[1:]]
    return names


def _state(ctx: Context) -> dict[str, str]:
    lines = ctx.node.files.get(STATE, "").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _save(ctx: Context, state: dict[str, str]) -> None:
    files = ctx.node.files
    files[STATE] = "".join(f"{k}={v}\n" for k, v in state.items())
    for name in list(files):
        if name.startswith(STATE + ".") and name[len(STATE) + 1:] not in state:
            del files[name]
    for k in state:
        files[f"{STATE}.{k}"] = f"{k}\n"


def ifup(ctx: Context) -> int:
    names = _args(ctx, "ifup")
    if names is None:
        return 1
    conf = stanzas(ctx.node.files.get("/etc/network/interfaces", ""))
    state = _state(ctx)
    status = 0
    for name in names:
        if name in state:
            ctx.eprint(f"ifup: interface {name} already configured")
            continue
        if name not in conf:
            ctx.eprint(f"ifup: unknown interface {name}")
            status = 1
            continue
        method, opts = conf[name]
        if name not in ctx.node.interfaces:
            ctx.eprint(f'Cannot find device "{name}"\nifup: failed to bring up {name}')
            status = 1
            continue
        if method == "loopback":
            _sh(ctx, f"ip link set dev {name} up")
        elif method == "static":
            _sh(ctx, f"ip link set dev {name} up")
            for addr in opts.get("address", []):
                res = _sh(ctx, f"ip addr add {addr} broadcast + dev {name} label {name}")
                if res.returncode:
                    ctx.eprint(res.stderr.rstrip("\n") + f"\nifup: failed to bring up {name}")
                    return 1
            for gw in opts.get("gateway", [])[:1]:
                _sh(ctx, f"ip route add default via {gw} dev {name} onlink")
        elif method == "dhcp":
            ctx.node.link_set(name, True)
            _dhclient(ctx, name)
        else:
            ctx.eprint(f"ifup: method {method} not supported here")
            status = 1
            continue
        for line in opts.get("up", []) + opts.get("post-up", []):
            _sh(ctx, line)
        state[name] = name
        _save(ctx, state)
    return status


def ifdown(ctx: Context) -> int:
    names = _args(ctx, "ifdown")
    if names is None:
        return 1
    conf = stanzas(ctx.node.files.get("/etc/network/interfaces", ""))
    state = _state(ctx)
    for name in names:
        if name not in state:
            ctx.eprint(f"ifdown: interface {name} not configured")
            continue
        method, opts = conf.get(name, ("static", {}))
        if method == "dhcp":
            _dhclient(ctx, name, "-r")
        elif method == "static":
            _sh(ctx, f"ip -4 addr flush dev {name}")
        if name in ctx.node.interfaces and method != "loopback":
            _sh(ctx, f"ip link set dev {name} down")
        del state[name]
        _save(ctx, state)
    return 0
