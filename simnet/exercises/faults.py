"""The fault catalogue: ways a working network breaks, applied with real commands.

A fault is applied by running the commands an admin could have typed by
mistake (``sysctl -w net.ipv4.ip_forward=0``, ``iptables -t nat -D …``), so
the learner repairs it with real commands, too. Faults compose: an exercise
may list several, and they are applied in order.

Each entry knows its German name (the option text in "choose the cause"),
how you recognise it in a trace (the teaching feedback when a learner picks
it wrongly), the repair, and the disposition it causes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from simnet.exercises.model import CommandLine, ExerciseError
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.lab import Lab

__all__ = ["Fault", "FaultUse", "CATALOGUE", "fault_use", "apply_faults", "settle", "ALLOW_ALL_POLICY",
           "ADMINS_ONLY_POLICY"]

ALLOW_ALL_POLICY = '{"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]}'
ADMINS_ONLY_POLICY = ('{"groups": {"group:admins": ["zabooz@"]}, '
                      '"acls": [{"action": "accept", "src": ["group:admins"], "dst": ["*:*"]}]}')
POLICY_FILE = "/etc/headscale/acl.hujson"
HEADSCALE_CONFIG = "/etc/headscale/config.yaml"

Commands = tuple[tuple[str, str], ...]   # (node template, command template)


@dataclass(frozen=True)
class Fault:
    """One kind of breakage. Templates use ``{param}`` and are filled from the exercise."""

    id: str
    title: str                     # option text: what is wrong
    tell: str                      # how you would recognise it (feedback for a wrong pick)
    params: tuple[str, ...]
    breaks: Commands
    repairs: Commands
    disposition: Disposition | None
    leg: str | None = None         # "back" when the answer, not the request, is lost
    tailnet: str | None = None     # reason of the tailnet bypass step, if any
    where_param: str | None = "node"   # which parameter names the node where the packet dies
    defaults: dict[str, str] = field(default_factory=dict)
    edit: Callable[["Lab", dict[str, str]], None] | None = None   # what no command can do (an editor)


def _subst(template: str, values: dict[str, str]) -> str:
    """``{param}`` → value; other braces (JSON in a policy) stay as they are."""
    return re.sub(r"\{([a-z_]+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


@dataclass(frozen=True)
class FaultUse:
    """A fault with its parameters filled in, as one exercise uses it."""

    fault: Fault
    values: dict[str, str]

    @property
    def id(self) -> str:
        return self.fault.id

    def _fill(self, commands: Commands) -> list[CommandLine]:
        return [CommandLine(_subst(n, self.values), _subst(c, self.values)) for n, c in commands]

    def break_commands(self) -> list[CommandLine]:
        return self._fill(self.fault.breaks)

    def repair_commands(self) -> list[CommandLine]:
        return self._fill(self.fault.repairs)

    @property
    def where(self) -> str | None:
        p = self.fault.where_param
        return self.values.get(p) if p else None


def _nat_type(kind: str) -> Callable[["Lab", dict[str, str]], None]:
    """A router's NAT behaviour is a setting of the box, not a command on a node."""
    def edit(lab: "Lab", values: dict[str, str]) -> None:
        if not hasattr(lab, "set_nat"):
            raise ExerciseError("Dieses simnet kennt noch keine NAT-Typen (Lab.set_nat fehlt).")
        lab.set_nat(values["node"], kind)
    return edit


def _renewal_fails(lab: "Lab", values: dict[str, str]) -> None:
    """Port 80 closed, so certbot's HTTP-01 challenge fails – then let the certificate run out."""
    res = lab.run(values["node"], "iptables -A INPUT -p tcp --dport 80 -j DROP")
    if res.returncode != 0:
        raise ExerciseError(f"Der Fehler „certificate-expired“ lässt sich nicht einbauen: {res.stderr.strip()}")
    try:
        days = float(values["days"])
    except ValueError:
        raise ExerciseError(f"„days“ muss eine Zahl sein, nicht {values['days']!r}.") from None
    lab.advance(days * 86400)


