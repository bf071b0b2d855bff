"""headscale v0.27.1 CLI: users, preauthkeys, nodes, policy, configtest, version.

Cobra-style flags; human output is pterm tables (`` | `` separators, every
cell padded); errors go to stderr with exit 1, worded as cmd/headscale/cli does.
"""
from __future__ import annotations

import json
import posixpath
import re
from datetime import datetime, timezone
from typing import Any

from simnet.core.errors import CommandError
from simnet.commands.cobra_help import GROUP_HELP, command_help, command_of, command_usage, group_help
from simnet.commands.godur import parse_go_duration
from simnet.commands.goflag import GoFlagError, GoHelp, pflags

from simnet.commands.base import Context
from simnet.services.journal import go_time
from simnet.tailnet.hsconfig import CONFIG_PATH, CONFIGTEST_FATAL, ROOT_FATAL, check
from simnet.tailnet.control import Headscale, HeadscaleError, short_key
from simnet.tailnet.policy import PolicyError, parse_policy

__all__ = ["main", "pterm_table"]

GROUPS = {"users": "users", "user": "users", "namespace": "users", "namespaces": "users", "ns": "users",
          "preauthkeys": "keys", "preauthkey": "keys", "authkey": "keys", "pre": "keys",
          "nodes": "nodes", "node": "nodes", "machine": "nodes", "machines": "nodes",
          "policy": "policy", "configtest": "configtest", "version": "version"}
# flag name -> (short, kind)
FLAGS = {"output": ("o", "str"), "force": ("", "bool"), "config": ("c", "str"), "user": ("u", "str"),
         "key": ("k", "str"), "identifier": ("i", "str"), "routes": ("r", "str"), "name": ("n", "str"),
         "new-name": ("r", "str"), "reusable": ("", "bool"), "ephemeral": ("", "bool"),
         "expiration": ("e", "str"), "tags": ("t", "str"), "file": ("f", "str"), "email": ("e", "str"),
         "display-name": ("d", "str"), "expiry": ("e", "str"), "namespace": ("n", "str"),
         "picture-url": ("p", "str")}


class CliError(CommandError):
    pass


class FlagFailure(CliError):
    """cobra's execute() refused the flags (pflag's parse error, a required flag missing): cobra
    prints the error and the command's usage, headscale's Execute the error once more; exit 1."""


def pterm_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join(" | ".join(c.ljust(w) for c, w in zip(r, widths)) + "\n" for r in rows)


def _ts(hs: Headscale, t: float | None) -> str:
    if t is None:
        return ""
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _parse(args: list[str], allowed: set[str]) -> tuple[dict[str, Any], list[str]]:
    """pflag parsing of one command's flags (plus the persistent --output, --force, --config)."""
    names = allowed | {"output", "force", "config"}
    try:
        return pflags(args, {n: FLAGS[n] for n in FLAGS if n in names})
    except GoHelp:
        raise CliError("help") from None          # cobra's own -h/--help flag
    except GoFlagError as exc:
        raise FlagFailure(str(exc)) from None


def _uint(flags: dict[str, Any], name: str, default: int = 0) -> int:
    v = flags.get(name)
    if v is None:
        return default
    if not re.fullmatch(r"\d+", str(v)):
        short = FLAGS[name][0]
        raise FlagFailure(f'invalid argument "{v}" for "-{short}, --{name}" flag: strconv.ParseUint: '
                          f'parsing "{v}": invalid syntax')
    return int(v)


def _required(flags: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if n not in flags]
    if missing:
        raise FlagFailure("required flag(s) " + ", ".join(f'"{m}"' for m in missing) + " not set")


def _duration(text: str) -> float:
    seconds = parse_go_duration(text)
    if seconds is None:
        raise HeadscaleError(f'time: invalid duration "{text}"')
    return seconds


