"""A broken /etc/headscale/config.yaml and headscale's journal (issue 15, item 7).

Texts follow headscale v0.27.1: cmd/headscale/cli/root.go:56 (viper cannot read
the file), serve.go:32 / configtest.go:19 (LoadServerConfig refuses a value),
hscontrol/state/state.go (Node connected/disconnected), auth.go (Starting node
registration), grpcv1.go (SetApprovedRoutes, debug level), app.go (SIGHUP);
zerolog's console format, the Debian unit's Restart=always/RestartSec=5.
"""
from __future__ import annotations

import pytest

from simnet import Lab

from tests.test_seed_webui import ready  # noqa: F401  (fixture)

CONFIG = "/etc/headscale/config.yaml"
YAML_FTL = ("FTL ../../../home/runner/work/headscale/headscale/cmd/headscale/cli/root.go:56 > Error loading config "
            "error=\"fatal error reading config file: While parsing config: yaml: line 3: could not find "
            "expected ':'\"")


def _stamp(lab: Lab) -> str:
    """The RFC 3339 time zerolog prints now (the lab starts 2026-01-18 10:00 UTC)."""
    from datetime import datetime, timezone

    return datetime.fromtimestamp(lab.meta["epoch"] + lab.now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _break(lab: Lab, sed: str) -> None:
    assert lab.run("vps", f"sed -i '{sed}' {CONFIG}").returncode == 0


@pytest.mark.parametrize("sed, said", [
    ("s/^listen_addr: /listen_addr /", "cmd/headscale/cli/root.go:56 > Error loading config error=\"fatal error "
                                       "reading config file: While parsing config: yaml: line 3: could not find "
                                       "expected ':'\""),
    ("s|^server_url: https://|server_url: |", "cmd/headscale/cli/configtest.go:19 > Error initializing "
                                              "error=\"loading configuration: Fatal config error: server_url must "
                                              "start with https:// or http://\""),
    ("s|v4: 100.64.0.0/10|v4: 100.64.0.0/33|", "configtest.go:19 > Error initializing error=\"loading "
                                               "configuration: parsing IPv4 prefix from config: "
                                               "netip.ParsePrefix(\\\"100.64.0.0/33\\\"): bad bits after slash: "
                                               "\\\"33\\\"\""),
    ("s|v4: 100.64.0.0/10|v4: 100.64.0/10|", "ParseAddr(\\\"100.64.0\\\"): IPv4 address too short"),
])
def test_configtest_says_why_in_headscales_words(ready: Lab, sed: str, said: str) -> None:
    assert ready.run("vps", "headscale configtest").returncode == 0
    _break(ready, sed)
    res = ready.run("vps", "headscale configtest")
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.startswith(f"{_stamp(ready)} FTL ../home/runner/work/headscale/headscale/cmd/headscale/")
    assert said in res.stderr


def test_restart_with_broken_yaml_never_runs_and_is_retried_until_fixed(ready: Lab) -> None:
    _break(ready, "s/^listen_addr: /listen_addr /")
    # Type=simple: systemctl only launches the process, so the restart itself reports success
    res = ready.run("vps", "systemctl restart headscale")
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
    for _ in range(3):
        status = ready.run("vps", "systemctl status headscale")
        assert status.returncode == 3
        assert "active (running)" not in status.stdout
        assert "Active: activating (auto-restart) (Result: exit-code) since " in status.stdout
        assert "code=exited, status=1/FAILURE" in status.stdout and YAML_FTL in status.stdout
        assert ready.run("vps", "systemctl is-active headscale").stdout == "activating\n"
        ready.advance(4)
    journal = ready.run("vps", "journalctl -u headscale --no-pager").stdout
    assert journal.count(YAML_FTL) == 3          # at 0, 5 and 10 s
    assert "headscale.service: Scheduled restart job, restart counter is at 2.\n" in journal
    assert "headscale.service: Failed with result 'exit-code'.\n" in journal
    # nginx finds nobody behind it: the seed's troubleshooting errors on the client
    up = ready.run("maschinchen", "tailscale up --login-server=https://vpn.example.net --accept-routes "
                                  "--force-reauth")
    assert up.returncode != 0 and "502" in up.stderr
    # the CLI reads the same file first and dies the same way
    cli = ready.run("vps", "headscale nodes list")
    assert cli.returncode == 1 and "root.go:56 > Error loading config" in cli.stderr
    _break(ready, "s/^listen_addr /listen_addr: /")
    ready.advance(6)                              # the next retry comes up
    assert ready.run("vps", "systemctl is-active headscale").stdout == "active\n"
    assert "tailscale" in ready.run("vps", "headscale nodes list").stdout


def test_bad_server_url_fails_the_service_with_its_fatal_line(ready: Lab) -> None:
    _break(ready, "s|^server_url: https://|server_url: |")
    ready.run("vps", "systemctl restart headscale")
    journal = ready.run("vps", "journalctl -u headscale -n 4 --no-pager").stdout
    assert ("FTL ../../../home/runner/work/headscale/headscale/cmd/headscale/cli/serve.go:32 > Error initializing "
            "error=\"loading configuration: Fatal config error: server_url must start with https:// or http://\"") \
        in journal
    res = ready.run("vps", "headscale users list")            # the server is down: the CLI cannot connect
    assert res.returncode == 1 and "utils.go:124 > Could not connect: context deadline exceeded" in res.stderr
    ready.run("vps", "systemctl stop headscale")
    status = ready.run("vps", "systemctl status headscale").stdout
    assert status.startswith("\u00d7 headscale.service") and "Active: failed (Result: exit-code)" in status


def test_prefix_outside_cgnat_is_only_a_warning(ready: Lab) -> None:
    _break(ready, "s|v4: 100.64.0.0/10|v4: 10.0.0.0/8|")
    res = ready.run("vps", "headscale configtest")
    assert res.returncode == 0
    assert res.stderr == (f"{_stamp(ready)} WRN Prefix 10.0.0.0/8 is not in the 100.64.0.0/10 range. This is "
                          "an unsupported configuration.\n")
    ready.run("vps", "systemctl restart headscale")
    assert ready.run("vps", "systemctl is-active headscale").stdout == "active\n"
    assert "WRN Prefix 10.0.0.0/8 is not in the 100.64.0.0/10 range" in \
        ready.run("vps", "journalctl -u headscale").stdout


def test_journal_records_registration_connects_and_disconnects(ready: Lab) -> None:
    journal = ready.run("vps", "journalctl -u headscale --no-pager").stdout
    assert journal.count("INF Starting node registration using key: ") == 3
    assert "INF Node connected node.id=1 node.name=tailscale\n" in journal
    follow = ready.start("vps", "journalctl -u headscale -f")
    ready.run("maschinchen", "tailscale down")
    ready.run("maschinchen", "tailscale up --login-server=https://vpn.example.net --accept-routes")
    res = follow.result(timeout=5)
    lines = res.stdout.splitlines()
    assert len(lines) == 12                       # the last ten, then what followed
    assert lines[-2].endswith("INF Node disconnected node.id=2 node.name=maschinchen")
    assert lines[-1].endswith("INF Node connected node.id=2 node.name=maschinchen")


def test_route_approvals_are_logged_at_debug_level_only(ready: Lab) -> None:
    approve = "headscale nodes approve-routes --identifier 1 --routes 192.168.0.0/24"
    ready.run("vps", approve)
    assert "SetApprovedRoutes" not in ready.run("vps", "journalctl -u headscale").stdout
    _break(ready, "s/level: info/level: debug/")
    ready.run("vps", "systemctl restart headscale")
    ready.run("vps", approve)
    journal = ready.run("vps", "journalctl -u headscale -n 2 --no-pager").stdout
    assert ("DBG ../../../home/runner/work/headscale/headscale/hscontrol/grpcv1.go:338 > gRPC SetApprovedRoutes "
            "called node.id=1 requestedRoutes=[\"192.168.0.0/24\"]") in journal


def test_reload_is_sighup_and_rereads_only_the_policy(ready: Lab) -> None:
    _break(ready, "s|^server_url: https://|server_url: |")
    assert ready.run("vps", "systemctl reload headscale").returncode == 0
    assert ready.run("vps", "systemctl is-active headscale").stdout == "active\n"     # config.yaml not reread
    assert "INF Received SIGHUP, reloading ACL policy signal=hangup" in \
        ready.run("vps", "journalctl -u headscale -n 3").stdout
    ready.run("vps", "systemctl stop headscale")
    res = ready.run("vps", "systemctl reload headscale")
    assert (res.returncode, res.stderr) == (1, "headscale.service is not active, cannot reload.\n")


def test_policy_set_is_logged_as_a_reload_with_changes(ready: Lab) -> None:
    _break(ready, "s/mode: file/mode: database/")
    ready.run("vps", "systemctl restart headscale")
    ready.run("vps", "printf '{\"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]}]}' "
                     "> /tmp/acl.json")
    res = ready.run("vps", "headscale policy set -f /tmp/acl.json")
    assert (res.returncode, res.stdout) == (0, "Policy updated.\n"), res.stderr
    assert ready.run("vps", "journalctl -u headscale -n 1").stdout.endswith(
        "INF Policy reload completed with changes policy.changed=true route.changes=0 total.changes=1\n")
