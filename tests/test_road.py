"""The road to the coordination server (issue 6): DNS, DuckDNS, nginx with the
WebSocket Upgrade headers, TLS certificates, ufw. Every failure is broken,
seen with the real tool's text and the German trace, repaired and seen working."""
from __future__ import annotations

import re

import pytest

from simnet import Lab
from simnet.trace import Disposition

UP = "tailscale up --login-server=https://vpn.example.net --accept-routes"
AUTH = "To authenticate, visit:"
SITE = "/etc/nginx/sites-available/headscale"


@pytest.fixture
def lab() -> Lab:
    return Lab.load("headscale")


def firewall(lab: Lab, *ports: str) -> None:
    for port in ports:
        assert lab.run("vps", f"ufw allow {port}").ok
    assert "Firewall is active" in lab.run("vps", "echo y | ufw enable").stdout


def login_works(lab: Lab, node: str = "maschinchen") -> bool:
    r = lab.run(node, UP)
    return r.ok and AUTH in r.stderr


# ------------------------------------------------------------------ DNS
def test_dig_nslookup_host_answer_with_the_vps_address(lab: Lab) -> None:
    dig = lab.run("maschinchen", "dig vpn.example.net")
    assert dig.ok
    assert ";; ->>HEADER<<- opcode: QUERY, status: NOERROR" in dig.stdout
    assert re.search(r"^;; ANSWER SECTION:\nvpn\.example\.net\.\s+60\s+IN\s+A\s+203\.0\.113\.10$", dig.stdout, re.M)
    assert ";; SERVER: 203.0.113.1#53(203.0.113.1) (UDP)" in dig.stdout
    assert dig.trace.ok and "internet" in [h.node for h in dig.trace.hops]
    assert lab.run("maschinchen", "dig +short vpn.example.net").stdout == "203.0.113.10\n"
    ns = lab.run("maschinchen", "nslookup vpn.example.net").stdout
    assert "Non-authoritative answer:\nName:\tvpn.example.net\nAddress: 203.0.113.10" in ns
    assert ns.endswith("Address: 203.0.113.10\nName:\tvpn.example.net\nAddress: 2001:db8:ff00::10\n\n")
    assert lab.run("maschinchen", "host vpn.example.net").stdout == (
        "vpn.example.net has address 203.0.113.10\nvpn.example.net has IPv6 address 2001:db8:ff00::10\n")


def test_unknown_name_is_nxdomain_everywhere(lab: Lab) -> None:
    assert "status: NXDOMAIN" in lab.run("maschinchen", "dig nix.example.net").stdout
    r = lab.run("maschinchen", "host nix.example.net")
    assert (r.returncode, r.stdout) == (1, "Host nix.example.net not found: 3(NXDOMAIN)\n")
    assert "** server can't find nix.example.net: NXDOMAIN" in lab.run("maschinchen", "nslookup nix.example.net").stdout
    curl = lab.run("maschinchen", "curl https://nix.example.net/")
    assert (curl.returncode, curl.stderr) == (6, "curl: (6) Could not resolve host: nix.example.net\n")
    assert "NXDOMAIN" in curl.trace.explain()


def test_blocked_resolver_times_out_like_dig_does(lab: Lab) -> None:
    assert lab.run("maschinchen", "iptables -A OUTPUT -p udp --dport 53 -j DROP").ok
    r = lab.run("maschinchen", "dig vpn.example.net")
    assert r.returncode == 9
    assert r.stdout.count(";; communications error to 203.0.113.1#53: timed out") == 3
    assert ";; no servers could be reached" in r.stdout
    assert r.trace.disposition is Disposition.FILTERED
    up = lab.run("maschinchen", UP)
    assert "lookup vpn.example.net on 203.0.113.1:53: read udp" in up.stderr and "i/o timeout" in up.stderr
    assert lab.run("maschinchen", "iptables -D OUTPUT -p udp --dport 53 -j DROP").ok
    assert lab.run("maschinchen", "dig +short vpn.example.net").stdout == "203.0.113.10\n"


