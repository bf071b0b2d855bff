"""nft's scanner, parser and error records, against what nftables 1.0.6 printed in a netns."""
from __future__ import annotations

import pytest

from simnet.commands.nft_errors import Mark, NftError, misspelled, render_error
from simnet.commands.nft_lex import describe, tokenize
from simnet.commands.nft_parse import parse


def _error(text: str, filename: str | None = None) -> str:
    with pytest.raises(NftError) as info:
        parse(text)
    return render_error(text, info.value, filename)


def test_tokens_keep_their_places_and_kinds() -> None:
    toks = tokenize('add rule ip nat post oifname "eth0" ip saddr 100.64.0.0/10 tcp dport 1000-2000 masquerade\n')
    kinds = [(t.kind, t.text) for t in toks]
    assert ("keyword", "add") in kinds and ("string", "nat") in kinds and ("quoted", '"eth0"') in kinds
    assert ("string", "100.64.0.0") in kinds and ("symbol", "/") in kinds and ("number", "10") in kinds
    assert ("number", "1000") in kinds and ("symbol", "-") in kinds and ("number", "2000") in kinds
    post = next(t for t in toks if t.text == "post")
    assert (post.start, post.end) == (16, 20)
    assert toks[-2].kind == "newline" and toks[-1].kind == "eof"


def test_addresses_and_names_scan_as_strings() -> None:
    words = {t.text: t.kind for t in tokenize("2001:db8::/32 ::1 fe80::1 eth0.10 nd-neighbor-solicit 10s 5/minute")}
    assert words["2001:db8::"] == "string" and words["::1"] == "string" and words["fe80::1"] == "string"
    assert words["eth0.10"] == "string" and words["nd-neighbor-solicit"] == "string"
    assert words["10s"] == "string" and words["5"] == "number" and words["minute"] == "string"


def test_bison_names_for_tokens() -> None:
    toks = tokenize('accept foo 22 "x" , ; { }')
    assert [describe(t) for t in toks] == ["accept", "string", "number", "quoted string", "comma", "semicolon",
                                            "'{'", "'}'", "end of file"]


@pytest.mark.parametrize("line, expected", [
    ("add rule ip filter input tcp dport", "Error: syntax error, unexpected newline\n"
     "add rule ip filter input tcp dport\n                                  ^\n"),
    ("add rule ip filter input tcp dport accept", "Error: syntax error, unexpected accept\n"
     "add rule ip filter input tcp dport accept\n                                   ^^^^^^\n"),
    ("add rule ip filter input ip addr 1.2.3.4", "Error: syntax error, unexpected addr\n"
     "add rule ip filter input ip addr 1.2.3.4\n                            ^^^^\n"),
    ("add rule ip filter input tcp port 22 accept", "Error: syntax error, unexpected string\n"
     "add rule ip filter input tcp port 22 accept\n                             ^^^^\n"),
    ("add rule ip filter input tcp dport 22 acept", "Error: syntax error, unexpected newline\n"
     "add rule ip filter input tcp dport 22 acept\n" + " " * 43 + "^\n"),
    ("add rule ip t c tcp dport 22 acept drop", "Error: syntax error, unexpected drop\n"
     "add rule ip t c tcp dport 22 acept drop\n                                   ^^^^\n"),
    ("add rule ip t c foo bar", "Error: No symbol type information\nadd rule ip t c foo bar\n                ^^^\n"),
    ("add table", "Error: syntax error, unexpected newline, expecting string\nadd table\n         ^\n"),
    ("ad table x", "Error: syntax error, unexpected table, expecting string\nad table x\n   ^^^^^\n"),
    ("add table ip filter extra", "Error: syntax error, unexpected string, expecting end of file or newline or "
     "semicolon\nadd table ip filter extra\n                    ^^^^^\n"),
    ("delete rule ip filter input", "Error: syntax error, unexpected newline, expecting handle\n"
     "delete rule ip filter input\n                           ^\n"),
    ("add rule ip t c jump", "Error: syntax error, unexpected newline, expecting '{'\nadd rule ip t c jump\n"
     "                    ^\n"),
    ("add rule ip t c {", "Error: syntax error, unexpected end of file\nadd rule ip t c {\n^\n"),
    ("add chain ip t e { type filter hook input; }", "Error: syntax error, unexpected semicolon, expecting "
     "priority\nadd chain ip t e { type filter hook input; }\n                                         ^\n"),
    ("add chain ip t e { type filter hook forward priority 0; policy foo; }", "Error: syntax error, unexpected "
     "string, expecting accept or drop or '$'\nadd chain ip t e { type filter hook forward priority 0; policy foo; }\n"
     "                                                               ^^^\n"),
    ("add chain ip t e { type filter hook forward priority foo; }", "Error: invalid priority expression value in "
     "this context.\nadd chain ip t e { type filter hook forward priority foo; }\n"
     "                                            ^^^^^^^^^^^^\n"),
])
def test_syntax_errors_as_nft_prints_them(line: str, expected: str) -> None:
    assert _error(line + "\n") == expected


