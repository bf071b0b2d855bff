"""Reference facts for exercises that ask for knowledge, not for a simulation.

Why a module: answers are computed, never typed into an exercise file. For "which OSI layer
is a switch on", "which port does SSH use" or "which Linux command is ``tracert``" the answer
comes from these tables; an exercise file only names the item (usually drawn at random), so a
wrong fact is fixed once here and every exercise and variant follows.

Also here: the German ``ipconfig /all`` of a Windows client (simnet does not simulate Windows;
the text is what a learner reads in the exam) and the VLSM plan (largest net first).
"""
from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network, IPv6Network, ip_network
from typing import Any

__all__ = ["OSI_LAYER", "OSI_NAMES", "TCPIP_LAYER", "PORTS", "PORT_PROTO", "WINDOWS_TO_LINUX", "LINUX_TO_WINDOWS",
           "WLAN", "ipconfig_all", "vlsm_plan", "osi_number", "tcpip_name", "command_key", "parse_route", "bands"]

OSI_NAMES = {1: ("bitübertragungsschicht", "physical", "bitübertragung"),
             2: ("sicherungsschicht", "data link", "sicherung", "datenverbindung"),
             3: ("vermittlungsschicht", "network", "vermittlung", "netzwerkschicht"),
             4: ("transportschicht", "transport"),
             5: ("sitzungsschicht", "session", "sitzung"),
             6: ("darstellungsschicht", "presentation", "darstellung"),
             7: ("anwendungsschicht", "application", "anwendung")}
OSI_LAYER = {
    "Hub": 1, "Repeater": 1, "Medienkonverter": 1, "RJ45-Stecker": 1, "Lichtwellenleiter": 1, "Twisted-Pair-Kabel": 1,
    "Switch": 2, "Bridge": 2, "Access-Point": 2, "Ethernet": 2, "MAC-Adresse": 2, "ARP": 2,
    "Router": 3, "IPv4": 3, "IPv6": 3, "ICMP": 3, "IP-Adresse": 3,
    "TCP": 4, "UDP": 4, "Port": 4,
    "HTTP": 7, "DNS": 7, "DHCP": 7, "SSH": 7, "SMTP": 7, "FTP": 7, "Telnet": 7,
}
TCPIP_NAMES = {1: ("netzzugang", "netzzugangsschicht", "link", "network access", "netzwerkzugang"),
               2: ("internet", "internetschicht", "vermittlung"),
               3: ("transport", "transportschicht"),
               4: ("anwendung", "anwendungsschicht", "application")}
PDU = {1: "Bit", 2: "Rahmen (Frame)", 3: "Paket", 4: "Segment (TCP) bzw. Datagramm (UDP)", 7: "Daten"}
TCPIP_LAYER = {name: {1: 1, 2: 1, 3: 2, 4: 3}.get(layer, 4) for name, layer in OSI_LAYER.items()}
PORTS = {"FTP": 21, "SSH": 22, "Telnet": 23, "SMTP": 25, "DNS": 53, "DHCP-Server": 67, "HTTP": 80, "NTP": 123,
         "SMB": 445, "HTTPS": 443, "IMAPS": 993, "RDP": 3389, "STUN": 3478, "WireGuard": 51820}
PORT_PROTO = {"FTP": "TCP", "SSH": "TCP", "Telnet": "TCP", "SMTP": "TCP", "DNS": "UDP", "DHCP-Server": "UDP",
              "HTTP": "TCP", "NTP": "UDP", "SMB": "TCP", "HTTPS": "TCP", "IMAPS": "TCP", "RDP": "TCP",
              "STUN": "UDP", "WireGuard": "UDP"}