def test_stale_record_after_address_change_is_healed_by_the_duckdns_cron(lab: Lab) -> None:
    assert "*/5 * * * * /usr/local/bin/duckdns-update.sh" in lab.run("vps", "crontab -l").stdout
    for cmd in ("ip addr del 203.0.113.10/25 dev eth0", "ip addr add 203.0.113.20/25 dev eth0",
                "ip route add default via 203.0.113.1"):
        assert lab.run("vps", cmd).ok
    broken = lab.run("maschinchen", UP)
    assert broken.returncode == 1
    assert broken.stderr == ('backend error: fetch control key: Get "https://vpn.example.net/key?v=125": '
                             "dial tcp 203.0.113.10:443: connect: no route to host\n")
    assert broken.trace.disposition is Disposition.ARP_FAILED
    assert "veralteten DNS-Eintrag" in broken.trace.explain() and "DuckDNS" in broken.trace.explain()
    assert lab.run("maschinchen", "dig +short vpn.example.net").stdout == "203.0.113.10\n"
    lab.advance(300 + 60)              # cron runs the updater; the resolver's cached answer (TTL 60) expires
    assert lab.run("vps", "cat /var/log/duckdns.log").stdout == "OK"
    assert lab.run("maschinchen", "dig +short vpn.example.net").stdout == "203.0.113.20\n"
    assert login_works(lab)


def test_home_wan_change_is_followed_by_the_updater_behind_masquerade(lab: Lab) -> None:
    """The container at home asks DuckDNS with ip= empty: DuckDNS sees the router's WAN address."""
    assert "domains=home&token=<DUCKDNS-TOKEN>&ip=" in lab.run("tailscale", "cat /usr/local/bin/duckdns-update.sh").stdout
    assert lab.run("maschinchen", "dig +short home.example.net").stdout == "198.51.100.57\n"
    for cmd in ("ip addr del 198.51.100.57/25 dev wan", "ip addr add 198.51.100.58/25 dev wan",
                "ip route add default via 198.51.100.1"):
        assert lab.run("router", cmd).ok       # the provider hands out a new address
    assert lab.run("maschinchen", "dig +short home.example.net").stdout == "198.51.100.57\n"
    lab.advance(300 + 60)
    assert lab.run("maschinchen", "dig +short home.example.net").stdout == "198.51.100.58\n"
    manual = lab.run("tailscale", "/usr/local/bin/duckdns-update.sh")
    assert manual.ok and lab.run("tailscale", "cat /var/log/duckdns.log").stdout == "OK"
    assert "router" in [h.node for h in manual.trace.hops]


def test_duckdns_answers_ko_for_a_wrong_token_and_ok_for_the_right_one(lab: Lab) -> None:
    bad = lab.run("vps", 'curl -s "https://www.duckdns.org/update?domains=vpn&token=falsch&ip="')
    assert (bad.ok, bad.stdout) == (True, "KO")
    good = lab.run("vps", 'curl -s "https://www.duckdns.org/update?domains=vpn&token=<DUCKDNS-TOKEN>&ip=198.51.100.77"')
    assert good.stdout == "OK"
    lab.advance(61)
    assert lab.run("maschinchen", "dig +short vpn.example.net").stdout == "198.51.100.77\n"


# ---------------------------------------------------------------- nginx
def test_nginx_t_accepts_the_seed_config_and_names_a_typo(lab: Lab) -> None:
    ok = lab.run("vps", "nginx -t")
    assert ok.ok and ok.stderr == ("nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
                                   "nginx: configuration file /etc/nginx/nginx.conf test is successful\n")
    assert "proxy_set_header Upgrade $http_upgrade;" in lab.run("vps", f"cat {SITE}").stdout
    lab.run("vps", f"sed -i 's/proxy_buffering off/proxy_bufering off/' {SITE}")
    bad = lab.run("vps", "nginx -t")
    assert bad.returncode == 1
    assert bad.stderr == ('nginx: [emerg] unknown directive "proxy_bufering" in '
                          "/etc/nginx/sites-enabled/headscale:27\n"
                          "nginx: configuration file /etc/nginx/nginx.conf test failed\n")
    reload = lab.run("vps", "systemctl reload nginx")
    assert reload.returncode == 1 and "Job for nginx.service failed" in reload.stderr
    assert login_works(lab)            # the old configuration keeps running
    assert lab.run("vps", "systemctl restart nginx").returncode == 1
    assert "Active: failed (Result: exit-code)" in lab.run("vps", "systemctl status nginx").stdout
    down = lab.run("maschinchen", UP)
    assert "dial tcp 203.0.113.10:443: connect: connection refused" in down.stderr
    assert down.trace.disposition is Disposition.PORT_UNREACHABLE
    lab.run("vps", f"sed -i 's/proxy_bufering off/proxy_buffering off/' {SITE}")
    assert lab.run("vps", "nginx -t").ok and lab.run("vps", "systemctl start nginx").ok
    assert login_works(lab)


