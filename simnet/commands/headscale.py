"""headscale v0.27.1 CLI: users, preauthkeys, nodes, policy, configtest, health, generate, version.

Help, usage and flag errors come from the cobra tree (:mod:`simnet.commands.headscale_cli`); human output is pterm tables (`` | `` separators, every
cell padded); errors go to stderr with exit 1, worded as cmd/headscale/cli does.
"""
from __future__ import annotations

import hashlib
import json
import posixpath
from datetime import datetime, timezone
from typing import Any

from simnet.commands import cobra
from simnet.commands.godur import parse_go_duration
from simnet.commands.headscale_cli import build_tree, globals_registered

from simnet.commands.base import Context
from simnet.services.journal import go_time
from simnet.tailnet.hsconfig import CONFIG_PATH, CONFIGTEST_FATAL, ROOT_FATAL, check
from simnet.tailnet.control import Headscale, HeadscaleError, short_key
from simnet.tailnet.policy import PolicyError, parse_policy

__all__ = ["main", "pterm_table"]


def pterm_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join(" | ".join(c.ljust(w) for c, w in zip(r, widths)) + "\n" for r in rows)


def _ts(hs: Headscale, t: float | None) -> str:
    if t is None:
        return ""
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _uint(flags: dict[str, Any], name: str, default: int = 0) -> int:
    """A uint64 flag's value (pflag parsed it already)."""
    return int(flags.get(name, default))


def _duration(text: str) -> float:
    seconds = parse_go_duration(text)
    if seconds is None:
        raise HeadscaleError(f'time: invalid duration "{text}"')
    return seconds


def main(ctx: Context) -> int:
    """cobra's ExecuteC over headscale's tree: help, usage and flag errors from the tree, then the Run."""
    node = ctx.node
    args = ctx.args
    step = cobra.execute(build_tree(args), args)
    if step.stderr:
        ctx.eprint(step.stderr, end="")
    if step.cmd is None:
        ctx.print(step.stdout, end="")
        return step.code
    cmd, flags, pos = step.cmd, step.flags, step.args
    path = cmd.names()
    if path == ("version",):
        ctx.print("v0.27.1")
        return 0
    hs = node.services.get("headscale")
    if globals_registered(args):
        # cobra.OnInitialize(initConfig): every command reads config.yaml first and dies on a broken file
        _, problem, _ = check(node.files.get(CONFIG_PATH))
        if problem is not None and problem.caller == ROOT_FATAL:
            ctx.eprint(problem.line(go_time(ctx.lab), _caller_root(ctx)))
            return 1
    failed = cobra.validate(cmd, flags, pos)
    if failed is not None:
        ctx.eprint(failed.stderr, end="")
        return failed.code
    if path[0] == "completion" or path in (("__complete",), ("dumpConfig",), ("debug", "create-node"),
                                           ("apikeys", cmd.name)) or path[1:] in (("tag",), ("backfillips",)):
        ctx.eprint(f"simnet: „headscale {' '.join(path)}“ wird hier nicht nachgebildet.")
        return 1
    if path == ("configtest",):
        return _configtest(ctx)
    if path == ("mockoidc",):
        # mockOIDC() reads its settings from the environment first
        ctx.eprint(f"{go_time(ctx.lab)} ERR Error running mock OIDC server "
                   'error="MOCKOIDC_CLIENT_ID not defined"')
        return 1
    if path == ("serve",):
        ctx.eprint("simnet: headscale läuft als Dienst – starte ihn mit „systemctl start headscale“.")
        return 1
    if path == ("generate", "private-key"):
        # key.NewMachine().MarshalText(); crypto/rand stands in as a hash of the lab and the clock
        seed = f"{ctx.lab.name}/{node.name}/private-key/{ctx.lab.wallclock()}".encode()
        key = "privkey:" + hashlib.sha256(seed).hexdigest()
        return _out(ctx, flags, {"private_key": key}, key)
    if path == ("policy", "check"):
        return _policy_check(ctx, flags)
    if not isinstance(hs, Headscale) or not hs.running:
        if hs is not None:
            ctx.sim.run(until=ctx.sim.now + 5.0)      # cli.timeout: the gRPC dial waits five seconds
        ctx.eprint(f"{go_time(ctx.lab)} FTL {_caller_root(ctx)}cmd/headscale/cli/utils.go:124 > Could not "
                   "connect: context deadline exceeded error=\"context deadline exceeded\"")
        return 1
    if path == ("health",):
        return _out(ctx, flags, {"database_connectivity": True}, "")
    run = {"users": _users, "preauthkeys": _keys, "nodes": _nodes, "policy": _policy}[path[0]]
    return run(ctx, hs, cmd.name, flags, pos)


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


