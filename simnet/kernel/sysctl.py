"""The node's sysctl tree (``/proc/sys``), with the defaults of a fresh network namespace.

Some keys are linked the way the kernel links them: writing
``net.ipv4.ip_forward`` sets ``conf.all.forwarding`` and the forwarding flag of
every interface, and a new interface copies ``conf.default``.
"""
from __future__ import annotations

from functools import lru_cache

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Callable

from simnet.core.errors import KernelError

__all__ = ["Sysctl", "SysctlError"]

CONF_DEFAULTS = {
    "accept_local": "0", "accept_redirects": "1", "accept_source_route": "0",
    "arp_accept": "0", "arp_announce": "0", "arp_filter": "0", "arp_ignore": "0",
    "arp_notify": "0", "bootp_relay": "0", "disable_policy": "0", "disable_xfrm": "0",
    "forwarding": "0", "log_martians": "0", "mc_forwarding": "0", "medium_id": "0",
    "promote_secondaries": "0", "proxy_arp": "0", "proxy_arp_pvlan": "0",
    "route_localnet": "0", "rp_filter": "0", "secure_redirects": "1",
    "send_redirects": "1", "shared_media": "1", "src_valid_mark": "0", "tag": "0",
}
IPV4_DEFAULTS = {
    "ip_forward": "0", "ip_forward_update_priority": "1", "ip_forward_use_pmtu": "0", "ip_default_ttl": "64", "icmp_echo_ignore_all": "0",
    "icmp_echo_ignore_broadcasts": "1", "icmp_ratelimit": "1000", "icmp_ratemask": "6168",
    "ip_local_port_range": "32768\t60999", "ip_no_pmtu_disc": "0", "tcp_syncookies": "1",
    "ping_group_range": "0\t2147483647",
}
# global (not per-namespace) keys that Debian's /usr/lib/sysctl.d files set at boot, as they are after it
GLOBAL_DEFAULTS = {"kernel.pid_max": "4194304", "fs.protected_fifos": "1", "fs.protected_hardlinks": "1",
                   "fs.protected_regular": "2", "fs.protected_symlinks": "1"}
IPV6_CONF_DEFAULTS = {"accept_dad": "1", "accept_ra": "1", "accept_redirects": "1", "autoconf": "1", "dad_transmits": "1",
                      "disable_ipv6": "0", "forwarding": "0", "hop_limit": "64", "keep_addr_on_down": "0"}


class SysctlError(KernelError):
    """A key that does not exist or a value it refuses (``errno_text`` like the kernel's)."""

    def __init__(self, key: str, errno_text: str = "No such file or directory") -> None:
        super().__init__(errno_text)
        self.key = key

    def __str__(self) -> str:
        return self.key