def test_missing_semicolon_and_unknown_variable(lab: Lab) -> None:
    lab.run("vps", f"sed -i 's/proxy_http_version 1.1;/proxy_http_version 1.1/' {SITE}")
    assert 'invalid number of arguments in "proxy_http_version" directive' in lab.run("vps", "nginx -t").stderr
    lab.run("vps", f"sed -i 's/proxy_http_version 1.1$/proxy_http_version 1.1;/' {SITE}")
    lab.run("vps", f"sed -i 's/map $http_upgrade $connection_upgrade/map $http_upgrade $conn_upgrade/' {SITE}")
    assert 'nginx: [emerg] unknown "connection_upgrade" variable' in lab.run("vps", "nginx -t").stderr


def test_without_upgrade_header_login_fails_like_the_seed_troubleshooting(lab: Lab) -> None:
    lab.run("vps", f"sed -i 's/proxy_set_header Upgrade/#proxy_set_header Upgrade/' {SITE}")
    assert login_works(lab), "an edited file changes nothing before the reload"
    lab = Lab.load("headscale")
    lab.run("vps", f"sed -i 's/proxy_set_header Upgrade/#proxy_set_header Upgrade/' {SITE}")
    assert lab.run("vps", "nginx -t").ok and lab.run("vps", "systemctl reload nginx").ok
    r = lab.run("maschinchen", UP)
    assert r.returncode == 1
    assert r.stderr == ('backend error: register request: Post "https://vpn.example.net/machine/register": all '
                        "connection attempts failed (HTTP: TLS forced: no port 80 dialed, HTTPS: unexpected HTTP "
                        "response: 500 Internal Server Error)\n")
    assert r.trace.disposition is Disposition.REJECTED and r.trace.main.where == "vps"
    assert "Upgrade-Header" in r.trace.explain() and "systemctl reload nginx" in r.trace.explain()
    journal = lab.run("vps", "journalctl -u headscale -n 50 --no-pager").stdout
    assert "WRN" in journal and "No Upgrade header in TS2021 request. If headscale is behind a reverse proxy" in journal
    assert "Received error: register request" in lab.run("maschinchen", "journalctl -u tailscaled").stdout
    lab.run("vps", f"sed -i 's/#proxy_set_header Upgrade/proxy_set_header Upgrade/' {SITE}")
    assert lab.run("vps", "systemctl reload nginx").ok
    assert login_works(lab)


def test_headscale_down_behind_nginx_is_a_bad_gateway(lab: Lab) -> None:
    assert lab.run("vps", "systemctl stop headscale").ok
    r = lab.run("maschinchen", UP)
    assert r.stderr == "backend error: fetch control key: 502\n"
    assert "502 Bad Gateway" in r.trace.explain() and "„vps“" in r.trace.explain()
    head = lab.run("maschinchen", "curl -sI https://vpn.example.net/")
    assert head.stdout.startswith("HTTP/2 502 \r\nserver: nginx/1.22.1\r\n")
    assert "connect() failed (111: Connection refused) while connecting to upstream" in \
        lab.run("vps", "cat /var/log/nginx/error.log").stdout
    assert "127.0.0.1:8090" not in lab.run("vps", "ss -tlpn").stdout
    assert lab.run("vps", "curl -s http://127.0.0.1:8090/health").returncode == 7
    assert lab.run("maschinchen", "curl -s http://203.0.113.10:8090/health").returncode == 7
    assert lab.run("vps", "systemctl start headscale").ok
    assert lab.run("vps", "curl -s http://127.0.0.1:8090/health").stdout == '{"status":"pass"}\n'
    assert "127.0.0.1:8090" in lab.run("vps", "ss -tlpn").stdout
    assert login_works(lab)


