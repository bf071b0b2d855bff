"""headscale v0.27.1's cobra tree (cmd/headscale/cli), as its init() functions declare it.

Use, Short, Long, aliases and flags are those of the sources; :mod:`simnet.commands.cobra`
renders help and usage from them. The root's persistent flags (--config, --output, --force)
exist only when root.go's init() registers them: not when the first word is ``version``,
``mockoidc`` or ``completion``, and not when ``policy`` and ``check`` both appear.
"""
from __future__ import annotations

from simnet.commands.cobra import (Command, Flag, add_help_command, arbitrary_args, at_least_one,
                                   minimum_args, no_args)

__all__ = ["build_tree", "globals_registered"]

_NS = Flag("namespace", "n", "string", "User", hidden=True, deprecated="use --user")
_NODE_ID = Flag("identifier", "i", "uint64", "Node identifier (ID)")
_NODE_ID_REQ = _NODE_ID._replace(required=True)
_USER_ID = (Flag("identifier", "i", "int64", "User identifier (ID)", "-1"), Flag("name", "n", "string", "Username"))
_BYPASS = Flag("bypass-grpc-and-access-database-directly", "", "bool", "Uses the headscale config to directly access "
               "the database, bypassing gRPC and does not require the server to be running")
_FILE = Flag("file", "f", "string", "Path to a policy file in HuJSON format", required=True)
_PREFIX = Flag("prefix", "p", "string", "ApiKey prefix", required=True)
_EXPIRATION = "Human-readable expiration of the key (e.g. 30m, 24h)"
_MISSING = "missing parameters"          # errMissingParameter
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
_ROOT_LONG = """
headscale is an open source implementation of the Tailscale control server

https://github.com/juanfont/headscale"""


def globals_registered(argv: list[str]) -> bool:
    """root.go's init(): does it register the persistent flags (and cobra.OnInitialize(initConfig))?"""
    if argv and argv[0] in ("version", "mockoidc", "completion"):
        return False
    return not ("policy" in argv and "check" in argv)


def _apikeys() -> Command:
    return Command("apikeys", "Handle the Api keys in Headscale", aliases=("apikey", "api")).add(
        Command("list", "List the Api keys for headscale", aliases=("ls", "show"), run=True),
        Command("create", "Creates a new Api key", "\nCreates a new Api key, the Api key is only visible on creation\n"
                "and cannot be retrieved again.\nIf you loose a key, create a new one and revoke (expire) the old one.",
                aliases=("c", "new"), run=True, flags=(Flag("expiration", "e", "string", _EXPIRATION, "90d"),)),
        Command("expire", "Expire an ApiKey", aliases=("revoke", "exp", "e"), run=True, flags=(_PREFIX,)),
        Command("delete", "Delete an ApiKey", aliases=("remove", "del"), run=True, flags=(_PREFIX,)))


def _nodes() -> Command:
    return Command("nodes", "Manage the nodes of Headscale", aliases=("node", "machine", "machines")).add(
        Command("list", "List nodes", aliases=("ls", "show"), run=True, flags=(
            Flag("user", "u", "string", "Filter by user"), Flag("tags", "t", "bool", "Show tags"), _NS)),
        Command("list-routes", "List routes available on nodes", aliases=("lsr", "routes"), run=True,
                flags=(_NODE_ID,)),
        Command("register", "Registers a node to your network", run=True, flags=(
            Flag("user", "u", "string", "User", required=True), _NS, Flag("key", "k", "string", "Key", required=True))),
        Command("expire", "Expire (log out) a node in your network",
                "Expiring a node will keep the node in the database and force it to reauthenticate.",
                aliases=("logout", "exp", "e"), run=True, flags=(_NODE_ID_REQ, Flag(
                    "expiry", "e", "string", "Set expire to (RFC3339 format, e.g. 2025-08-27T10:00:00Z), or leave "
                    "empty to expire immediately."))),
        Command("rename NEW_NAME", "Renames a node in your network", run=True, flags=(_NODE_ID_REQ,)),
        Command("delete", "Delete a node", aliases=("del",), run=True, flags=(_NODE_ID_REQ,)),
        Command("move", "Move node to another user", aliases=("mv",), run=True, flags=(
            _NODE_ID_REQ, Flag("user", "u", "uint64", "New user", required=True), _NS)),
        Command("tag", "Manage the tags of a node", aliases=("tags", "t"), run=True, flags=(
            _NODE_ID_REQ, Flag("tags", "t", "stringSlice", "List of tags to add to the node", "[]"))),
        Command("approve-routes", "Manage the approved routes of a node", run=True, flags=(
            _NODE_ID_REQ, Flag("routes", "r", "stringSlice", 'List of routes that will be approved (comma-separated, '
                               'e.g. "10.0.0.0/8,192.168.0.0/24" or empty string to remove all approved routes)',
                               "[]"))),
        Command("backfillips", "Backfill IPs missing from nodes", _BACKFILL, run=True))


