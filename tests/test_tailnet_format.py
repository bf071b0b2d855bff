"""headscale/tailscale output formats as read from headscale v0.27.1 and tailscale v1.90 sources."""
from hypothesis import HealthCheck, given, settings, strategies as st

from simnet.lab import Lab

LAB = None


def lab():
    return Lab.load("headscale")


def test_users_and_messages():
    l = lab()
    assert l.run("vps", "headscale users create zabooz").stdout == "User created\n"
    res = l.run("vps", "headscale users create zabooz")
    assert res.returncode == 1 and res.stderr.startswith("Cannot create user: ")
    out = l.run("vps", "headscale users list").stdout.splitlines()
    assert out[0] == "ID | Name | Username | Email | Created            "
    assert out[1] == "1  |      | zabooz   |       | 2026-01-18 10:00:00"


def test_register_errors_and_routes_table():
    l = lab()
    l.run("vps", "headscale users create zabooz")
    res = l.run("vps", "headscale nodes register --user zabooz --key nodekey:abc123")
    assert (res.returncode, res.stderr) == (1, "Cannot register node: registration ID must be 24 characters long\n\n")
    res = l.run("vps", "headscale nodes register --user zabooz")
    # cobra: the error, the command's usage, then headscale's main prints the error once more
    assert res.stderr.startswith('Error: required flag(s) "key" not set\nUsage:\n  headscale nodes register [flags]\n')
    assert res.stderr.endswith('\n\nrequired flag(s) "key" not set\n') and res.returncode == 1
    r = l.run("tailscale", "tailscale up --login-server=https://vpn.example.net --advertise-routes=192.168.0.0/24")
    assert r.stderr.startswith("Warning: IP forwarding is disabled, subnet routing/exit nodes will not work.\n"
                               "See https://tailscale.com/s/ip-forwarding\n\nTo authenticate, visit:\n\n\t"
                               "https://vpn.example.net/register/")
    key = r.stderr.split("/register/")[1].split()[0]
    res = l.run("vps", f"headscale nodes register --user nobody --key {key}")
    assert res.stderr == "Cannot register node: looking up user: user not found\n\n"
    assert l.run("vps", f"headscale nodes register --user zabooz --key {key}").stdout == "Node tailscale registered\n"
    assert l.run("vps", "headscale nodes list-routes").stdout == (
        "ID | Hostname  | Approved | Available      | Serving (Primary)\n"
        "1  | tailscale |          | 192.168.0.0/24 |                  \n")
    res = l.run("vps", "headscale nodes approve-routes -i 1 -r 192.168.0.0/24,0.0.0.0/0")
    assert res.stdout == "Node updated\n"
    assert "0.0.0.0/0, 192.168.0.0/24, ::/0" in l.run("vps", "headscale nodes list-routes").stdout
    res = l.run("vps", "headscale nodes approve-routes -i 7 -r 10.0.0.0/8")
    assert res.stderr.startswith("Error while sending routes to headscale: rpc error: code = InvalidArgument desc = ")
    hdr = l.run("vps", "headscale nodes list").stdout.splitlines()[0]
    assert hdr.split(" | ")[:7] == ["ID", "Hostname ", "Name     ", "MachineKey", "NodeKey", "User  ",
                                    "IP addresses                 "]


def test_preauthkey_and_client_flags():
    l = lab()
    l.run("vps", "headscale users create zabooz")
    key = l.run("vps", "headscale preauthkeys create --user 1").stdout.strip()
    assert len(key) == 48 and all(c in "0123456789abcdef" for c in key)
    res = l.run("maschinchen", f"tailscale up --login-server=https://vpn.example.net --authkey={key}")
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
    res = l.run("debian", f"tailscale up --authkey={key}")
    assert res.stderr.startswith("failed to connect to local tailscaled")
    l.run("debian", "systemctl start tailscaled")
    res = l.run("debian", f"tailscale up --login-server=https://vpn.example.net --authkey={key}")
    assert res.stderr == "backend error: authkey already used\n"          # PAKError, as headscale v0.27.1 says it
    res = l.run("debian", "tailscale up --advertise-routes=192.168.0.1/24")
    assert res.stderr == "192.168.0.1/24 has non-address bits set; expected 192.168.0.0/24\n"
    assert l.run("maschinchen", "tailscale ip -4").stdout == "100.64.0.1\n"
    assert l.run("maschinchen", "tailscale status").stdout == "100.64.0.1  maschinchen  zabooz  linux  -  \n"