def test_curl_shows_redirect_and_headers(lab: Lab) -> None:
    plain = lab.run("maschinchen", "curl -I http://vpn.example.net/")
    assert plain.stdout.startswith("HTTP/1.1 301 Moved Permanently\r\nServer: nginx/1.22.1\r\n")
    assert "Location: https://vpn.example.net/\r\n" in plain.stdout
    health = lab.run("maschinchen", "curl -sL http://vpn.example.net/health")
    assert health.stdout == '{"status":"pass"}\n'
    assert "HTTP/2 404 \r\nserver: nginx/1.22.1" in lab.run("maschinchen", "curl -I https://vpn.example.net/").stdout


# ------------------------------------------------------------------ TLS
def test_certificate_expires_when_the_firewall_blocks_the_renewal(lab: Lab) -> None:
    certs = lab.run("vps", "certbot certificates").stdout
    assert "Certificate Name: vpn.example.net" in certs and "Expiry Date: 2026-01-20 10:00:00+00:00 (VALID: 2 days)" \
        in certs
    firewall(lab, "22/tcp", "443/tcp", "3478/udp")          # the seed's list: no port 80
    lab.advance(2 * 86400 + 60)
    assert "(INVALID: EXPIRED)" in lab.run("vps", "certbot certificates").stdout
    r = lab.run("maschinchen", UP)
    assert r.stderr == ('backend error: fetch control key: Get "https://vpn.example.net/key?v=125": tls: failed to '
                        "verify certificate: x509: certificate has expired or is not yet valid: current time "
                        "2026-01-20T10:01:00Z is after 2026-01-20T10:00:00Z\n")
    assert r.trace.disposition is Disposition.REJECTED and "abgelaufen" in r.trace.explain()
    curl = lab.run("maschinchen", "curl -I https://vpn.example.net/")
    assert curl.returncode == 60 and curl.stderr.startswith("curl: (60) SSL certificate problem: certificate has expired")
    renew = lab.run("vps", "certbot renew")
    assert renew.returncode == 1
    assert "Timeout during connect (likely firewall problem)" in renew.stdout
    assert "ufw allow 80/tcp" in renew.trace.explain()
    assert lab.run("vps", "ufw allow 80/tcp").stdout == "Rule added\nRule added (v6)\n"
    renew = lab.run("vps", "certbot renew")
    assert renew.ok and "Congratulations, all renewals succeeded" in renew.stdout
    assert "(VALID: 89 days)" in lab.run("vps", "certbot certificates").stdout
    assert login_works(lab)


def test_certbot_timer_renews_in_time_when_port_80_is_open(lab: Lab) -> None:
    lab.advance(2 * 86400 + 60)
    assert "VALID: 8" in lab.run("vps", "certbot certificates").stdout
    assert login_works(lab)


def test_certbot_nginx_outcomes(lab: Lab) -> None:
    renewed = lab.run("vps", "certbot --nginx -d vpn.example.net")     # 2 days left: due
    assert renewed.stdout.startswith("Renewing an existing certificate for vpn.example.net\n")
    assert "Successfully received certificate." in renewed.stdout
    assert "Congratulations! You have successfully enabled HTTPS on https://vpn.example.net" in renewed.stdout
    again = lab.run("vps", "certbot --nginx -d vpn.example.net")
    assert again.ok and "Certificate not yet due for renewal" in again.stdout
    unknown = lab.run("vps", "certbot --nginx -d nix.example.net")
    assert unknown.returncode == 1
    assert "DNS problem: NXDOMAIN looking up A for nix.example.net" in unknown.stdout
    assert lab.run("vps", "systemctl stop nginx").ok
    stopped = lab.run("vps", "certbot --nginx -d vpn.example.net")
    assert stopped.returncode == 1


def test_certificate_for_the_wrong_name(lab: Lab) -> None:
    got = lab.run("vps", "certbot certonly --nginx -d www.example.net")
    assert got.ok and "Successfully received certificate." in got.stdout
    lab.run("vps", f"sed -i 's#live/vpn.example.net/#live/www.example.net/#' {SITE}")
    assert lab.run("vps", "systemctl reload nginx").ok
    r = lab.run("maschinchen", UP)
    assert r.stderr.endswith("tls: failed to verify certificate: x509: certificate is valid for www.example.net, "
                             "not vpn.example.net\n")
    assert "gilt nur für www.example.net" in r.trace.explain()
    curl = lab.run("maschinchen", "curl https://vpn.example.net/health")
    assert "no alternative certificate subject name matches target host name 'vpn.example.net'" in curl.stderr
    lab.run("vps", f"sed -i 's#live/www.example.net/#live/vpn.example.net/#' {SITE}")
    assert lab.run("vps", "systemctl reload nginx").ok
    assert login_works(lab)


