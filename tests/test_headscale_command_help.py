"""headscale SUB CMD -h prints that command's cobra help (v0.27.1: Long or Short, the usage line with
[flags], aliases, its own flags and the inherited ones), not its group's, even with the server down."""
from __future__ import annotations

from simnet import Lab


def test_a_commands_help_is_its_own() -> None:
    lab = Lab.load("headscale")
    lab.run("vps", "systemctl stop headscale")
    res = lab.run("vps", "headscale nodes register -h")
    assert res.returncode == 0 and res.stderr == ""
    assert res.stdout == (
        "Registers a node to your network\n\nUsage:\n  headscale nodes register [flags]\n\nFlags:\n"
        "  -h, --help          help for register\n  -k, --key string    Key\n  -u, --user string   User\n\n"
        "Global Flags:\n  -c, --config string   config file (default is /etc/headscale/config.yaml)\n"
        "      --force           Disable prompts and forces the execution\n"
        "  -o, --output string   Output format. Empty for human-readable, 'json', 'json-line' or 'yaml'\n")
    # an alias finds the command; the group's persistent -u is inherited; pflag quotes a string default
    out = lab.run("vps", "headscale pre c --help").stdout
    assert out.startswith("Creates a new preauthkey in the specified user\n\nUsage:\n  headscale preauthkeys create "
                          "[flags]\n\nAliases:\n  create, c, new\n")
    assert '  -e, --expiration string   Human-readable expiration of the key (e.g. 30m, 24h) (default "1h")\n' in out
    assert out.endswith("  -u, --user uint       User identifier (ID)\n")
    assert "  -i, --identifier int   User identifier (ID) (default -1)\n" in lab.run("vps", "headscale users ls -h").stdout
    # the group itself still shows the group's help
    assert lab.run("vps", "headscale nodes --help").stdout.startswith("Manage the nodes of Headscale\n\nUsage:\n"
                                                                       "  headscale nodes [command]\n")


def test_a_flag_error_shows_the_error_the_usage_and_the_error_again() -> None:
    lab = Lab.load("headscale")
    res = lab.run("vps", "headscale nodes list --bogus")
    assert res.returncode == 1 and res.stdout == ""
    lines = res.stderr.split("\n")
    # cobra's execute(): "Error: …", the UsageString (Println: a blank line after it), then main's Println(err)
    assert lines[:3] == ["Error: unknown flag: --bogus", "Usage:", "  headscale nodes list [flags]"]
    assert lines[-3:] == ["", "unknown flag: --bogus", ""]
    assert "  -t, --tags          Show tags" in lines
