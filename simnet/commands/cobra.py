"""spf13/cobra v1.10.1 with pflag v1.0.10, as far as a Go tool's command line shows it.

A :class:`Command` tree holds what a cobra program declares (Use, Short, Long, Aliases, its
flags and persistent flags, whether it has a Run, its Args check); :func:`execute` walks a
command line the way ``Command.ExecuteC`` does and either prints what cobra prints itself
(help, usage, "unknown command", flag errors) or hands the runnable command, its parsed
flags and its arguments back to the tool. The help and usage texts are rendered from the
tree with cobra's default templates and pflag's ``FlagUsages`` alignment, so that every
command's ``-h`` comes from its declaration, not from a copied screen.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from simnet.commands.goflag import GoFlagError, pflags

__all__ = ["Flag", "Command", "Outcome", "execute", "help_text", "usage_text", "validate"]

MIN_NAME_PADDING = 11                     # cobra's minNamePadding
# pflag Value.Type() -> the kind simnet.commands.goflag parses, and the name FlagUsages shows
_KIND = {"string": "str", "bool": "bool", "uint64": "uint", "int64": "int", "stringSlice": "str"}
_VARNAME = {"string": "string", "bool": "", "uint64": "uint", "int64": "int", "stringSlice": "strings"}
_ZERO = {"string": "", "bool": "false", "uint64": "0", "int64": "0", "stringSlice": "[]"}


class Flag(NamedTuple):
    """One pflag flag: ``kind`` is the Value's Type() (string, bool, uint64, int64, stringSlice);
    ``default`` is its DefValue as pflag prints it."""
    name: str
    short: str
    kind: str
    usage: str
    default: str = ""
    hidden: bool = False            # Hidden (a Deprecated flag is hidden too)
    required: bool = False          # MarkFlagRequired / MarkPersistentFlagRequired
    deprecated: str = ""            # pflag warns "Flag --x has been deprecated, …" when it is set


# Args checks: None is cobra's legacyArgs; a function returns the error text or None
ArgsCheck = Callable[["Command", list[str]], "str | None"]


def no_args(cmd: "Command", args: list[str]) -> str | None:
    """cobra.NoArgs."""
    return f'unknown command "{args[0]}" for "{cmd.path}"' if args else None


def arbitrary_args(cmd: "Command", args: list[str]) -> str | None:
    """A custom Args that accepts everything (``return nil``)."""
    return None


def minimum_args(n: int) -> ArgsCheck:
    """cobra.MinimumNArgs(n)."""
    def check(cmd: "Command", args: list[str]) -> str | None:
        return f"requires at least {n} arg(s), only received {len(args)}" if len(args) < n else None
    return check


def at_least_one(message: str) -> ArgsCheck:
    """headscale's ``if len(args) < 1 { return errMissingParameter }``."""
    def check(cmd: "Command", args: list[str]) -> str | None:
        return message if not args else None
    return check


class Command:
    """A cobra.Command: its declaration and its place in the tree."""

    def __init__(self, use: str, short: str = "", long: str = "", *, aliases: tuple[str, ...] = (),
                 flags: tuple[Flag, ...] = (), persistent: tuple[Flag, ...] = (), run: bool = False,
                 hidden: bool = False, args: ArgsCheck | None = None, flags_in_use_line: bool = True) -> None:
        self.use, self.short, self.long, self.aliases = use, short, long, aliases
        self.flags, self.persistent, self.run, self.hidden, self.args = flags, persistent, run, hidden, args
        self.flags_in_use_line = flags_in_use_line
        self.children: list[Command] = []           # in AddCommand order (suggestions follow it)
        self.parent: Command | None = None
        self.help_command: Command | None = None     # root only: cobra's own "help"

    def add(self, *cmds: "Command") -> "Command":
        for cmd in cmds:
            cmd.parent = self
            self.children.append(cmd)
        return self

    @property
    def name(self) -> str:
        return self.use.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return f"{self.parent.path} {self.name}" if self.parent else self.name

    def names(self) -> tuple[str, ...]:
        """The path below the root: ("nodes", "list")."""
        return (*self.parent.names(), self.name) if self.parent else ()

    def root(self) -> "Command":
        return self.parent.root() if self.parent else self

    def find_next(self, word: str) -> "Command | None":
        for cmd in self.children:
            if word == cmd.name or word in cmd.aliases:
                return cmd
        return None

    def available(self) -> bool:
        """IsAvailableCommand: not hidden, not the help command, runnable or a group of such."""
        if self.hidden or (self.parent is not None and self.parent.help_command is self):
            return False
        return self.run or any(c.available() for c in self.children)

    def parents_persistent(self) -> list[Flag]:
        out: list[Flag] = []
        p = self.parent
        while p is not None:
            out += [f for f in p.persistent if all(f.name != o.name for o in out)]
            p = p.parent
        return out

    def local_flags(self, with_help: bool = True) -> list[Flag]:
        """LocalFlags: its own flags and persistent flags, and the help flag cobra adds when it
        executes the command (or shows its help)."""
        own = list(self.flags) + list(self.persistent)
        if with_help and all(f.name != "help" for f in own):
            own.append(Flag("help", "h", "bool", f"help for {self.name}"))
        return sorted(own, key=lambda f: f.name)

    def inherited_flags(self) -> list[Flag]:
        local = {f.name for f in self.local_flags()}
        return sorted((f for f in self.parents_persistent() if f.name not in local), key=lambda f: f.name)

    def all_flags(self, with_help: bool = True) -> list[Flag]:
        return self.local_flags(with_help) + self.inherited_flags()