# Windows command -> the Linux commands that do the same (the first is the one the lessons use)
WINDOWS_TO_LINUX: dict[str, tuple[str, ...]] = {
    "ipconfig": ("ip addr", "ip a", "ip address", "ifconfig"),
    "route print": ("ip route", "ip r", "ip route show", "route -n"),
    "tracert": ("traceroute", "tracepath"),
    "ping -n 4": ("ping -c 4",),
    "ping -t": ("ping",),
    "nslookup": ("nslookup", "dig", "host", "resolvectl query"),
    "arp -a": ("ip neigh", "ip n", "ip neighbour", "arp -n", "arp -a"),
    "netstat -an": ("ss -tuan", "ss -an", "netstat -an", "ss -tuna"),
    "ipconfig /flushdns": ("resolvectl flush-caches", "systemd-resolve --flush-caches"),
    "ipconfig /renew": ("dhclient", "dhclient eth0", "networkctl renew eth0"),
    "route add": ("ip route add",),
    "netsh interface ip show config": ("ip addr", "ip a", "ip address"),
    "netsh advfirewall firewall show rule name=all": ("iptables -L", "iptables -S", "nft list ruleset", "ufw status"),
}
LINUX_TO_WINDOWS: dict[str, tuple[str, ...]] = {
    "ip addr": ("ipconfig", "ipconfig /all", "netsh interface ip show config"),
    "ip route": ("route print", "netstat -r", "netstat -rn"),
    "traceroute": ("tracert",),
    "ping -c 4": ("ping", "ping -n 4", "ping /n 4"),
    "dig": ("nslookup", "resolve-dnsname"),
    "ip neigh": ("arp -a", "arp /a"),
    "ss -tuan": ("netstat -an", "netstat -ano", "netstat /an"),
    "ip route add": ("route add",),
    "resolvectl status": ("ipconfig /all",),
}

# what someone who reads along on the path (tcpdump, an open WLAN) sees of a connection
VISIBLE = {
    "HTTPS": {"Ziel-IP-Adresse": True, "Zielport": True, "Servername (SNI)": True, "Datenmenge und Zeitpunkt": True,
              "aufgerufener Pfad (/login)": False, "Cookies": False, "Passwort im Anmeldeformular": False,
              "Inhalt der Seite": False},
    "HTTP": {"Ziel-IP-Adresse": True, "Zielport": True, "aufgerufener Pfad (/login)": True, "Cookies": True,
             "Passwort im Anmeldeformular": True, "Inhalt der Seite": True},
    "Telnet": {"Ziel-IP-Adresse": True, "Zielport": True, "Benutzername": True, "Passwort": True,
               "eingetippte Befehle": True},
    "SSH": {"Ziel-IP-Adresse": True, "Zielport": True, "Versionskennung des Servers": True, "Benutzername": False,
            "Passwort": False, "eingetippte Befehle": False},
}
WPA = {"Pre-Shared Key (ein gemeinsames Passwort für alle)": "WPA2-Personal",
       "SAE statt Pre-Shared-Key-Handshake (Schutz gegen Wörterbuchangriffe auf mitgeschnittene Anmeldungen)":
           "WPA3-Personal",
       "Anmeldung jedes Benutzers mit eigenem Konto über 802.1X und einen RADIUS-Server": "WPA2-Enterprise"}


def channels_overlap(a: int, b: int) -> bool:
    """2.4 GHz: channels are 5 MHz apart, a 20 MHz channel needs 5 channels of distance (1, 6, 11)."""
    return abs(int(a) - int(b)) < 5


