"""One command-line scanner for the tools that take clustered short options (glibc getopt_long).

ping, nc and tcpdump parse their argv with glibc's ``getopt``/``getopt_long``; traceroute
2.1.2 uses its own CLIF library, which scans the same way but takes a long option's value
only after ``=`` and knows no abbreviations. :class:`Getopt` does the scanning once for
all of them, and :class:`GetoptError` carries what went wrong so that each tool prints it in
its own words (:meth:`GetoptError.glibc` gives glibc's texts, traceroute formats CLIF's).

What glibc does and this reproduces:

* short options cluster (``-nc 1``, ``-c1``); a required argument is the rest of the word or
  the next word, whatever it looks like (``-c -5`` takes ``-5``); ``x::`` takes only an
  attached argument;
* ``--name=value`` and ``--name value``; a unique prefix of a long option is that option, and
  several prefixes that all mean the same thing are not ambiguous (glibc picks the first);
* ``--`` ends the options, a lone ``-`` is an operand, and operands may stand between options
  (permutation) unless the option string starts with ``+``.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from simnet.core.errors import CommandError

__all__ = ["NO", "REQUIRED", "OPTIONAL", "Long", "Getopt", "GetoptError"]

NO, REQUIRED, OPTIONAL = 0, 1, 2


@dataclass(frozen=True)
class Long:
    """One entry of getopt_long's ``struct option`` table: ``key`` is what the scanner yields."""

    name: str
    has_arg: int = NO
    key: str = ""

    @property
    def value(self) -> str:
        return self.key or self.name


class GetoptError(CommandError):
    """A bad option; ``kind`` says which of glibc's five complaints (plus ``longmissing``) it is.

    kinds: ``invalid`` (unknown short option), ``missing`` (short option without its argument),
    ``unrecognized`` (unknown long option), ``ambiguous``, ``noarg`` (a flag given ``=value``),
    ``longmissing`` (long option without its argument). ``word`` is the argv word as typed
    after the dashes (``foo=bar`` for ``--foo=bar``), ``argc`` its 1-based position.
    """

    def __init__(self, kind: str, opt: str, argc: int, word: str = "", possibilities: tuple[str, ...] = ()) -> None:
        super().__init__(kind, opt)
        self.kind = kind
        self.opt = opt
        self.argc = argc
        self.word = word
        self.possibilities = possibilities

    def glibc(self, prog: str) -> str:
        """The line glibc's getopt prints on stderr (without the newline)."""
        if self.kind == "invalid":
            return f"{prog}: invalid option -- '{self.opt}'"
        if self.kind == "missing":
            return f"{prog}: option requires an argument -- '{self.opt}'"
        if self.kind == "unrecognized":
            return f"{prog}: unrecognized option '--{self.word}'"
        if self.kind == "ambiguous":
            names = " ".join(f"'--{p}'" for p in self.possibilities)
            return f"{prog}: option '--{self.word}' is ambiguous; possibilities: {names}"
        if self.kind == "noarg":
            return f"{prog}: option '--{self.opt}' doesn't allow an argument"
        return f"{prog}: option '--{self.opt}' requires an argument"


def _short_table(spec: str) -> dict[str, int]:
    table: dict[str, int] = {}
    k = 0
    while k < len(spec):
        ch = spec[k]
        colons = 0
        while k + 1 + colons < len(spec) and spec[k + 1 + colons] == ":" and colons < 2:
            colons += 1
        table[ch] = colons
        k += 1 + colons
    return table