def _dns_goes_stale(lab: "Lab", values: dict[str, str]) -> None:
    """The DuckDNS cron job is gone, then the provider hands the home router a new address."""
    steps = [(values["node"], "echo '# m h  dom mon dow   command' > /var/spool/cron/crontabs/root"),
             (values["router"], f"ip addr del {values['old']}/{values['prefixlen']} dev {values['dev']}"),
             (values["router"], f"ip addr add {values['new']}/{values['prefixlen']} dev {values['dev']}"),
             (values["router"], f"ip route add default via {values['gateway']}")]
    for node, command in steps:
        res = lab.run(node, command)
        if res.returncode != 0:
            raise ExerciseError(f"Der Fehler „dns-stale“ lässt sich nicht einbauen: „{command}“ scheitert "
                                f"({res.stderr.strip()}).")
    lab.advance(600)                      # long enough for every cached answer to run out


def _use_policy_file(lab: "Lab", values: dict[str, str]) -> None:
    """The learner would open config.yaml in nano and set ``policy.path``; we edit the file directly."""
    node = lab.node(values["node"])
    config = node.files.get(HEADSCALE_CONFIG, "")
    node.files[HEADSCALE_CONFIG] = config.replace('path: ""', f"path: {POLICY_FILE}")


_F = [
    Fault("forwarding-off", "IP-Forwarding ist auf einem Router ausgeschaltet (net.ipv4.ip_forward = 0).",
          "Ist IP-Forwarding aus, verwirft der Router fremde Pakete still; die Spur endet dort mit "
          "„forwarding-disabled“, und `sysctl net.ipv4.ip_forward` zeigt 0.",
          ("node",), (("{node}", "sysctl -w net.ipv4.ip_forward=0"),),
          (("{node}", "sysctl -w net.ipv4.ip_forward=1"),), Disposition.FORWARDING_DISABLED),
    Fault("default-route-missing", "Einem Rechner fehlt die Default-Route.",
          "Fehlt die Default-Route, kommt das Paket gar nicht erst weg: ping meldet sofort "
          "„Network is unreachable“, und `ip route` zeigt keine Zeile „default via …“.",
          ("node", "gateway"), (("{node}", "ip route del default"),),
          (("{node}", "ip route add default via {gateway}"),), Disposition.NO_ROUTE),
    Fault("route-missing", "Auf einem Router fehlt die Route in ein Netz.",
          "Fehlt einem Router eine Route, endet die Spur dort mit „no-route“, und der Absender bekommt "
          "ein ICMP „Network unreachable“ – das ist keine stille Zeitüberschreitung.",
          ("node", "prefix", "gateway"), (("{node}", "ip route del {prefix}"),),
          (("{node}", "ip route add {prefix} via {gateway}"),), Disposition.NO_ROUTE),
    Fault("back-route-missing", "Die Antwort findet keinen Rückweg (Rückroute fehlt).",
          "Fehlt die Rückroute, kommt die Anfrage beim Ziel an, aber die Antwort bleibt auf dem Rückweg "
          "hängen: in der Spur steht das Ziel, danach „no-route“ auf dem Rückweg.",
          ("node", "prefix", "gateway"), (("{node}", "ip route del {prefix}"),),
          (("{node}", "ip route add {prefix} via {gateway}"),), Disposition.NO_ROUTE, leg="back"),
    Fault("wrong-gateway", "Die Default-Route zeigt auf ein falsches Gateway.",
          "Zeigt die Default-Route auf eine Adresse, die es nicht gibt, beantwortet niemand die ARP-Anfrage: "
          "`ip neigh` zeigt FAILED, und die Spur endet beim Absender mit „arp-failed“.",
          ("node", "gateway", "wrong"), (("{node}", "ip route replace default via {wrong}"),),
          (("{node}", "ip route replace default via {gateway}"),), Disposition.ARP_FAILED),
    Fault("wrong-prefix", "Ein Rechner hat die falsche Subnetzmaske (Präfixlänge).",
          "Mit falscher Präfixlänge hält der Rechner Nachbarn für fremd (oder umgekehrt); `ip addr` zeigt die "
          "falsche Maske, und die Default-Route ist verschwunden, weil das Gateway nicht mehr im eigenen Netz liegt.",
          ("node", "dev", "address", "prefixlen", "wrong", "gateway"),
          (("{node}", "ip addr del {address}/{prefixlen} dev {dev}"),
           ("{node}", "ip addr add {address}/{wrong} dev {dev}")),
          (("{node}", "ip addr del {address}/{wrong} dev {dev}"),
           ("{node}", "ip addr add {address}/{prefixlen} dev {dev}"),
           ("{node}", "ip route add default via {gateway}")), Disposition.NO_ROUTE),
    Fault("interface-down", "Eine Schnittstelle ist down.",
          "Ist die Schnittstelle down, fehlen alle Routen darüber: ping meldet sofort „Network is unreachable“, "
          "und `ip link` zeigt „state DOWN“. Nach `ip link set … up` fehlt noch die Default-Route.",
          ("node", "dev", "gateway"), (("{node}", "ip link set {dev} down"),),
          (("{node}", "ip link set {dev} up"), ("{node}", "ip route add default via {gateway}")),
          Disposition.NO_ROUTE),
    Fault("blackhole-route", "Eine Blackhole-Route verschluckt das Netz.",
          "Eine Blackhole-Route verwirft Pakete ohne Antwort; `ip route` zeigt „blackhole …“, "
          "die Spur endet mit „blackhole“.",
          ("node", "prefix"), (("{node}", "ip route add blackhole {prefix}"),),
          (("{node}", "ip route del blackhole {prefix}"),), Disposition.BLACKHOLE),
    Fault("masquerade-missing", "Die MASQUERADE-Regel fehlt auf dem NAT-Router.",
          "Fehlt MASQUERADE, geht die Anfrage mit der privaten Absenderadresse hinaus; das Ziel antwortet, "
          "aber niemand im Internet kennt den Weg zurück ins private Netz: „no-route“ auf dem Rückweg.",
          ("node", "out"), (("{node}", "iptables -t nat -D POSTROUTING -o {out} -j MASQUERADE"),),
          (("{node}", "iptables -t nat -A POSTROUTING -o {out} -j MASQUERADE"),), Disposition.NO_ROUTE,
          leg="back", where_param=None),
    Fault("masquerade-wrong-interface", "MASQUERADE steht auf der falschen Schnittstelle.",
          "Steht MASQUERADE auf der falschen Schnittstelle (-o lan statt -o wan), wird nach außen nicht maskiert: "
          "`iptables -t nat -S POSTROUTING` zeigt das falsche -o, der Zähler der Regel bleibt bei 0.",
          ("node", "out", "wrong"),
          (("{node}", "iptables -t nat -D POSTROUTING -o {out} -j MASQUERADE"),
           ("{node}", "iptables -t nat -A POSTROUTING -o {wrong} -j MASQUERADE")),
          (("{node}", "iptables -t nat -D POSTROUTING -o {wrong} -j MASQUERADE"),
           ("{node}", "iptables -t nat -A POSTROUTING -o {out} -j MASQUERADE")), Disposition.NO_ROUTE,
          leg="back", where_param=None),
    Fault("forward-drop", "Eine Firewall-Regel in der FORWARD-Kette verwirft das Paket.",
          "Eine DROP-Regel in FORWARD verwirft still; die Spur endet auf dem Router mit „filtered“ und nennt "
          "die Regel, `iptables -L FORWARD -n -v --line-numbers` zeigt ihren Zähler.",
          ("node",), (("{node}", "iptables -I FORWARD 1 -j DROP"),),
          (("{node}", "iptables -D FORWARD 1"),), Disposition.FILTERED),
    Fault("forward-policy-drop", "Die Policy der FORWARD-Kette steht auf DROP.",
          "Steht die Policy von FORWARD auf DROP, endet die Spur mit „filtered“ ohne Regelnummer; "
          "`iptables -S FORWARD` zeigt „-P FORWARD DROP“.",
          ("node",), (("{node}", "iptables -P FORWARD DROP"),),
          (("{node}", "iptables -P FORWARD ACCEPT"),), Disposition.FILTERED),
    Fault("input-drop", "Das Ziel verwirft Pings in seiner INPUT-Kette (DROP).",
          "Verwirft das Ziel in INPUT, kommt das Paket bis zum Ziel und verschwindet dort still: die Spur endet "
          "beim Ziel mit „filtered“ in der Kette INPUT.",
          ("node",), (("{node}", "iptables -A INPUT -p icmp -j DROP"),),
          (("{node}", "iptables -D INPUT -p icmp -j DROP"),), Disposition.FILTERED),
    Fault("input-reject", "Das Ziel lehnt ab (REJECT in INPUT) – wie ein geschlossener Port.",
          "Ein REJECT antwortet sofort mit einer ICMP-Fehlermeldung („Destination Port Unreachable“); "
          "der Absender wartet nicht bis zum Timeout.",
          ("node",), (("{node}", "iptables -A INPUT -p icmp -j REJECT"),),
          (("{node}", "iptables -D INPUT -p icmp -j REJECT --reject-with icmp-port-unreachable"),),
          Disposition.REJECTED),
    Fault("route-not-approved", "Die Subnet-Route ist auf Headscale nicht freigegeben.",
          "Ist die Route nicht freigegeben, steht sie bei keinem Client in Tabelle 52; das Paket geht am "
          "Tunnel vorbei ins Internet. `headscale nodes list-routes` zeigt sie nur unter „Available“.",
          ("node", "id", "keep", "route"),
          (("{node}", "headscale nodes approve-routes -i {id} -r {keep}"),),
          (("{node}", "headscale nodes approve-routes -i {id} -r {keep},{route}"),), Disposition.NO_ROUTE,
          tailnet="route-not-approved", where_param=None, defaults={"keep": '""'}),
    Fault("accept-routes-missing", "Dem Client fehlt --accept-routes.",
          "Ohne --accept-routes nimmt der Client freigegebene Routen nicht an: `ip route show table 52` "
          "zeigt kein 192.168.0.0/24, das Paket geht über die normale Schnittstelle hinaus.",
          ("node",), (("{node}", "tailscale set --accept-routes=false"),),
          (("{node}", "tailscale set --accept-routes=true"),), Disposition.NO_ROUTE,
          tailnet="routes-not-accepted", where_param=None),
    Fault("snat-off", "Der Subnet-Router maskiert nicht (--snat-subnet-routes=false) und es gibt keine Rückroute.",
          "Ohne SNAT sieht das Ziel die Tailnet-Adresse 100.64.x.y als Absender und schickt die Antwort an "
          "sein Standardgateway: „no-route“ auf dem Rückweg, weil niemand 100.64.0.0/10 kennt.",
          ("node",), (("{node}", "tailscale set --snat-subnet-routes=false"),),
          (("{node}", "tailscale set --snat-subnet-routes=true"),), Disposition.NO_ROUTE, leg="back",
          where_param=None),
    Fault("tailscale-down", "tailscaled auf dem Subnet-Router ist gestoppt (tailscale down).",
          "Ist der Subnet-Router offline, zeigt `tailscale status` ihn als offline, und die Route über ihn "
          "gilt nicht mehr – das Paket geht am Tunnel vorbei.",
          ("node", "flags"), (("{node}", "tailscale down"),),
          (("{node}", "tailscale up {flags}"),), Disposition.NO_ROUTE, where_param=None,
          defaults={"flags": "--login-server=https://vpn.example.net --advertise-routes=192.168.0.0/24 "
                             "--advertise-exit-node --accept-routes"}),
    Fault("policy-denies", "Die Headscale-Policy (ACL) erlaubt diese Verbindung nicht.",
          "Verbietet die Policy den Verkehr, kommt das Paket durch den Tunnel, wird aber beim Empfänger "
          "verworfen: die Spur endet dort mit „policy-denied“. Ohne Policy wäre alles erlaubt.",
          ("node",), (("{node}", f"echo '{ADMINS_ONLY_POLICY}' > {POLICY_FILE}"),
                      ("{node}", "systemctl restart headscale")),
          (("{node}", f"echo '{ALLOW_ALL_POLICY}' > {POLICY_FILE}"), ("{node}", "systemctl restart headscale")),
          Disposition.POLICY_DENIED, where_param=None, edit=_use_policy_file),
    Fault("port-closed", "Die Firewall des Servers lehnt Verbindungen auf den Port ab (REJECT).",
          "Ein abgelehnter Port antwortet sofort: curl meldet „(7) Failed to connect … "
          "Couldn't connect to server“ nach wenigen Millisekunden; die Spur endet auf dem Server mit „rejected“.",
          ("node", "port"), (("{node}", "iptables -A INPUT -p tcp --dport {port} -j REJECT"),),
          (("{node}", "iptables -D INPUT -p tcp --dport {port} -j REJECT --reject-with icmp-port-unreachable"),),
          Disposition.REJECTED, defaults={"port": "443"}),
    Fault("port-filtered", "Die Firewall des Servers verwirft Verbindungen auf den Port still (DROP).",
          "Ein still verworfener Port lässt curl warten, bis die Zeit abläuft: „(28) … Timeout was reached“; "
          "die Spur endet auf dem Server mit „filtered“ in INPUT.",
          ("node", "port"), (("{node}", "iptables -A INPUT -p tcp --dport {port} -j DROP"),),
          (("{node}", "iptables -D INPUT -p tcp --dport {port} -j DROP"),), Disposition.FILTERED,
          defaults={"port": "443"}),
    Fault("ufw-default-deny", "ufw ist aktiv und lässt nur SSH herein (Standard: eingehend verbieten).",
          "Nach `ufw enable` ist eingehend alles verboten, was keine allow-Regel hat: `ufw status verbose` zeigt "
          "„Default: deny (incoming)“ und nur 22/tcp. HTTPS (443/tcp) und STUN (3478/udp) bleiben still hängen.",
          ("node",), (("{node}", "ufw allow 22/tcp"), ("{node}", "ufw --force enable")),
          (("{node}", "ufw allow 443/tcp"), ("{node}", "ufw allow 3478/udp")), Disposition.FILTERED),
    Fault("dns-stale", "Der DNS-Eintrag ist veraltet: DuckDNS kennt die neue öffentliche Adresse nicht.",
          "Ein veralteter DNS-Eintrag zeigt sich so: `dig +short NAME` liefert eine andere Adresse als die, die der "
          "Router jetzt auf wan hat; Pakete an den Namen gehen an die alte Adresse ins Leere.",
          ("node", "router", "dev", "old", "new", "prefixlen", "gateway"), (),
          (("{node}", "/usr/local/bin/duckdns-update.sh"),), None, where_param=None, edit=_dns_goes_stale,
          defaults={"router": "router", "dev": "wan", "old": "198.51.100.57", "prefixlen": "25",
                    "gateway": "198.51.100.1"}),
    Fault("nginx-no-upgrade", "nginx reicht den Upgrade-Header nicht an Headscale weiter.",
          "Fehlt in nginx `proxy_set_header Upgrade $http_upgrade;`, klappt HTTPS (curl …/health geht), aber "
          "`tailscale up` scheitert mit „unexpected HTTP response: 500“, und `journalctl -u headscale` meldet "
          "„No Upgrade header in TS2021 request“.",
          ("node", "file"),
          (("{node}", "sed -i 's/proxy_set_header Upgrade/# proxy_set_header Upgrade/' {file}"),
           ("{node}", "systemctl reload nginx")),
          (("{node}", "sed -i 's/# proxy_set_header Upgrade/proxy_set_header Upgrade/' {file}"),
           ("{node}", "systemctl reload nginx")), Disposition.REJECTED,
          defaults={"file": "/etc/nginx/sites-available/headscale"}),
    Fault("certificate-expired", "Das TLS-Zertifikat ist abgelaufen (die automatische Erneuerung scheitert).",
          "Ein abgelaufenes Zertifikat erkennst du an curl „(60) SSL certificate problem: "
          "certificate has expired“: "
          "TCP 443 geht, erst die Prüfung des Zertifikats scheitert. `certbot certificates` zeigt das Ablaufdatum; "
          "die Erneuerung per HTTP-Challenge braucht Port 80.",
          ("node", "days"), (),
          (("{node}", "iptables -D INPUT -p tcp --dport 80 -j DROP"), ("{node}", "certbot renew"),
           ("{node}", "systemctl reload nginx")), None, where_param=None, edit=_renewal_fails,
          defaults={"days": "3"}),
    Fault("nat-symmetric", "Ein Router davor hat symmetrisches NAT (jedes Ziel bekommt einen anderen Port).",
          "Bei symmetrischem NAT passt der per STUN gelernte Port nicht für den Peer: Hole Punching scheitert, "
          "`tailscale ping` meldet „via DERP“, `tailscale netcheck` zeigt aber „UDP: true“.",
          ("node",), (), (), None, where_param=None, edit=_nat_type("symmetric")),
    Fault("udp-blocked", "Das Netz davor sperrt UDP.",
          "Ist UDP gesperrt, bekommt tailscaled gar keine STUN-Antwort: `tailscale netcheck` zeigt „UDP: false“, "
          "und aller Verkehr läuft über DERP (TCP/HTTPS).",
          ("node",), (), (), None, where_param=None, edit=_nat_type("udp-blocked")),
    # --- DHCP and DNS in the LAN (lab lan-dhcp: dnsmasq on the router)
    Fault("dhcp-server-stopped", "Der DHCP-Server (dnsmasq) läuft nicht.",
          "Läuft dnsmasq nicht, kommt auf DHCPDISCOVER gar keine Antwort: dhclient meldet nach einer Minute "
          "„No DHCPOFFERS received.“, `systemctl status dnsmasq` zeigt „inactive (dead)“ – und Namen im LAN "
          "löst auch niemand mehr auf.",
          ("node",), (("{node}", "systemctl stop dnsmasq"),), (("{node}", "systemctl start dnsmasq"),), None,
          where_param=None),
    Fault("dhcp-port-blocked", "Die Firewall des Routers verwirft DHCP (UDP-Port 67).",
          "Verwirft die INPUT-Kette UDP 67, erreicht DHCPDISCOVER den Router, aber nie dnsmasq: dnsmasq läuft, "
          "sein Journal zeigt keine Zeile „DHCPDISCOVER(lan)“, `iptables -L INPUT -n -v` zählt die Pakete.",
          ("node",), (("{node}", "iptables -I INPUT -p udp --dport 67 -j DROP"),),
          (("{node}", "iptables -D INPUT -p udp --dport 67 -j DROP"),), Disposition.FILTERED),
    Fault("dhcp-range-other-net", "Der DHCP-Bereich (dhcp-range) liegt in einem anderen Netz als das LAN.",
          "Passt dhcp-range nicht zum Netz der Schnittstelle, hat dnsmasq dort nichts zu vergeben: es läuft, "
          "bleibt aber stumm; `grep dhcp-range /etc/dnsmasq.conf` zeigt 192.168.1.x statt 192.168.0.x.",
          ("node",), (("{node}", r"sed -i '/^dhcp-range/s/192\.168\.0\./192.168.1./g' /etc/dnsmasq.conf"),
                      ("{node}", "systemctl restart dnsmasq")),
          (("{node}", r"sed -i '/^dhcp-range/s/192\.168\.1\./192.168.0./g' /etc/dnsmasq.conf"),
           ("{node}", "systemctl restart dnsmasq")), None, where_param=None),
    Fault("dns-port-blocked", "Die Firewall des Routers verwirft DNS-Anfragen (UDP-Port 53).",
          "Verwirft der Router UDP 53, laufen dig, host und nslookup in „communications error … timed out“; "
          "die Spur endet auf dem Router mit „filtered“ in INPUT. DHCP geht weiter.",
          ("node",), (("{node}", "iptables -I INPUT -p udp --dport 53 -j DROP"),),
          (("{node}", "iptables -D INPUT -p udp --dport 53 -j DROP"),), Disposition.FILTERED),
    Fault("resolv-conf-wrong", "In /etc/resolv.conf des Rechners steht ein falscher DNS-Server.",
          "Steht in /etc/resolv.conf ein DNS-Server, den es nicht gibt, fragt der Rechner ins Leere: "
          "die ARP-Anfrage nach ihm bleibt unbeantwortet, `dig` meldet „timed out“, `cat /etc/resolv.conf` zeigt "
          "die falsche Adresse. Eine neue DHCP-Lease (dhclient) schreibt die richtige hinein.",
          ("node", "wrong"), (("{node}", "printf 'domain lan\\nsearch lan\\nnameserver {wrong}\\n' > /etc/resolv.conf"),),
          (("{node}", "printf 'domain lan\\nsearch lan\\nnameserver 192.168.0.1\\n' > /etc/resolv.conf"),),
          Disposition.ARP_FAILED),
    Fault("dns-hosts-entry-missing", "Dem DNS-Server fehlt der Eintrag für den Namen (/etc/hosts des Routers).",
          "Fehlt der Name in dnsmasqs Daten, antwortet es für .lan mit NXDOMAIN: ping meldet „Name or service not "
          "known“, `dig NAME.lan` zeigt „status: NXDOMAIN“ – die Pakete selbst kommen an und zurück.",
          ("node", "name", "address"), (("{node}", "sed -i '/{name}/d' /etc/hosts"),),
          (("{node}", "echo '{address} {name}' >> /etc/hosts"),), None, where_param=None),
]
CATALOGUE: dict[str, Fault] = {f.id: f for f in _F}


