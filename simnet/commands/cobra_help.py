"""The help text cobra prints for headscale's command groups (v0.27.1).

``headscale nodes`` (or ``headscale nodes --help``, or a subcommand cobra does
not know below a group) has no Run function, so cobra prints the group's help
to stdout and exits 0. The layout follows cobra's default help and usage
templates; the flag lines follow pflag's FlagUsages alignment. Names, short
texts and aliases are those of cmd/headscale/cli at v0.27.1.
"""
from __future__ import annotations

__all__ = ["GROUP_HELP", "group_help"]

# group -> (Use, Short, aliases, {subcommand: Short})
GROUP_HELP: dict[str, tuple[str, str, tuple[str, ...], dict[str, str]]] = {
    "nodes": ("nodes", "Manage the nodes of Headscale", ("node", "machine", "machines"), {
        "approve-routes": "Manage the approved routes of a node",
        "backfillips": "Backfill IPs missing from nodes",
        "delete": "Delete a node",
        "expire": "Expire (log out) a node in your network",
        "list": "List nodes",
        "list-routes": "List routes available on nodes",
        "move": "Move node to another user",
        "register": "Registers a node to your network",
        "rename": "Renames a node in your network",
        "tag": "Manage the tags of a node",
    }),
    "users": ("users", "Manage the users of Headscale", ("user", "namespace", "namespaces", "ns"), {
        "create": "Creates a new user",
        "destroy": "Destroys a user",
        "list": "List all the users",
        "rename": "Renames a user",
    }),
    "keys": ("preauthkeys", "Handle the preauthkeys in Headscale", ("preauthkey", "authkey", "pre"), {
        "create": "Creates a new preauthkey in the specified user",
        "expire": "Expire a preauthkey",
        "list": "List the preauthkeys for this user",
    }),
    "policy": ("policy", "Manage the Headscale ACL Policy", (), {
        "check": "Check the Policy file for errors",
        "get": "Print the current ACL Policy",
        "set": "Updates the ACL Policy",
    }),
}

GLOBAL_FLAGS = (
    ("c", "config", "string", "config file (default is /etc/headscale/config.yaml)"),
    ("", "force", "", "Disable prompts and forces the execution"),
    ("o", "output", "string", "Output format. Empty for human-readable, 'json', 'json-line' or 'yaml'"),
)
MIN_NAME_PADDING = 11      # cobra's minNamePadding


def _flag_usages(flags: tuple[tuple[str, str, str, str], ...]) -> str:
    """pflag.FlagSet.FlagUsages: names, a NUL where the alignment goes, then the usage."""
    lines = []
    maxlen = 0
    for short, name, varname, usage in flags:
        line = f"  -{short}, --{name}" if short else f"      --{name}"
        if varname:
            line += " " + varname
        line += "\x00"
        maxlen = max(maxlen, len(line))
        lines.append(line + usage)
    out = []
    for line in lines:
        sidx = line.index("\x00")
        out.append(f"{line[:sidx]} {' ' * (maxlen - sidx)} {line[sidx + 1:]}")
    return "\n".join(out)


# persistent flags a group defines itself (shown under "Flags:"; hidden ones left out)
GROUP_FLAGS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "keys": (("u", "user", "uint", "User identifier (ID)"),),
}


def group_help(group: str) -> str:
    """cobra's help for ``headscale GROUP`` (a command with subcommands and no Run)."""
    use, short, aliases, subs = GROUP_HELP[group]
    pad = max(MIN_NAME_PADDING, max(len(name) for name in subs))
    parts = [short, "", "Usage:", f"  headscale {use} [command]"]
    if aliases:
        parts += ["", "Aliases:", "  " + ", ".join((use,) + aliases)]
    parts += ["", "Available Commands:"]
    parts += [f"  {name.ljust(pad)} {text}" for name, text in sorted(subs.items())]
    local = sorted((("h", "help", "", f"help for {use}"),) + GROUP_FLAGS.get(group, ()), key=lambda f: f[1])
    parts += ["", "Flags:", _flag_usages(tuple(local)),
              "", "Global Flags:", _flag_usages(GLOBAL_FLAGS),
              "", f'Use "headscale {use} [command] --help" for more information about a command.']
    return "\n".join(parts) + "\n"
