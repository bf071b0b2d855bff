"""A small bash: the parts learners paste from the seed.

Supported: quoting ('…', "…", backslash), comments, ``;``, ``&&``, ``||``,
pipes, ``>``/``>>``/``2>``/``2>&1``/``&>``/``<`` redirections, a trailing
``&`` (starts a background job, see :mod:`simnet.jobs`), ``sudo [-E|-i|-s] …``,
``$?``, ``$HOSTNAME``/``$USER``/``$HOME``, and ``VAR=value`` prefixes.
Errors are worded as bash words them. Reading a line (words, quotes, expansion, operators,
here-document bodies) is :mod:`simnet.commands.shell_syntax`; this module runs what it parsed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.commands.base import Context
from simnet.commands.shell_syntax import (STATUS_MARK, ShellSyntaxError, _fill_heredocs, _parse, _Simple,
                                          _syntax_message, _tokenize, split_words)
from simnet.core.guard import Interrupted

if TYPE_CHECKING:
    from typing import Any
    from simnet.kernel.node import Node
    from simnet.lab import Lab

__all__ = ["ShellResult", "run_line", "split_words", "ShellSyntaxError", "sh_main"]

SUDO_USAGE = (
    "usage: sudo -h | -K | -k | -V\n"
    "usage: sudo -v [-ABkNnS] [-g group] [-h host] [-p prompt] [-u user]\n"
    "usage: sudo -l [-ABkNnS] [-g group] [-h host] [-p prompt] [-U user] [-u user]\n"
    "            [command [arg ...]]\n"
    "usage: sudo [-ABbEHkNnPS] [-r role] [-t type] [-C num] [-D directory] [-g\n"
    "            group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user]\n"
    "            [VAR=value] [-i | -s] [command [arg ...]]\n"
    "usage: sudo -e [-ABkNnS] [-r role] [-t type] [-C num] [-D directory] [-g group]\n"
    "            [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] file ...\n")


@dataclass
class ShellResult:
    """What a command line left: exit status, stdout, stderr and the packets' journeys."""

    returncode: int
    stdout: str
    stderr: str
    journeys: list = field(default_factory=list)


def split_words_expanded(node: "Node", lab: "Lab", line: str, env: dict[str, str]) -> list[str]:
    """Words with $VARS and $(…) expanded (the list of a for-loop)."""
    def substitute(inner: str) -> str:
        return run_line(node, lab, inner, dict(env)).stdout

    from simnet.commands.glob import expand

    words = [t for kind, t in _tokenize(line, env, substitute) if kind == "word"]
    return [w for word in words for w in expand(node, word, env.get("PWD", "/root"))]


MAX_SHELL_DEPTH = 64     # shells inside shells ($(…), sh script, for-bodies); a real box runs out of processes


def run_line(node: "Node", lab: "Lab", line: str, env: dict[str, str] | None = None,
             background_job: Any = None, heredocs: list[tuple[str, bool]] | None = None) -> ShellResult:
    """Run one command line on ``node`` as root's interactive bash would.

    A pipeline followed by ``&`` becomes a background job (:mod:`simnet.jobs`);
    with ``background_job`` the last pipeline runs as that job. A script that runs
    itself ends like a fork bomb on a real box: ``fork: Resource temporarily
    unavailable``, and the whole line stops.
    """
    if lab.sim.tripped is not None:
        return ShellResult(130, "", "")
    if lab.shell_depth >= MAX_SHELL_DEPTH:
        lab.sim.interrupt("fork")
        return ShellResult(126, "", "bash: fork: Resource temporarily unavailable\n")
    lab.shell_depth += 1
    try:
        return _run_line(node, lab, line, env, background_job, heredocs)
    finally:
        lab.shell_depth -= 1


