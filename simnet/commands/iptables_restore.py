"""``iptables-restore`` / ``ip6tables-restore`` 1.8.9 (nf_tables): a saved ruleset back in.

The file is read line by line: ``*TABLE`` opens a table (without ``-n`` the table is
flushed: its rules and user chains go), ``:CHAIN POLICY [PKTS:BYTES]`` declares a chain,
rule lines are iptables commands without the program name, ``COMMIT`` sends the table's
batch. The batch is one nf_tables transaction: a command the kernel refuses undoes the whole
table and is reported as ``iptables-restore: line N failed: …``; a line iptables itself cannot
parse ends the run with ``Error occurred at line: N``. ``--test`` checks everything and
commits nothing.
"""
from __future__ import annotations

import re

from simnet.commands.base import Context
from simnet.commands.iptables_canon import IptablesError, retitle
from simnet.kernel.netfilter import BUILTIN_CHAINS
from simnet.kernel.nftables import NftError

__all__ = ["restore_main", "restore6_main", "split_line"]

USAGE = ("Usage: {prog} [-c] [-v] [-V] [-t] [-h] [-n] [-T table] [-M command] [-4] [-6] [file]\n"
         "\t   [ --counters ]\n\t   [ --verbose ]\n\t   [ --version]\n\t   [ --test ]\n\t   [ --help ]\n"
         "\t   [ --noflush ]\n\t   [ --table=<TABLE> ]\n\t   [ --modprobe=<command> ]\n\t   [ --ipv4 ]\n"
         "\t   [ --ipv6 ]\n")
LONG = {"counters": "c", "verbose": "v", "version": "V", "test": "t", "help": "h", "noflush": "n", "table": "T",
        "modprobe": "M", "ipv4": "4", "ipv6": "6", "wait": "w", "wait-interval": "W"}


class _Stop(Exception):
    """End of the run: ``code`` after ``message`` went to stderr."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class _Rollback(Exception):
    """--test: undo the table's batch after it went through."""


def split_line(line: str) -> list[str]:
    """xtables' add_param_to_argv: words split at blanks, "double quotes" group (``\\"`` inside)."""
    words: list[str] = []
    cur = ""
    quoted = False
    have = False
    i = 0
    while i < len(line):
        c = line[i]
        if quoted and c == "\\" and i + 1 < len(line) and line[i + 1] == '"':
            cur += '"'
            i += 2
            continue
        if c == '"':
            quoted = not quoted
            have = True
        elif c in " \t\n" and not quoted:
            if cur or have:
                words.append(cur)
            cur, have = "", False
        else:
            cur += c
        i += 1
    if cur or have:
        words.append(cur)
    return words


def _options(ctx: Context, prog: str) -> tuple[dict[str, str], str | None]:
    """getopt_long over "bcvVthnwWM:T:46" and the long names."""
    opts: dict[str, str] = {}
    files: list[str] = []
    args = list(ctx.args)
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a.startswith("--") and len(a) > 2:
            name, eq, value = a[2:].partition("=")
            hits = [n for n in LONG if n.startswith(name)]
            if name in LONG:
                hits = [name]
            if len(hits) != 1:
                raise _Stop(f"{prog}: unrecognized option '{a}'\nTry `{prog} -h' for more information.", 1)
            letter = LONG[hits[0]]
            if letter in "TM" and not eq:
                if i >= len(args):
                    raise _Stop(f"{prog}: option '--{hits[0]}' requires an argument\n"
                                f"Try `{prog} -h' for more information.", 1)
                value = args[i]
                i += 1
            opts[letter] = value
        elif a.startswith("-") and len(a) > 1:
            k = 1
            while k < len(a):
                letter = a[k]
                k += 1
                if letter not in "bcvVthnwWMT46":
                    raise _Stop(f"{prog}: invalid option -- '{letter}'\nTry `{prog} -h' for more information.", 1)
                if letter in "TM":
                    value = a[k:]
                    if not value:
                        if i >= len(args):
                            raise _Stop(f"{prog}: option requires an argument -- '{letter}'\n"
                                        f"Try `{prog} -h' for more information.", 1)
                        value = args[i]
                        i += 1
                    opts[letter] = value
                    break
                opts[letter] = ""
        else:
            files.append(a)
    return opts, (files[0] if files else None)