def _users(ctx: Context, hs: Headscale, sub: str, flags: dict[str, Any], pos: list[str]) -> int:
    if sub in ("create", "c", "new"):
        try:
            u = hs.create_user(pos[0], flags.get("display-name", ""), flags.get("email", ""))
        except HeadscaleError as exc:
            return _fail(ctx, flags, "Cannot create user: " + exc.message, exc.grpc)
        return _out(ctx, flags, _user_json(hs, u), "User created")
    if sub in ("list", "ls", "show"):
        users = sorted(hs.users.values(), key=lambda u: u.id)
        if "identifier" in flags:
            users = [u for u in users if u.id == flags["identifier"]]
        if "name" in flags:
            users = [u for u in users if u.name == flags["name"]]
        rows = [["ID", "Name", "Username", "Email", "Created"]]
        rows += [[str(u.id), u.display_name, u.name, u.email, _ts(hs, u.created)] for u in users]
        if flags.get("output"):
            return _out(ctx, flags, [_user_json(hs, u) for u in users], "")
        ctx.out.append(pterm_table(rows))
        return 0
    if sub in ("destroy", "delete", "rename", "mv"):
        uid = flags["identifier"] if flags.get("identifier", -1) >= 0 else None
        if uid is None and not flags.get("name"):
            # usernameAndIDFromFlag words it for rename, whichever command asked
            return _fail(ctx, {}, "Cannot rename user: --name or --identifier flag is required")
        matches = [u for u in hs.users.values()
                   if (uid is None or u.id == uid) and (not flags.get("name") or u.name == flags["name"])]
        if len(matches) != 1:
            return _fail(ctx, flags, "Error: Unable to determine user to delete, query returned multiple users, use ID"
                         if matches else "Error: user not found")
        user = matches[0]
        try:
            if sub in ("rename", "mv"):
                hs.rename_user(user, flags.get("new-name", ""))
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
    raise AssertionError(sub)         # the tree routes only the commands above here


# ----------------------------------------------------------- preauthkeys
def _keys(ctx: Context, hs: Headscale, sub: str, flags: dict[str, Any], pos: list[str]) -> int:
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


def _nodes(ctx: Context, hs: Headscale, sub: str, flags: dict[str, Any], pos: list[str]) -> int:
    if sub == "register":
        try:
            node = hs.register(flags["key"], flags["user"])
        except HeadscaleError as exc:
            return _fail(ctx, flags, f"Cannot register node: {exc.message}\n", exc.grpc)
        return _out(ctx, flags, _node_json(hs, node), f"Node {node.given_name} registered")
    if sub in ("list", "ls", "show"):
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
        routes = [r.strip() for r in str(flags.get("routes", "")).split(",") if r.strip()]
        try:
            node = hs.set_approved(_uint(flags, "identifier"), routes)
        except HeadscaleError as exc:
            return _fail(ctx, flags, f"Error while sending routes to headscale: {exc.grpc}", exc.grpc)
        return _out(ctx, flags, _node_json(hs, node), "Node updated")
    if sub in ("delete", "del", "rename", "expire", "logout", "exp", "e", "move", "mv"):
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
            hs.rename(node, pos[0] if pos else "")
            hs.changed()
            return _out(ctx, flags, _node_json(hs, node), "Node renamed")
        if sub in ("move", "mv"):
            try:
                node.user_id = hs.user_by_id(_uint(flags, "user")).id
            except HeadscaleError as exc:
                return _fail(ctx, flags, f"Error moving node: {exc.grpc}", exc.grpc)
            hs.changed()
            return _out(ctx, flags, _node_json(hs, node), "Node moved to another user")
        node.expiry = hs.now
        hs.changed()
        return _out(ctx, flags, _node_json(hs, node), "Node expired")
    raise AssertionError(sub)         # the tree routes only the commands above here


# ----------------------------------------------------------------- policy
def _policy(ctx: Context, hs: Headscale, sub: str, flags: dict[str, Any], pos: list[str]) -> int:
    if sub in ("get", "show", "view", "fetch"):
        if hs.policy_error:
            return _fail(ctx, flags, f"Failed loading ACL Policy: {hs.policy_error}")
        ctx.print(hs.policy.text if hs.policy else "")
        return 0
    if sub == "set":
        pol = _read_policy(ctx, flags, hs)
        if pol is None:
            return 1
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
    return 0


def _read_policy(ctx: Context, flags: dict[str, Any], hs: Headscale | None) -> Any:
    """The policy file of --file, parsed as NewPolicyManager does; None after printing the error."""
    path = flags["file"]
    text = ctx.node.files.get(path)
    if text is None:
        _fail(ctx, flags, f"Error opening the policy file: open {path}: no such file or directory")
        return None
    try:
        return parse_policy(text, hs)
    except PolicyError as exc:
        _fail(ctx, flags, f"Error parsing the policy file: {exc}")
        return None


def _policy_check(ctx: Context, flags: dict[str, Any]) -> int:
    """``headscale policy check`` parses the file locally (no server, no users, no config)."""
    if _read_policy(ctx, flags, None) is None:
        return 1
    ctx.print("Policy is valid")
    return 0


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