def test_errors_in_files_name_file_line_and_columns_and_keep_tabs() -> None:
    text = "table ip t {\n\tchain c {\n\t\ttcp dport 22 acept\n\t}\n}\n"
    assert _error(text, "/tmp/x.nft") == ("/tmp/x.nft:3:21-21: Error: syntax error, unexpected newline\n"
                                          "\t\ttcp dport 22 acept\n\t\t                  ^\n")
    # a block closed without a separator, and an unclosed file
    text = "table ip t {\n\tchain c { accept; } }\n"
    assert _error(text, "f").startswith("f:2:22-22: Error: syntax error, unexpected '}', expecting newline or "
                                        "semicolon\n")
    assert _error("table ip t {\n", "f") == "f:2:1-1: Error: syntax error, unexpected end of file\ntable ip t {\n^\n"


def test_marks_primary_and_context() -> None:
    err = NftError("Statement after terminal statement has no effect", Mark(16, 20, False), Mark(21, 27))
    assert render_error("add rule ip t c drop accept\n", err) == (
        "Error: Statement after terminal statement has no effect\nadd rule ip t c drop accept\n"
        "                ~~~~ ^^^^^^\n")


def test_commands_and_blocks_parse() -> None:
    cmds = parse("flush ruleset\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; "
                 "policy drop;\n\t\tct state established,related accept\n\t}\n\tchain fw {\n\t}\n}\n")
    assert [(c.verb, c.obj) for c in cmds] == [("flush", "ruleset"), ("add", "table")]
    table = cmds[1]
    assert (table.family, table.table) == ("inet", "filter")
    name, spec, _ = table.chains[0]
    assert (name, spec.type, spec.hook, spec.priority, spec.policy) == ("input", "filter", "input", 0, "drop")
    assert spec.rules[0].items[0].key == "ct state" and spec.rules[0].items[0].value.kind == "list"
    (rule,) = parse("insert rule filter input position 4 tcp dport { 22, 80 } counter accept\n")
    assert (rule.verb, rule.family, rule.table, rule.chain, rule.position) == ("insert", "ip", "filter", "input", 4)
    assert [i.kind if hasattr(i, "kind") else i.key for i in rule.rule.items] == ["tcp dport", "counter", "verdict"]
    (srcnat,) = parse("add chain ip nat post { type nat hook postrouting priority srcnat + 5; }\n")
    assert srcnat.chain_spec.priority == 105
    assert [c.obj for c in parse("add table x; add chain x y; list ruleset\n")] == ["table", "chain", "ruleset"]


def test_misspelling_suggestions_follow_nft() -> None:
    names = [("nat", "nat"), ("filter", "filter"), ("postrouting", "postrouting"), ("FORWARD", "FORWARD")]
    assert misspelled(names, "postroutin") == "postrouting"
    assert misspelled(names, "postroutng") == "postrouting"
    assert misspelled(names, "natt") == "nat" and misspelled(names, "nata") == "nat"
    assert misspelled(names, "nat") == "nat"
    assert misspelled(names, "forward") is None      # case counts: seven substitutions
    assert misspelled(names, "foo") is None
    assert misspelled([("a", 1)], "b") is None       # one-letter names are never suggested


def test_scoped_keywords_are_names_elsewhere() -> None:
    """``in`` or ``state`` may name a chain; ``fwd`` or ``type`` may not (nft 1.0.6)."""
    (cmd,) = parse("add chain ip t in\n")
    assert cmd.chain == "in"
    assert _error("add chain ip t fwd\n") == ("Error: syntax error, unexpected fwd, expecting string\n"
                                              "add chain ip t fwd\n               ^^^\n")
    (rule,) = parse("add rule ip t state meta l4proto tcp ct state established\n")
    assert rule.chain == "state" and rule.rule.items[0].key == "meta l4proto"
    assert _error("flush rulset\n") == "Error: syntax error, unexpected string\nflush rulset\n      ^^^^^^\n"


def test_define_and_variables() -> None:
    cmds = parse("define LAN = 192.168.0.0/24\ndefine PORTS = { 22, 443 }\ntable inet f {\n\tchain c {\n"
                 "\t\tip saddr $LAN tcp dport $PORTS accept\n\t}\n}\n")
    (rule,) = cmds[0].chains[0][1].rules
    addr, ports = rule.items[0].value, rule.items[1].value
    assert (addr.items, addr.prefix) == (("192.168.0.0",), 24)
    assert ports.kind == "set" and [v.items[0] for v in ports.items] == ["22", "443"]
    assert _error("add rule ip t c ip saddr $x\n") == ("Error: unknown identifier 'x'\nadd rule ip t c ip saddr $x\n"
                                                      "                          ^\n")