def test_status_and_ping_ready():
    l = Lab.load("headscale", state="ready")
    out = l.run("maschinchen", "tailscale status").stdout
    assert out.splitlines()[2].startswith("100.64.0.1  tailscale     zabooz  linux  idle; offers exit node")
    res = l.run("maschinchen", "tailscale ping 100.64.0.1")
    lines = res.stdout.splitlines()
    # the hole punch runs during the first pong over DERP; once a direct pong arrives, ping stops
    assert lines[0].startswith("pong from tailscale (100.64.0.1) via DERP(headscale) in ")
    assert lines[-1].startswith("pong from tailscale (100.64.0.1) via 198.51.100.57:41641 in ")
    assert "idle; offers exit node" in l.run("maschinchen", "tailscale status").stdout   # disco only, no data yet
    assert l.run("maschinchen", "ping -c 1 192.168.0.101").returncode == 0
    assert "active; offers exit node; direct 198.51.100.57:41641, tx " in l.run("maschinchen", "tailscale status").stdout
    assert l.run("maschinchen", "tailscale status --peers=false").stdout.count("\n") == 1
    # one ping on a fresh lab: the WireGuard handshake goes over DERP while the hole punch runs
    l = Lab.load("headscale", state="ready")
    assert l.run("maschinchen", "ping -c 1 192.168.0.101").returncode == 0
    log = l.node("maschinchen").services["tailscaled"].magicsock.log
    handshakes = [j for j in log if j.flow == "wireguard handshake maschinchen → tailscale"]
    assert handshakes and any(d.get("via") == "DERP" for j in handshakes for _, _, steps, _ in j.hops
                              for _, action, *rest in steps if action == "wireguard"
                              for d in [rest[0] if isinstance(rest[0], dict) else dict(zip(rest[0], rest[1]))])
    assert "active; offers exit node; " in l.run("maschinchen", "tailscale status").stdout


COMMANDS = st.sampled_from([
    ("vps", "headscale users create zabooz"), ("vps", "headscale users create jules"),
    ("vps", "headscale users list"), ("vps", "headscale users destroy --name jules --force"),
    ("vps", "headscale preauthkeys create --user 1 --reusable"), ("vps", "headscale preauthkeys list -u 1"),
    ("vps", "headscale nodes list"), ("vps", "headscale nodes list-routes"),
    ("vps", "headscale nodes approve-routes -i 1 -r 192.168.0.0/24,0.0.0.0/0"),
    ("vps", "headscale nodes approve-routes -i x -r 10.0.0.0/33"), ("vps", "headscale nodes delete -i 2 --force"),
    ("vps", "headscale nodes rename -i 1 box"), ("vps", "headscale nodes expire -i 1"),
    ("vps", "headscale policy get"), ("vps", "systemctl restart headscale"),
    ("tailscale", "tailscale up --login-server=https://vpn.example.net --advertise-routes=192.168.0.0/24 --advertise-exit-node"),
    ("maschinchen", "tailscale up --login-server=https://vpn.example.net --accept-routes"),
    ("maschinchen", "tailscale set --exit-node=100.64.0.1"), ("maschinchen", "tailscale down"),
    ("maschinchen", "tailscale logout"), ("maschinchen", "tailscale status --json"),
    ("maschinchen", "tailscale ping tailscale"), ("maschinchen", "ping -c 1 -W 1 192.168.0.101"),
    ("tailscale", "systemctl stop tailscaled"), ("tailscale", "systemctl start tailscaled"),
    ("tailscale", "tailscale status"), ("maschinchen", "tailscale ip"), ("vps", "headscale nodes register -u zabooz -k x"),
])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(COMMANDS, min_size=1, max_size=12))
def test_random_sequences_never_crash(seq):
    l = lab()
    for node, cmd in seq:
        res = l.run(node, cmd)
        assert "interner Fehler" not in res.stderr, (cmd, res.stderr)
        if "/register/" in res.stderr:
            key = res.stderr.split("/register/")[1].split()[0]
            res = l.run("vps", f"headscale nodes register --user zabooz --key {key}")
            assert "interner Fehler" not in res.stderr


