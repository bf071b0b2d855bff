"""The seed's goal, step by step: the Proxmox web interface from the café, and
"what is my IP" with and without the exit node (issue 15, items 1 and 3).

Error texts are held to the real curl 7.88.1 (Debian 12, OpenSSL 3.0): recorded
against openssl s_server with a leaf signed by an untrusted CA (what pveproxy
sends), and with a peer that drops SYNs (``-m`` / ``--connect-timeout``).
"""
from __future__ import annotations

import pytest

from simnet import Lab

PVE = "https://192.168.0.101:8006/"
TITLE = "<title>proxmox - Proxmox Virtual Environment</title>"
# curl 7.88.1 against a server certificate signed by a CA it does not know (exit code 60)
UNTRUSTED = ("curl: (60) SSL certificate problem: unable to get local issuer certificate\n"
             "More details here: https://curl.se/docs/sslcerts.html\n\n"
             "curl failed to verify the legitimacy of the server and therefore could not\n"
             "establish a secure connection to it. To learn more about this situation and\n"
             "how to fix it, please visit the web page mentioned above.\n")


@pytest.fixture
def ready() -> Lab:
    return Lab.load("headscale", state="ready")


def test_pveproxy_listens_and_serves_the_login_page_on_proxmox(ready: Lab) -> None:
    ss = ready.run("proxmox", "ss -tlnp").stdout
    assert "*:8006" in ss and '("pveproxy",pid=' in ss and "0.0.0.0:22" in ss
    status = ready.run("proxmox", "systemctl status pveproxy")
    assert status.returncode == 0
    assert status.stdout.startswith("\u25cf pveproxy.service - PVE API Proxy Server\n")
    assert "Active: active (running)" in status.stdout
    page = ready.run("proxmox", f"curl -k {PVE}")
    assert page.returncode == 0 and TITLE in page.stdout


def test_without_k_curl_rejects_the_self_signed_certificate(ready: Lab) -> None:
    res = ready.run("debian", f"curl {PVE}")
    assert (res.returncode, res.stdout, res.stderr) == (60, "", UNTRUSTED)
    assert "selbst ausgestellt" in res.trace.explain()
    head = ready.run("debian", f"curl -kI {PVE}")
    assert head.stdout.startswith("HTTP/1.1 200 OK\r\n")            # pveproxy speaks no HTTP/2
    assert "Server: pve-api-daemon/3.0\r\n" in head.stdout
    verbose = ready.run("debian", f"curl -v -k {PVE} -o /dev/null").stderr
    assert "* ALPN: server did not agree on a protocol. Uses default." in verbose
    assert "unable to get local issuer certificate (20), continuing anyway." in verbose
    assert "> Host: 192.168.0.101:8006\r\n" in verbose


def test_the_web_ui_from_the_cafe_through_the_subnet_router(ready: Lab) -> None:
    res = ready.run("maschinchen", f"curl -k -m 10 {PVE}")
    assert res.returncode == 0 and TITLE in res.stdout
    # the request really went through the tunnel and the container's MASQUERADE
    text = "\n".join(str(p) for p in res.trace)
    assert "DECAPSULATE" in text and "MASQUERADE" in text and "proxmox: IN(receive: dev=eth0, src=192.168.0.150" \
        in text


@pytest.mark.parametrize("breakage, node", [
    ("sysctl -w net.ipv4.ip_forward=0", "tailscale"),                      # no forwarding in the container
    ("iptables -t nat -F ts-postrouting", "tailscale"),                    # no MASQUERADE: answers go astray
])
def test_each_broken_condition_fails_like_curl(ready: Lab, breakage: str, node: str) -> None:
    ready.run(node, breakage)
    res = ready.run("maschinchen", f"curl -k -m 5 {PVE}")
    assert res.returncode == 28
    assert res.stderr.startswith("curl: (28) Connection timed out after 500") and \
        res.stderr.endswith(" milliseconds\n")
    res = ready.run("maschinchen", f"curl -k --connect-timeout 3 {PVE}")
    assert res.stderr.startswith("curl: (28) Failed to connect to 192.168.0.101 port 8006 after 300")
    assert res.stderr.endswith(" ms: Timeout was reached\n")


