"""The ``nft`` program (nftables 1.0.6): options, one batch of commands, nft's errors, exit 1.

``nft [ options ] [ cmds... ]`` joins the command words with spaces and parses
them like a file; ``-f FILE`` (``-`` for stdin) reads a file, whose errors are
prefixed ``FILE:LINE:FIRST-LAST:``. ``-c`` checks without changing anything;
``-a``, ``-n``, ``-s`` shape the listing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from simnet.commands.base import Context
from simnet.commands.getopt import NO, REQUIRED, Getopt, GetoptError, Long
from simnet.commands.netfilter_help import NFT_HELP
from simnet.commands.nft import render_rule, uses_compat
from simnet.commands.nft_ast import Command
from simnet.commands.nft_eval import Batch
from simnet.commands.nft_errors import Mark, NftError, render_error
from simnet.commands.nft_json import ruleset_json
from simnet.commands.nft_list import Listing, list_command
from simnet.commands.nft_parse import parse
from simnet.commands.nft_values import rule_exprs
from simnet.kernel.nftables import NftError as KernelNftError
from simnet.kernel.nftables import expr as E
from simnet.kernel.nftables import priority_text
from simnet.kernel.nftables.text import SET_KEYS, render_map, render_value

__all__ = ["main", "run_text"]

FLAGS = {"a": "handles", "j": "json", "n": "numeric", "s": "stateless", "c": "check", "e": "echo", "t": "terse",
         "y": "numeric_priority", "p": "numeric_protocol", "S": "service", "N": "reversedns", "u": "guid",
         "T": "numeric_time"}
# nftables 1.0.6 main.c: getopt_long, '+' (no permutation: options come before the commands)
SHORTOPTS = "+hvVcf:iD:I:jnsNaeSupyTtd:o"
LONGOPTS = [Long(n, REQUIRED if k.endswith(":") else NO, k.rstrip(":")) for n, k in (
    ("help", "h"), ("version", "v"), ("check", "c"), ("file", "f:"), ("define", "D:"), ("interactive", "i"),
    ("includepath", "I:"), ("numeric", "n"), ("stateless", "s"), ("reversedns", "N"), ("service", "S"),
    ("debug", "d:"), ("handle", "a"), ("echo", "e"), ("json", "j"), ("guid", "u"), ("numeric-priority", "y"),
    ("numeric-protocol", "p"), ("numeric-time", "T"), ("terse", "t"), ("optimize", "o"))]


def _xt_text(rule: Any, family: str) -> str:
    """A rule iptables-nft wrote, as nft translates its compat expressions."""
    return render_rule(rule, family)


MAX_ERRORS = 10      # nft's parser_max_errors: bison gives up after this many syntax errors


def _blank(text: str, upto: int) -> str:
    """``text`` with everything before ``upto`` turned into spaces (newlines kept: the error
    positions after it stay what they are in the whole input)."""
    head = "".join(c if c == "\n" else " " for c in text[:upto])
    return head + text[upto:]


def parse_all(text: str) -> tuple[list[Command], list[NftError]]:
    """All commands, or all syntax errors: after an error nft's grammar (``error
    stmt_separator``) skips to the next newline or ``;`` and parses on. simnet resumes only
    outside braces, where a fresh parse of the rest means the same as bison's recovery."""
    errors: list[NftError] = []
    rest = text
    while True:
        try:
            cmds = parse(rest)
            return (cmds if not errors else []), errors
        except NftError as err:
            errors.append(err)
            marks = err.marks or (Mark(0, 1),)
            pos = next((m for m in marks if m.primary), marks[0]).start
            ends = [k for k in (text.find("\n", pos), text.find(";", pos)) if k >= 0]
            if len(errors) >= MAX_ERRORS or not ends or text.count("{", 0, pos) != text.count("}", 0, pos):
                return [], errors
            rest = _blank(text, min(ends) + 1)
            if not rest.strip():
                return [], errors


@dataclass
class _Source:
    """One piece of the input: its text (offsets as in its file), the file's name and the
    ``In file included from …`` line nft puts above an error from an included file."""

    text: str
    filename: str | None
    included: str = ""

    def render(self, err: NftError) -> str:
        return self.included + render_error(self.text, err, self.filename)


_INCLUDE = re.compile(r'^([ \t]*)include[ \t]+"([^"\n]*)"[ \t]*;?[ \t]*$', re.M)
INCLUDE_PATH = "/etc"        # nft's default include directory (-I adds more)


