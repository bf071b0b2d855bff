"""The shell's syntax: words, quotes, ``$VAR``/``$(…)`` expansion, operators, simple commands.

Split from :mod:`simnet.commands.shell` (which runs what this parses): :func:`_tokenize` turns a
line into words and operators the way bash reads them, :func:`_parse` groups them into
pipelines joined by ``;``/``&&``/``||``/``&``, and the here-document helpers fill in bodies.
Errors are :class:`ShellSyntaxError` with bash's words.
"""
from __future__ import annotations

from dataclasses import dataclass
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Callable

from simnet.core.dccache import re_compile, re_escape
from simnet.core.errors import CommandError

__all__ = ["STATUS_MARK", "OPERATORS", "ShellSyntaxError", "Word", "split_words"]

STATUS_MARK = "\x00status\x00"
# longest first: "2>&1" before "2>", "<<<" before "<"
OPERATORS = ("1>&2", "2>&1", ">&2", "2>>", "1>>", "<<<", "<<-", "<<", "&&", "||", ";;", ">>", "&>", "2>", "1>", ">&", ";", "|",
             "&", ">", "<")
OP_START = frozenset(o[0] for o in OPERATORS)
_OPERATOR = re_compile("|".join(re_escape(o) for o in OPERATORS)).match     # first (longest) alternative wins
_PLAIN = re_compile(r"[^ \t\n'\"\\$&|;<>]+")      # characters that mean nothing special inside a word
_QUOTED_RUN = re_compile(r'[^"\\$]+')              # the same inside double quotes



class ShellSyntaxError(CommandError):
    pass


@dataclass
class Word:
    """A word of a command line and whether it was quoted (quoted words are not globbed)."""

    text: str
    quoted: bool = False


def _tokenize(line: str, env: dict[str, str], subst: Callable[[str], str] | None = None) -> list[tuple[str, str]]:
    """Split into ('word', text) and ('op', op) tokens; expands $VARS outside single quotes.

    ``subst`` runs the inside of ``$(…)`` and returns its output (command substitution).
    """
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(line)
    buf: list[str] = []
    in_word = False

    def flush() -> None:
        nonlocal buf, in_word
        if in_word:
            tokens.append(("word", "".join(buf)))
        buf, in_word = [], False

    plain = _PLAIN.match
    while i < n:
        c = line[i]
        if c in " \t\n":
            flush()
            i += 1
            continue
        if in_word or c not in "#~12":
            run = plain(line, i)          # a run of ordinary characters at once (an 8 MB line stays fast)
            if run is not None:
                buf.append(run.group())
                in_word = True
                i = run.end()
                continue
        if c == "#" and not in_word:
            break
        if c == "~" and not in_word and (i + 1 == n or line[i + 1] in "/ \t;|&<>"):
            buf.append(env.get("HOME", "/root"))     # tilde expansion
            in_word = True
            i += 1
            continue
        if c == "'":
            j = line.find("'", i + 1)
            if j < 0:
                raise ShellSyntaxError("unexpected EOF while looking for matching `''")
            buf.append(_protect(line[i + 1:j]))
            in_word = True
            i = j + 1
            continue
        if c == '"':
            j = i + 1
            part: list[str] = []
            while j < n and line[j] != '"':
                run = _QUOTED_RUN.match(line, j)
                if run is not None:
                    part.append(run.group())
                    j = run.end()
                    continue
                if line[j] == "\\" and j + 1 < n and line[j + 1] in '"\\$`':
                    part.append(line[j + 1])
                    j += 2
                    continue
                if line[j] == "$":
                    val, j = _expand(line, j, env, subst)
                    part.append(val)
                    continue
                part.append(line[j])
                j += 1
            if j >= n:
                raise ShellSyntaxError('unexpected EOF while looking for matching `"\'')
            buf.append(_protect("".join(part)))
            in_word = True
            i = j + 1
            continue
        if c == "\\" and i + 1 < n and line[i + 1] == "\n":
            i += 2                       # backslash-newline: the command goes on on the next line
            continue
        if c == "\\" and i + 1 < n:
            buf.append(_protect(line[i + 1]))
            in_word = True
            i += 2
            continue
        if c == "$":
            substituted = line.startswith("$(", i) and subst is not None
            val, i = _expand(line, i, env, subst)
            if substituted:
                # unquoted: the output is split into words at blanks and newlines
                words = val.split()
                for k, word in enumerate(words):
                    if k:
                        flush()
                    buf.append(word)
                    in_word = True
                continue
            buf.append(val)
            in_word = True
            continue
        found = _OPERATOR(line, i) if c in OP_START else None
        op = found.group() if found is not None else None
        if op is not None and not (op[0] in "12" and in_word):
            flush()
            tokens.append(("op", op))
            i += len(op)
            continue
        buf.append(c)
        in_word = True
        i += 1
    flush()
    return tokens


def _protect(text: str) -> str:
    """Quoted text: its glob characters must not expand (see simnet.commands.glob)."""
    from simnet.commands.glob import QUOTED

    for ch, stand_in in QUOTED.items():
        text = text.replace(ch, stand_in)
    return text