def fault_use(spec: Any, where: str) -> FaultUse:
    """``{fault: ID, node: …, …}`` → :class:`FaultUse`; every mistake is a German error."""
    if isinstance(spec, str):
        spec = {"fault": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("fault"), str):
        raise ExerciseError(f"{where}: Ein Fehler steht als {{fault: ID, node: …}}.")
    fault = CATALOGUE.get(spec["fault"])
    if fault is None:
        raise ExerciseError(f"{where}: unbekannter Fehler „{spec['fault']}“. Möglich: {', '.join(CATALOGUE)}.")
    values = dict(fault.defaults)
    values.update({str(k): str(v) for k, v in spec.items() if k != "fault"})
    missing = [p for p in fault.params if p not in values]
    if missing:
        raise ExerciseError(f"{where}: Dem Fehler „{fault.id}“ fehlt: {', '.join(missing)}.")
    extra = sorted(set(values) - set(fault.params))
    if extra:
        raise ExerciseError(f"{where}: Der Fehler „{fault.id}“ kennt {', '.join(extra)} nicht "
                            f"(nur {', '.join(fault.params)}).")
    return FaultUse(fault, values)


def settle(lab: "Lab") -> None:
    """Let every daemon catch up, as it would in the background on a real machine.

    simnet applies a service's pending changes (tailscaled reconnecting after
    ``systemctl restart headscale``) when a command runs on that node; before
    a probe judges the network, every node gets that chance."""
    for node in lab.nodes.values():
        refresh = node.stack.refresh
        if refresh is not None:
            refresh()