def wireguard_length(inner: int) -> int:
    """UDP payload of a WireGuard data message: 16 header + the inner packet padded to 16 + 16 tag."""
    return 16 + -(-int(inner) // 16) * 16 + 16


# standard -> (Wi-Fi name, frequency bands in GHz)
WLAN = {"802.11b": ("–", (2.4,)), "802.11g": ("–", (2.4,)), "802.11a": ("–", (5.0,)),
        "802.11n": ("Wi-Fi 4", (2.4, 5.0)), "802.11ac": ("Wi-Fi 5", (5.0,)), "802.11ax": ("Wi-Fi 6", (2.4, 5.0))}


def _norm(text: str) -> str:
    t = str(text).casefold().strip().strip(".")
    return re.sub(r"\s+", " ", t)


def osi_number(text: str) -> int | None:
    """'2', 'Schicht 2', 'L2', 'Sicherungsschicht', 'Data Link' -> 2."""
    t = _norm(text)
    m = re.fullmatch(r"(?:schicht|layer|l|osi)?[ -]?([1-7])(?:\.)?(?: ?[:(-].*)?", t)
    if m:
        return int(m.group(1))
    for number, names in OSI_NAMES.items():
        if any(t == n or t.startswith(n + " ") for n in names):
            return number
    return None


def tcpip_name(text: str) -> int | None:
    t = _norm(text)
    m = re.fullmatch(r"(?:schicht|layer)? ?([1-4])", t)
    if m:
        return int(m.group(1))
    for number, names in TCPIP_NAMES.items():
        if t in names:
            return number
    return None


def command_key(text: str) -> str:
    """A command as typed, for comparing: lower case, single spaces, ``/x`` like ``-x`` on Windows."""
    t = _norm(text).replace("sudo ", "")
    return re.sub(r"(^| )/(\w)", r"\1-\2", t) if t.split(" ", 1)[0] in ("ping", "arp", "netstat") else t


def parse_route(text: str) -> tuple[IPv4Network | IPv6Network, IPv4Address] | None:
    """'10.1.2.0/24 via 192.168.0.2', 'ip route add …', 'route add 10.1.2.0 mask 255.255.255.0 192.168.0.2'."""
    words = re.split(r"[\s,;]+", str(text).strip())
    net: IPv4Network | IPv6Network | None = None
    gateway: IPv4Address | None = None
    k = 0
    while k < len(words):
        w = words[k]
        try:
            if "/" in w and net is None:
                net = ip_network(w)           # strict: host bits set is a wrong answer
            elif re.fullmatch(r"\d+\.\d+\.\d+\.\d+", w):
                if net is None and k + 2 < len(words) and words[k + 1].lower() == "mask":
                    net = ip_network(f"{w}/{words[k + 2]}")
                    k += 3
                    continue
                if net is None:
                    return None
                gateway = IPv4Address(w)
        except ValueError:
            return None
        k += 1
    return (net, gateway) if net is not None and gateway is not None else None


def bands(text: str) -> frozenset[float]:
    """'2,4 und 5 GHz' -> {2.4, 5.0}."""
    found = re.findall(r"\d+(?:[.,]\d+)?", str(text))
    return frozenset(float(x.replace(",", ".")) for x in found if float(x.replace(",", ".")) in (2.4, 5.0, 6.0))


def vlsm_plan(base: str, hosts: list[int]) -> list[tuple[int, IPv4Network]]:
    """Largest net first, each on the next boundary its size allows: [(hosts, net), …] in plan order."""
    outer = ip_network(base)
    free = int(outer.network_address)
    plan = []
    for need in sorted(hosts, reverse=True):
        prefix = next(p for p in range(30, 0, -1) if 2 ** (32 - p) - 2 >= need)
        size = 2 ** (32 - prefix)
        start = -(-free // size) * size
        net = IPv4Network((start, prefix))
        if not net.subnet_of(outer):          # type: ignore[arg-type]
            raise ValueError(f"{need} Hosts passen nicht mehr in {outer}")
        plan.append((need, net))
        free = start + size
    return plan


def ipconfig_all(host: str, ip: str, prefix: int, gateway: str, dns: str, mac: str, dhcp: bool = True,
                 dhcp_server: str = "") -> str:
    """``ipconfig /all`` of a German Windows 11 client with one Ethernet adapter."""
    mask = IPv4Network(f"0.0.0.0/{prefix}").netmask

    def row(label: str, value: Any) -> str:
        # Windows fills with ". " so that the dots stand on every other column and the colons line up
        field = label + (" " if len(label) % 2 == 0 else "  ")
        while len(field) < 35:
            field += ". "
        return f"   {field[:35]}: {value}"

    lines = ["", "Windows-IP-Konfiguration", "",
             row("Hostname", host), row("Primäres DNS-Suffix", ""), row("Knotentyp", "Hybrid"),
             row("IP-Routing aktiviert", "Nein"), row("WINS-Proxy aktiviert", "Nein"), "",
             "Ethernet-Adapter Ethernet:", "",
             "   Verbindungsspezifisches DNS-Suffix: ",
             row("Beschreibung", "Intel(R) Ethernet Connection (7) I219-V"),
             row("Physische Adresse", mac.upper().replace(":", "-")),
             row("DHCP aktiviert", "Ja" if dhcp else "Nein"), row("Autokonfiguration aktiviert", "Ja"),
             row("IPv4-Adresse", f"{ip}(Bevorzugt)"), row("Subnetzmaske", mask)]
    if dhcp:
        lines += [row("Lease erhalten", "Montag, 7. Dezember 2026 07:58:12"),
                  row("Lease läuft ab", "Dienstag, 8. Dezember 2026 07:58:12")]
    lines.append(row("Standardgateway", gateway))
    if dhcp:
        lines.append(row("DHCP-Server", dhcp_server or gateway))
    lines += [row("DNS-Server", dns), row("NetBIOS über TCP/IP", "Aktiviert"), ""]
    return "\n".join(lines)