def _run_line(node: "Node", lab: "Lab", line: str, env: dict[str, str] | None,
              background_job: Any, heredocs: list[tuple[str, bool]] | None) -> ShellResult:
    from simnet.commands.registry import lookup

    env = env if env is not None else {}
    env.setdefault("?", "0")
    if "<<" in line and heredocs is None and background_job is None:
        from simnet.commands.heredoc import has_markers, run_script

        if has_markers(line):          # here-documents: each command line gets its bodies
            return run_script(node, lab, line, env, run_line)
    if line.lstrip().startswith(("for ", "if ")) and background_job is None:
        from simnet.commands.shell_compound import run_compound

        compound = run_compound(node, lab, line, env, run_line)
        if compound is not None:
            env["?"] = str(compound.returncode)
            return compound
    env.setdefault("HOSTNAME", node.hostname)
    env.setdefault("USER", "root")
    env.setdefault("HOME", "/root")
    env.setdefault("PWD", "/root")
    out: list[str] = []
    err: list[str] = []
    journeys: list = []
    def substitute(inner: str) -> str:
        """``$(…)``: run in a subshell; its stderr goes to the terminal, its status to ``$?``."""
        sub = run_line(node, lab, inner, dict(env))
        err.append(sub.stderr)
        journeys.extend(sub.journeys)
        return sub.stdout

    try:
        tokens = _tokenize(line, env, substitute)
        chains = _parse(tokens)
        if heredocs is not None:
            _fill_heredocs(chains, heredocs, env, substitute)
    except ShellSyntaxError as exc:
        if str(exc) == "empty":
            return ShellResult(0, "", "")
        return ShellResult(2, "", _syntax_message(str(exc), line))
    if not chains:
        return ShellResult(0, "", "".join(err), journeys)     # blank or comment: nothing ran
    status = int(env.get("?", "0"))
    trailing_bg = bool(tokens) and tokens[-1] == ("op", "&")
    for index, (connector, pipeline) in enumerate(chains):
        if connector == "&&" and status != 0:
            continue
        if connector == "||" and status == 0:
            continue
        last_chain = index == len(chains) - 1
        if (last_chain and (trailing_bg or background_job is not None)) or \
                (not last_chain and chains[index + 1][0] == "&"):
            job = background_job if last_chain and background_job is not None else _new_job(node, lab, pipeline)
            _run_background(node, lab, pipeline, job, env, lookup)
            status = 0
            env["?"] = "0"
            continue
        if lab.sim.tripped is not None:        # Ctrl+C ends the whole line
            break
        stdin = ""
        for k, simple in enumerate(pipeline):
            last = k == len(pipeline) - 1
            ctx_out: list[str] = []
            try:
                status = _run_simple(node, lab, simple, stdin, ctx_out, err, journeys, env, lookup)
            except ExitShell as stop:
                if len(pipeline) == 1:      # in a pipeline, exit only ends its own subshell
                    out.append("".join(ctx_out))
                    env["?"] = str(stop.code)
                    env["_exited"] = "1"
                    return ShellResult(stop.code, "".join(out), "".join(err), journeys)
                status = stop.code
            stdin = "".join(ctx_out)
            if last:
                out.append(stdin)
        env["?"] = str(status)
        # Ctrl+C: a program that caught it and exited by itself (ping's summary, tcpdump) lets bash go on
        # with the line, its status deciding && and ||; one that died of it (sleep) ends the whole line
        # (a pipeline's other programs die of the signal: that ends it too)
        if lab.sim.tripped is not None and not (len(pipeline) == 1 and lab.sim.absorb_sigint()):
            break
    if lab.sim.tripped is not None and not lab.sim.caught:
        status = 130             # interrupted; a program that caught Ctrl+C keeps its own status
    return ShellResult(status, "".join(out), "".join(err), journeys)


def _new_job(node: "Node", lab: "Lab", pipeline: list[_Simple]) -> Any:
    from simnet.jobs import Job

    text = " | ".join(" ".join(simple.argv) for simple in pipeline)
    job = Job(lab, node.name, text, len(lab.jobs) + 1)
    lab.jobs.append(job)
    return job


