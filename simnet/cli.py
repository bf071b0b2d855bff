"""Command line: ``simnet run|shell|show|labs|protokoll``.

``simnet run LAB NODE -- CMD…`` prints exactly what the command prints and
exits with its code. ``simnet shell LAB NODE`` is an interactive prompt
(``root@NODE:~# ``). LAB is a YAML file or the name of a shipped lab.
Broken lab files get the German message on stderr and exit code 2.
"""
from __future__ import annotations

import os
import re
import sys
TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

if TYPE_CHECKING:
    import argparse

from simnet.lab import Lab, LabError

__all__ = ["main"]


def _load(spec: str, state: str | None = None) -> Lab:
    # os.path, not pathlib: a shipped lab's name needs no pathlib (with fnmatch and urllib.parse, issue 20)
    if os.path.splitext(os.path.basename(spec.rstrip("/")))[1] in (".yaml", ".yml") or os.path.exists(spec):
        from pathlib import Path

        path = Path(spec)
        lab = Lab.from_yaml(path)
        if state is not None:
            from simnet.loader import apply_state

            apply_state(lab, path, state)
        return lab
    return Lab.load(spec, state=state) if state is not None else Lab.load(spec)


SHELL_HELP = """simnet shell – wie ein Terminal auf dem Knoten, dazu:
  wechsle KNOTEN   auf einen anderen Knoten desselben Labs wechseln (wie ein zweites Terminalfenster)
  knoten           alle Knoten des Labs
  BEFEHL &         im Hintergrund starten (z. B. tcpdump -n -i eth0 icmp &)
  fg               den letzten Hintergrund-Befehl holen und beenden wie mit Strg+C
  warum            erklären, was mit den Paketen des letzten Befehls passiert ist
  ssh HOST         über das simulierte Netz anmelden, exit meldet wieder ab
  exit             beenden
"""


def _foreground(lab: Lab) -> str:
    """``fg``: the newest background job ends like Ctrl-C; its output as a terminal shows it."""
    job = lab.jobs.pop()
    job.result()
    return job.command.rstrip(" &") + "\n" + job.screen()


class _Terminal:
    """The interactive session's logins: ``ssh HOST`` pushes one, ``exit`` pops it."""

    def __init__(self) -> None:
        self.sessions: list[tuple[str, str, str, str]] = []      # (node, user, host as typed, how it ends)

    def ask(self, question: str) -> str | None:
        """A program asks the learner at the terminal (ssh's "Are you sure …?"); None on Ctrl+D."""
        sys.stdout.flush()
        try:
            return input(question)
        except EOFError:
            print()
            return None

    def login(self, node: str, user: str, host: str, closing: str = "ssh") -> None:
        """``closing``: ``ssh`` prints logout and "Connection to HOST closed.", ``exit`` (pct enter) just exit."""
        self.sessions.append((node, user, host, closing))


def _cmd_run(args: argparse.Namespace) -> int:
    words = list(args.command)
    while words and (words[0] in ("--state", "--explain") or words[0].startswith("--state=")):
        # options after NODE: argparse hands them over with the command (REMAINDER)
        if words[0] == "--explain":
            args.explain = True
            words = words[1:]
        elif words[0] == "--state" and len(words) > 1:
            args.state, words = words[1], words[2:]
        elif words[0].startswith("--state="):
            args.state, words = words[0].split("=", 1)[1], words[1:]
        else:
            break
    lab = _load(args.lab, args.state)
    if getattr(args, "program", False):
        settled()
    if words and words[0] == "--":
        words = words[1:]
    if not words:
        print("simnet run: Es fehlt der Befehl (z. B. simnet run lab.yaml laptop -- ip route).", file=sys.stderr)
        return 2
    import shlex

    line = words[0] if len(words) == 1 else " ".join(shlex.quote(w) for w in words)
    res = lab.run(args.node, line)
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    if args.explain and len(res.trace):
        print("\n" + res.trace.explain(), file=sys.stderr)
    return res.returncode


