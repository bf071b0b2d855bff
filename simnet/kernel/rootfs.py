"""The files a fresh Debian 12 has where the seed looks: ``/etc/sysctl.conf`` and
``/etc/sysctl.d``, ``/etc/hosts``, and the systemd folders ``systemctl enable`` writes to.

The texts are byte for byte the ones procps 2:4.0.2-3 and systemd 252 install
(``sysctl --system`` reads the same files in the same order as on a real box).
"""
from __future__ import annotations

import os
from functools import cache
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["install_debian", "hosts_file", "SYSCTL_CONF", "README_SYSCTL", "NFTABLES_CONF"]

# dates of the package files (ls -l shows them): procps 2:4.0.2-3 and systemd 252.33
PROCPS_DATE = 1671429998      # 2022-12-19
SYSTEMD_DATE = 1748538242     # 2025-05-29
NFTABLES_DATE = 1694843235    # 2023-09-16, nftables 1.0.6-2+deb12u2
NETBASE_DATE = 1616884377     # 2021-03-27 22:32:57, /etc/services of netbase 6.4

FOLDERS = ("/etc/network", "/etc/network/interfaces.d", "/etc/systemd", "/etc/systemd/system",
           "/etc/systemd/system/multi-user.target.wants", "/etc/systemd/system/sysinit.target.wants",
           "/usr/lib", "/usr/lib/sysctl.d",
           "/usr/lib/systemd", "/usr/lib/systemd/system", "/var/lib", "/usr/local", "/usr/local/bin",
           "/usr/sbin", "/home", "/run", "/opt", "/srv", "/mnt", "/media")


def hosts_file(hostname: str) -> str:
    """/etc/hosts as the Debian installer writes it for a host without a domain name."""
    return ("127.0.0.1\tlocalhost\n"
            f"127.0.1.1\t{hostname}\n"
            "\n"
            "# The following lines are desirable for IPv6 capable hosts\n"
            "::1     localhost ip6-localhost ip6-loopback\n"
            "ff02::1 ip6-allnodes\n"
            "ff02::2 ip6-allrouters\n")


@cache
def etc_services() -> str:
    """/etc/services of netbase 6.4 (Debian 12), byte for byte (md5 3975f0d8c4e1ecb25f035edfb1ba27ac).
    Read once per process; every node shares the one string. (os.path, not pathlib: pathlib would pull
    urllib.parse, fnmatch and ntpath into every new process — issue 20's cold path.)"""
    with open(os.path.join(os.path.dirname(__file__), "etc_services.txt"), encoding="utf-8") as f:
        return f.read()


def install_debian(node: "Node") -> None:
    """Write the base system's files into a new node (its disk before anyone logs in)."""
    fs = node.fs
    fs.installed_at = node.wallclock() - 2 * 86400       # installed two days before the lab starts
    fs.dirs.update(FOLDERS)
    fs.links["/lib"] = "usr/lib"                          # merged /usr: /lib/sysctl.d is /usr/lib/sysctl.d
    fs.links["/etc/sysctl.d/99-sysctl.conf"] = "../sysctl.conf"
    fs.mtimes["/etc/sysctl.d/99-sysctl.conf"] = SYSTEMD_DATE
    for path, text, date in (("/etc/sysctl.conf", SYSCTL_CONF, PROCPS_DATE),
                             ("/etc/sysctl.d/README.sysctl", README_SYSCTL, PROCPS_DATE),
                             ("/usr/lib/sysctl.d/50-pid-max.conf", PID_MAX_CONF, SYSTEMD_DATE),
                             ("/usr/lib/sysctl.d/99-protect-links.conf", PROTECT_LINKS_CONF, PROCPS_DATE)):
        node.files[path] = text
        fs.mtimes[path] = date
    node.files["/etc/hosts"] = hosts_file(node.hostname)
    node.files["/etc/services"] = etc_services()          # port names (grep -w 22 /etc/services)
    fs.mtimes["/etc/services"] = NETBASE_DATE
    node.files["/etc/nftables.conf"] = NFTABLES_CONF       # what nftables.service loads
    fs.mtimes["/etc/nftables.conf"] = NFTABLES_DATE
    fs.modes["/etc/nftables.conf"] = 0o755                  # the package ships it executable (#!/usr/sbin/nft -f)


