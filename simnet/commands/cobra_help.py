"""The help text cobra prints for headscale's command groups (v0.27.1).

``headscale nodes`` (or ``headscale nodes --help``, or a subcommand cobra does
not know below a group) has no Run function, so cobra prints the group's help
to stdout and exits 0. The layout follows cobra's default help and usage
templates; the flag lines follow pflag's FlagUsages alignment. Names, short
texts and aliases are those of cmd/headscale/cli at v0.27.1.
"""
from __future__ import annotations

__all__ = ["GROUP_HELP", "group_help", "COMMANDS", "command_help", "command_of", "command_usage"]

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


def _flag_usages(flags: tuple[tuple[str, ...], ...]) -> str:
    """pflag.FlagSet.FlagUsages: names, a NUL where the alignment goes, then the usage and a
    default that is not the type's zero value (strings quoted)."""
    lines = []
    maxlen = 0
    for short, name, varname, usage, *default in flags:
        line = f"  -{short}, --{name}" if short else f"      --{name}"
        if varname:
            line += " " + varname
        line += "\x00"
        maxlen = max(maxlen, len(line))
        lines.append(line + usage + (f" (default {default[0]})" if default and default[0] else ""))
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


# the runnable commands below the groups: (group, name) -> (Use, Long or Short, aliases, local flags);
# flags as (shorthand, name, pflag type name, usage[, default as pflag prints it]); hidden ones left out
_ID = ("i", "identifier", "uint", "Node identifier (ID)")
_USER_ID = (("i", "identifier", "int", "User identifier (ID)", "-1"), ("n", "name", "string", "Username"))
_BYPASS = ("", "bypass-grpc-and-access-database-directly", "", "Uses the headscale config to directly access the "
           "database, bypassing gRPC and does not require the server to be running")
_FILE = ("f", "file", "string", "Path to a policy file in HuJSON format")
_BACKFILL = """
Backfill IPs can be used to add/remove IPs from nodes
based on the current configuration of Headscale.

If there are nodes that does not have IPv4 or IPv6
even if prefixes for both are configured in the config,
this command can be used to assign IPs of the sort to
all nodes that are missing.

If you remove IPv4 or IPv6 prefixes from the config,
it can be run to remove the IPs that should no longer
be assigned to nodes."""
_SET_POLICY = """
\tUpdates the existing ACL Policy with the provided policy. The policy must be a valid HuJSON object.
\tThis command only works when the acl.policy_mode is set to "db", and the policy will be stored in the database."""
COMMANDS: dict[tuple[str, str], tuple[str, str, tuple[str, ...], tuple[tuple[str, ...], ...]]] = {
    ("nodes", "register"): ("register", "Registers a node to your network", (),
                            (("k", "key", "string", "Key"), ("u", "user", "string", "User"))),
    ("nodes", "list"): ("list", "List nodes", ("ls", "show"),
                        (("t", "tags", "", "Show tags"), ("u", "user", "string", "Filter by user"))),
    ("nodes", "list-routes"): ("list-routes", "List routes available on nodes", ("lsr", "routes"), (_ID,)),
    ("nodes", "expire"): ("expire", "Expiring a node will keep the node in the database and force it to reauthenticate.",
                          ("logout", "exp", "e"),
                          (("e", "expiry", "string", "Set expire to (RFC3339 format, e.g. 2025-08-27T10:00:00Z), or "
                                                     "leave empty to expire immediately."), _ID)),
    ("nodes", "rename"): ("rename NEW_NAME", "Renames a node in your network", (), (_ID,)),
    ("nodes", "delete"): ("delete", "Delete a node", ("del",), (_ID,)),
    ("nodes", "move"): ("move", "Move node to another user", ("mv",), (_ID, ("u", "user", "uint", "New user"))),
    ("nodes", "backfillips"): ("backfillips", _BACKFILL, (), ()),
    ("nodes", "tag"): ("tag", "Manage the tags of a node", ("tags", "t"),
                       (_ID, ("t", "tags", "strings", "List of tags to add to the node"))),
    ("nodes", "approve-routes"): ("approve-routes", "Manage the approved routes of a node", (),
                                  (_ID, ("r", "routes", "strings", 'List of routes that will be approved '
                                         '(comma-separated, e.g. "10.0.0.0/8,192.168.0.0/24" or empty string to '
                                         'remove all approved routes)'))),
    ("users", "create"): ("create NAME", "Creates a new user", ("c", "new"),
                          (("d", "display-name", "string", "Display name"), ("e", "email", "string", "Email"),
                           ("p", "picture-url", "string", "Profile picture URL"))),
    ("users", "list"): ("list", "List all the users", ("ls", "show"), _USER_ID + (("e", "email", "string", "Email"),)),
    ("users", "destroy"): ("destroy --identifier ID or --name NAME", "Destroys a user", ("delete",), _USER_ID),
    ("users", "rename"): ("rename", "Renames a user", ("mv",), _USER_ID + (("r", "new-name", "string", "New username"),)),
    ("keys", "list"): ("list", "List the preauthkeys for this user", ("ls", "show"), ()),
    ("keys", "create"): ("create", "Creates a new preauthkey in the specified user", ("c", "new"),
                         (("", "ephemeral", "", "Preauthkey for ephemeral nodes"),
                          ("e", "expiration", "string", "Human-readable expiration of the key (e.g. 30m, 24h)", '"1h"'),
                          ("", "reusable", "", "Make the preauthkey reusable"),
                          ("", "tags", "strings", "Tags to automatically assign to node"))),
    ("keys", "expire"): ("expire KEY", "Expire a preauthkey", ("revoke", "exp", "e"), ()),
    ("policy", "get"): ("get", "Print the current ACL Policy", ("show", "view", "fetch"), (_BYPASS,)),
    ("policy", "set"): ("set", _SET_POLICY, ("put", "update"), (_BYPASS, _FILE)),
    ("policy", "check"): ("check", "Check the Policy file for errors", (), (_FILE,)),
}


def command_of(group: str, word: str) -> str | None:
    """The command ``word`` names below ``group`` (its name or one of its aliases), or None."""
    for (g, name), (_use, _text, aliases, _flags) in COMMANDS.items():
        if g == group and word in (name, *aliases):
            return name
    return None


def command_usage(group: str, name: str) -> str:
    """cobra's UsageString of a runnable command: the help without its Long/Short text."""
    text = command_help(group, name)
    return text[text.index("Usage:"):]


def command_help(group: str, name: str) -> str:
    """cobra's help for a runnable command (``headscale nodes register -h``): Long (else Short), the
    usage line with [flags], aliases, its own flags with -h, and the inherited ones."""
    use, text, aliases, flags = COMMANDS[(group, name)]
    guse = GROUP_HELP[group][0]
    parts = [text.rstrip(), "", "Usage:", f"  headscale {guse} {use} [flags]"]
    if aliases:
        parts += ["", "Aliases:", "  " + ", ".join((name,) + aliases)]
    local = sorted(flags + (("h", "help", "", f"help for {name}"),), key=lambda f: f[1])
    inherited = sorted(GLOBAL_FLAGS + GROUP_FLAGS.get(group, ()), key=lambda f: f[1])
    parts += ["", "Flags:", _flag_usages(tuple(local)), "", "Global Flags:", _flag_usages(tuple(inherited))]
    return "\n".join(parts) + "\n"