def _users() -> Command:
    return Command("users", "Manage the users of Headscale", aliases=("user", "namespace", "namespaces", "ns")).add(
        Command("create NAME", "Creates a new user", aliases=("c", "new"), run=True, args=at_least_one(_MISSING),
                flags=(Flag("display-name", "d", "string", "Display name"), Flag("email", "e", "string", "Email"),
                       Flag("picture-url", "p", "string", "Profile picture URL"))),
        Command("list", "List all the users", aliases=("ls", "show"), run=True,
                flags=_USER_ID + (Flag("email", "e", "string", "Email"),)),
        Command("destroy --identifier ID or --name NAME", "Destroys a user", aliases=("delete",), run=True,
                flags=_USER_ID),
        # users.go marks new-name required on renameNodeCmd, not here
        Command("rename", "Renames a user", aliases=("mv",), run=True,
                flags=_USER_ID + (Flag("new-name", "r", "string", "New username"),)))


def _preauthkeys() -> Command:
    return Command("preauthkeys", "Handle the preauthkeys in Headscale", aliases=("preauthkey", "authkey", "pre"),
                   persistent=(Flag("user", "u", "uint64", "User identifier (ID)", required=True), _NS)).add(
        Command("list", "List the preauthkeys for this user", aliases=("ls", "show"), run=True),
        Command("create", "Creates a new preauthkey in the specified user", aliases=("c", "new"), run=True,
                persistent=(Flag("reusable", "", "bool", "Make the preauthkey reusable"),
                            Flag("ephemeral", "", "bool", "Preauthkey for ephemeral nodes")),
                flags=(Flag("expiration", "e", "string", _EXPIRATION, "1h"),
                       Flag("tags", "", "stringSlice", "Tags to automatically assign to node", "[]"))),
        Command("expire KEY", "Expire a preauthkey", aliases=("revoke", "exp", "e"), run=True,
                args=at_least_one(_MISSING)))


def _policy() -> Command:
    return Command("policy", "Manage the Headscale ACL Policy").add(
        Command("get", "Print the current ACL Policy", aliases=("show", "view", "fetch"), run=True, flags=(_BYPASS,)),
        Command("set", "Updates the ACL Policy", _SET_POLICY, aliases=("put", "update"), run=True,
                flags=(_FILE, _BYPASS)),
        Command("check", "Check the Policy file for errors", run=True, flags=(_FILE,)))