def _sources(ctx: Context, text: str, filename: str | None) -> list[_Source] | str:
    """The input with ``include "FILE"`` lines (outside braces) replaced by the file's text, as
    pieces in order; a string is nft's error when a file cannot be found. A relative name is
    looked up in the include directory only, not in the current one."""
    pieces: list[_Source] = []
    done = 0
    for m in _INCLUDE.finditer(text):
        if text.count("{", 0, m.start()) != text.count("}", 0, m.start()):
            continue
        path = m.group(2)
        full = path if path.startswith("/") else f"{INCLUDE_PATH}/{path}"
        try:
            included = ctx.node.read_file(full)
        except (FileNotFoundError, IsADirectoryError, KeyError, OSError):
            start = m.start() + len(m.group(1))
            # nft's location of the include statement takes in its newline
            return render_error(text, NftError(f"File not found: {path}", Mark(start, m.end() + 1)), filename)
        pieces.append(_Source(_blank(text, done)[:m.start()], filename))
        lineno = text.count("\n", 0, m.start()) + 1
        col = len(m.group(1)) + 1
        where = f"{filename or 'internal'}:{lineno}:{col}-{m.end() - m.start() + 1}"
        pieces.append(_Source(included, full, f"In file included from {where}:\n"))
        done = m.end()
    pieces.append(_Source(_blank(text, done), filename))
    return pieces


def run_text(ctx: Context, text: str, opts: set[str], filename: str | None = None) -> int:
    """Parse and run ``text`` as one batch; listings to stdout, nft's errors to stderr.

    Like nft, every error of the input is shown, not only the first: all syntax errors (then
    nothing runs), else every command that fails (and the batch is undone as a whole)."""
    nf = ctx.node.netfilter
    sources = _sources(ctx, text, filename)
    if isinstance(sources, str):
        ctx.err.append(sources)
        return 1
    cmds: list[tuple[Command, _Source, Batch]] = []
    failed: list[str] = []
    for src in sources:
        parsed, errors = parse_all(src.text)
        failed += [src.render(err) for err in errors]
        batch = Batch(nf, lambda name: name in ctx.node.interfaces, src.text)
        cmds += [(cmd, src, batch) for cmd in parsed]
    if failed:
        ctx.err.extend(failed)
        return 1
    if "json" in opts and any(cmd.verb == "list" and cmd.obj != "ruleset" for cmd, _, _ in cmds):
        ctx.eprint("simnet gibt mit nft -j nur „list ruleset“ aus; lass -j bei den anderen list-Befehlen weg.")
        return 1
    out = Listing("handles" in opts, "numeric" in opts, "stateless" in opts, _xt_text)
    printed: list[str] = []
    echoed: list[str] = []

    class _Undo(Exception):
        pass

    try:
        with nf.transaction():
            for cmd, src, batch in cmds:
                try:
                    if cmd.verb == "list":
                        printed += [ruleset_json(nf, cmd.family, _exprs_of)] if "json" in opts \
                            else list_command(nf, cmd, out)
                        continue
                    new = _is_new(nf, cmd) if "echo" in opts else False
                    batch.run(cmd)
                    if new is not False:
                        echoed += _echo(nf, cmd, out, new)
                except NftError as err:
                    failed.append(src.render(err))
                except KernelNftError as err:      # an object the batch could not name better
                    failed.append(src.render(NftError(f"Could not process rule: {err.strerror}", Mark(0, 1))))
            if failed or "check" in opts:
                raise _Undo()
    except _Undo:
        pass
    if failed:
        ctx.err.extend(failed)
        return 1
    if "check" not in opts and any(cmd.verb != "list" for cmd, _, _ in cmds):
        nf.generation += 1
    for line in printed:
        ctx.print(line)
    if echoed and "check" not in opts:
        for line in echoed:
            ctx.print(line)
        ctx.print(f"# new generation {nf.generation} by process {_pid(ctx)} (nft)")
    _warn_managed(ctx, [cmd for cmd, _, _ in cmds])
    return 0


def _exprs_of(rule: Any, family: str) -> tuple[Any, ...]:
    """A rule's expressions; an iptables rule's are those of its nft text (what ``nft list``
    shows), parsed back, or none where nft's text is not one nft could read again."""
    if rule.xt is None:
        return rule.exprs
    try:
        cmds = parse(f"add rule {family} t c {render_rule(rule, family)}\n")
        spec = cmds[0].rule
        return rule_exprs(spec, family) if spec is not None else ()
    except NftError:
        return ()


ECHOED = ("add", "create", "insert", "replace")


def _is_new(nf: Any, cmd: Command) -> Any:
    """What this command may add, as far as ``nft -e`` needs to know before it runs (the kernel
    announces only new objects): False for nothing, the set's elements before for elements."""
    if cmd.verb not in ECHOED:
        return False
    t = nf.get_table(cmd.family, cmd.table or "")
    if cmd.obj == "table":
        return t is None
    if cmd.obj == "chain":
        return t is not None and (cmd.chain or "") not in t.chains
    if cmd.obj == "set":             # announced again even when it exists (unlike a table or chain)
        return t is not None
    if cmd.obj == "element":
        s = t.sets.get(cmd.name or "") if t is not None else None
        return list(s.elements) if s is not None else False
    return cmd.obj == "rule"