def test_missing_certificate_stops_nginx_at_the_next_restart(lab: Lab) -> None:
    gone = lab.run("vps", "certbot delete --cert-name vpn.example.net")
    assert "Deleted all files relating to certificate vpn.example.net." in gone.stdout
    assert lab.run("vps", "certbot certificates").stdout == "No certificates found.\n"
    assert login_works(lab), "nginx still holds the loaded certificate in memory"
    test = lab.run("vps", "nginx -t")
    assert test.returncode == 1 and 'cannot load certificate "/etc/letsencrypt/live/vpn.example.net/fullchain.pem"' \
        in test.stderr
    assert lab.run("vps", "systemctl restart nginx").returncode == 1
    r = lab.run("maschinchen", UP)
    assert "dial tcp 203.0.113.10:443: connect: connection refused" in r.stderr
    assert "nginx" in r.trace.explain() and "nginx -t" in r.trace.explain()
    assert "cannot load certificate" in lab.run("vps", "journalctl -u nginx").stdout
    issued = lab.run("vps", "certbot certonly --standalone -d vpn.example.net")
    assert issued.ok, issued.stdout + issued.stderr
    assert lab.run("vps", "systemctl start nginx").ok
    assert login_works(lab)


# ----------------------------------------------------------------- ufw
def test_ufw_status_formats_and_the_rules_it_writes(lab: Lab) -> None:
    assert lab.run("vps", "ufw status").stdout == "Status: inactive\n"
    firewall(lab, "22/tcp", "443/tcp", "3478/udp")
    status = lab.run("vps", "ufw status").stdout
    assert status.startswith("Status: active\n\nTo                         Action      From\n"
                             "--                         ------      ----\n"
                             "22/tcp                     ALLOW       Anywhere\n")
    assert "3478/udp (v6)              ALLOW       Anywhere (v6)" in status
    verbose = lab.run("vps", "ufw status verbose").stdout
    assert "Default: deny (incoming), allow (outgoing), disabled (routed)" in verbose
    numbered = lab.run("vps", "ufw status numbered").stdout
    assert "[ 2] 443/tcp                    ALLOW IN    Anywhere" in numbered
    rules = lab.run("vps", "iptables -S").stdout
    assert "-P INPUT DROP" in rules
    assert "-A ufw-user-input -p tcp -m tcp --dport 443 -j ACCEPT" in rules
    assert "-A ufw-user-input -p udp -m udp --dport 3478 -j ACCEPT" in rules
    assert lab.run("vps", "ufw allow 443/tcp").stdout == "Skipping adding existing rule\nSkipping adding existing rule (v6)\n"
    assert lab.run("vps", "ufw disable").stdout == "Firewall stopped and disabled on system startup\n"
    # like real ufw: the jumps and the hooked chains stay (empty), the user chains are gone
    after = lab.run("vps", "iptables -S").stdout
    assert "-P INPUT ACCEPT" in after and "-A INPUT -j ufw-before-input" in after
    assert "ufw-user-input" not in after and "-A ufw-" not in after


def test_ufw_without_443_breaks_login_and_allow_repairs_it(lab: Lab) -> None:
    firewall(lab, "22/tcp", "3478/udp")
    r = lab.run("maschinchen", UP)
    assert r.stderr == 'backend error: fetch control key: Get "https://vpn.example.net/key?v=125": context deadline exceeded\n'
    assert r.trace.disposition is Disposition.FILTERED and r.trace.main.where == "vps"
    assert "ufw allow 443/tcp" in r.trace.explain()
    assert lab.run("maschinchen", "ping -c 1 -W 1 203.0.113.10").ok, "ufw lets ping through (before.rules)"
    assert lab.run("vps", "ufw allow 443/tcp").ok
    assert login_works(lab)
    assert lab.run("vps", "ufw delete allow 443/tcp").stdout == "Rule deleted\nRule deleted (v6)\n"
    assert not login_works(lab)