def _cmd_shell(args: argparse.Namespace) -> int:
    from simnet.commands.ssh import prompt

    lab = _load(args.lab, args.state)
    lab.node(args.node)
    terminal = lab.terminal = _Terminal()
    print("Hilfe mit „hilfe“, beenden mit „exit“.", file=sys.stderr)
    try:
        import readline  # noqa: F401  (history and line editing where available)
    except ImportError:  # pragma: no cover
        pass
    status = 0
    last = None
    while True:
        node, user, host, closing = terminal.sessions[-1] if terminal.sessions else (args.node, "root", "", "")
        try:
            line = input(prompt(user, lab.node(node).hostname))
        except EOFError:
            line = "exit"
            print()
        except KeyboardInterrupt:
            print("^C")
            continue
        line = _heredoc_lines(line)
        stripped = line.strip()
        if stripped == "logout" and closing == "ssh":          # an ssh session is a login shell
            stripped = "exit"
        if stripped == "exit" or stripped.startswith("exit "):
            arg = stripped[5:].strip()
            if terminal.sessions:               # leave the ssh session, back to the machine before
                terminal.sessions.pop()
                if closing == "exit":
                    print("exit")
                else:
                    print("logout")
                    print(f"Connection to {host} closed.", file=sys.stderr)
                continue
            return int(arg) & 0xFF if re.fullmatch(r"[0-9]{1,9}", arg) else status
        if stripped in ("explain", "warum"):
            print(last.trace.explain() if last is not None and len(last.trace) else "Noch kein Paket gesendet.")
            continue
        if stripped in ("hilfe", "help"):
            print(SHELL_HELP, end="")
            continue
        if stripped == "knoten":
            print(" ".join(lab.nodes))
            continue
        if stripped.split(" ", 1)[0] == "wechsle":
            target = stripped[7:].strip()
            if target not in lab.nodes:
                print(f"simnet: Einen Knoten „{target}“ gibt es nicht. Knoten: {' '.join(lab.nodes)}", file=sys.stderr)
                continue
            args.node = target                  # another terminal window: ssh sessions end
            terminal.sessions.clear()
            continue
        if stripped == "fg":
            if lab.jobs:
                sys.stdout.write(_foreground(lab))
            else:
                print("bash: fg: current: no such job", file=sys.stderr)
            continue
        last = _run_interruptible(lab, node, line)
        sys.stdout.write(last.stdout)
        sys.stderr.write(last.stderr)
        sys.stdout.flush()
        status = last.returncode


def _heredoc_lines(line: str) -> str:
    """``cat > f <<EOF``: keep reading with bash's ``> `` prompt until the delimiter line."""
    from simnet.commands.heredoc import pending

    while pending(line):
        try:
            line += "\n" + input("> ")
        except EOFError:
            break
    return line


def _run_interruptible(lab: Lab, node: str, line: str):
    """One command of ``simnet shell``: Ctrl+C interrupts it (the tool prints what it prints when
    interrupted) and the prompt comes back with the lab as it is, as in a real terminal."""
    import signal

    from simnet.lab import Result

    pressed: list[bool] = []

    def press(signum, frame) -> None:
        if pressed and lab.sim.tripped is not None:   # pressed twice: stop even a loop that never checks
            raise KeyboardInterrupt                     # (a press ping took and bash spent does not count)
        pressed.append(True)
        lab.sim.interrupt("sigint")

    try:
        previous = signal.signal(signal.SIGINT, press)
    except ValueError:                         # not the main thread: no signals to catch
        return lab.run(node, line)
    try:
        result = lab.run(node, line)
    except KeyboardInterrupt:
        lab.sim.disarm()
        result = Result(130, "", "", node=node, command=line)
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed and not result.stdout and not result.stderr:
        result = Result(result.returncode, "", "^C\n", result.trace, node, line)     # what the terminal echoes
    return result