def main(ctx: Context) -> int:
    node = ctx.node
    args = ctx.args
    if not args or args[0] in ("-h", "--help", "help"):
        ctx.print("headscale is an open source implementation of the Tailscale control server\n\n"
                  "https://github.com/juanfont/headscale")
        return 0
    group = GROUPS.get(args[0])
    if group is None:
        ctx.eprint(f'Error: unknown command "{args[0]}" for "headscale"\nRun \'headscale --help\' for usage.')
        return 1
    if group == "version":
        ctx.print("v0.27.1")
        return 0
    if group in GROUP_HELP and (len(args) == 1 or args[1] in ("-h", "--help", "help")):
        ctx.print(group_help(group), end="")       # a group has no Run: cobra shows its help
        return 0
    command = command_of(group, args[1]) if group in GROUP_HELP else None
    flags = args[2:args.index("--")] if "--" in args else args[2:]
    if command is not None and any(a in ("-h", "--help") for a in flags):
        ctx.print(command_help(group, command), end="")     # cobra's help flag, before any Run
        return 0
    hs = node.services.get("headscale")
    # every command but version reads config.yaml first (cobra.OnInitialize) and dies on a broken file
    _, problem, _ = check(node.files.get(CONFIG_PATH))
    if problem is not None and problem.caller == ROOT_FATAL:
        ctx.eprint(problem.line(go_time(ctx.lab), _caller_root(ctx)))
        return 1
    if group == "configtest":
        return _configtest(ctx)
    if not isinstance(hs, Headscale) or not hs.running:
        if hs is not None:
            ctx.sim.run(until=ctx.sim.now + 5.0)      # cli.timeout: the gRPC dial waits five seconds
        ctx.eprint(f"{go_time(ctx.lab)} FTL {_caller_root(ctx)}cmd/headscale/cli/utils.go:124 > Could not "
                   "connect: context deadline exceeded error=\"context deadline exceeded\"")
        return 1
    sub = args[1] if len(args) > 1 else ""
    rest = args[2:]
    try:
        return {"users": _users, "keys": _keys, "nodes": _nodes, "policy": _policy}[group](ctx, hs, sub, rest)
    except CliError as exc:
        if group in GROUP_HELP and (str(exc) in ("missing subcommand", "help") or str(exc).startswith("unknown command")):
            # below the root cobra does not check subcommand names: the group's help lists its
            # commands and flags
            ctx.print(group_help(group), end="")
            return 0
        ctx.eprint(f"Error: {exc}")
        if isinstance(exc, FlagFailure) and command is not None:
            ctx.eprint(command_usage(group, command))      # cobra's c.Println(cmd.UsageString())
            ctx.eprint(str(exc))                          # and headscale's main prints the error again
        return 1


def _scanln(stdin: str) -> str:
    """util.YesNo reads with fmt.Scanln: the first word of the first line ("y trailing" says y)."""
    words = stdin.split("\n", 1)[0].split()
    return words[0] if words else ""


def _out(ctx: Context, flags: dict[str, Any], data: Any, human: str) -> int:
    fmt = flags.get("output", "")
    if fmt in ("json", "json-line"):
        ctx.print(json.dumps(data, indent="\t" if fmt == "json" else None))
    else:
        ctx.print(human)
    return 0


def _fail(ctx: Context, flags: dict[str, Any], message: str, err: str | None = None) -> int:
    if flags.get("output") in ("json", "json-line"):
        ctx.eprint(json.dumps({"error": err or message}, indent="\t" if flags["output"] == "json" else None))
    else:
        ctx.eprint(message)
    return 1


# ------------------------------------------------------------------ users
def _user_json(hs: Headscale, u) -> dict[str, Any]:
    return {"id": str(u.id), "name": u.name, "created_at": _ts(hs, u.created), "display_name": u.display_name,
            "email": u.email}