def test_blocking_3478_drops_stun_in_the_data_plane_but_not_https(lab: Lab) -> None:
    from ipaddress import IPv4Address

    from simnet.services.transport import udp_ask

    firewall(lab, "22/tcp", "443/tcp", "3478/udp")
    client = lab.nodes["maschinchen"]
    through = udp_ask(client, IPv4Address("203.0.113.10"), 3478, None, "STUN-Probe", timeout=2.0)
    assert through.status in ("ok", "refused")           # ufw let it in (an answer or ICMP port unreachable)
    assert lab.run("vps", "ufw deny 3478/udp").stdout == "Rule updated\nRule updated (v6)\n"
    assert "-A ufw-user-input -p udp -m udp --dport 3478 -j DROP" in lab.run("vps", "iptables -S").stdout
    blocked = udp_ask(client, IPv4Address("203.0.113.10"), 3478, None, "STUN-Probe", timeout=2.0)
    assert blocked.status == "timeout"
    assert blocked.journeys[0].disposition is Disposition.FILTERED
    assert lab.run("maschinchen", "curl -s https://vpn.example.net/health").stdout == '{"status":"pass"}\n'
    assert login_works(lab), "DERP and login use TCP 443, which stays open"


# ------------------------------------------------------ status and robustness
def test_ss_and_systemctl_show_the_services(lab: Lab) -> None:
    ss = lab.run("vps", "ss -tulpn").stdout
    # ss pads the Process column to its widest entry, header included (checked in the l4_ss_ cases)
    assert ss.splitlines()[0].rstrip() == "Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess"
    assert re.search(r"tcp\s+LISTEN\s+0\s+511\s+0\.0\.0\.0:443\s+0\.0\.0\.0:\*\s+users:\(\(\"nginx\"", ss)
    assert re.search(r"udp\s+UNCONN.*0\.0\.0\.0:3478", ss)
    assert "127.0.0.1:8090" in ss
    status = lab.run("vps", "systemctl status nginx").stdout
    assert status.startswith("● nginx.service - A high performance web server and a reverse proxy server\n")
    assert "Active: active (running) since Sun 2026-01-18 10:00:00 UTC" in status
    assert lab.run("vps", "systemctl stop nginx").ok
    assert ":443" not in lab.run("vps", "ss -tln").stdout
    assert "Active: inactive (dead)" in lab.run("vps", "systemctl status nginx").stdout


@pytest.mark.parametrize("node,cmd", [
    ("vps", "ufw"), ("vps", "ufw allow"), ("vps", "ufw allow 99999/tcp"), ("vps", "ufw allow 80/icmp"),
    ("vps", "ufw delete 42"), ("vps", "ufw default maybe"), ("vps", "ufw status sideways"),
    ("maschinchen", "dig @nonsense vpn.example.net"), ("maschinchen", "dig -z"), ("maschinchen", "nslookup"),
    ("maschinchen", "host"), ("maschinchen", "curl"), ("maschinchen", "curl ftp://vpn.example.net/"),
    ("maschinchen", "curl -o"), ("maschinchen", "curl --frobnicate x"), ("maschinchen", "curl http://[::1"),
    ("vps", "certbot"), ("vps", "certbot delete"), ("vps", "certbot --nginx"), ("vps", "nginx -s"),
    ("vps", "nginx -s dance"), ("vps", "nginx -x"), ("vps", "sed"), ("vps", "sed -i 's/a/b/'"),
    ("vps", "sed 's/a' /etc/hostname"), ("vps", "sed -n '/[/p' /etc/hostname"), ("vps", "journalctl"),
    ("vps", "journalctl -u nosuch"), ("vps", "ss foo"), ("vps", "crontab -e"), ("maschinchen", "crontab -l"),
])
def test_bad_input_never_shows_a_traceback(lab: Lab, node: str, cmd: str) -> None:
    r = lab.run(node, cmd)
    assert r.returncode != 70, r.stderr
    assert "interner Fehler" not in r.stderr and "Traceback" not in r.stderr


def test_lab_without_road_keeps_the_old_behaviour() -> None:
    lab = Lab.from_dict({"name": "plain", "nodes": {"a": {"interfaces": {"eth0": "lan"},
                                                          "startup": ["ip addr add 192.168.0.2/24 dev eth0"]}}})
    r = lab.run("a", "dig vpn.example.net")
    assert r.returncode == 9 and ";; communications error to 127.0.0.1#53" in r.stdout
    assert lab.run("a", "certbot certificates").returncode == 1