def _matching_paren(line: str, j: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``j`` (quotes respected), or -1."""
    depth = 0
    k = j
    while k < len(line):
        c = line[k]
        if c in "'\"":
            end = line.find(c, k + 1)
            if end < 0:
                return -1
            k = end + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return k
        k += 1
    return -1


def _expand(line: str, i: int, env: dict[str, str], subst: Callable[[str], str] | None = None) -> tuple[str, int]:
    j = i + 1
    if j < len(line) and line[j] == "(" and subst is not None:
        k = _matching_paren(line, j)
        if k < 0:
            raise ShellSyntaxError("unexpected EOF while looking for matching `)'")
        return subst(line[j + 1:k]).rstrip("\n"), k + 1
    if j < len(line) and line[j] == "?":
        return STATUS_MARK, j + 1      # expanded when the command runs: `a; echo $?`
    if j < len(line) and line[j] == "{":
        k = line.find("}", j)
        if k > 0:
            return env.get(line[j + 1:k], ""), k + 1
    k = j
    while k < len(line) and (line[k].isalnum() or line[k] == "_"):
        k += 1
    if k == j:
        return "$", j
    return env.get(line[j:k], ""), k


def split_words(line: str) -> list[str]:
    """Split like the shell would (no operators, no expansion of variables)."""
    from simnet.commands.glob import unquote

    return [unquote(t) for kind, t in _tokenize(line, {}) if kind == "word"]


@dataclass
class _Simple:
    """A simple command of a pipeline: its words, redirections and leading VAR=value assignments."""

    argv: list[str]
    redirs: list[tuple[str, str]]
    assigns: dict[str, str]
    cwd: str = "/root"          # where relative redirection targets are opened


def _parse(tokens: list[tuple[str, str]]) -> list[tuple[str, list[_Simple]]]:
    """→ list of (connector-before, pipeline). Connector is ';', '&&', '||' or '&'."""
    chains: list[tuple[str, list[_Simple]]] = []
    connector = ";"
    pipeline: list[_Simple] = []
    current = _Simple([], [], {})
    pending: str | None = None

    def end_simple() -> None:
        nonlocal current
        if pending is not None:
            raise ShellSyntaxError("syntax error near unexpected token `newline'")
        if not current.argv and not current.redirs and not current.assigns:
            raise ShellSyntaxError("empty")
        pipeline.append(current)
        current = _Simple([], [], {})

    for kind, text in tokens:
        if kind == "word":
            if pending is not None:
                current.redirs.append((pending, text))
                pending = None
            elif not current.argv and "=" in text and text.split("=", 1)[0].isidentifier():
                k, v = text.split("=", 1)
                current.assigns[k] = v
            else:
                current.argv.append(text)
            continue
        if text in (">", ">>", "2>", "2>>", "&>", "<", ">&", "1>", "1>>", "<<<", "<<", "<<-"):
            if pending is not None:
                raise ShellSyntaxError(f"syntax error near unexpected token `{text}'")
            pending = {"1>": ">", "1>>": ">>", "<<-": "<<"}.get(text, text)
            continue
        if text in ("2>&1", "1>&2", ">&2"):
            current.redirs.append(("2>&1" if text == "2>&1" else "1>&2", ""))
            continue
        if text == "|":
            try:
                end_simple()
            except ShellSyntaxError as exc:
                raise ShellSyntaxError("syntax error near unexpected token `|'") from exc
            continue
        if text in (";", "&&", "||", "&", ";;"):
            if pending is not None:
                raise ShellSyntaxError(f"syntax error near unexpected token `{text}'")
            if not current.argv and not current.redirs and not current.assigns and not pipeline:
                raise ShellSyntaxError(f"syntax error near unexpected token `{text}'")
            end_simple()
            chains.append((connector, pipeline))
            pipeline = []
            connector = text
    if pending is not None:
        raise ShellSyntaxError("syntax error near unexpected token `newline'")
    if current.argv or current.redirs or current.assigns:
        end_simple()
    elif pipeline or (chains and connector in ("&&", "||")):
        raise ShellSyntaxError("syntax error: unexpected end of file")     # bash wants another line
    if pipeline:
        chains.append((connector, pipeline))
    return chains


def _syntax_message(text: str, line: str) -> str:
    """A syntax error as ``bash -c`` reports it: the line number, and for a bad token the line itself.

    (The comparison with the kernel runs every command through ``bash -c``.)"""
    if text.startswith("syntax error: unexpected end of file"):
        return f"bash: -c: line 2: {text}\n"
    if text.startswith("syntax error near"):
        return f"bash: -c: line 1: {text}\nbash: -c: line 1: `{line}'\n"
    return f"bash: -c: line 1: {text}\n"


def _fill_heredocs(chains: list[tuple[str, list[_Simple]]], bodies: list[tuple[str, bool]],
                   env: dict[str, str], substitute: Callable[[str], str]) -> None:
    """Give every ``<< WORD`` of the line its body, in order; unquoted words expand $VAR and $(…)."""
    queue = list(bodies)
    for _connector, pipeline in chains:
        for simple in pipeline:
            for k, (op, _word) in enumerate(simple.redirs):
                if op != "<<":
                    continue
                body, expand = queue.pop(0) if queue else ("", False)
                simple.redirs[k] = (op, _expand_body(body, env, substitute) if expand else _protect(body))


def _expand_body(body: str, env: dict[str, str], substitute: Callable[[str], str]) -> str:
    """A here-document's body with an unquoted delimiter: \\$, \\` and \\\\ escape, $… expands."""
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] in "$`\\":
            out.append(body[i + 1])
            i += 2
            continue
        if c == "\\" and i + 1 < len(body) and body[i + 1] == "\n":
            i += 2
            continue
        if c == "$":
            val, i = _expand(body, i, env, substitute)
            out.append(val)
            continue
        out.append(c)
        i += 1
    return _protect("".join(out))