# /etc/sysctl.conf from procps 2:4.0.2-3 (a conffile, md5 c0c09cba30da0565737cace8000d64ee)
SYSCTL_CONF = """\
#
# /etc/sysctl.conf - Configuration file for setting system variables
# See /etc/sysctl.d/ for additional system variables.
# See sysctl.conf (5) for information.
#

#kernel.domainname = example.com

# Uncomment the following to stop low-level messages on console
#kernel.printk = 3 4 1 3

###################################################################
# Functions previously found in netbase
#

# Uncomment the next two lines to enable Spoof protection (reverse-path filter)
# Turn on Source Address Verification in all interfaces to
# prevent some spoofing attacks
#net.ipv4.conf.default.rp_filter=1
#net.ipv4.conf.all.rp_filter=1

# Uncomment the next line to enable TCP/IP SYN cookies
# See http://lwn.net/Articles/277146/
# Note: This may impact IPv6 TCP sessions too
#net.ipv4.tcp_syncookies=1

# Uncomment the next line to enable packet forwarding for IPv4
#net.ipv4.ip_forward=1

# Uncomment the next line to enable packet forwarding for IPv6
#  Enabling this option disables Stateless Address Autoconfiguration
#  based on Router Advertisements for this host
#net.ipv6.conf.all.forwarding=1


###################################################################
# Additional settings - these settings can improve the network
# security of the host and prevent against some network attacks
# including spoofing attacks and man in the middle attacks through
# redirection. Some network environments, however, require that these
# settings are disabled so review and enable them as needed.
#
# Do not accept ICMP redirects (prevent MITM attacks)
#net.ipv4.conf.all.accept_redirects = 0
#net.ipv6.conf.all.accept_redirects = 0
# _or_
# Accept ICMP redirects only for gateways listed in our default
# gateway list (enabled by default)
# net.ipv4.conf.all.secure_redirects = 1
#
# Do not send ICMP redirects (we are not a router)
#net.ipv4.conf.all.send_redirects = 0
#
# Do not accept IP source route packets (we are not a router)
#net.ipv4.conf.all.accept_source_route = 0
#net.ipv6.conf.all.accept_source_route = 0
#
# Log Martian Packets
#net.ipv4.conf.all.log_martians = 1
#

###################################################################
# Magic system request Key
# 0=disable, 1=enable all, >1 bitmask of sysrq functions
# See https://www.kernel.org/doc/html/latest/admin-guide/sysrq.html
# for what other values do
#kernel.sysrq=438

"""


# /etc/sysctl.d/README.sysctl from procps (md5 48e64ce233c8aba8e0693adf8cf4c464)
README_SYSCTL = """\
Kernel system variables configuration files

Files found under the /etc/sysctl.d directory that end with .conf are
parsed within sysctl(8) at boot time.  If you want to set kernel variables
you can either edit /etc/sysctl.conf or make a new file.

The filename isn't important, but don't make it a package name as it may clash
with something the package builder needs later. It must end with .conf though.

My personal preference would be for local system settings to go into
/etc/sysctl.d/local.conf but as long as you follow the rules for the names
of the file, anything will work. See sysctl.conf(8) man page for details
of the format.

After making any changes, please run "service procps force-reload" (or, from
a Debian package maintainer script "deb-systemd-invoke restart procps.service").
"""


# /usr/lib/sysctl.d/50-pid-max.conf from systemd 252
PID_MAX_CONF = """\
#  This file is part of systemd.
#
#  systemd is free software; you can redistribute it and/or modify it
#  under the terms of the GNU Lesser General Public License as published by
#  the Free Software Foundation; either version 2.1 of the License, or
#  (at your option) any later version.

# See sysctl.d(5) and core(5) for documentation.

# To override settings in this file, create a local file in /etc
# (e.g. /etc/sysctl.d/90-override.conf), and put any assignments
# there.

# Bump the numeric PID range to make PID collisions less likely.
# 2^22 and 2^15 is possible maximum of 64bit and 32bit kernels respectively.
kernel.pid_max = 4194304
"""


# /usr/lib/sysctl.d/99-protect-links.conf from procps
PROTECT_LINKS_CONF = """\
###################################################################
# Protected links
#
# Protects against creating or following links under certain conditions
# Debian kernels have both set to 1 (restricted)\x20
# See https://www.kernel.org/doc/Documentation/sysctl/fs.txt
fs.protected_fifos = 1
fs.protected_hardlinks = 1
fs.protected_regular = 2
fs.protected_symlinks = 1
"""


# /etc/nftables.conf from nftables 1.0.6-2+deb12u2 (a conffile): an inet filter table that lets everything pass
NFTABLES_CONF = """\
#!/usr/sbin/nft -f

flush ruleset

table inet filter {
\tchain input {
\t\ttype filter hook input priority filter;
\t}
\tchain forward {
\t\ttype filter hook forward priority filter;
\t}
\tchain output {
\t\ttype filter hook output priority filter;
\t}
}
"""