def test_seed_firewall_without_3478_leaves_stun_dead_but_derp_and_login_alive() -> None:
    lab = Lab.load("headscale", state="ready")
    firewall(lab, "22/tcp", "443/tcp")
    netcheck = lab.run("maschinchen", "tailscale netcheck").stdout
    assert "\t* UDP: false\n" in netcheck
    assert lab.run("maschinchen", "ping -c 1 -W 2 192.168.0.101").ok      # relayed over DERP (TCP 443)
    assert lab.run("vps", "ufw allow 3478/udp").ok
    assert "\t* UDP: true\n" in lab.run("maschinchen", "tailscale netcheck").stdout


def test_nginx_restart_next_to_the_embedded_derp_keeps_both_working() -> None:
    lab = Lab.load("headscale", state="ready")
    assert lab.run("maschinchen", "ping -c 1 -W 2 192.168.0.101").ok
    assert lab.run("vps", "systemctl stop nginx").ok
    stopped = lab.run("maschinchen", "curl -sS https://vpn.example.net/health")
    # nothing listens on 443 any more (DERP sits behind nginx, too): the kernel resets the SYN
    assert stopped.returncode == 7 and "Couldn't connect to server" in stopped.stderr
    assert lab.run("vps", "systemctl start nginx").ok
    assert lab.run("maschinchen", "curl -s https://vpn.example.net/health").stdout == '{"status":"pass"}\n'
    assert lab.run("maschinchen", "ping -c 1 -W 2 192.168.0.101").ok


def test_ping_and_traceroute_resolve_names_through_the_lab_resolver(lab: Lab) -> None:
    ping = lab.run("maschinchen", "ping -c 1 vpn.example.net")
    assert ping.ok and ping.stdout.startswith("PING vpn.example.net (203.0.113.10) 56(84) bytes of data.\n")
    miss = lab.run("maschinchen", "ping -c 1 nix.example.net")
    assert (miss.returncode, miss.stderr) == (2, "ping: nix.example.net: Name or service not known\n")
    assert "traceroute to vpn.example.net (203.0.113.10)" in lab.run("maschinchen", "traceroute -n vpn.example.net").stdout


def test_openssl_shows_the_certificate_in_the_file_and_on_the_wire(lab: Lab) -> None:
    dates = lab.run("vps", "openssl x509 -in /etc/letsencrypt/live/vpn.example.net/cert.pem -noout -dates -subject")
    assert dates.stdout == ("notBefore=Oct 22 10:00:00 2025 GMT\nnotAfter=Jan 20 10:00:00 2026 GMT\n"
                            "subject=CN = vpn.example.net\n")
    ok = lab.run("maschinchen", "openssl s_client -connect vpn.example.net:443 -servername vpn.example.net")
    assert "Verify return code: 0 (ok)" in ok.stdout
    firewall(lab, "22/tcp", "443/tcp")
    lab.advance(2 * 86400 + 60)
    late = lab.run("maschinchen", "openssl s_client -connect vpn.example.net:443 -servername vpn.example.net")
    assert "verify error:num=10:certificate has expired\nnotAfter=Jan 20 10:00:00 2026 GMT" in late.stdout
    assert "Verify return code: 10 (certificate has expired)" in late.stdout


def test_firewall_state_is_the_seed_list_and_curl_can_probe_the_upgrade() -> None:
    lab = Lab.load("headscale", state="firewall")
    assert "[ 3] 3478/udp                   ALLOW IN    Anywhere" in lab.run("vps", "ufw status numbered").stdout
    assert lab.run("maschinchen", "curl -s -o /dev/null http://vpn.example.net/").returncode == 28
    probe = 'curl -si -X POST -H "Upgrade: tailscale-control-protocol" -H "Connection: upgrade" ' \
            "https://vpn.example.net/ts2021"
    assert lab.run("maschinchen", probe).stdout.startswith("HTTP/1.1 101 Switching Protocols\r\n")
    lab.run("vps", f"sed -i 's/proxy_set_header Upgrade/#proxy_set_header Upgrade/' {SITE}")
    lab.run("vps", "systemctl reload nginx")
    broken = lab.run("maschinchen", probe).stdout
    assert broken.startswith("HTTP/1.1 500 Internal Server Error\r\n") and broken.endswith("\nInternal error\n")