def _run_background(node: "Node", lab: "Lab", pipeline: list[_Simple], job: Any, env: dict[str, str],
                    lookup) -> None:
    """Run a pipeline as ``job``: its output goes to the job, not to the terminal."""
    if len(pipeline) == 1:
        try:
            status = _run_simple(node, lab, pipeline[0], "", job.stdout, job.stderr, job.journeys, dict(env),
                                 lookup, job=job)
        except ExitShell as stop:        # `exit 3 &` ends only the background subshell
            status = stop.code
        if job._stop is None:
            job.finish(status)
        return
    stdin = ""
    status = 0
    for k, simple in enumerate(pipeline):
        ctx_out: list[str] = []
        try:
            status = _run_simple(node, lab, simple, stdin, ctx_out, job.stderr, job.journeys, dict(env), lookup)
        except ExitShell as stop:
            status = stop.code
        stdin = "".join(ctx_out)
    job.stdout.append(stdin)
    job.finish(status)


def _run_simple(node: "Node", lab: "Lab", simple: _Simple, stdin: str, out: list[str], err: list[str],
                journeys: list, env: dict[str, str], lookup, job: Any = None) -> int:
    from simnet.commands.glob import expand, unquote

    status_now = env.get("?", "0")
    cwd = env.get("PWD", "/root")
    argv = [w for a in simple.argv for w in expand(node, a.replace(STATUS_MARK, status_now), cwd)]
    simple = _Simple(argv, [(op, unquote(t.replace(STATUS_MARK, status_now))) for op, t in simple.redirs],
                     {k: unquote(v.replace(STATUS_MARK, status_now)) for k, v in simple.assigns.items()}, cwd)
    if not argv:
        env.update(simple.assigns)
        return _apply_redirs(node, simple, "", "", out, err) if simple.redirs else 0
    via_sudo = False
    while argv and argv[0] == "sudo":
        via_sudo = True
        argv.pop(0)
        while argv and argv[0].startswith("-") and argv[0] in ("-E", "-H", "-i", "-s", "-n", "-S", "--"):
            argv.pop(0)
        if not argv:
            err.append(SUDO_USAGE)
            return 1
    builtin = _BUILTINS.get(argv[0])
    if builtin is not None:
        ctx = Context(node, lab, argv, stdin, cwd=env.get("PWD", "/root"), home=env.get("HOME", "/root"))
        try:
            code = builtin(ctx, env)
        except ExitShell:
            _apply_redirs(node, simple, "".join(ctx.out), "".join(ctx.err), out, err)
            raise
        rc = _apply_redirs(node, simple, "".join(ctx.out), "".join(ctx.err), out, err)
        return code if rc == 0 else rc
    # input redirection
    for op, target in simple.redirs:
        if op == "<<<":
            stdin = target + "\n"          # here-string
        elif op == "<<":
            stdin = target                 # here-document (its body, filled in by run_line)
        elif op == "<":
            try:
                stdin = node.read_file(_redir_path(op, target, cwd))
            except FileNotFoundError:
                err.append(f"bash: {target}: No such file or directory\n")
                return 1
            except IsADirectoryError:
                err.append(f"bash: {target}: Is a directory\n")
                return 1
    # output redirections are opened before the command runs (bash order)
    prog = lookup(argv[0])
    if prog is not None and not getattr(prog, "installed", lambda _node: True)(node):
        prog = None                    # its package is not installed on this node (netfilter-persistent)
    if prog is None and "/" in argv[0]:
        prog = _script(node, argv[0], cwd)
    if prog is None:
        if via_sudo:      # sudo looks the command up itself and exits 1
            ctx_err = [f"sudo: {argv[0]}: command not found\n"]
            code = 1
        else:
            ctx_err = [f"bash: {argv[0]}: command not found\n"] if "/" not in argv[0] else \
                [f"bash: {argv[0]}: No such file or directory\n"]
            code = 127
        stdout_text = ""
        stderr_text = "".join(ctx_err)
        rc = _apply_redirs(node, simple, stdout_text, stderr_text, out, err)
        return code if rc == 0 else rc
    ctx = Context(node, lab, argv, stdin, job=job, cwd=env.get("PWD", "/root"), home=env.get("HOME", "/root"))
    if job is not None and not simple.redirs:       # its output goes to the terminal as it is written
        ctx.tty = job.terminal
    try:
        lab.sim.charge()
        code = prog(ctx)
    except Interrupted:       # the guard (or the learner) pressed Ctrl+C: keep what was printed
        code = 130
    except Exception as exc:  # a bug in simnet must never show a Python traceback to a learner
        from simnet.commands.base import UsageError

        if isinstance(exc, UsageError):
            ctx.eprint(exc.message)
            code = exc.code
        else:
            ctx.eprint(f"simnet: interner Fehler in `{argv[0]}`: {type(exc).__name__}: {exc}")
            code = 70
    journeys.extend(ctx.journeys)
    if job is not None and ctx.deferred is not None:
        done, stop = ctx.deferred

        def finish() -> int:
            code = stop()
            rc = _apply_redirs(node, simple, "".join(ctx.out), "".join(ctx.err), out, err)
            return code if rc == 0 else rc

        job.attach(done, finish)
        if any(op not in ("2>&1", "1>&2", "<", "<<<", "<<") for op, _ in simple.redirs):
            _apply_redirs(node, simple, "", "", [], [])     # bash opens (and truncates) the file at once
        return 0
    rc = _apply_redirs(node, simple, "".join(ctx.out), "".join(ctx.err), out, err)
    return code if rc == 0 else rc


