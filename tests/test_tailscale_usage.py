"""tailscale's flag sets are flag.ExitOnError (cmd/tailscale/cli v1.90): an unknown flag prints
Go's message, then the subcommand's usage (usageFunc) to stderr, and exits 2; -h prints the
usage and exits 0; errors of the command itself stay exit 1 without usage."""
from __future__ import annotations

from simnet import Lab
from simnet.commands.tsusage import usage


def test_unknown_flag_prints_the_usage_and_exits_2() -> None:
    lab = Lab.load("headscale")
    res = lab.run("maschinchen", "tailscale up --bogus")
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr == "flag provided but not defined: -bogus\n" + usage("up") + "\n"
    lines = usage("up").splitlines()
    assert lines[:4] == ["Connect to Tailscale, logging in if needed", "", "USAGE", "  tailscale up [flags]"]
    # FLAGS in lexical order, bools with their =false form, the usage six spaces in, defaults shown
    start = lines.index("FLAGS")
    assert lines[start + 1:start + 5] == [
        "  --accept-dns, --accept-dns=false", "      accept DNS configuration from the admin panel (default true)",
        "  --accept-risk string",
        "      accept risk and skip confirmation for risk types: lose-ssh,mac-app-connector,linux-strict-rp-filter,all"]
    assert "  --login-server string\n      base URL of control server (default https://controlplane.tailscale.com)" \
        in usage("up")
    assert "  --timeout duration\n" in usage("up") and "--host-routes" not in usage("up")      # hidden


def test_help_exits_0_and_command_errors_exit_1() -> None:
    lab = Lab.load("headscale")
    res = lab.run("maschinchen", "tailscale ip -h")
    assert (res.returncode, res.stderr) == (0, usage("ip") + "\n")
    assert usage("ip").endswith("  --6, --6=false\n      only print IPv6 address (default false)")
    res = lab.run("maschinchen", "tailscale status --bad=1")
    assert res.returncode == 2 and res.stderr.startswith("flag provided but not defined: -bad\nShow state of tailscaled")
    res = lab.run("maschinchen", "tailscale up --advertise-routes=foo")
    assert (res.returncode, res.stderr) == (1, '"foo" is not a valid IP address or CIDR prefix\n')


def test_set_prints_its_usage_without_defaults() -> None:
    text = usage("set")
    assert text.startswith('Change specified preferences\n\nUSAGE\n  tailscale set [flags]\n\n"tailscale set" allows')
    assert "  --update-check, --update-check=false\n      notify about available Tailscale updates\n" in text
    assert "(default" not in text                  # usageFuncNoDefaultValues
    assert "  --nickname string\n" in text and "--login-server" not in text


def test_flags_are_parsed_before_tailscaled_is_asked() -> None:
    lab = Lab.load("headscale")
    assert lab.run("maschinchen", "systemctl stop tailscaled").returncode == 0
    for sub in ("status", "ip", "ping"):
        res = lab.run("maschinchen", f"tailscale {sub} --nope x")
        assert res.returncode == 2 and res.stderr.startswith("flag provided but not defined: -nope\n"), sub


def test_a_bad_flag_value_is_a_flag_error_too() -> None:
    lab = Lab.load("headscale", state="ready")
    res = lab.run("maschinchen", "tailscale ping -c x tailscale")
    assert res.returncode == 2 and res.stderr == 'invalid value "x" for flag -c: parse error\n' + usage("ping") + "\n"
    res = lab.run("maschinchen", "tailscale ping -c 2 tailscale")          # a good value is taken
    assert res.returncode == 0 and res.stdout.count("pong from tailscale (100.64.0.1) via ") == 2