def flag_usages(flags: list[Flag]) -> str:
    """pflag.FlagSet.FlagUsages: names and type, a NUL where the alignment goes, then the usage
    and a default that is not the type's zero value (a string's quoted); hidden flags left out."""
    lines = []
    maxlen = 0
    for f in flags:
        if f.hidden:
            continue
        line = f"  -{f.short}, --{f.name}" if f.short else f"      --{f.name}"
        if _VARNAME[f.kind]:
            line += " " + _VARNAME[f.kind]
        line += "\x00"
        maxlen = max(maxlen, len(line))
        if f.default and f.default != _ZERO[f.kind]:
            line += f.usage + (f' (default "{f.default}")' if f.kind == "string" else f" (default {f.default})")
        else:
            line += f.usage
        lines.append(line)
    out = []
    for line in lines:
        sidx = line.index("\x00")
        out.append(f"{line[:sidx]} {' ' * (maxlen - sidx)} {line[sidx + 1:]}")
    return "\n".join(out)


def _use_line(cmd: Command) -> str:
    line = f"{cmd.parent.path} {cmd.use}" if cmd.parent else cmd.use
    has_flags = any(not f.hidden for f in cmd.all_flags())
    if cmd.flags_in_use_line and has_flags and "[flags]" not in line:
        line += " [flags]"
    return line


def usage_text(cmd: Command, with_help: bool = True) -> str:
    """cobra's defaultUsageFunc (UsageString); ``with_help`` False for a command that was not
    executed (no -h flag yet)."""
    out = ["Usage:"]
    subs = sorted((c for c in cmd.children if c.available() or c.name == "help"), key=lambda c: c.name)
    if cmd.run:
        out.append(f"\n  {_use_line(cmd)}")
    if subs:
        out.append(f"\n  {cmd.path} [command]")
    if cmd.aliases:
        out.append("\n\nAliases:\n  " + ", ".join((cmd.name, *cmd.aliases)))
    if subs:
        pad = max([MIN_NAME_PADDING] + [len(c.name) for c in cmd.children])
        out.append("\n\nAvailable Commands:")
        out += [f"\n  {c.name.ljust(pad)} {c.short}" for c in subs]
    local = [f for f in cmd.local_flags(with_help) if not f.hidden]
    if local:
        out.append("\n\nFlags:\n" + flag_usages(local).rstrip())
    inherited = [f for f in cmd.inherited_flags() if not f.hidden]
    if inherited:
        out.append("\n\nGlobal Flags:\n" + flag_usages(inherited).rstrip())
    if subs:
        out.append(f'\n\nUse "{cmd.path} [command] --help" for more information about a command.')
    return "".join(out) + "\n"


def help_text(cmd: Command) -> str:
    """cobra's defaultHelpFunc: Long (else Short) without trailing blanks, then the usage."""
    text = (cmd.long or cmd.short).rstrip()
    head = text + "\n\n" if text else ""
    return head + (usage_text(cmd) if cmd.run or cmd.children else "")


class Outcome(NamedTuple):
    """What :func:`execute` found: ``cmd`` to run with ``flags`` and ``args``, or (cmd None)
    what cobra printed itself and the exit code."""
    cmd: Command | None
    flags: dict[str, Any]
    args: list[str]
    stdout: str = ""
    stderr: str = ""
    code: int = 0


def _takes_value(flags: list[Flag], word: str) -> bool:
    """stripFlags' test: ``--name`` / ``-x`` without ``=`` whose flag has no NoOptDefVal eats the next word."""
    if "=" in word:
        return False
    if word.startswith("--"):
        return not any(f.name == word[2:] and f.kind == "bool" for f in flags)
    if word.startswith("-") and len(word) == 2:
        return not any(f.short == word[1] and f.kind == "bool" for f in flags)
    return False


def _strip_flags(args: list[str], cmd: Command) -> list[str]:
    """cobra's stripFlags with the flags the command has before execute() adds -h."""
    flags = cmd.all_flags(False)
    words: list[str] = []
    i = 0
    while i < len(args):
        s = args[i]
        i += 1
        if s == "--":
            break
        if s.startswith("-") and _takes_value(flags, s):
            if i >= len(args):          # the flag's value would be the last word: stop
                break
            i += 1
            continue
        if s and not s.startswith("-"):
            words.append(s)
    return words