def test_accidental_revert_lists_given_flags_then_missing_ones():
    """As cmd/tailscale/cli/up.go: explicit flags in name order, then the missing current values."""
    lab = Lab.load("headscale", state="ready")
    res = lab.run("maschinchen", "tailscale up --login-server=https://vpn.example.net --exit-node=100.64.0.1")
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.startswith("Error: changing settings via 'tailscale up' requires mentioning all\n"
                                 "non-default flags. To proceed, either re-run your command with --reset or\n")
    assert res.stderr.endswith("\n\n\ttailscale up --exit-node=100.64.0.1 --login-server=https://vpn.example.net"
                               " --accept-routes\n\n\n")
    ok = lab.run("maschinchen", "tailscale up --login-server=https://vpn.example.net --exit-node=100.64.0.1 --reset")
    assert ok.returncode == 0


def test_interactive_up_as_background_job_waits_for_register():
    lab = Lab.load("headscale")
    lab.run("vps", "headscale users create zabooz")
    job = lab.start("maschinchen", "tailscale up --login-server=https://vpn.example.net")
    lab.advance(5)
    assert job.running                                  # nobody registered it yet
    url = lab.node("maschinchen").services["tailscaled"].auth_url
    assert lab.run("vps", f"headscale nodes register --user zabooz --key {url.rsplit('/', 1)[1]}").returncode == 0
    res = job.result(timeout=1)
    assert res.returncode == 0
    assert res.stderr == f"\nTo authenticate, visit:\n\n\t{url}\n\nSuccess.\n"
    waiting = lab.start("tailscale", "tailscale up --login-server=https://vpn.example.net")
    res = waiting.result(timeout=2)             # Ctrl+C before registration: up returns the watch's error
    assert (res.returncode, res.stderr.splitlines()[-1]) == (1, "context canceled")


def test_foreground_up_waits_in_a_job_and_fg_shows_success():
    lab = Lab.load("headscale")
    lab.run("vps", "headscale users create zabooz")
    res = lab.run("maschinchen", "tailscale up --login-server=https://vpn.example.net")
    url = lab.node("maschinchen").services["tailscaled"].auth_url
    assert res.returncode == 0 and res.stderr.startswith(f"\nTo authenticate, visit:\n\n\t{url}\n\nsimnet: ")
    assert "Job [1] im Hintergrund" in res.stderr
    job = lab.jobs[-1]
    assert job.running and job.command.startswith("tailscale up")
    lab.run("vps", f"headscale nodes register --user zabooz --key {url.rsplit('/', 1)[1]}")
    assert job.result().stderr == "Success.\n"


def test_up_with_timeout_waits_in_the_foreground_and_times_out_like_up_go():
    lab = Lab.load("headscale")
    before = lab.now
    res = lab.run("tailscale", "tailscale up --login-server=https://vpn.example.net --timeout=30s")
    assert res.returncode == 1 and not lab.jobs
    assert res.stderr.endswith('\n\ntimeout waiting for Tailscale service to enter a Running state; check health '
                               'with "tailscale status"\n')
    assert 30 <= lab.now - before < 31
    assert lab.run("tailscale", "tailscale status").stdout.startswith("Logged out.\nLog in at: https://")
    res = lab.run("tailscale", "tailscale up --login-server=https://vpn.example.net --timeout=soon")
    # flag.ExitOnError: the message, then up's usage (simnet.commands.tsusage), exit 2
    assert res.returncode == 2 and res.stderr.startswith('invalid value "soon" for flag -timeout: parse error\n'
                                                         "Connect to Tailscale, logging in if needed\n\nUSAGE\n")
    job = lab.start("tailscale", "tailscale up --login-server=https://vpn.example.net --timeout=10s")
    res = job.result(timeout=60)
    assert (res.returncode, res.stderr.splitlines()[-1]) == (1, 'timeout waiting for Tailscale service to enter '
                                                               'a Running state; check health with "tailscale status"')


def test_headscale_group_without_subcommand_prints_cobra_help():
    lab = Lab.load("headscale")
    res = lab.run("vps", "headscale nodes")
    assert res.returncode == 0 and res.stderr == ""
    lines = res.stdout.splitlines()
    assert lines[:4] == ["Manage the nodes of Headscale", "", "Usage:", "  headscale nodes [command]"]
    assert "  approve-routes Manage the approved routes of a node" in lines
    assert "  list           List nodes" in lines
    assert "      --force           Disable prompts and forces the execution" in lines
    assert lines[-1] == 'Use "headscale nodes [command] --help" for more information about a command.'
    keys = lab.run("vps", "headscale preauthkeys nonsense").stdout
    assert "  -h, --help        help for preauthkeys\n  -u, --user uint   User identifier (ID)\n" in keys
    assert lab.run("vps", "headscale users --help").stdout.startswith("Manage the users of Headscale\n")