def _script(node: "Node", name: str, cwd: str):
    """``./backup.sh``: an executable file runs in a child bash; otherwise bash's refusal."""
    from simnet.commands.fileutils import kind, mode_of

    path = _redir_path("<", name, cwd)
    what = kind(node, path)
    if what is None:
        return None
    if what == "dir" or not mode_of(node, path) & 0o111:
        reason = "Is a directory" if what == "dir" else "Permission denied"

        def refuse(ctx: Context) -> int:
            ctx.eprint(f"bash: {name}: {reason}")
            return 126
        return refuse

    def run(ctx: Context) -> int:
        ctx.argv = ["bash", path, *ctx.argv[1:]]
        return sh_main(ctx)
    return run


def _redir_path(op: str, target: str, cwd: str) -> str:
    """A redirection's file name as open() sees it: relative to the working directory."""
    if op in ("<<<", "<<", "2>&1", "1>&2") or not target or target.startswith("/"):
        return target
    return cwd.rstrip("/") + "/" + target


class ExitShell(Exception):
    """``exit N``: the rest of the line is not run."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _cd(ctx: Context, env: dict[str, str]) -> int:
    """bash's cd: the new directory must exist; ``cd`` alone goes home."""
    from simnet.kernel import procfs

    args = ctx.args[1:] if ctx.args[:1] == ["--"] else ctx.args
    if len(args) > 1:
        ctx.eprint("bash: cd: too many arguments")
        return 1
    target = args[0] if args else env.get("HOME", "/root")
    if target == "-":
        target = env.get("OLDPWD", ctx.cwd)
    full = procfs._normalize(ctx.abspath(target))
    if procfs.is_dir(ctx.node, full):
        env["OLDPWD"], env["PWD"] = ctx.cwd, full
        return 0
    try:
        ctx.node.read_file(full)
    except (FileNotFoundError, IsADirectoryError):
        ctx.eprint(f"bash: cd: {target}: No such file or directory")
        return 1
    ctx.eprint(f"bash: cd: {target}: Not a directory")
    return 1


def _pwd(ctx: Context, env: dict[str, str]) -> int:
    ctx.print(ctx.cwd)
    return 0