class Sysctl:
    """Values are kept as the strings ``/proc/sys`` would show."""

    def __init__(self) -> None:
        # a copy of one fresh tree: every node of a lab starts with the same hundred keys
        self._values: dict[str, str] = dict(_fresh())
        self._flags: dict[str, tuple[bool, int]] = {}    # input_flags per device, emptied on writes
        # called with the key after every write (addrconf follows disable_ipv6)
        self.hooks: list[Callable[[str], None]] = []

    def add_interface(self, dev: str) -> None:
        """A new interface inherits ``conf.default`` (forwarding follows ``all``)."""
        self._flags.clear()
        values = self._values
        v4, forwarding, v6 = _dev_keys(dev)
        for key, default_key, v in v4:
            values[key] = values.get(default_key, v)
        values[forwarding] = values["net.ipv4.conf.all.forwarding"]
        for key, default_key in v6:
            values[key] = values[default_key]

    def remove_interface(self, dev: str) -> None:
        self._flags.clear()
        for key in [k for k in self._values if k.split(".")[3:4] == [dev] and ".conf." in k]:
            del self._values[key]

    @staticmethod
    def normalize(key: str) -> str:
        """Accept both ``net.ipv4.ip_forward`` and ``net/ipv4/ip_forward``."""
        key = key.strip()
        if "/" in key and "." not in key.split("/")[0]:
            return key.strip("/").replace("/", ".")
        return key

    def keys(self) -> list[str]:
        return sorted(self._values)

    def __contains__(self, key: str) -> bool:
        return self.normalize(key) in self._values

    def get(self, key: str) -> str:
        key = self.normalize(key)
        if key not in self._values:
            raise SysctlError(key)
        return self._values[key]

    def get_int(self, key: str) -> int:
        try:
            return int(self.get(key).split()[0])
        except (ValueError, IndexError):
            return 0

    def set(self, key: str, value: str) -> None:
        """Write a value; raises SysctlError for unknown keys or invalid values."""
        key = self.normalize(key)
        if key not in self._values:
            raise SysctlError(key)
        value = value.strip()
        old = self._values[key]
        if "\t" not in old and not _is_int(value):
            raise SysctlError(key, "Invalid argument")
        if "\t" in old:
            parts = value.split()
            if not parts or not all(_is_int(p) for p in parts):
                raise SysctlError(key, "Invalid argument")
            value = "\t".join(parts)
            if key == "net.ipv4.ip_local_port_range" and (len(parts) != 2 or int(parts[1]) < int(parts[0])
                                                         or int(parts[0]) < 1024):
                # ipv4_local_port_range: low <= high, and low not below ip_unprivileged_port_start (1024)
                raise SysctlError(key, "Invalid argument")
        else:
            value = str(int(value))
            lo, hi = LIMITS.get(key.rsplit(".", 1)[-1] if key.startswith("net.ipv4.conf.") else key,
                                (-2**31, 2**31 - 1))
            if not lo <= int(value) <= hi:
                raise SysctlError(key, "Invalid argument")
        self._values[key] = value
        self._flags.clear()
        if key in ("net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding"):
            flag = value           # the kernel stores the written number (2 stays 2) everywhere
            for k in list(self._values):
                if k.startswith("net.ipv4.conf.") and k.endswith(".forwarding"):
                    self._values[k] = flag
            self._values["net.ipv4.ip_forward"] = flag
        elif key in ("net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.all.forwarding"):
            # addrconf_disable_ipv6 / addrconf_fixup_forwarding: "all" sets default and every device
            leaf = key.rsplit(".", 1)[1]
            for k in list(self._values):
                if k.startswith("net.ipv6.conf.") and k.endswith("." + leaf):
                    self._values[k] = value
        for hook in self.hooks:
            hook(key)

    def forwarding(self, dev: str) -> bool:
        return self._values.get(f"net.ipv4.conf.{dev}.forwarding", "0") != "0"

    def input_flags(self, dev: str) -> tuple[bool, int]:
        """(forwarding, effective rp_filter) of ``dev``: what every received packet asks,
        kept until the next write (set, add_interface, remove_interface)."""
        flags = self._flags.get(dev)
        if flags is None:
            flags = self._flags[dev] = (self.forwarding(dev), self.rp_filter(dev))
        return flags

    def rp_filter(self, dev: str) -> int:
        """Effective mode: the maximum of ``conf.all`` and ``conf.DEV`` (as the kernel does)."""
        values = self._values               # hot path: read the stored strings directly
        return max(int(values.get("net.ipv4.conf.all.rp_filter", "0")),
                   int(values.get(f"net.ipv4.conf.{dev}.rp_filter", "0")))


@lru_cache(maxsize=1)
def _fresh() -> dict[str, str]:
    """The tree of a new network namespace (copied, never changed)."""
    values = {f"net.ipv4.{k}": v for k, v in IPV4_DEFAULTS.items()}
    values.update(GLOBAL_DEFAULTS)
    for dev in ("all", "default"):
        for k, v in CONF_DEFAULTS.items():
            values[f"net.ipv4.conf.{dev}.{k}"] = v
    for dev in ("all", "default"):
        for k, v in IPV6_CONF_DEFAULTS.items():
            values[f"net.ipv6.conf.{dev}.{k}"] = v
    values["net.ipv6.icmp.ratelimit"] = "1000"
    values["net.ipv6.bindv6only"] = "0"          # the IPV6_V6ONLY default of new AF_INET6 sockets
    values["net.ipv6.route.mtu_expires"] = "600"
    return values


@lru_cache(maxsize=256)
def _dev_keys(dev: str) -> tuple[tuple[tuple[str, str, str], ...], str, tuple[tuple[str, str], ...]]:
    """A device's keys beside the ``conf.default`` keys it copies, in the order they are added."""
    return (tuple((f"net.ipv4.conf.{dev}.{k}", f"net.ipv4.conf.default.{k}", v) for k, v in CONF_DEFAULTS.items()),
            f"net.ipv4.conf.{dev}.forwarding",
            tuple((f"net.ipv6.conf.{dev}.{k}", f"net.ipv6.conf.default.{k}") for k in IPV6_CONF_DEFAULTS))


# proc_do*_minmax bounds of the keys learners write (others take any int)
LIMITS = {"net.ipv4.ip_default_ttl": (1, 255), "net.ipv4.icmp_echo_ignore_all": (0, 1),
          "net.ipv4.icmp_echo_ignore_broadcasts": (0, 1), "net.ipv4.icmp_ignore_bogus_error_responses": (0, 1),
          "net.ipv4.tcp_syncookies": (0, 2), "net.ipv4.ip_no_pmtu_disc": (0, 3),
          "kernel.pid_max": (301, 4194304), "fs.protected_fifos": (0, 2), "fs.protected_regular": (0, 2),
          "fs.protected_hardlinks": (0, 1), "fs.protected_symlinks": (0, 1)}


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