def test_without_accepted_routes_the_home_net_is_not_on_the_tunnel(ready: Lab) -> None:
    ready.run("maschinchen", "tailscale set --accept-routes=false")
    res = ready.run("maschinchen", f"curl -k -m 5 {PVE}")
    # the packet takes the café's default route; the internet has no way to 192.168.0.0/24
    assert res.returncode == 7
    assert res.stderr.startswith("curl: (7) Failed to connect to 192.168.0.101 port 8006 after ")
    assert res.stderr.endswith(" ms: Couldn't connect to server\n")
    ready.run("maschinchen", "tailscale set --accept-routes")
    assert TITLE in ready.run("maschinchen", f"curl -k {PVE}").stdout


def test_stopped_pveproxy_refuses_and_comes_back(ready: Lab) -> None:
    ready.run("proxmox", "systemctl stop pveproxy")
    res = ready.run("maschinchen", f"curl -k -m 5 {PVE}")
    assert res.returncode == 7
    assert res.stderr.startswith("curl: (7) Failed to connect to 192.168.0.101 port 8006 after ")
    assert res.stderr.endswith(" ms: Couldn't connect to server\n")
    assert "8006" not in ready.run("proxmox", "ss -tln").stdout
    assert ready.run("proxmox", "systemctl is-active pveproxy").stdout == "inactive\n"
    ready.run("proxmox", "systemctl start pveproxy")
    assert TITLE in ready.run("maschinchen", f"curl -k {PVE}").stdout


def test_browser_is_a_german_note_with_what_it_would_show(ready: Lab) -> None:
    res = ready.run("maschinchen", "firefox https://192.168.0.101:8006")
    assert res.returncode != 0 and res.stdout == ""
    assert "keine grafische Oberfläche" in res.stderr
    assert "proxmox - Proxmox Virtual Environment" in res.stderr and "curl -k" in res.stderr
    ready.run("tailscale", "sysctl -w net.ipv4.ip_forward=0")
    res = ready.run("maschinchen", "xdg-open https://192.168.0.101:8006")
    assert "Fehlerseite" in res.stderr and "Proxmox Virtual Environment" not in res.stderr


def test_what_is_my_ip_shows_the_cafe_then_the_home_address_through_the_exit_node(ready: Lab) -> None:
    cafe = ready.run("maschinchen", "curl ifconfig.me")
    assert (cafe.returncode, cafe.stdout) == (0, "198.51.100.140")          # ifconfig.me: no newline
    assert ready.run("maschinchen", "curl https://ifconfig.me").stdout == "198.51.100.140"
    assert ready.run("maschinchen", "curl icanhazip.com").stdout == "198.51.100.140\n"
    up = ready.run("maschinchen", "tailscale up --login-server=https://vpn.example.net --accept-routes "
                                  "--exit-node=100.64.0.1")
    assert up.returncode == 0, up.stderr
    assert ready.run("maschinchen", "curl ifconfig.me").stdout == "198.51.100.57"
    assert ready.run("maschinchen", "curl -s https://icanhazip.com").stdout == "198.51.100.57\n"
    off = ready.run("maschinchen", "tailscale up --login-server=https://vpn.example.net --accept-routes --exit-node=")
    assert off.returncode == 0, off.stderr
    assert ready.run("maschinchen", "curl ifconfig.me").stdout == "198.51.100.140"


def test_exit_node_without_forwarding_in_the_container_loses_even_the_name_lookup(ready: Lab) -> None:
    ready.run("maschinchen", "tailscale set --exit-node=100.64.0.1")
    ready.run("tailscale", "sysctl -w net.ipv4.ip_forward=0")
    res = ready.run("maschinchen", "curl -m 3 ifconfig.me")        # DNS goes through the exit node as well
    assert (res.returncode, res.stdout, res.stderr) == (28, "", "curl: (28) Resolving timed out after 3001 "
                                                                "milliseconds\n")
    res = ready.run("maschinchen", "curl ifconfig.me")
    assert (res.returncode, res.stderr) == (6, "curl: (6) Could not resolve host: ifconfig.me\n")


def test_from_home_the_public_address_is_the_routers(ready: Lab) -> None:
    assert ready.run("debian", "curl ifconfig.me").stdout == "198.51.100.57"
    assert ready.run("vps", "curl -s ifconfig.me").stdout == "203.0.113.10"