def _users(ctx: Context, hs: Headscale, sub: str, rest: list[str]) -> int:
    if sub in ("create", "c", "new"):
        flags, pos = _parse(rest, {"display-name", "email", "picture-url"})
        if len(pos) != 1:
            raise CliError("missing parameters" if not pos else f"accepts 1 arg(s), received {len(pos)}")
        try:
            u = hs.create_user(pos[0], flags.get("display-name", ""), flags.get("email", ""))
        except HeadscaleError as exc:
            return _fail(ctx, flags, "Cannot create user: " + exc.message, exc.grpc)
        return _out(ctx, flags, _user_json(hs, u), "User created")
    if sub in ("list", "ls", "show"):
        flags, _ = _parse(rest, {"identifier", "name", "email"})
        users = sorted(hs.users.values(), key=lambda u: u.id)
        if "identifier" in flags:
            users = [u for u in users if str(u.id) == flags["identifier"]]
        if "name" in flags:
            users = [u for u in users if u.name == flags["name"]]
        rows = [["ID", "Name", "Username", "Email", "Created"]]
        rows += [[str(u.id), u.display_name, u.name, u.email, _ts(hs, u.created)] for u in users]
        if flags.get("output"):
            return _out(ctx, flags, [_user_json(hs, u) for u in users], "")
        ctx.out.append(pterm_table(rows))
        return 0
    if sub in ("destroy", "delete", "rename", "mv"):
        flags, _ = _parse(rest, {"identifier", "name", "new-name"})
        uid = _uint(flags, "identifier", 0) if "identifier" in flags else None
        matches = [u for u in hs.users.values()
                   if (uid is None or u.id == uid) and ("name" not in flags or u.name == flags["name"])]
        if uid is None and "name" not in flags:
            raise CliError("--name or --identifier flag is required")
        if len(matches) != 1:
            return _fail(ctx, flags, "Error: Unable to determine user to delete, query returned multiple users, use ID"
                         if matches else "Error: user not found")
        user = matches[0]
        try:
            if sub in ("rename", "mv"):
                _required(flags, "new-name")
                hs.rename_user(user, flags["new-name"])
                return _out(ctx, flags, _user_json(hs, user), "User renamed")
            if not flags.get("force"):
                ctx.eprint(f'Do you want to remove the user "{user.name}" ({user.id}) and any associated '
                           "preauthkeys? [y/n] ", end="")
                if _scanln(ctx.stdin).lower() not in ("y", "yes", "sure"):
                    return _out(ctx, flags, {"Result": "User not destroyed"}, "User not destroyed")
            hs.destroy_user(user)
        except HeadscaleError as exc:
            verb = "rename" if sub in ("rename", "mv") else "destroy"
            return _fail(ctx, flags, f"Cannot {verb} user: " + exc.message, exc.grpc)
        return _out(ctx, flags, {}, "User destroyed")
    raise CliError(f'unknown command "{sub}" for "headscale users"' if sub else "missing subcommand")


# ----------------------------------------------------------- preauthkeys
def _keys(ctx: Context, hs: Headscale, sub: str, rest: list[str]) -> int:
    flags, pos = _parse(rest, {"user", "reusable", "ephemeral", "expiration", "tags", "namespace"})
    if sub not in ("create", "c", "new", "list", "ls", "show", "expire", "revoke", "exp", "e"):
        raise CliError(f'unknown command "{sub}" for "headscale preauthkeys"')
    _required(flags, "user")
    uid = _uint(flags, "user")
    if sub in ("create", "c", "new"):
        try:
            seconds = _duration(flags.get("expiration", "1h"))
        except HeadscaleError as exc:
            return _fail(ctx, flags, f"Could not parse duration: {exc.message}\n")
        try:
            key = hs.create_key(uid, bool(flags.get("reusable")), bool(flags.get("ephemeral")), seconds)
        except HeadscaleError as exc:
            return _fail(ctx, flags, f"Cannot create Pre Auth Key: {exc.grpc}\n", exc.grpc)
        return _out(ctx, flags, {"user": str(uid), "id": str(key.id), "key": key.key}, key.key)
    if sub in ("list", "ls", "show"):
        try:
            hs.user_by_id(uid)
        except HeadscaleError as exc:
            return _fail(ctx, flags, f"Error getting the list of keys: {exc.grpc}", exc.grpc)
        rows = [["ID", "Key", "Reusable", "Ephemeral", "Used", "Expiration", "Created", "Tags"]]
        for k in sorted(hs.keys.values(), key=lambda k: k.id):
            if k.user_id == uid:
                rows.append([str(k.id), k.key, str(k.reusable).lower(), str(k.ephemeral).lower(),
                             str(k.used).lower(), _ts(hs, k.expiration) if k.expiration else "-",
                             _ts(hs, k.created), ",".join(k.tags)])
        ctx.out.append(pterm_table(rows))
        return 0
    if not pos:
        raise CliError("missing parameters")
    for k in hs.keys.values():
        if k.key == pos[0] and k.user_id == uid:
            k.expiration = hs.now
            return _out(ctx, flags, {}, "Key expired")
    return _fail(ctx, flags, "Cannot expire Pre Auth Key: rpc error: code = Unknown desc = AuthKey not found\n")