def _cmd_show(args: argparse.Namespace) -> int:
    lab = _load(args.lab)
    print(f"Lab „{lab.name}“: {len(lab.nodes)} Knoten, {len(lab.segments)} Segmente")
    print()
    print("Knoten:")
    for name, node in lab.nodes.items():
        print(f"  {name}")
        for iface in node.interfaces.values():
            if iface.is_loopback:
                continue
            addrs = ", ".join(a.interface.with_prefixlen for a in iface.addresses) or "(keine Adresse)"
            seg = iface.segment.name if iface.segment else "-"
            state = "UP" if iface.oper_up else "DOWN"
            print(f"    {iface.name:<12} {state:<5} Segment {seg:<12} {addrs}")
    print()
    print("Segmente:")
    for name, segment in lab.segments.items():
        members = ", ".join(f"{n.name}:{i.name}" for n, i in segment.ports)
        print(f"  {name:<14} {members}")
    return 0


def _cmd_labs(args: argparse.Namespace) -> int:
    from pathlib import Path

    here = Path(__file__).parent / "labs"
    import yaml

    for path in sorted(here.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            data = {}
        desc = str(data.get("description", "")).strip().splitlines()
        print(f"{path.stem:<14} {desc[0] if desc else ''}")
    return 0


def _cmd_protokoll(args: argparse.Namespace) -> int:
    from simnet.views.protokoll import ProtokollError, parse_test

    lab = _load(args.lab, args.state)
    try:
        tests = [parse_test(t) for t in args.test] + [parse_test(t, expect_ok=False) for t in args.sperre]
        doc = lab.protokoll(tests=tests or None, state=args.state)
        if args.out is None:
            print(doc.markdown(), end="")
            return 0
        files = doc.save(args.out, force=args.force)
    except ProtokollError as exc:
        print(f"simnet protokoll: {exc}", file=sys.stderr)
        return 2
    print(f"Protokoll geschrieben: {', '.join(str(f) for f in files)} "
          f"({len(doc.results)} Tests, {doc.passed} wie erwartet).")
    return 0


def _cmd_matrix(args: argparse.Namespace) -> int:
    from simnet.tailnet.matrix import outcome_matrix, render_matrix

    print(render_matrix(outcome_matrix()), end="")
    return 0


# the subcommands that need no part of simnet.exercises (see build_parser)
_PLAIN_COMMANDS = frozenset({"run", "shell", "show", "labs", "protokoll", "matrix"})


def build_parser(exercise: bool = True) -> argparse.ArgumentParser:
    """The command line. ``exercise=False`` leaves the ``exercise`` sub-parser without its arguments:
    filling it imports simnet.exercises (answer checking, hashing, snapshots – ~35 ms), which a
    ``simnet run`` never touches (issue 20: the cold start of a command)."""
    import argparse

    parser = argparse.ArgumentParser(prog="simnet", description="simnet – ein Netzwerk-Labor in reinem Python.")
    sub = parser.add_subparsers(dest="cmd", metavar="BEFEHL")
    p = sub.add_parser("run", help="einen Befehl auf einem Knoten ausführen")
    p.add_argument("lab", help="Lab-Datei (YAML) oder Name eines mitgelieferten Labs")
    p.add_argument("node", help="Knoten, auf dem der Befehl läuft")
    p.add_argument("command", nargs=argparse.REMAINDER, help="der Befehl (nach --)")
    p.add_argument("--explain", action="store_true", help="danach erklären, was mit den Paketen passiert ist")
    p.add_argument("--state", help="vorher einen Zustand des Labs herstellen (z. B. ready)")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("shell", help="interaktive Eingabeaufforderung auf einem Knoten")
    p.add_argument("lab", help="Lab-Datei (YAML) oder Name eines mitgelieferten Labs, z. B. heimnetz")
    p.add_argument("node", help="Knoten, auf dem die Eingabeaufforderung startet")
    p.add_argument("--state", help="vorher einen Zustand des Labs herstellen (z. B. ready)")
    p.set_defaults(func=_cmd_shell)
    p = sub.add_parser("show", help="Knoten, Interfaces, Adressen und Segmente anzeigen")
    p.add_argument("lab")
    p.set_defaults(func=_cmd_show)
    p = sub.add_parser("labs", help="mitgelieferte Labs auflisten")
    p.set_defaults(func=_cmd_labs)
    p = sub.add_parser("exercise", help="Übungen: list, start, run, check, hint, exam, review, export")
    if exercise:
        from simnet.exercises.cli import add_arguments as _exercise_arguments, run as _exercise_run
        _exercise_arguments(p)
        p.set_defaults(func=_exercise_run)
    p = sub.add_parser("protokoll", help="Inbetriebnahme-Protokoll eines Labs schreiben (Markdown oder HTML)")
    p.add_argument("lab", help="Lab-Datei (YAML) oder Name eines mitgelieferten Labs")
    p.add_argument("--state", help="vorher einen Zustand des Labs herstellen (z. B. ready)")
    p.add_argument("--out", help="Datei: NAME.md (Netzplan als NAME.svg daneben) oder NAME.html; ohne: Markdown "
                                 "auf die Standardausgabe")
    p.add_argument("--test", action="append", default=[], metavar="'KNOTEN: BEFEHL'",
                   help="ein Test, der gelingen soll (mehrmals möglich); ohne --test/--sperre: jeder Rechner "
                        "pingt sein Standardgateway")
    p.add_argument("--sperre", action="append", default=[], metavar="'KNOTEN: BEFEHL'",
                   help="ein Test, der scheitern soll (z. B. was eine Firewall sperrt)")
    p.add_argument("--force", action="store_true", help="eine veränderte Datei trotzdem überschreiben")
    p.set_defaults(func=_cmd_protokoll)
    p = sub.add_parser("matrix", help="NAT-Typ-Matrix: direkt oder über DERP (jede Zelle wird simuliert)")
    p.set_defaults(func=_cmd_matrix)
    return parser


def _run_as_documented(argv: list[str]) -> "argparse.Namespace | None":
    """``run LAB NODE -- CMD…`` exactly as documented: what argparse makes of it (the first ``--``
    after NODE dropped, the rest the command), without loading argparse (with gettext, locale, re and
    enum: a fifth of a ``simnet run``, issue 20). Anything else – options before NODE, help, errors –
    goes to argparse. tests/test_cli.py compares both."""
    if len(argv) < 4 or argv[0] != "run" or argv[3] != "--" or argv[1].startswith("-") or argv[2].startswith("-"):
        return None
    from types import SimpleNamespace

    return SimpleNamespace(cmd="run", lab=argv[1], node=argv[2], command=argv[4:], explain=False, state=None,  # type: ignore[return-value]
                           func=_cmd_run)


def main(argv: list[str] | None = None) -> int:
    """The ``simnet`` program (``argv`` None: the process's own arguments) or one call of it."""
    program = argv is None
    if program:
        settled()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _run_as_documented(argv)
    if args is None:
        parser = build_parser(exercise=not argv or argv[0] not in _PLAIN_COMMANDS)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
    args.program = program
    try:
        return args.func(args)
    except LabError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if program:
            settled()


def settled() -> None:
    """For the program ``simnet`` only (never for ``main([...])`` in a process that goes on): what stands
    now – the modules, the lab once it is built – lives until the process ends, so the cyclic garbage
    collector need not walk it again and again, nor the interpreter's shutdown three times more (together
    ~8 % of a ``simnet run``, issue 20). ``gc.freeze`` moves it out of the collector's sight; what the
    command makes afterwards is collected as always."""
    import gc

    gc.freeze()



if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
