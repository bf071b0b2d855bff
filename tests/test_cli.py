"""The simnet command line."""
import subprocess
import sys
from pathlib import Path

from simnet.cli import main

LAB = """name: demo
nodes:
  laptop:
    interfaces: {eth0: lan}
    startup: ["ip addr add 192.168.0.2/24 dev eth0"]
  router:
    interfaces: {eth0: lan}
    startup: ["ip addr add 192.168.0.1/24 dev eth0"]
"""


def _lab(tmp_path: Path) -> str:
    path = tmp_path / "demo.yaml"
    path.write_text(LAB, encoding="utf-8")
    return str(path)


def test_run_prints_and_exits_like_the_command(tmp_path, capsys):
    lab = _lab(tmp_path)
    assert main(["run", lab, "laptop", "--", "ping", "-c", "1", "-W", "1", "192.168.0.1"]) == 0
    out = capsys.readouterr()
    assert "64 bytes from 192.168.0.1" in out.out and out.err == ""
    assert main(["run", lab, "laptop", "--", "ip", "link", "set", "eth9", "up"]) == 1
    assert capsys.readouterr().err == 'Cannot find device "eth9"\n'
    assert main(["run", lab, "laptop", "--", "ip route | wc -l"]) == 0
    assert capsys.readouterr().out == "1\n"


def test_python_dash_m_simnet_is_the_program(tmp_path):
    lab = _lab(tmp_path)
    root = Path(__file__).resolve().parents[1]
    res = subprocess.run([sys.executable, "-m", "simnet", "run", lab, "laptop", "--", "ip", "link", "set", "eth9", "up"],
                         capture_output=True, text=True, cwd=root, timeout=120)
    assert (res.returncode, res.stdout, res.stderr) == (1, "", 'Cannot find device "eth9"\n')
    res = subprocess.run([sys.executable, "-m", "simnet", "run", lab, "laptop", "--", "ping", "-c", "1", "192.168.0.1"],
                         capture_output=True, text=True, cwd=root, timeout=120)
    assert res.returncode == 0 and "1 received, 0% packet loss" in res.stdout


def test_broken_lab_file_is_a_german_message(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("nodes: [1, 2\n", encoding="utf-8")
    assert main(["show", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Fehler in" in err and "Traceback" not in err


def test_show_and_labs(tmp_path, capsys):
    assert main(["show", _lab(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "laptop" in out and "192.168.0.2/24" in out and "Segmente:" in out
    assert main(["labs"]) == 0
    assert "heimnetz" in capsys.readouterr().out


def test_shell_switches_nodes_keeps_the_lab_and_brings_a_capture_to_the_foreground():
    script = ("tcpdump -t -n -i eth0 icmp &\nwechsle debian\nping -c 1 192.168.0.101\nwarum\nfg\nfg\n"
              "wechsle nirgendwo\nexit\n")
    proc = subprocess.run([sys.executable, "-m", "simnet.cli", "shell", "heimnetz", "proxmox"], input=script,
                          capture_output=True, text=True, timeout=60)
    assert "root@debian:~# PING 192.168.0.101" in proc.stdout
    assert "Das Paket kommt an" in proc.stdout
    assert ("tcpdump -t -n -i eth0 icmp\ntcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n"
            "listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n"
            "IP 192.168.0.158 > 192.168.0.101: ICMP echo request, id 1234, seq 1, length 64\n"
            "IP 192.168.0.101 > 192.168.0.158: ICMP echo reply, id 1234, seq 1, length 64\n^C\n2 packets captured\n") \
        in proc.stdout
    assert "bash: fg: current: no such job" in proc.stderr and "Einen Knoten „nirgendwo“ gibt es nicht" in proc.stderr


def test_shell_with_a_state():
    proc = subprocess.run([sys.executable, "-m", "simnet.cli", "shell", "headscale", "maschinchen", "--state", "ready"],
                          input="tailscale ip -4\nexit\n", capture_output=True, text=True, timeout=60)
    assert "100.64.0.2" in proc.stdout


def test_shell_session(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "simnet.cli", "shell", _lab(tmp_path), "laptop"],
                          input="ip -br addr show dev eth0\nfoo\nexit 3\n", capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 3
    assert "root@laptop:~# " in proc.stdout and "192.168.0.2/24" in proc.stdout
    assert "bash: foo: command not found" in proc.stderr


def test_run_as_documented_is_what_argparse_makes_of_it():
    from simnet.cli import _run_as_documented, build_parser

    parser = build_parser(exercise=False)
    cases = [["run", "lab", "node", "--", "ping", "-c", "1", "x"], ["run", "lab", "node", "--"],
             ["run", "lab", "node", "--", "--", "x"], ["run", "lab", "node", "--", "-h"],
             ["run", "lab", "node", "--", "--explain", "x"], ["run", "l-ab", "no-de", "--", "--state", "s", "x"],
             ["run", "lab.yaml", "node", "--", "ip route | wc -l"]]
    for argv in cases:
        fast, slow = _run_as_documented(argv), parser.parse_args(argv)
        assert fast is not None, argv
        assert {k: getattr(fast, k) for k in ("cmd", "lab", "node", "command", "explain", "state", "func")} == \
               {k: getattr(slow, k) for k in ("cmd", "lab", "node", "command", "explain", "state", "func")}, argv
    for argv in (["run", "--explain", "lab", "node", "--", "x"], ["run", "lab", "node", "x"], ["run", "lab", "-n", "--"],
                 ["run", "-", "node", "--", "x"], ["run", "lab", "node"], ["show", "lab", "node", "--"], []):
        assert _run_as_documented(argv) is None, argv        # argparse decides


RUN_LOADS = """
import sys
from simnet.cli import main
sys.argv = ["simnet", "run", "heimnetz", "maschinchen", "--", "ip", "route"]
code = main()
print("LOADED", sorted(m for m in ("argparse", "gettext", "locale") if m in sys.modules), code)
"""


def test_simnet_run_as_documented_does_not_load_argparse(tmp_path):
    from tests.test_dccache import fresh_python

    res = fresh_python(tmp_path, RUN_LOADS)
    assert res.stdout.startswith("default via 10.0.5.1 dev wlan0")
    assert res.stdout.splitlines()[-1] == "LOADED [] 0"