# ------------------------------------------------------------------ nodes
def _node_json(hs: Headscale, n) -> dict[str, Any]:
    return {"id": str(n.id), "machine_key": "mkey:" + n.machine_key.hex()[:64],
            "node_key": "nodekey:" + n.node_key.hex(), "ip_addresses": [str(n.ipv4), str(n.ipv6)],
            "name": n.hostname, "user": _user_json(hs, hs.user_of(n)), "last_seen": _ts(hs, n.last_seen),
            "created_at": _ts(hs, n.created), "register_method": "REGISTER_METHOD_CLI",
            "given_name": n.given_name, "online": n.online, "approved_routes": n.approved,
            "available_routes": n.announced, "subnet_routes": hs.serving(n)}


def _nodes(ctx: Context, hs: Headscale, sub: str, rest: list[str]) -> int:
    if sub == "register":
        flags, _ = _parse(rest, {"user", "key", "namespace"})
        _required(flags, "user", "key")
        try:
            node = hs.register(flags["key"], flags["user"])
        except HeadscaleError as exc:
            return _fail(ctx, flags, f"Cannot register node: {exc.message}\n", exc.grpc)
        return _out(ctx, flags, _node_json(hs, node), f"Node {node.given_name} registered")
    if sub in ("list", "ls", "show"):
        flags, _ = _parse(rest, {"user", "tags", "namespace"})
        nodes = sorted(hs.nodes.values(), key=lambda n: n.id)
        if flags.get("user"):
            nodes = [n for n in nodes if hs.user_of(n).name == flags["user"]]
        if flags.get("output"):
            return _out(ctx, flags, [_node_json(hs, n) for n in nodes], "")
        rows = [["ID", "Hostname", "Name", "MachineKey", "NodeKey", "User", "IP addresses", "Ephemeral",
                 "Last seen", "Expiration", "Connected", "Expired"]]
        for n in nodes:
            rows.append([str(n.id), n.hostname, n.given_name, short_key(n.machine_key),
                         short_key(n.node_key), hs.user_of(n).name, f"{n.ipv4}, {n.ipv6}",
                         str(n.ephemeral).lower(), _ts(hs, n.last_seen),
                         _ts(hs, n.expiry) if n.expiry is not None else "N/A",
                         "online" if n.online else "offline", "yes" if n.expired(hs.now) else "no"])
        ctx.out.append(pterm_table(rows))
        return 0
    if sub in ("list-routes", "lsr", "routes"):
        flags, _ = _parse(rest, {"identifier"})
        ident = _uint(flags, "identifier")
        nodes = sorted(hs.nodes.values(), key=lambda n: n.id)
        if ident:
            nodes = [n for n in nodes if n.id == ident] or nodes
        nodes = [n for n in nodes if n.announced or n.approved]
        if flags.get("output"):
            return _out(ctx, flags, [_node_json(hs, n) for n in nodes], "")
        rows = [["ID", "Hostname", "Approved", "Available", "Serving (Primary)"]]
        rows += [[str(n.id), n.given_name, ", ".join(n.approved), ", ".join(n.announced),
                  ", ".join(hs.serving(n))] for n in nodes]
        ctx.out.append(pterm_table(rows))
        return 0
    if sub == "approve-routes":
        flags, _ = _parse(rest, {"identifier", "routes"})
        _required(flags, "identifier")
        routes = [r.strip() for r in str(flags.get("routes", "")).split(",") if r.strip()]
        try:
            node = hs.set_approved(_uint(flags, "identifier"), routes)
        except HeadscaleError as exc:
            return _fail(ctx, flags, f"Error while sending routes to headscale: {exc.grpc}", exc.grpc)
        return _out(ctx, flags, _node_json(hs, node), "Node updated")
    if sub in ("delete", "del", "rename", "expire", "logout", "exp", "e", "move", "mv"):
        flags, pos = _parse(rest, {"identifier", "user", "expiry", "namespace"})
        _required(flags, "identifier")
        ident = _uint(flags, "identifier")
        try:
            node = hs.node_by_id(ident)
        except HeadscaleError as exc:
            prefix = {"delete": "Error getting node node: ", "del": "Error getting node node: "}.get(
                sub, "Cannot rename node: " if sub == "rename" else
                "Error moving node: " if sub in ("move", "mv") else "Cannot expire node: ")
            return _fail(ctx, flags, prefix + (exc.message if sub in ("delete", "del") else exc.grpc +
                                               ("\n" if sub != "move" else "")), exc.grpc)
        if sub in ("delete", "del"):
            if not flags.get("force"):
                ctx.eprint(f"Do you want to remove the node {node.given_name}? [y/n] ", end="")
                if _scanln(ctx.stdin).lower() not in ("y", "yes", "sure"):
                    return _out(ctx, flags, {"Result": "Node not deleted"}, "Node not deleted")
            hs.delete_node(node)
            return _out(ctx, flags, {"Result": "Node deleted"}, "Node deleted")
        if sub == "rename":
            if not pos:
                raise CliError("accepts 1 arg(s), received 0")
            hs.rename(node, pos[0])
            hs.changed()
            return _out(ctx, flags, _node_json(hs, node), "Node renamed")
        if sub in ("move", "mv"):
            _required(flags, "user")
            try:
                node.user_id = hs.user_by_id(_uint(flags, "user")).id
            except HeadscaleError as exc:
                return _fail(ctx, flags, f"Error moving node: {exc.grpc}", exc.grpc)
            hs.changed()
            return _out(ctx, flags, _node_json(hs, node), "Node moved to another user")
        node.expiry = hs.now
        hs.changed()
        return _out(ctx, flags, _node_json(hs, node), "Node expired")
    raise CliError(f'unknown command "{sub}" for "headscale nodes"' if sub else "missing subcommand")


