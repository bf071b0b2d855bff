"""Everyday commands the seed (and a learner around it) types: editors, heredocs, the backup,
classic net-tools names, scripts and ls -l, as learner command sequences."""
from __future__ import annotations

from pathlib import Path

import pytest

from simnet import Lab


@pytest.fixture(scope="module")
def ready() -> Lab:
    return Lab.load("headscale", state="ready")


def box() -> Lab:
    return Lab.from_dict({"nodes": {"c": {"interfaces": {"eth0": "lan"},
                                          "startup": ["ip addr add 192.168.0.150/24 dev eth0"]}}})


@pytest.mark.parametrize("editor", ["nano", "vim", "vi"])
def test_editor_points_to_sed_tee_and_heredoc(editor):
    r = box().run("c", f"sudo {editor} /etc/sysctl.conf")
    assert r.returncode == 1 and r.stdout == ""
    for hint in ("sed -i", "tee -a /etc/sysctl.conf", "cat > /etc/sysctl.conf <<'EOF'", "keinen"):
        assert hint in r.stderr


def test_heredoc_writes_a_sysctl_drop_in_and_sysctl_applies_it():
    lab = box()
    r = lab.run("c", "cat > /etc/sysctl.d/99-tailscale.conf <<EOF\n"
                     "net.ipv4.ip_forward = 1\n"
                     "net.ipv6.conf.all.forwarding = 1\n"
                     "EOF")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = lab.run("c", "sysctl -p /etc/sysctl.d/99-tailscale.conf")
    assert r.stdout == "net.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n"
    # with an unquoted delimiter the body expands variables, with a quoted one it stays literal
    assert lab.run("c", "cat <<EOF\n$HOSTNAME\nEOF").stdout == "c\n"
    assert lab.run("c", "cat <<'EOF'\n$HOSTNAME\nEOF").stdout == "$HOSTNAME\n"
    r = lab.run("c", "cat <<EOF\nnie zu Ende")
    assert r.stdout == "nie zu Ende\n"
    assert "here-document at line 1 delimited by end-of-file (wanted `EOF')" in r.stderr


def test_the_seeds_backup_line_on_the_vps(ready):
    vps = "vps"
    assert ready.run(vps, "ls /var/lib/headscale").stdout == "db.sqlite\nderp_server_private.key\nnoise_private.key\n"
    r = ready.run(vps, "tar -czf headscale-backup-$(date +%Y%m%d).tar.gz \\\n  /etc/headscale/ \\\n"
                       "  /var/lib/headscale/ \\\n  /etc/nginx/sites-available/headscale")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ("tar: Removing leading `/' from member names\n"
                        "tar: Removing leading `/' from hard link targets\n")
    listing = ready.run(vps, "ls").stdout
    assert "headscale-backup-20260118.tar.gz" in listing
    names = ready.run(vps, "tar -tzf headscale-backup-20260118.tar.gz").stdout.splitlines()
    assert "etc/headscale/config.yaml" in names and "var/lib/headscale/db.sqlite" in names
    ready.run(vps, "mkdir /tmp/restore")
    assert ready.run(vps, "tar -xzf headscale-backup-20260118.tar.gz -C /tmp/restore").returncode == 0
    assert ready.run(vps, "cat /tmp/restore/etc/headscale/config.yaml").stdout == \
        ready.run(vps, "cat /etc/headscale/config.yaml").stdout


@pytest.mark.parametrize("command", ["ifconfig", "route -n", "netstat -tlnp"])
def test_net_tools_are_not_installed_on_debian_12(command):
    lab = box()
    r = lab.run("c", command)
    name = command.split()[0]
    assert (r.returncode, r.stdout, r.stderr) == (127, "", f"bash: {name}: command not found\n")
    r = lab.run("c", "sudo " + command)
    assert (r.returncode, r.stderr) == (1, f"sudo: {name}: command not found\n")
    assert "Setting up net-tools" in lab.run("c", "apt install net-tools").stdout
    r = lab.run("c", command)          # installed: simnet says which ip command shows the same
    assert r.returncode == 1 and "simnet" in r.stderr and ("ip " in r.stderr or "ss " in r.stderr)


