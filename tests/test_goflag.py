"""Go's flag and pflag parsers (texts from the Go standard library and spf13/pflag)."""
from __future__ import annotations

import pytest

from simnet.commands.goflag import GoFlagError, GoHelp, go_flags, pflags

SPEC = {"ssh": "bool", "hostname": "str", "timeout": "duration", "port": "uint"}


def test_go_flag_spellings_and_stop_at_first_argument() -> None:
    flags, rest = go_flags(["-ssh", "--hostname=a", "-timeout", "1m", "--port", "41641", "x", "-ssh"], SPEC)
    assert flags == {"ssh": True, "hostname": "a", "timeout": 60.0, "port": 41641} and rest == ["x", "-ssh"]
    assert go_flags(["--ssh=false", "--", "-x"], SPEC) == ({"ssh": False}, ["-x"])
    assert go_flags(["-ssh", "-", "x"], SPEC) == ({"ssh": True}, ["-", "x"])
    # a bool flag takes its value only after '=': "false" is the first argument here
    assert go_flags(["--ssh", "false"], SPEC) == ({"ssh": True}, ["false"])


@pytest.mark.parametrize("args, text", [
    (["--nope"], "flag provided but not defined: -nope"),
    (["---ssh"], "bad flag syntax: ---ssh"),
    (["-=x"], "bad flag syntax: -=x"),
    (["--hostname"], "flag needs an argument: -hostname"),
    (["--ssh=yes"], 'invalid boolean value "yes" for -ssh: parse error'),
    (["--timeout=5"], 'invalid value "5" for flag -timeout: parse error'),
    (["--port", "-1"], 'invalid value "-1" for flag -port: parse error'),
])
def test_go_flag_errors(args: list[str], text: str) -> None:
    with pytest.raises(GoFlagError) as bad:
        go_flags(args, SPEC)
    assert str(bad.value) == text


def test_go_flag_once_and_help() -> None:
    with pytest.raises(GoFlagError, match="invalid value \"b\" for flag -hostname: flag provided multiple times"):
        go_flags(["--hostname=a", "--hostname", "b"], SPEC, no_dup=True)
    with pytest.raises(GoFlagError, match="^invalid boolean flag ssh: flag provided multiple times$"):
        go_flags(["--ssh", "-ssh"], SPEC, no_dup=True)
    with pytest.raises(GoHelp):
        go_flags(["-help"], SPEC)


PSPEC = {"user": ("u", "str"), "force": ("", "bool"), "reusable": ("r", "bool"), "identifier": ("i", "uint")}


def test_pflag_interspersed_clusters_and_values() -> None:
    assert pflags(["a", "-ru", "bob", "b", "--force", "-i=3", "--", "-x"], PSPEC) == (
        {"reusable": True, "user": "bob", "force": True, "identifier": 3}, ["a", "b", "-x"])
    assert pflags(["-ubob", "--user=al", "-", "--force=false"], PSPEC) == (
        {"user": "al", "force": False}, ["-"])


@pytest.mark.parametrize("args, text", [
    (["--nope"], "unknown flag: --nope"),
    (["-rx"], "unknown shorthand flag: 'x' in -x"),
    (["--user"], "flag needs an argument: --user"),
    (["-ru"], "flag needs an argument: 'u' in -u"),
    (["-i", "x"], 'invalid argument "x" for "-i, --identifier" flag: strconv.ParseUint: parsing "x": invalid syntax'),
    (["--force=ja"], 'invalid argument "ja" for "--force" flag: strconv.ParseBool: parsing "ja": invalid syntax'),
])
def test_pflag_errors(args: list[str], text: str) -> None:
    with pytest.raises(GoFlagError) as bad:
        pflags(args, PSPEC)
    assert str(bad.value) == text
