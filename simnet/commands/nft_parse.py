"""nft's grammar (the part learners use): commands, table/chain/set blocks.

A recursive-descent parser over :func:`simnet.commands.nft_lex.tokenize`'s
tokens. Syntax errors carry bison's wording ("syntax error, unexpected
newline, expecting string") and the token's place; rules are parsed by
:mod:`simnet.commands.nft_rule`.
"""
from __future__ import annotations

from collections.abc import Iterator

from simnet.commands.nft_ast import ChainSpec, Command, RuleSpec, SetSpec, Value
from simnet.commands.nft_errors import Mark, NftError
from simnet.commands.nft_lex import SCOPES, Token, describe, tokenize

__all__ = ["Parser", "parse", "FAMILIES"]

FAMILIES = ("ip", "ip6", "inet", "arp", "bridge", "netdev")
VERBS = ("add", "create", "insert", "replace", "delete", "destroy", "list", "flush", "reset", "rename", "get")


def mark(tok: Token) -> Mark:
    return Mark(tok.start, max(tok.end, tok.start + 1))


class Parser:
    """Walks the token list; ``tok`` is the current token."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.defines: dict[str, list[Token]] = {}     # ``define NAME = value`` (file scope)

    # ----------------------------------------------------------- helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def error(self, expecting: str = "", tok: Token | None = None, scope: frozenset[str] = frozenset()) -> NftError:
        tok = tok or self.tok
        msg = f"syntax error, unexpected {describe(tok, scope)}" + (f", expecting {expecting}" if expecting else "")
        if tok.kind == "eof":
            return NftError(msg, Mark(len(self.text), len(self.text) + 1))
        return NftError(msg, mark(tok))

    def accept(self, *words: str) -> Token | None:
        if self.tok.is_(*words):
            return self.next()
        return None

    def expect(self, word: str, expecting: str | None = None) -> Token:
        if not self.tok.is_(word):
            raise self.error(expecting if expecting is not None else word)
        return self.next()

    def identifier(self, expecting: str = "string") -> Token:
        """A name: a string, a quoted string, or (nft allows it) a number; keywords are not names."""
        if self.tok.kind in ("string", "quoted", "number"):
            return self.next()
        raise self.error(expecting)

    def at_end(self) -> bool:
        return self.tok.kind in ("newline", "eof") or self.tok.is_(";")

    def end_of_command(self) -> None:
        if not self.at_end() and not self.tok.is_("}"):
            raise self.error("end of file or newline or semicolon")

    def skip_separators(self) -> None:
        while self.tok.kind == "newline" or self.tok.is_(";"):
            self.next()

    # ----------------------------------------------------------- commands
    def commands(self) -> list[Command]:
        cmds: list[Command] = []
        while True:
            self.skip_separators()
            if self.tok.kind == "eof":
                return cmds
            if self.tok.is_("define", "redefine", "undefine"):
                self.define()
            else:
                cmds.append(self.command())
            if self.tok.is_("}"):
                raise self.error()
            self.end_of_command()

    def define(self) -> None:
        """``define NAME = VALUE``: the value's tokens replace every later ``$NAME``."""
        word = self.next().text
        name = self.identifier()
        if word == "undefine":
            if self.defines.pop(name.value, None) is None:
                raise NftError(f"undefined symbol '{name.value}'", mark(name))
            return
        if word == "define" and name.value in self.defines:
            raise NftError(f"redefinition of symbol '{name.value}'", mark(name))
        self.expect("=", "'='")
        start = self.i
        depth = 0
        while not (self.tok.kind in ("newline", "eof") or self.tok.is_(";") and depth == 0):
            depth += self.tok.is_("{") - self.tok.is_("}")
            self.next()
        if self.i == start:
            raise self.error()
        self.defines[name.value] = self.toks[start:self.i]

    def expand(self) -> None:
        """Put a ``$NAME``'s defined tokens in its place."""
        while self.tok.is_("$"):
            name = self.peek()
            if name.kind not in ("string", "keyword") or name.text not in self.defines:
                raise NftError(f"unknown identifier '{name.text}'", mark(name))
            self.toks[self.i:self.i + 2] = self.defines[name.text]

    def family(self) -> str | None:
        if self.tok.text in FAMILIES and self.tok.kind == "keyword" or self.tok.text in ("arp", "bridge", "netdev"):
            if self.tok.kind != "quoted":
                return self.next().text
        return None

    def table_spec(self, cmd: Command) -> None:
        fam = self.family()
        if fam:
            cmd.family = fam
        t = self.identifier()
        cmd.table, cmd.marks["table"] = t.value, mark(t)

    def chain_spec(self, cmd: Command) -> None:
        self.table_spec(cmd)
        c = self.identifier()
        cmd.chain, cmd.marks["chain"] = c.value, mark(c)

    def handle_number(self, cmd: Command, word: str = "handle") -> int:
        tok = self.tok
        if tok.kind != "number":
            raise self.error("number")
        self.next()
        cmd.marks[word] = mark(tok)
        return int(tok.text, 0)

    def command(self) -> Command:
        start = self.tok
        if start.is_("table") :
            cmd = Command("add", "table", marks={"cmd": mark(start)})
            self.next()
            self.table_spec(cmd)
            self.table_block(cmd)
            return cmd
        if start.kind != "keyword" or start.text not in VERBS:
            if start.kind == "string":
                self.next()
                raise self.error("string")
            raise self.error()
        verb = self.next().text
        if verb == "destroy":
            raise self.error("", start)
        obj_tok = self.tok
        cmd = Command(verb, "", marks={"verb": mark(start)})
        if verb == "list":
            return self.list_command(cmd)
        if verb == "flush" and not obj_tok.is_("ruleset", "table", "chain", "set", "map"):
            raise self.error()
        if verb == "rename":
            self.expect("chain")
            cmd.obj = "chain"
            self.chain_spec(cmd)
            new = self.identifier()
            cmd.name, cmd.marks["new"] = new.value, mark(new)
            return cmd
        if obj_tok.is_("ruleset") and verb == "flush":
            self.next()
            cmd.obj = "ruleset"
            cmd.family = self.family() or ""
            return cmd
        if obj_tok.is_("table"):
            self.next()
            cmd.obj = "table"
            if verb == "delete" and self.tok.is_("handle"):
                raise self.error("string")
            self.table_spec(cmd)
            if verb in ("add", "create"):
                self.table_block(cmd)
            return cmd
        if obj_tok.is_("chain"):
            self.next()
            cmd.obj = "chain"
            self.chain_spec(cmd)
            if verb in ("add", "create") and self.tok.is_("{"):
                self.next()
                cmd.chain_spec = self.chain_block()
            return cmd
        if obj_tok.is_("set", "map"):
            self.next()
            cmd.obj = "set"
            cmd.is_map = obj_tok.text == "map"
            self.table_spec(cmd)
            n = self.identifier()
            cmd.name, cmd.marks["set"] = n.value, mark(n)
            if verb in ("add", "create"):
                self.expect("{", "'{'")
                cmd.set_spec = self.set_block()
            return cmd
        if obj_tok.is_("element"):
            self.next()
            cmd.obj = "element"
            self.table_spec(cmd)
            n = self.identifier()
            cmd.name, cmd.marks["set"] = n.value, mark(n)
            from simnet.commands.nft_rule import RuleParser
            cmd.elements = RuleParser(self).set_elements()
            return cmd
        if obj_tok.is_("rule"):
            self.next()
        elif obj_tok.kind not in ("string", "quoted", "number") and obj_tok.text not in FAMILIES:
            raise self.error("string")
        cmd.obj = "rule"
        self.chain_spec(cmd)
        if verb in ("replace", "delete"):
            self.expect("handle")
            cmd.handle = self.handle_number(cmd)
        elif self.tok.is_("position", "handle", "index"):
            word = self.next().text
            where = self.handle_number(cmd, "position")
            cmd.marks["position"] = Mark(self.toks[self.i - 2].start, self.toks[self.i - 1].end)
            if word == "index":
                cmd.index = where
            else:
                cmd.position = where
        if verb == "delete" or (verb == "flush"):
            return cmd
        cmd.rule = self.rule()
        return cmd

    def list_command(self, cmd: Command) -> Command:
        obj = self.tok
        if not obj.is_("ruleset", "tables", "chains", "sets", "maps", "table", "chain", "set", "map"):
            raise self.error(scope=SCOPES["list"])
        self.next()
        cmd.obj = {"map": "set", "maps": "sets"}.get(obj.text, obj.text)
        cmd.is_map = obj.text in ("map", "maps")
        if cmd.obj in ("ruleset", "tables", "chains", "sets"):
            cmd.family = self.family() or ""
            if cmd.obj in ("chains", "sets", "tables") and not cmd.family and self.tok.kind in ("string", "quoted"):
                raise self.error("end of file or newline or semicolon")
            return cmd
        if cmd.obj == "table":
            self.table_spec(cmd)
        elif cmd.obj == "chain":
            self.chain_spec(cmd)
        else:
            self.table_spec(cmd)
            n = self.identifier()
            cmd.name, cmd.marks["set"] = n.value, mark(n)
        return cmd

    def rule(self) -> RuleSpec:
        from simnet.commands.nft_rule import RuleParser
        return RuleParser(self).rule()

    # ----------------------------------------------------------- blocks
    def table_block(self, cmd: Command) -> None:
        if not self.accept("{"):
            return
        while True:
            self.skip_separators()
            if self.accept("}"):
                return
            tok = self.tok
            if tok.is_("chain"):
                self.next()
                name = self.identifier()
                marks = {"chain": mark(name)}
                self.expect("{", "'{'")
                cmd.chains.append((name.value, self.chain_block(), marks))
            elif tok.is_("set", "map"):
                self.next()
                name = self.identifier()
                self.expect("{", "'{'")
                cmd.sets.append((name.value, self.set_block(), {"set": mark(name)}))
            elif tok.kind == "eof":
                raise self.error()
            else:
                raise self.error()
            if not (self.tok.kind == "newline" or self.tok.is_(";")):
                raise self.error("newline or semicolon")

    def block_statements(self) -> Iterator[Token]:
        """The statements of a ``{ … }`` block: each one's first token, until (and past) the ``}``."""
        while True:
            self.skip_separators()
            if self.accept("}"):
                return
            yield self.tok

    def type_statement(self, spec: ChainSpec | SetSpec) -> None:
        """``type NAME`` in a chain or set block."""
        self.next()
        t = self.identifier()
        spec.type, spec.marks["type"] = t.value, mark(t)

    def chain_block(self) -> ChainSpec:
        spec = ChainSpec()
        for tok in self.block_statements():
            if tok.is_("type"):
                self.type_statement(spec)
                self.expect("hook")
                h = self.identifier()
                spec.hook, spec.marks["hook"] = h.value, mark(h)
                p0 = self.expect("priority")
                spec.priority = self.priority(p0)
            elif tok.is_("policy"):
                self.next()
                p = self.tok
                if not p.is_("accept", "drop"):
                    raise self.error("accept or drop or '$'")
                self.next()
                spec.policy, spec.marks["policy"] = p.text, mark(p)
            elif tok.kind == "eof":
                raise self.error()
            else:
                spec.rules.append(self.rule())
            if self.tok.is_("}"):
                raise self.error("newline or semicolon")
            if not (self.tok.kind == "newline" or self.tok.is_(";")):
                raise self.error("newline or semicolon")
        return spec

    PRIORITIES = {"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100}

    def priority(self, word: Token) -> int:
        sign = 1
        tok = self.tok
        if tok.is_("-"):
            self.next()
            sign = -1
            if self.tok.kind != "number":
                raise self.error("number")
        tok = self.next()
        if tok.kind == "number":
            return sign * int(tok.text, 0)
        if tok.kind in ("string", "keyword") and tok.text in self.PRIORITIES:
            base = self.PRIORITIES[tok.text]
            if self.tok.is_("+", "-"):
                op = self.next().text
                n = self.next()
                if n.kind != "number":
                    raise self.error("number", n)
                base += int(n.text) * (1 if op == "+" else -1)
            return base
        if tok.kind in ("newline", "eof") or tok.is_(";"):
            self.i -= 1
            raise self.error()
        raise NftError("invalid priority expression value in this context.", Mark(word.start, tok.end))

    def set_block(self) -> SetSpec:
        spec = SetSpec()
        for tok in self.block_statements():
            if tok.is_("type"):
                self.type_statement(spec)
                if self.accept(":"):
                    d = self.identifier()
                    spec.data, spec.marks["data"] = d.value, mark(d)
            elif tok.is_("flags"):
                self.next()
                flags = [self.next().text]
                while self.accept(","):
                    flags.append(self.next().text)
                spec.flags = tuple(flags)
            elif tok.is_("elements"):
                self.next()
                self.expect("=", "'='")
                from simnet.commands.nft_rule import RuleParser
                spec.elements = RuleParser(self).set_elements()
            else:
                raise self.error()
            if not (self.tok.kind == "newline" or self.tok.is_(";", "}")):
                raise self.error("newline or semicolon")
        return spec


def parse(text: str) -> list[Command]:
    """All commands in ``text`` (a command line joined by spaces, or a file)."""
    return Parser(text).commands()


def values_of(v: Value) -> list[Value]:
    return list(v.items) if v.kind == "set" else [v]