def test_files_and_folders_with_coreutils_errors():
    lab = box()
    run = lambda cmd: lab.run("c", cmd)  # noqa: E731
    assert run("mkdir /etc/iptables").returncode == 0
    r = run("mkdir /etc/iptables")
    assert (r.returncode, r.stderr) == (1, "mkdir: cannot create directory '/etc/iptables': File exists\n")
    run("cp /etc/sysctl.conf /root/sysctl.conf.bak")
    assert run("ls /root").stdout == "sysctl.conf.bak\n"
    r = run("rm /root/sysctl.conf.ba")
    assert (r.returncode, r.stderr) == (1, "rm: cannot remove '/root/sysctl.conf.ba': No such file or directory\n")
    r = run("rm /etc/iptables")
    assert (r.returncode, r.stderr) == (1, "rm: cannot remove '/etc/iptables': Is a directory\n")
    assert run("mv /root/sysctl.conf.bak /etc/iptables/").returncode == 0
    assert run("ls /etc/iptables").stdout == "sysctl.conf.bak\n"
    assert run("rm -r /etc/iptables").returncode == 0
    assert run("ls /etc/iptables").returncode == 2
    line = run("ls -l /etc/sysctl.conf").stdout
    assert line == "-rw-r--r-- 1 root root 2355 Dec 19  2022 /etc/sysctl.conf\n"
    listing = run("ls -la /etc/sysctl.d").stdout.splitlines()
    assert listing[0] == "total 12"
    assert listing[3] == "lrwxrwxrwx 1 root root   14 May 29  2025 99-sysctl.conf -> ../sysctl.conf"


def test_a_script_runs_once_it_is_executable():
    lab = box()
    lab.run("c", "cat > /root/fwd.sh <<'EOF'\nsysctl -w net.ipv4.ip_forward=1\nEOF")
    r = lab.run("c", "./fwd.sh")
    assert (r.returncode, r.stderr) == (126, "bash: ./fwd.sh: Permission denied\n")
    lab.run("c", "chmod +x fwd.sh")
    assert lab.run("c", "ls -l fwd.sh").stdout.startswith("-rwxr-xr-x 1 root root 32 ")
    assert lab.run("c", "./fwd.sh").stdout == "net.ipv4.ip_forward = 1\n"


def test_grep_context_as_in_the_seeds_debugging():
    lab = box()
    r = lab.run("c", "grep -n -A1 ip_forward /etc/sysctl.conf")
    assert r.stdout == "28:#net.ipv4.ip_forward=1\n29-\n"
    r = lab.run("c", "grep -n -B1 -A1 forwarding /etc/sysctl.conf")
    assert r.stdout.splitlines()[:4] == ["26-", "27:# Uncomment the next line to enable packet forwarding for IPv4",
                                         "28-#net.ipv4.ip_forward=1", "29-"]
    r = lab.run("c", "grep -n -A1 rp_filter /etc/sysctl.conf")
    assert r.stdout == "19:#net.ipv4.conf.default.rp_filter=1\n20:#net.ipv4.conf.all.rp_filter=1\n21-\n"
    r = lab.run("c", "grep -A0 -n 'accept_redirects\\|send_redirects' /etc/sysctl.conf")
    assert r.stdout.count("--") == 1


def test_simnet_shell_reads_a_heredoc_and_a_continued_line(tmp_path):
    import subprocess
    import sys

    lab = tmp_path / "lab.yaml"
    lab.write_text("nodes:\n  c:\n    interfaces: {eth0: lan}\n    startup: ['ip addr add 192.168.0.150/24 dev eth0']\n",
                   encoding="utf-8")
    script = ("cat > /etc/sysctl.d/99-tailscale.conf <<EOF\nnet.ipv4.ip_forward = 1\nEOF\n"
              "sysctl -p \\\n  /etc/sysctl.d/99-tailscale.conf\nexit\n")
    proc = subprocess.run([sys.executable, "-m", "simnet.cli", "shell", str(lab), "c"], input=script,
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert "> > " in proc.stdout                      # bash's continuation prompt, twice for the body
    assert "net.ipv4.ip_forward = 1\n" in proc.stdout
    assert proc.returncode == 0, proc.stderr