class Getopt:
    """Iterate ``(key, value)`` pairs in argv order; operands collect in :attr:`operands`.

    Iteration raises :class:`GetoptError` at the first bad option, after the options before it
    were yielded (tools act on those first, as the C loop does). After each pair,
    :attr:`argc` is the position of the word the option stood in and :attr:`value_argc` that
    of its argument, :attr:`spelled` the option as the tool names it (``-m``, ``--max-hops``).
    Without ``longopts`` it is getopt(3), where ``--foo`` is an invalid option ``-``;
    ``long_needs_eq``, ``abbrev=False`` and ``glued_first_only`` give CLIF's rules (there
    ``-q1`` is fine but in ``-nq1`` the ``-q`` misses its argument: only the first letter of a
    word may carry its value glued on).
    """

    def __init__(self, args: list[str], shortopts: str, longopts: Iterable[Long] | None = None, *,
                 long_needs_eq: bool = False, abbrev: bool = True, glued_first_only: bool = False) -> None:
        self.args = list(args)
        self.permute = not shortopts.startswith("+")
        self.short = _short_table(shortopts.lstrip("+:"))
        self.plain = longopts is None          # getopt(3): ``--foo`` is the cluster -, f, o, o
        self.longs = list(longopts or ())
        self.long_needs_eq = long_needs_eq
        self.abbrev = abbrev
        self.glued_first_only = glued_first_only
        self.operands: list[str] = []
        self.operand_argc: list[int] = []
        self.argc = 0
        self.value_argc = 0
        self.spelled = ""

    def _operand(self, i: int) -> None:
        self.operands.append(self.args[i])
        self.operand_argc.append(i + 1)

    def __iter__(self) -> Iterator[tuple[str, str | None]]:
        args, n, i = self.args, len(self.args), 0
        while i < n:
            a = args[i]
            if a == "--":
                for k in range(i + 1, n):
                    self._operand(k)
                return
            if a == "-" or not a.startswith("-"):
                if not self.permute:
                    for k in range(i, n):
                        self._operand(k)
                    return
                self._operand(i)
                i += 1
                continue
            self.argc = self.value_argc = i + 1
            if a.startswith("--") and not self.plain:
                opt, long_value, i = self._long(a[2:], i)
                yield opt, long_value
                i += 1
                continue
            j = 1
            while j < len(a):
                ch = a[j]
                has = self.short.get(ch) if ch != ":" else None
                if has is None:
                    raise GetoptError("invalid", ch, i + 1, a[1:])
                self.spelled = f"-{ch}"
                if has == NO:
                    yield ch, None
                    j += 1
                    continue
                value: str | None = a[j + 1:]
                if value and self.glued_first_only and j > 1:
                    raise GetoptError("missing", ch, i + 1, a[1:])
                if not value:
                    if has == OPTIONAL:
                        value = None
                    elif i + 1 < n:
                        i += 1
                        value = args[i]
                        self.value_argc = i + 1
                    else:
                        raise GetoptError("missing", ch, i + 1, a[1:])
                yield ch, value
                break
            i += 1

    def lookup(self, name: str) -> Long | list[Long] | None:
        """The long option ``name`` means: exact, unique prefix, or the ambiguous set (glibc order)."""
        for lo in self.longs:
            if lo.name == name:
                return lo
        if not self.abbrev or not name:
            return None
        found: Long | None = None
        ambiguous: list[Long] = []
        for lo in self.longs:
            if not lo.name.startswith(name):
                continue
            if found is None:
                found = lo
            elif (lo.has_arg, lo.value) != (found.has_arg, found.value):
                ambiguous = ambiguous or [found]
                ambiguous.append(lo)
        return ambiguous or found

    def _long(self, word: str, i: int) -> tuple[str, str | None, int]:
        name, eq, value = word.partition("=")
        hit = self.lookup(name)
        if hit is None:
            raise GetoptError("unrecognized", name, i + 1, word)
        if isinstance(hit, list):
            raise GetoptError("ambiguous", name, i + 1, word, tuple(lo.name for lo in hit))
        self.spelled = f"--{hit.name}"
        if eq:
            if hit.has_arg == NO:
                raise GetoptError("noarg", hit.name, i + 1, word)
            return hit.value, value, i
        if hit.has_arg == REQUIRED:
            if self.long_needs_eq or i + 1 >= len(self.args):
                raise GetoptError("longmissing", hit.name, i + 1, word)
            self.value_argc = i + 2
            return hit.value, self.args[i + 1], i + 1
        return hit.value, None, i
