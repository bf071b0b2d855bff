"""The ``nft`` program (nftables 1.0.6): options, one batch of commands, nft's errors, exit 1.

``nft [ options ] [ cmds... ]`` joins the command words with spaces and parses
them like a file; ``-f FILE`` (``-`` for stdin) reads a file, whose errors are
prefixed ``FILE:LINE:FIRST-LAST:``. ``-c`` checks without changing anything;
``-a``, ``-n``, ``-s`` shape the listing.
"""
from __future__ import annotations

from typing import Any

from simnet.commands.base import Context
from simnet.commands.netfilter_help import NFT_HELP
from simnet.commands.nft import render_rule, uses_compat
from simnet.commands.nft_ast import Command
from simnet.commands.nft_eval import Batch
from simnet.commands.nft_errors import Mark, NftError, render_error
from simnet.commands.nft_list import Listing, list_command
from simnet.commands.nft_parse import parse
from simnet.kernel.nftables import NftError as KernelNftError

__all__ = ["main", "run_text"]

FLAGS = {"-a": "handles", "--handle": "handles", "-n": "numeric", "--numeric": "numeric", "-s": "stateless",
         "--stateless": "stateless", "-c": "check", "--check": "check", "-e": "echo", "--echo": "echo",
         "-t": "terse", "--terse": "terse", "-y": "numeric_priority", "-p": "numeric_protocol", "-S": "service",
         "-N": "reversedns", "-u": "guid", "-T": "numeric_time"}


def _xt_text(rule: Any, family: str) -> str:
    """A rule iptables-nft wrote, as nft translates its compat expressions."""
    return render_rule(rule, family)


def run_text(ctx: Context, text: str, opts: set[str], filename: str | None = None) -> int:
    """Parse and run ``text`` as one batch; listings to stdout, nft's error to stderr."""
    nf = ctx.node.netfilter
    try:
        cmds = parse(text)
    except NftError as err:
        ctx.err.append(render_error(text, err, filename))
        return 1
    out = Listing("handles" in opts, "numeric" in opts, "stateless" in opts, _xt_text)
    batch = Batch(nf, lambda name: name in ctx.node.interfaces, text)
    printed: list[str] = []

    class _Undo(Exception):
        pass

    try:
        with nf.transaction():
            for cmd in cmds:
                if cmd.verb == "list":
                    printed += list_command(nf, cmd, out)
                    continue
                batch.run(cmd)
            if "check" in opts:
                raise _Undo()
    except _Undo:
        pass
    except NftError as err:
        ctx.err.append(render_error(text, err, filename))
        return 1
    except KernelNftError as err:      # an object the batch could not name better
        ctx.err.append(render_error(text, NftError(f"Could not process rule: {err.strerror}", Mark(0, 1)),
                                    filename))
        return 1
    for line in printed:
        ctx.print(line)
    _warn_managed(ctx, cmds)
    return 0


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
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "-":
        a = args[i]
        if a == "--":
            i += 1
            break
        if a in ("-h", "--help"):
            ctx.out.append(NFT_HELP)
            return 0
        if a in ("-v", "--version", "-V"):
            ctx.print("nftables v1.0.6 (Lester Gooch #5)")
            return 0
        if a in ("-f", "--file"):
            if i + 1 >= len(args):
                ctx.eprint("nft: option requires an argument -- 'f'")
                return 1
            files.append(args[i + 1])
            i += 2
            continue
        if a.startswith("--file="):
            files.append(a.split("=", 1)[1])
        elif a in FLAGS:
            opts.add(FLAGS[a])
        elif len(a) > 2 and a[1] != "-" and all(("-" + c) in FLAGS for c in a[1:]):
            opts.update(FLAGS["-" + c] for c in a[1:])
        else:
            ctx.eprint(f"nft: invalid option -- '{a.lstrip('-')[:1]}'" if not a.startswith("--")
                       else f"nft: unrecognized option '{a}'")
            return 1
        i += 1
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