def _echo(nf: Any, cmd: Command, out: Listing, before: Any) -> list[str]:
    """The lines ``nft -e`` prints for one command, as nft's monitor renders the new object."""
    where = f"{cmd.family} {cmd.table}"
    if cmd.obj == "table":
        return [f"{cmd.verb} table {where}"]
    t = nf.get_table(cmd.family, cmd.table or "")
    if cmd.obj in ("set", "element"):
        s = t.sets[cmd.name or ""]
        kind = "map" if s.data else "set"
        if cmd.obj == "set":         # nft's monitor leaves a space after the block
            flags = f" flags {','.join(s.flags)};" if s.flags else ""
            return [f"{cmd.verb} {kind} {where} {s.name} {{ type {s.type}{' : ' + s.data if s.data else ''};{flags} }} "]
        key = SET_KEYS.get(s.type, "")        # one announcement per new element
        return [f"{cmd.verb} element {where} {s.name} "
                + (render_map(key, SET_KEYS.get(s.data, ""), (e,)) if s.data else render_value(key, E.AnonSet((e,))))
                for e in s.elements if e not in before]
    chain = t.chains[cmd.chain or ""]
    if cmd.obj == "chain":
        text = f"{cmd.verb} chain {where} {chain.name}"
        if chain.base:
            prio = str(chain.priority) if out.numeric else priority_text(chain.priority, chain.hook or "")
            text += f" {{ type {chain.type} hook {chain.hook} priority {prio}; policy {chain.policy.lower()}; }}"
        return [text + out._h(chain.handle)]
    if cmd.verb == "replace":
        # nft 1.0.6 echoes a replacement as the kernel announces it: the old rule deleted, the
        # new one added behind its predecessor (NFTA_RULE_POSITION, printed as "handle N")
        k = next(k for k, r in enumerate(chain.rules) if r.handle == cmd.handle)
        after = f"handle {chain.rules[k - 1].handle} " if k else ""
        return [f"delete rule {where} {chain.name} handle {cmd.handle}",
                f"add rule {where} {chain.name} {after}{out.rule(t, chain.rules[k])}"]
    rule = max(chain.rules, key=lambda r: r.handle)
    return [f"{cmd.verb} rule {where} {chain.name} {out.rule(t, rule)}"]


def _pid(ctx: Context) -> int:
    """A process id for nft's "# new generation N by process PID" line (the tests normalise it)."""
    return 1000 + len(ctx.node.history)


def _warn_managed(ctx: Context, cmds: list[Command]) -> None:
    """nft warns below a listing of rules from a table whose rules iptables-nft wrote with
    compat expressions (``list ruleset``, ``list table``, ``list chain``)."""
    nf = ctx.node.netfilter
    for cmd in cmds:
        if cmd.verb != "list" or cmd.obj not in ("ruleset", "table", "chain"):
            continue
        tables = [t for t in nf.tables.values() if cmd.obj == "ruleset" and (not cmd.family or t.family == cmd.family)
                  or cmd.obj != "ruleset" and (t.family, t.name) == (cmd.family, cmd.table)]
        for t in tables:
            if uses_compat(t):
                ctx.eprint(f"# Warning: table {t.family} {t.name} is managed by iptables-nft, do not touch!")


def _misplaced(ctx: Context, index: int) -> int:
    """``nft list ruleset -a``: an option after the command words. nft echoes its argv with
    the message on stderr but prints the marks on stdout (``~~`` under the option)."""
    words = ["nft"] + ctx.args
    col = sum(len(w) + 1 for w in words[:index + 1])
    under = [" "] * (col + 2)
    under[3] = "^"
    under[col] = under[col + 1] = "~"
    ctx.eprint("Error: syntax error, options must be specified before commands\n" + " ".join(words) + " ", end="")
    ctx.print("\n" + "".join(under))
    return 1


def main(ctx: Context) -> int:
    args = ctx.args
    opts: set[str] = set()
    files: list[str] = []
    scan = Getopt(args, SHORTOPTS, LONGOPTS)
    try:
        for opt, val in scan:
            if opt == "h":
                ctx.out.append(NFT_HELP)
                return 0
            if opt in "vV":
                ctx.print("nftables v1.0.6 (Lester Gooch #5)")
                return 0
            if opt == "f":
                files.append(val or "")
            elif opt in FLAGS:
                opts.add(FLAGS[opt])
            else:
                ctx.eprint(f"simnet bildet die Option {scan.spelled} von nft nicht nach.")
                return 1
    except GetoptError as bad:
        ctx.eprint(bad.glibc("nft"))
        return 1
    i = len(args) - len(scan.operands)
    words = args[i:]
    for k, w in enumerate(words if not args[i - 1:i] == ["--"] else []):
        if w.startswith("-") and (len(w) == 1 or not w[1].isdigit()):
            return _misplaced(ctx, i + k)
    if files:
        path = files[-1]
        if path == "-":
            text = ctx.stdin
            name = "/dev/stdin"
        else:
            try:
                text = ctx.node.read_file(ctx.abspath(path))
            except (FileNotFoundError, IsADirectoryError, KeyError, OSError):
                ctx.eprint(f'internal:0:0-0: Error: Could not open file "{path}": No such file or directory\n\n')
                return 1
            name = path
        return run_text(ctx, text, opts, name)
    if not words:
        ctx.eprint("nft: no command specified")
        return 1
    return run_text(ctx, " ".join(words) + "\n", opts)