def _exit(ctx: Context, env: dict[str, str]) -> int:
    args = ctx.args
    if not args:
        raise ExitShell(int(env.get("?", "0")))
    if not re.fullmatch(r"[+-]?\d+", args[0]):
        ctx.eprint(f"bash: exit: {args[0]}: numeric argument required")
        raise ExitShell(2)
    if len(args) > 1:
        ctx.eprint("bash: exit: too many arguments")
        return 1
    raise ExitShell(int(args[0]) & 0xFF)


_BUILTINS = {"cd": _cd, "pwd": _pwd, "exit": _exit}


def _apply_redirs(node: "Node", simple: _Simple, stdout: str, stderr: str, out: list[str], err: list[str]) -> int:
    """Route stdout/stderr to files or to the caller's buffers."""
    # fd -> where it goes: the pipe, stderr, or a file (path, append)
    targets: dict[str, tuple[str, tuple[str, bool] | None]] = {"1": ("pipe", None), "2": ("err", None)}
    for op, path in simple.redirs:
        if op in (">", ">>"):
            targets["1"] = ("file", (path, op == ">>"))
        elif op in ("2>", "2>>"):
            targets["2"] = ("file", (path, op == "2>>"))
        elif op == "2>&1":
            targets["2"] = targets["1"]
        elif op == "1>&2":
            targets["1"] = targets["2"]
        elif op in ("&>", ">&"):
            targets["1"] = targets["2"] = ("file", (path, False))
    status = 0
    written: set[str] = set()
    for fd, text in (("1", stdout), ("2", stderr)):
        kind, arg = targets[fd]
        if kind == "pipe":
            out.append(text)
        elif kind == "err":
            err.append(text)
        elif arg is not None:
            path, append = arg
            try:
                node.write_file(_redir_path(">", path, simple.cwd), text, append or path in written)
                written.add(path)
            except IsADirectoryError:
                err.append(f"bash: {path}: Is a directory\n")
                status = 1
            except FileNotFoundError:
                err.append(f"bash: {path}: No such file or directory\n")
                status = 1
            except PermissionError:
                err.append(f"bash: {path}: Permission denied\n")
                status = 1
            except OSError as exc:
                err.append(f"bash: echo: write error: {exc.strerror or exc}\n")
                status = 1
    return status


def sh_main(ctx: Context) -> int:
    """``sh -c '…'`` / ``bash -c '…'``: a child shell (its cd and variables stay inside); without -c
    it reads the commands from stdin (``echo 'ip a' | sh``)."""
    name = ctx.prog.rsplit("/", 1)[-1]
    args = ctx.args
    if args and args[0] == "-c":
        if len(args) < 2:
            ctx.eprint("sh: 0: -c requires an argument" if name in ("sh", "dash")
                       else f"{name}: -c: option requires an argument")
            return 2
        lines = [args[1]]
    elif args and not args[0].startswith("-"):
        try:
            lines = ctx.node.read_file(ctx.abspath(args[0])).splitlines()
        except (FileNotFoundError, IsADirectoryError):
            ctx.eprint(f"{name}: 0: cannot open {args[0]}: No such file" if name in ("sh", "dash")
                       else f"{name}: {args[0]}: No such file or directory")
            return 2 if name in ("sh", "dash") else 127
    else:
        lines = ctx.stdin.splitlines()
    return run_lines(ctx, ctx.node, lines, {"PWD": ctx.cwd})


def run_lines(ctx: Context, node: "Node", lines: list[str], env: dict[str, str]) -> int:
    """A shell reading ``lines`` on ``node`` (``sh FILE``, ssh's and pct's remote shells); output to ``ctx``."""
    status = 0
    for line in lines:
        if ctx.lab.sim.tripped is not None:
            break
        res = run_line(node, ctx.lab, line, env)
        ctx.out.append(res.stdout)
        ctx.err.append(res.stderr)
        ctx.journeys.extend(res.journeys)
        status = res.returncode
        if env.get("_exited"):
            break
    return status