def apply_faults(lab: "Lab", uses: list[FaultUse], where: str = "") -> None:
    """Break ``lab``: run every fault's commands; a command that fails is an authoring error."""
    for use in uses:
        if use.fault.edit is not None:
            use.fault.edit(lab, use.values)
        for line in use.break_commands():
            res = lab.run(line.node, line.command)
            if res.returncode != 0:
                detail = (res.stderr or res.stdout).strip().splitlines()
                raise ExerciseError(f"{where}: Der Fehler „{use.id}“ lässt sich nicht einbauen: "
                                    f"„{line}“ scheitert ({detail[0] if detail else res.returncode}).")
    settle(lab)


from simnet.exercises.faults6 import FAULTS6  # noqa: E402  (IPv6, kept apart)

CATALOGUE.update({f.id: f for f in FAULTS6})


# --- the LAN chapters (switch, VLAN, port forwarding), kept apart from the list above
LAN_FAULTS = [
    Fault("switch-port-down", "Ein Port am Switch ist ausgeschaltet.",
          "Ist ein Switch-Port down, kommt hinter ihm nichts mehr an – auch keine ARP-Anfrage: der Absender "
          "meldet „Destination Host Unreachable“, `bridge link` zeigt den Port mit „state disabled“.",
          ("node", "port"), (("{node}", "ip link set {port} down"),), (("{node}", "ip link set {port} up"),),
          None, where_param=None),
    Fault("vlan-wrong", "Ein Switch-Port steckt im falschen VLAN.",
          "Steckt der Port im falschen VLAN, bleibt schon die ARP-Anfrage im anderen VLAN: „Destination Host "
          "Unreachable“, und `bridge vlan show` zeigt beim Port eine andere PVID als bei den Nachbarn.",
          ("node", "port", "vid", "wrong"),
          (("{node}", "bridge vlan add dev {port} vid {wrong} pvid untagged"), ("{node}", "bridge vlan del dev {port} vid {vid}")),
          (("{node}", "bridge vlan add dev {port} vid {vid} pvid untagged"), ("{node}", "bridge vlan del dev {port} vid {wrong}")),
          None, where_param=None),
    Fault("dnat-missing", "Die Portweiterleitung (DNAT-Regel) fehlt.",
          "Fehlt die DNAT-Regel, landet die Verbindung bei der Firewall selbst: dort lauscht nichts, also kommt "
          "sofort ein RST („Connection refused“); `iptables -t nat -S PREROUTING` zeigt keine Weiterleitung.",
          ("node", "dev", "port", "to"),
          (("{node}", "iptables -t nat -D PREROUTING -i {dev} -p tcp --dport {port} -j DNAT --to-destination {to}"),),
          (("{node}", "iptables -t nat -A PREROUTING -i {dev} -p tcp --dport {port} -j DNAT --to-destination {to}"),),
          None, where_param=None),
    Fault("forward-dnat-missing", "Die FORWARD-Kette lässt die weitergeleiteten Verbindungen nicht durch.",
          "Ist die DNAT-Regel da, aber keine FORWARD-Regel dafür, schreibt die Firewall das Ziel um und verwirft "
          "das Paket dann durch die Policy DROP: der Client wartet bis zum Timeout („timed out“).",
          ("node", "inside", "outside"),
          (("{node}", "iptables -D FORWARD -i {outside} -o {inside} -m conntrack --ctstate DNAT -j ACCEPT"),),
          (("{node}", "iptables -A FORWARD -i {outside} -o {inside} -m conntrack --ctstate DNAT -j ACCEPT"),),
          Disposition.FILTERED),
]
CATALOGUE.update({f.id: f for f in LAN_FAULTS})