def _minus_first(args: list[str], cmd: Command, word: str) -> list[str]:
    """cobra's argsMinusFirstX: the args without the first ``word`` that is not a flag's value."""
    flags = cmd.all_flags(False)
    pos = 0
    while pos < len(args):
        s = args[pos]
        if s == "--":
            break
        if s.startswith("-") and _takes_value(flags, s):
            pos += 2
            continue
        if not s.startswith("-") and s == word:
            return args[:pos] + args[pos + 1:]
        pos += 1
    return args


def _ld(s: str, t: str) -> int:
    s, t = s.lower(), t.lower()
    prev = list(range(len(s) + 1))
    for j in range(1, len(t) + 1):
        cur = [j] + [0] * len(s)
        for i in range(1, len(s) + 1):
            cur[i] = prev[i - 1] if s[i - 1] == t[j - 1] else min(prev[i], cur[i - 1], prev[i - 1]) + 1
        prev = cur
    return prev[len(s)]


def _suggestions(cmd: Command, typed: str) -> str:
    found = [c.name for c in cmd.children if c.available()
             and (_ld(typed, c.name) <= 2 or c.name.lower().startswith(typed.lower()))]
    return "\n\nDid you mean this?\n" + "".join(f"\t{n}\n" for n in found) if found else ""


def find(root: Command, args: list[str]) -> tuple[Command, list[str], str | None]:
    """cobra's Find: the deepest command the words name, its args, and legacyArgs' error."""
    cmd = root
    while True:
        words = _strip_flags(args, cmd)
        nxt = cmd.find_next(words[0]) if words else None
        if nxt is None:
            break
        args = _minus_first(args, cmd, words[0])
        cmd = nxt
    error = None
    if cmd.args is None and cmd.children and cmd.parent is None:
        words = _strip_flags(args, cmd)
        if words:
            error = f'unknown command "{words[0]}" for "{cmd.path}"{_suggestions(cmd, words[0])}'
    return cmd, args, error


def _go_quote_list(words: list[str]) -> str:
    """fmt's %#q of a []string: backquoted where strconv.CanBackquote says so."""
    def q(w: str) -> str:
        if "`" not in w and all(c == "\t" or " " <= c != "\x7f" for c in w):
            return f"`{w}`"
        return '"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "[" + " ".join(q(w) for w in words) + "]"


def _failed(cmd: Command, error: str, again: bool) -> Outcome:
    """ExecuteC after execute() failed: "Error: …", the usage and a blank line (Println), and the
    tool's main printing the error once more when it does (``again``)."""
    text = f"Error: {error}\n{usage_text(cmd)}\n" + (f"{error}\n" if again else "")
    return Outcome(None, {}, [], stderr=text, code=1)


def execute(root: Command, args: list[str], *, again: bool = True) -> Outcome:
    """Command.ExecuteC up to the command's Run: find, parse flags, help, Args check."""
    cmd, rest, error = find(root, args)
    if error is not None:
        text = f"Error: {error}\nRun '{cmd.path} --help' for usage.\n" + (f"{error}\n" if again else "")
        return Outcome(None, {}, [], stderr=text, code=1)
    spec = {f.name: (f.short, _KIND[f.kind]) for f in cmd.all_flags()}
    try:
        flags, pos = pflags(rest, spec)
    except GoFlagError as exc:
        return _failed(cmd, str(exc), again)
    warn = "".join(f"Flag --{f.name} has been deprecated, {f.deprecated}\n"
                   for f in cmd.all_flags() if f.deprecated and f.name in flags)
    if flags.get("help") or not cmd.run:
        return Outcome(None, {}, [], stdout=help_text(cmd), stderr=warn)
    if cmd is root.help_command:
        target, _, err = find(root, pos)
        if err is not None:
            return Outcome(None, {}, [], stderr=f"Unknown help topic {_go_quote_list(pos)}\n{usage_text(root, False)}")
        return Outcome(None, {}, [], stdout=help_text(target))
    return Outcome(cmd, flags, pos, stderr=warn)


def validate(cmd: Command, flags: dict[str, Any], args: list[str], *, again: bool = True) -> Outcome | None:
    """What execute() checks after the initializers ran: the Args, then the required flags."""
    error = (cmd.args or arbitrary_args)(cmd, args)
    if error is None:
        missing = [f.name for f in cmd.all_flags() if f.required and f.name not in flags]
        if missing:
            error = "required flag(s) " + ", ".join(f'"{m}"' for m in missing) + " not set"
    return _failed(cmd, error, again) if error is not None else None


def add_help_command(root: Command) -> None:
    """InitDefaultHelpCmd: the root's "help [command]"."""
    root.help_command = Command(
        "help [command]", "Help about any command",
        "Help provides help for any command in the application.\n"
        f"Simply type {root.name} help [path to command] for full details.", run=True)
    root.add(root.help_command)
