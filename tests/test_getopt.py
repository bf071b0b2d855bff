"""The one getopt scanner: glibc getopt_long's rules (held to the real tools in tests/kernel/cases/opt_*)."""
from __future__ import annotations

import pytest

from simnet.commands.getopt import NO, OPTIONAL, REQUIRED, Getopt, GetoptError, Long

LONGS = [Long("interface", REQUIRED, "i"), Long("number", NO, "#"), Long("nano", NO, "nano"),
         Long("num", NO, "#"), Long("color", OPTIONAL, "color")]


def scan(args: list[str], short: str = "nc:i:v", longs: list[Long] | None = LONGS, **kw: bool):
    g = Getopt(args, short, longs, **kw)
    return list(g), g.operands


def test_clusters_attached_and_separate_arguments() -> None:
    assert scan(["-nc1", "-c", "2", "-vi", "eth0", "-c", "-5"]) == (
        [("n", None), ("c", "1"), ("c", "2"), ("v", None), ("i", "eth0"), ("c", "-5")], [])


def test_permutation_dash_and_double_dash() -> None:
    assert scan(["host", "-n", "-", "--", "-v"]) == ([("n", None)], ["host", "-", "-v"])
    assert scan(["host", "-n"], "+nc:") == ([], ["host", "-n"])


def test_long_options_values_and_prefixes() -> None:
    assert scan(["--interface=eth0", "--inter", "lo", "--color", "--col=auto"])[0] == [
        ("i", "eth0"), ("i", "lo"), ("color", None), ("color", "auto")]
    # --numb and --num mean the same thing: not ambiguous, as in glibc
    assert scan(["--numb", "--nu"])[0] == [("#", None), ("#", None)]


@pytest.mark.parametrize("args, text", [
    (["-x"], "p: invalid option -- 'x'"),
    (["-c"], "p: option requires an argument -- 'c'"),
    (["--foo=bar"], "p: unrecognized option '--foo=bar'"),
    (["--n=1"], "p: option '--n=1' is ambiguous; possibilities: '--number' '--nano'"),
    (["--number=1"], "p: option '--number' doesn't allow an argument"),
    (["--interface"], "p: option '--interface' requires an argument"),
])
def test_glibc_error_texts(args: list[str], text: str) -> None:
    with pytest.raises(GetoptError) as bad:
        scan(args)
    assert bad.value.glibc("p") == text


def test_plain_getopt_reads_double_dash_words_as_a_cluster() -> None:
    with pytest.raises(GetoptError) as bad:
        scan(["-n", "--foo"], longs=None)
    assert bad.value.glibc("ping") == "ping: invalid option -- '-'"


def test_clif_rules() -> None:
    with pytest.raises(GetoptError) as bad:
        scan(["--interface", "eth0"], long_needs_eq=True)
    assert bad.value.kind == "longmissing"
    with pytest.raises(GetoptError) as bad:
        scan(["--inter=eth0"], abbrev=False)
    assert bad.value.kind == "unrecognized"
    with pytest.raises(GetoptError) as bad:
        scan(["-nc1"], glued_first_only=True)
    assert (bad.value.kind, bad.value.opt) == ("missing", "c")
    g = Getopt(["-n", "-c", "x"], "nc:", glued_first_only=True)
    assert list(g) == [("n", None), ("c", "x")] and (g.argc, g.value_argc, g.spelled) == (2, 3, "-c")