def restore_main(ctx: Context) -> int:
    return _main(ctx, "iptables-restore", "ip")


def restore6_main(ctx: Context) -> int:
    return _main(ctx, "ip6tables-restore", "ip6")


def _main(ctx: Context, prog: str, family: str) -> int:
    try:
        opts, path = _options(ctx, prog)
        if "h" in opts:
            ctx.err.append(USAGE.format(prog=prog))
            return 0
        if "V" in opts:
            ctx.print(f"{prog} v1.8.9 (nf_tables)")
            return 0
        if path is None or path == "-":
            text = ctx.stdin
        else:
            try:
                text = ctx.node.read_file(ctx.abspath(path))
            except (FileNotFoundError, IsADirectoryError):
                raise _Stop(f"Can't open {path}: No such file or directory", 1) from None
        _Restore(ctx, prog, family, opts).run(text)
    except _Stop as stop:
        if stop.message:
            ctx.eprint(stop.message)
        return stop.code
    return 0


class _Restore:
    def __init__(self, ctx: Context, prog: str, family: str, opts: dict[str, str]) -> None:
        self.ctx = ctx
        self.prog = prog
        self.family = family
        self.tool = prog.removesuffix("-restore")
        self.counters = "c" in opts
        self.verbose = "v" in opts
        self.test = "t" in opts
        self.noflush = "n" in opts
        self.only = opts.get("T")
        self.try_text = f"Try `{prog} -h' or '{prog} --help' for more information."

    def parse_error(self, message: str, line: int) -> _Stop:
        """A line iptables cannot parse: its message under the program's name, without its
        ``Try`` hint, then the line and restore's own hint (exit 2)."""
        text = retitle(message, self.prog)
        keep = text.split("\n")
        if keep and keep[-1].startswith("Try `"):
            keep[-1] = ""
        else:
            keep.append("")
        return _Stop("\n".join(keep) + f"Error occurred at line: {line}\n{self.try_text}", 2)

    def failed(self, line: int) -> _Stop:
        return _Stop(f"{self.prog}: line {line} failed", 1)

    def run(self, text: str) -> None:
        table: str | None = None
        block: list[tuple[int, str]] = []
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for n, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if table is None:
                if not line.startswith("*"):
                    raise self.failed(n)
                name = line[1:].strip()
                if name not in BUILTIN_CHAINS:
                    raise self.parse_error(f"{self.prog} v1.8.9 (nf_tables): {self.prog}: line {n} "
                                           + (f"table name '{name}' invalid" if name else "table name invalid"), n)
                table, block = name, []
            elif line == "COMMIT":
                if self.only is None or self.only == table:
                    self.commit(table, block, n)
                table = None
            else:
                block.append((n, line))
        if table is not None:
            raise _Stop(f"{self.prog}: COMMIT expected at line {len(lines) + 1}", 1)

    def chain_line(self, line: str, n: int) -> tuple[str, str, tuple[int, int]]:
        words = line[1:].split()
        if not words:
            raise self.parse_error(f"{self.prog} v1.8.9 (nf_tables): {self.prog}: line {n} chain name invalid", n)
        if len(words) < 2:
            raise self.parse_error(f"{self.prog} v1.8.9 (nf_tables): {self.prog}: line {n} policy invalid", n)
        counts = (0, 0)
        hit = re.match(r"\[(\d+):(\d+)", words[2]) if len(words) > 2 else None     # sscanf "[%llu:%llu]"
        if hit:
            counts = (int(hit.group(1)), int(hit.group(2)))
        return words[0], words[1], counts

    def commit(self, table: str, block: list[tuple[int, str]], commit_line: int) -> None:
        """The table's batch: parsed line by line, sent at COMMIT (kernel errors name their line,
        but a parse error further down is found first, as iptables parses before it commits).
        A jump to a chain that does not exist is found when the batch is prepared at COMMIT;
        ``--test`` only parses: it neither prepares nor sends anything."""
        ctx = self.ctx
        nf = ctx.node.netfilter
        failure: _Stop | None = None
        try:
            with nf.transaction():
                if not self.noflush and nf.get_table(self.family, table) is not None:
                    nf.delete_table(self.family, table)
                if self.verbose and not self.noflush and not self.test:
                    for c in BUILTIN_CHAINS[table]:
                        ctx.print(f"Flushing chain `{c}'")
                nf.add_table(self.family, table)
                for n, line in block:
                    try:
                        self.one_line(table, n, line, failure is None)
                    except _Stop as stop:
                        deferred = "does not exist\nError occurred" in stop.message
                        if self.test and (stop.code != 2 or deferred):
                            continue
                        if deferred:
                            raise self.parse_error(stop.message.split("\nError occurred")[0], commit_line) from None
                        if stop.code == 2:
                            raise
                        failure = failure or stop
                if failure is not None:
                    raise failure
                if self.test:
                    raise _Rollback()
        except _Rollback:
            return

    def one_line(self, table: str, n: int, line: str, execute: bool) -> None:
        from simnet.commands.iptables import parse
        from simnet.commands.iptables_exec import run as run_command

        nf = self.ctx.node.netfilter
        if line.startswith(":"):
            name, policy, chain_counts = self.chain_line(line, n)
            if execute:
                try:
                    self.declare(table, name, policy, chain_counts if self.counters else (0, 0))
                except IptablesError as exc:
                    raise self.kernel_error(exc.message, exc.code, n) from None
            return
        counts: tuple[int, int] | None = None
        if line.startswith("["):
            close = line.find("]")
            if close < 0:
                raise self.parse_error(f"{self.prog} v1.8.9 (nf_tables): Bad line {n}: need ]", n)
            pk, _, by = line[1:close].partition(":")
            counts = (int(pk) if pk.isdigit() else 0, int(by) if by.isdigit() else 0)
            line = line[close + 1:].strip()
        try:
            p = parse(["-t", table] + split_line(line), self.family)
        except IptablesError as exc:
            raise self.parse_error(exc.message, n) from None
        if not execute:
            return
        p.verbose = (p.verbose or self.verbose) and not self.test
        t = nf.find_table(self.family, table)
        before = {id(r) for ch in t.chains.values() for r in ch.rules}
        try:
            run_command(self.ctx, p)
        except IptablesError as exc:
            raise self.kernel_error(exc.message, exc.code, n) from None
        except NftError as exc:
            raise _Stop(f"{self.prog}: line {n} failed: {exc.strerror}.", 1) from None
        if counts is not None and self.counters:
            for ch in nf.find_table(self.family, table).chains.values():
                for r in ch.rules:
                    if id(r) not in before:
                        r.packets, r.bytes = counts

    def declare(self, table: str, name: str, policy: str, counts: tuple[int, int]) -> None:
        from simnet.kernel.nftables.xtables import xt_chain

        nf = self.ctx.node.netfilter
        if name in BUILTIN_CHAINS[table]:
            if policy not in ("ACCEPT", "DROP"):
                raise IptablesError(f"{self.tool}: Bad policy name.", 1)
            chain = xt_chain(nf, table, name, self.family)
            nf.set_policy(self.family, table, name, policy, counted=True)
            chain.packets, chain.bytes = counts
            return
        t = nf.find_table(self.family, table)
        if name in t.chains:
            nf.flush_chain(self.family, table, name)
        else:
            nf.add_chain(self.family, table, name)

    def kernel_error(self, message: str, code: int, line: int) -> _Stop:
        """An error iptables meets while running a parsed command: its usage errors as parse
        errors, ``iptables: REASON.`` as ``line N failed: REASON.``, an xt check as ``line N: …``."""
        if code == 2:
            return self.parse_error(message, line)
        first = retitle(message, self.tool).split("\n")[0]
        if first.startswith(f"{self.tool}: "):
            reason = first[len(self.tool) + 2:].replace(" Run `dmesg' for more information.", "")
            return _Stop(f"{self.prog}: line {line} failed: {reason}", 1)
        head = f"{self.tool} v1.8.9 (nf_tables): "
        if first.startswith(head):
            return _Stop(f"{self.prog} v1.8.9 (nf_tables): \nline {line}: {first[len(head):].lstrip()}", code)
        return _Stop(f"{self.prog}: line {line} failed: {first}", 1)