def test_curl_verbose_tells_the_handshake_and_the_headers(lab: Lab) -> None:
    r = lab.run("maschinchen", "curl -v https://vpn.example.net/health")
    assert r.stdout == '{"status":"pass"}\n'
    assert "* Connected to vpn.example.net (203.0.113.10) port 443 (#0)" in r.stderr
    assert '*  subjectAltName: host "vpn.example.net" matched cert\'s "vpn.example.net"' in r.stderr
    assert "> GET /health HTTP/2\r\n> Host: vpn.example.net\r\n" in r.stderr and "< HTTP/2 200 " in r.stderr


def test_netcheck_prints_captive_portal_only_when_its_check_ran() -> None:
    """netcheck.go cancels the captive-portal check (started 200 ms in) once STUN answered;
    with UDP blocked it runs and finds no portal; --verbose never cancels it."""
    lab = Lab.load("headscale", state="ready")
    assert "CaptivePortal" not in lab.run("maschinchen", "tailscale netcheck").stdout
    assert "\t* PortMapping: \n\t* CaptivePortal: false\n" in lab.run("maschinchen",
                                                                     "tailscale netcheck --verbose").stdout
    firewall(lab, "22/tcp", "443/tcp")
    netcheck = lab.run("maschinchen", "tailscale netcheck").stdout
    assert "\t* UDP: false\n" in netcheck and "\t* CaptivePortal: false\n" in netcheck
    assert '"CaptivePortal":false}' in lab.run("maschinchen", "tailscale netcheck --format=json-line").stdout


IDLE_LOOK = [("vps", "ls -l /var/log/duckdns.log"), ("vps", "ip neigh"), ("router", "ip neigh"),
             ("vps", "iptables -L -v -n -x"), ("vps", "ip -s link show eth0"), ("router", "ip -s link"),
             ("maschinchen", "dig +short vpn.example.net")]
# not the router's MASQUERADE counter: simnet's HTTP requests end without FIN, so their conntrack
# entries stay ESTABLISHED, and a new request that draws the port of an old one skips the NAT rule


def _idle_day(skip: bool, monkeypatch) -> tuple[float, list[str]]:
    from simnet.services.road import Road

    with monkeypatch.context() as m:
        if not skip:
            m.setattr(Road, "_may_skip", lambda self, due: False)
        lab = Lab.load("headscale", state="ready")
        lab.run("vps", "iptables -A INPUT -p udp --sport 53 -j ACCEPT")     # a counter the job's answers hit
        before = lab.sim.budget
        lab.sim.arm(lab.limits)
        lab.sim.run(until=lab.sim.now + 86400)
        used = lab.limits.events - lab.sim.budget
        lab.sim.disarm()
        assert before == lab.sim.budget
        return used, [lab.run(node, line).stdout for node, line in IDLE_LOOK]


def test_an_idle_day_skips_the_unchanged_cron_runs_but_looks_the_same(monkeypatch) -> None:
    """The DuckDNS job changes nothing while the lab idles: its runs are skipped (a day costs some
    hundred events, not 13 000: the home router's ~216 advertisements take two each), yet files,
    neighbours and every packet counter read as if it ran."""
    fast, seen = _idle_day(True, monkeypatch)
    slow, expected = _idle_day(False, monkeypatch)
    assert fast < 2000 < 10_000 < slow
    assert seen == expected
    assert "Jan 19 10:00 /var/log/duckdns.log" in seen[0]


def test_cron_runs_for_real_while_someone_watches_or_something_changed() -> None:
    lab = Lab.load("headscale", state="ready")
    job = lab.start("vps", "tcpdump -n -i eth0 udp port 53")
    assert lab.run("maschinchen", "sleep 1h").ok
    queries = [line for line in job.result().stdout.splitlines() if "> 203.0.113.1.53: " in line]
    assert len(queries) == 24                       # A and AAAA (the VPS is dual stack) every five minutes
    lab.run("maschinchen", "sleep 1h")
    lab.run("vps", "sed -i 's/token=[^&]*/token=falsch/' /usr/local/bin/duckdns-update.sh")
    lab.run("maschinchen", "sleep 1h")
    assert lab.run("vps", "cat /var/log/duckdns.log").stdout == "KO"