# ----------------------------------------------------------------- policy
def _policy(ctx: Context, hs: Headscale, sub: str, rest: list[str]) -> int:
    flags, _ = _parse(rest, {"file"})
    if sub in ("get", "show", "view", "fetch"):
        if hs.policy_error:
            return _fail(ctx, flags, f"Failed loading ACL Policy: {hs.policy_error}")
        ctx.print(hs.policy.text if hs.policy else "")
        return 0
    if sub in ("set", "put", "update", "check"):
        _required(flags, "file")
        path = flags["file"]
        text = ctx.node.files.get(path)
        if text is None:
            return _fail(ctx, flags, f"Error opening the policy file: open {path}: no such file or directory")
        try:
            pol = parse_policy(text, hs)
        except PolicyError as exc:
            return _fail(ctx, flags, f"Error parsing the policy file: {exc}")
        if sub == "check":
            ctx.print("Policy is valid")
            return 0
        if hs.policy_mode != "database":
            return _fail(ctx, flags, "Failed to set ACL Policy: rpc error: code = Unknown desc = "
                         "update is disabled for modes other than 'database'")
        hs.policy = pol
        hs.changed()
        from simnet.services.journal import headscale as log

        # SetPolicy reloads the policy (state.go): a changed policy is logged at info level
        log(ctx.node, "info", "Policy reload completed with changes", policy__changed=True, route__changes=0,
            total__changes=1)
        ctx.print("Policy updated.")
        return 0
    raise CliError(f'unknown command "{sub}" for "headscale policy"' if sub else "missing subcommand")


def _caller_root(ctx: Context) -> str:
    """zerolog prints the caller's build path relative to the working directory."""
    return posixpath.relpath("/home/runner/work/headscale/headscale", ctx.cwd or "/") + "/"


def _configtest(ctx: Context) -> int:
    """``headscale configtest``: build the server from the config like ``serve`` does, then exit."""
    _, problem, warnings = check(ctx.node.files.get(CONFIG_PATH))
    for text in warnings:
        ctx.eprint(f"{go_time(ctx.lab)} WRN {text}")
    if problem is not None:
        ctx.eprint(problem.line(go_time(ctx.lab), _caller_root(ctx), CONFIGTEST_FATAL))
        return 1
    return 0