def _completion(root: str) -> Command:
    """cobra's InitDefaultCompletionCmd (completions.go), texts with the root's name."""
    no_desc = (Flag("no-descriptions", "", "bool", "disable completion descriptions"),)
    short = "Generate the autocompletion script for "
    load = "To load completions in your current shell session:\n\n"
    every = "To load completions for every new session, execute once:\n\n"
    start = "You will need to start a new shell for this setup to take effect.\n"
    return Command("completion", "Generate the autocompletion script for the specified shell",
                   f"Generate the autocompletion script for {root} for the specified shell.\n"
                   "See each sub-command's help for details on how to use the generated script.\n",
                   args=no_args).add(
        Command("bash", short + "bash", "Generate the autocompletion script for the bash shell.\n\n"
                "This script depends on the 'bash-completion' package.\nIf it is not installed already, you can "
                "install it via your OS's package manager.\n\n" + load + f"\tsource <({root} completion bash)\n\n"
                + every + f"#### Linux:\n\n\t{root} completion bash > /etc/bash_completion.d/{root}\n\n#### macOS:\n\n"
                f"\t{root} completion bash > $(brew --prefix)/etc/bash_completion.d/{root}\n\n" + start,
                args=no_args, run=True, flags=no_desc, flags_in_use_line=False),
        Command("zsh", short + "zsh", "Generate the autocompletion script for the zsh shell.\n\n"
                "If shell completion is not already enabled in your environment you will need\nto enable it.  "
                'You can execute the following once:\n\n\techo "autoload -U compinit; compinit" >> ~/.zshrc\n\n'
                + load + f"\tsource <({root} completion zsh)\n\n" + every
                + f'#### Linux:\n\n\t{root} completion zsh > "${{fpath[1]}}/_{root}"\n\n#### macOS:\n\n'
                f"\t{root} completion zsh > $(brew --prefix)/share/zsh/site-functions/_{root}\n\n" + start,
                args=no_args, run=True, flags=no_desc),
        Command("fish", short + "fish", "Generate the autocompletion script for the fish shell.\n\n" + load
                + f"\t{root} completion fish | source\n\n" + every
                + f"\t{root} completion fish > ~/.config/fish/completions/{root}.fish\n\n" + start,
                args=no_args, run=True, flags=no_desc),
        Command("powershell", short + "powershell", "Generate the autocompletion script for powershell.\n\n" + load
                + f"\t{root} completion powershell | Out-String | Invoke-Expression\n\n"
                "To load completions for every new session, add the output of the above command\n"
                "to your powershell profile.\n", args=no_args, run=True, flags=no_desc))


def build_tree(argv: list[str]) -> Command:
    """The tree ``headscale ARGV`` executes: the commands in the order their files' init() add them
    (file names sorted), then cobra's help, __complete and completion commands."""
    persistent = (Flag("config", "c", "string", "config file (default is /etc/headscale/config.yaml)"),
                  Flag("output", "o", "string", "Output format. Empty for human-readable, 'json', 'json-line' or "
                                                "'yaml'"),
                  Flag("force", "", "bool", "Disable prompts and forces the execution"))
    root = Command("headscale", "headscale - a Tailscale control server", _ROOT_LONG,
                   persistent=persistent if globals_registered(argv) else ())
    root.add(
        _apikeys(),
        Command("configtest", "Test the configuration.", "Run a test of the configuration and exit.", run=True),
        Command("debug", "debug and testing commands",
                "debug contains extra commands used for debugging and testing headscale").add(
            Command("create-node", "Create a node that can be registered with `nodes register <>` command", run=True,
                    flags=(Flag("name", "", "string", "Name", required=True),
                           Flag("user", "u", "string", "User", required=True), _NS,
                           Flag("key", "k", "string", "Key", required=True),
                           Flag("route", "r", "stringSlice", "List (or repeated flags) of routes to advertise", "[]")))),
        Command("dumpConfig", "dump current config to /etc/headscale/config.dump.yaml, integration test only",
                hidden=True, run=True, args=arbitrary_args),
        Command("generate", "Generate commands", aliases=("gen",)).add(
            Command("private-key", "Generate a private key for the headscale server", run=True)),
        Command("health", "Check the health of the Headscale server", "Check the health of the Headscale server. This "
                "command will return an exit code of 0 if the server is healthy, or 1 if it is not.", run=True),
        Command("mockoidc", "Runs a mock OIDC server for testing",
                "This internal command runs a OpenID Connect for testing purposes", run=True),
        _nodes(), _policy(), _preauthkeys(),
        Command("serve", "Launches the headscale server", run=True, args=arbitrary_args),
        _users(),
        Command("version", "Print the version.", "The version of headscale.", run=True,
                flags=(Flag("output", "o", "string", "Output format. Empty for human-readable, 'json', 'json-line' "
                                                     "or 'yaml'"),)))
    add_help_command(root)
    root.add(Command("__complete [command-line]", "Request shell completion choices for the specified command-line",
                     "__complete is a special command that is used by the shell completion logic\nto request "
                     "completion choices for the specified command-line.", aliases=("__completeNoDesc",),
                     hidden=True, run=True, args=minimum_args(1), flags_in_use_line=False),
             _completion(root.name))
    return root
