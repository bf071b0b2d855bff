"""Which program name runs which module. Modules are imported on first use so
that ``import simnet`` stays fast."""
from __future__ import annotations

import sys

from simnet.commands.base import Program

__all__ = ["lookup", "PROGRAMS"]

# program name -> (module, function)
PROGRAMS: dict[str, tuple[str, str]] = {
    "ip": ("simnet.commands.ip", "main"),
    "ping": ("simnet.commands.ping", "main"),
    "radvd": ("simnet.commands.radvd", "main"),
    "dnsmasq": ("simnet.commands.dnsmasq", "main"),
    "dhclient": ("simnet.commands.dhclient", "main"),
    "ifup": ("simnet.commands.ifupdown", "ifup"),
    "ifdown": ("simnet.commands.ifupdown", "ifdown"),
    "kill": ("simnet.commands.radvd", "kill"),
    "sysctl": ("simnet.commands.sysctl", "main"),
    "iptables": ("simnet.commands.iptables", "main"),
    "iptables-nft": ("simnet.commands.iptables", "main"),
    "iptables-save": ("simnet.commands.iptables", "save_main"),
    "iptables-nft-save": ("simnet.commands.iptables", "save_main"),
    "iptables-restore": ("simnet.commands.iptables_restore", "restore_main"),
    "iptables-nft-restore": ("simnet.commands.iptables_restore", "restore_main"),
    "ip6tables": ("simnet.commands.iptables", "main6"),
    "ip6tables-nft": ("simnet.commands.iptables", "main6"),
    "ip6tables-save": ("simnet.commands.iptables", "save6_main"),
    "ip6tables-nft-save": ("simnet.commands.iptables", "save6_main"),
    "ip6tables-restore": ("simnet.commands.iptables_restore", "restore6_main"),
    "ip6tables-nft-restore": ("simnet.commands.iptables_restore", "restore6_main"),
    "nft": ("simnet.commands.nft_cli", "main"),
    "conntrack": ("simnet.commands.conntrack", "main"),
    "headscale": ("simnet.commands.headscale", "main"),
    "tailscale": ("simnet.commands.tailscale", "main"),
    "systemctl": ("simnet.commands.systemctl", "main"),
    "traceroute": ("simnet.commands.traceroute", "main"),
    "tcpdump": ("simnet.commands.tcpdump", "main"),
    "cat": ("simnet.commands.coreutils", "cat"),
    "echo": ("simnet.commands.coreutils", "echo"),
    "hostname": ("simnet.commands.coreutils", "hostname"),
    "grep": ("simnet.commands.coreutils", "grep"),
    "head": ("simnet.commands.coreutils", "head"),
    "tail": ("simnet.commands.coreutils", "tail"),
    "wc": ("simnet.commands.coreutils", "wc"),
    "true": ("simnet.commands.coreutils", "true"),
    "false": ("simnet.commands.coreutils", "false"),
    "tee": ("simnet.commands.coreutils", "tee"),
    "sort": ("simnet.commands.coreutils", "sort"),
    "sleep": ("simnet.commands.coreutils", "sleep"),
    "clear": ("simnet.commands.coreutils", "clear"),
    "whoami": ("simnet.commands.coreutils", "whoami"),
    "printf": ("simnet.commands.textutils", "printf"),
    "sh": ("simnet.commands.shell", "sh_main"),
    "bash": ("simnet.commands.shell", "sh_main"),
    "dash": ("simnet.commands.shell", "sh_main"),
    "uniq": ("simnet.commands.coreutils", "uniq"),
    "cut": ("simnet.commands.textutils", "cut"),
    "seq": ("simnet.commands.textutils", "seq"),
    "awk": ("simnet.commands.textutils", "awk"),
    "mawk": ("simnet.commands.textutils", "awk"),
    "ls": ("simnet.commands.fileutils", "ls"),
    "mkdir": ("simnet.commands.fileutils", "mkdir"),
    "rm": ("simnet.commands.fileutils", "rm"),
    "rmdir": ("simnet.commands.fileutils", "rmdir"),
    "cp": ("simnet.commands.fileutils", "cp"),
    "mv": ("simnet.commands.fileutils", "mv"),
    "touch": ("simnet.commands.fileutils", "touch"),
    "chmod": ("simnet.commands.fileutils", "chmod"),
    "date": ("simnet.commands.chores", "date"),
    "nano": ("simnet.commands.chores", "editor"),
    "vim": ("simnet.commands.chores", "editor"),
    "vi": ("simnet.commands.chores", "editor"),
    "tar": ("simnet.commands.tar", "main"),
    "reboot": ("simnet.commands.power", "reboot"),
    "poweroff": ("simnet.commands.power", "poweroff"),
    "shutdown": ("simnet.commands.power", "shutdown"),
    "apt": ("simnet.commands.apt", "apt"),
    "apt-get": ("simnet.commands.apt", "apt_get"),
    "netfilter-persistent": ("simnet.commands.persistent", "main"),
    "route": ("simnet.commands.chores", "net_tools"),
    "ifconfig": ("simnet.commands.chores", "net_tools"),
    "netstat": ("simnet.commands.chores", "net_tools"),
    "arp": ("simnet.commands.chores", "net_tools"),
    "which": ("simnet.commands.textutils", "which"),
    "type": ("simnet.commands.textutils", "type_"),
    # the road to the coordination server (simnet.services)
    "nginx": ("simnet.commands.nginx", "main"),
    "dig": ("simnet.commands.dig", "dig"),
    "nslookup": ("simnet.commands.dig", "nslookup"),
    "host": ("simnet.commands.dig", "host"),
    "curl": ("simnet.commands.curl", "main"),
    "certbot": ("simnet.commands.certbot", "main"),
    "ufw": ("simnet.commands.ufw", "main"),
    "ss": ("simnet.commands.ss", "main"),
    "bridge": ("simnet.commands.bridge", "main"),
    "nc": ("simnet.commands.nc", "main"),
    "python3": ("simnet.commands.python3", "main"),
    "netcat": ("simnet.commands.nc", "main"),
    "journalctl": ("simnet.commands.journalctl", "main"),
    "crontab": ("simnet.commands.journalctl", "crontab"),
    "duckdns-update.sh": ("simnet.commands.curl", "run_script"),
    "sed": ("simnet.commands.sed", "main"),
    "openssl": ("simnet.commands.openssl", "main"),
    "firefox": ("simnet.commands.browser", "main"),
    "ssh": ("simnet.commands.ssh", "main"),
    "ssh-keygen": ("simnet.commands.ssh_hostkey", "keygen_main"),
    "qm": ("simnet.commands.qm", "main"),
    "pct": ("simnet.commands.pct", "main"),
    "xdg-open": ("simnet.commands.browser", "main"),
}


def lookup(name: str) -> Program | None:
    """The program for ``name`` (also ``/usr/sbin/ip`` style paths), or None."""
    base = name.rsplit("/", 1)[-1] if name.startswith(("/usr/", "/bin/", "/sbin/")) else name
    entry = PROGRAMS.get(base)
    if entry is None:
        return None
    # a module that fails to import is simnet's bug, not an unknown command: let it surface
    # (the shell reports it as an internal error) instead of printing "command not found"
    module = sys.modules.get(entry[0])
    if module is None:        # importlib.import_module, without importlib and its warnings (issue 20)
        __import__(entry[0])
        module = sys.modules[entry[0]]
    return getattr(module, entry[1])
