"""``apt`` and ``apt-get`` (apt 2.6.1, Debian 12) for what the seed installs: ``apt update``,
``apt upgrade``, ``apt install iptables-persistent`` (with netfilter-persistent, which saves the
current rules as the installer's default answers do), ``apt install tailscale``. Nothing is
downloaded: the lab's mirror answers from a small catalogue; an unknown name gets apt's
``E: Unable to locate package`` and exit 100. Output as on a terminal (``... Done``).

Which packages a node has is its dpkg database, /var/lib/dpkg/status (written on first use).
"""
from __future__ import annotations

from dataclasses import dataclass

from simnet.commands.base import Context

__all__ = ["apt", "apt_get", "installed", "CATALOGUE"]

STATUS = "/var/lib/dpkg/status"
MIRROR = "http://deb.debian.org/debian bookworm/main amd64"


@dataclass(frozen=True)
class Package:
    """A package the simulated Debian mirror offers: version, sizes, dependencies."""

    version: str
    size: int              # bytes of the .deb
    installed_kb: int      # Installed-Size
    depends: tuple[str, ...] = ()
    source: str = MIRROR


CATALOGUE: dict[str, Package] = {
    "iptables-persistent": Package("1.0.20", 9000, 47, ("netfilter-persistent",)),
    "netfilter-persistent": Package("1.0.20", 7384, 40),
    "net-tools": Package("2.10-0.1+deb12u2", 243404, 978),
    "curl": Package("7.88.1-10+deb12u15", 315764, 489),
    "tcpdump": Package("4.99.3-1", 466880, 1332),
    "conntrack": Package("1:1.4.7-1+b2", 35240, 117),
    "traceroute": Package("1:2.1.2-1", 51456, 155),
    "dnsutils": Package("1:9.18.49-1~deb12u3", 14224, 26),
    "nginx": Package("1.22.1-9+deb12u12", 532740, 1336),
    "ufw": Package("0.36.2-1", 167940, 857),
    "certbot": Package("2.1.0-4", 121780, 159),
    "python3-certbot-nginx": Package("2.1.0-2", 37356, 171),
    "wireguard-tools": Package("1.0.20210914-1+b1", 87584, 321),
    "iptables": Package("1.8.9-2", 360192, 2408),
    "nftables": Package("1.0.6-2+deb12u2", 70292, 176),
    "iproute2": Package("6.1.0-3", 1045828, 3516),
    "iputils-ping": Package("3:20221126-1+deb12u1", 47172, 121),
    "procps": Package("2:4.0.2-3", 709340, 2327),
    "nano": Package("7.2-1+deb12u1", 689964, 2801),
    "tar": Package("1.34+dfsg-1.2+deb12u1", 838852, 3160),
    "tailscale": Package("1.92.3", 33080576, 69668, source="https://pkgs.tailscale.com/stable/debian bookworm/main amd64"),
}
# what every lab node has (the tools simnet models); the rest depends on the node's services
BASE = ("iptables", "nftables", "iproute2", "iputils-ping", "procps", "nano", "tar", "curl", "tcpdump", "conntrack",
        "traceroute", "dnsutils")


def _database(ctx: Context) -> dict[str, str]:
    """package -> version from /var/lib/dpkg/status (created from the node's software on first use)."""
    node = ctx.node
    text = node.files.get(STATUS)
    if text is None:
        names = set(BASE)
        if "tailscaled" in node.services:
            names.add("tailscale")
        if "nginx" in node.services:
            names.update({"nginx", "certbot", "python3-certbot-nginx", "ufw"})
        text = "".join(f"Package: {n}\nStatus: install ok installed\nVersion: {CATALOGUE[n].version}\n\n"
                       for n in sorted(names))
        node.files[STATUS] = text
    found: dict[str, str] = {}
    name = None
    for line in text.splitlines():
        if line.startswith("Package: "):
            name = line[9:].strip()
        elif line.startswith("Version: ") and name:
            found[name] = line[9:].strip()
    return found


def installed(node, package: str) -> bool:
    """Is ``package`` in the node's dpkg database? (without creating it)"""
    text = node.files.get(STATUS, "")
    return f"Package: {package}\n" in text


def _kb(size: int) -> str:
    """apt's sizes: kB/MB with three significant digits (SI units)."""
    for unit, div in (("MB", 1_000_000), ("kB", 1000)):
        if size >= div:
            value = size / div
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:.0f} {unit}"
    return f"{size} B"


def _head(ctx: Context) -> None:
    ctx.print("Reading package lists... Done\nBuilding dependency tree... Done\nReading state information... Done")


def _wrap(names: list[str]) -> str:
    """apt's package lists: two spaces in, wrapped before 80 columns."""
    lines, line = [], " "
    for n in names:
        if len(line) + 1 + len(n) > 79:
            lines.append(line)
            line = " "
        line += " " + n
    lines.append(line)
    return "\n".join(lines)


def _install(ctx: Context, names: list[str], assume_yes: bool) -> int:
    have = _database(ctx)
    _head(ctx)
    unknown = [n for n in names if n not in CATALOGUE or (n == "tailscale" and "tailscale" not in have
                                                          and not _tailscale_repo(ctx))]
    if unknown:
        ctx.eprint(f"E: Unable to locate package {unknown[0]}")
        return 100
    wanted: list[str] = []
    for n in names:
        for dep in (*CATALOGUE[n].depends, n):
            if dep not in have and dep not in wanted:
                wanted.append(dep)
    for n in names:
        if n in have:
            ctx.print(f"{n} is already the newest version ({have[n]}).")
    if not wanted:
        ctx.print("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.")
        return 0
    extra = [n for n in wanted if n not in names]
    if extra:
        ctx.print("The following additional packages will be installed:\n" + _wrap(sorted(extra)))
    ctx.print("The following NEW packages will be installed:\n" + _wrap(sorted(wanted)))
    size = sum(CATALOGUE[n].size for n in wanted)
    disk = sum(CATALOGUE[n].installed_kb for n in wanted) * 1024
    ctx.print(f"0 upgraded, {len(wanted)} newly installed, 0 to remove and 0 not upgraded.\n"
              f"Need to get {_kb(size)} of archives.\n"
              f"After this operation, {_kb(disk)} of additional disk space will be used.")
    if extra and not assume_yes:
        ctx.print("Do you want to continue? [Y/n] ")      # simnet answers with the default (Enter = yes)
    for k, n in enumerate(wanted, 1):
        p = CATALOGUE[n]
        ctx.print(f"Get:{k} {p.source} {n} {'all' if 'persistent' in n else 'amd64'} {p.version} "
                  f"[{p.size:,} B]")
    ctx.print(f"Fetched {_kb(size)} in 0s ({_kb(size * 4)}/s)")
    if "iptables-persistent" in wanted:
        ctx.print("Preconfiguring packages ...")
    for k, n in enumerate(wanted):
        ctx.print(f"Selecting previously unselected package {n}.")
        if k == 0:
            ctx.print("(Reading database ... 31424 files and directories currently installed.)")
        arch = "all" if "persistent" in n else "amd64"
        ctx.print(f"Preparing to unpack .../{n}_{CATALOGUE[n].version.split(':')[-1]}_{arch}.deb ...\n"
                  f"Unpacking {n} ({CATALOGUE[n].version}) ...")
    for n in wanted:
        ctx.print(f"Setting up {n} ({CATALOGUE[n].version}) ...")
        _postinst(ctx, n)
        ctx.node.files[STATUS] += f"Package: {n}\nStatus: install ok installed\nVersion: {CATALOGUE[n].version}\n\n"
    ctx.print("Processing triggers for man-db (2.11.2-2) ...")
    return 0


DEBCONF = "/var/cache/debconf/config.dat"
AUTOSAVE_DONE = ("Name: iptables-persistent/autosave_done\nTemplate: iptables-persistent/autosave_done\n"
                 "Value: true\nOwners: iptables-persistent\nFlags: seen\n\n")


def _tailscale_repo(ctx: Context) -> bool:
    """pkgs.tailscale.com is configured (install.sh adds it) on the nodes that run tailscaled."""
    return any(p.startswith("/etc/apt/sources.list.d/tailscale") for p in ctx.node.files)


def _postinst(ctx: Context, package: str) -> None:
    """What the maintainer scripts do that simnet models."""
    from simnet.commands.persistent import save_rules
    from simnet.commands.units import UNIT_FILES
    from simnet.boot import WANTS

    node = ctx.node
    if package == "netfilter-persistent":
        node.fs.dirs.add("/etc/iptables")
        link = f"{WANTS}/netfilter-persistent.service"
        node.fs.links[link] = UNIT_FILES["netfilter-persistent"]
        ctx.print(f"Created symlink {link} \u2192 {UNIT_FILES['netfilter-persistent']}.")
    elif package == "iptables-persistent":
        # debconf: "Save current IPv4 rules?" / "… IPv6 rules?" – the default answer is Yes; only the
        # first configure saves (autosave_done stays in debconf's database until a purge), so a
        # reinstall never overwrites rules files the learner edited
        if AUTOSAVE_DONE not in node.files.get(DEBCONF, ""):
            save_rules(ctx, private=False)
            node.files[DEBCONF] = node.files.get(DEBCONF, "") + AUTOSAVE_DONE


def _remove(ctx: Context, names: list[str], purge: bool) -> int:
    have = _database(ctx)
    _head(ctx)
    for n in names:
        if n not in CATALOGUE and n not in have:
            ctx.eprint(f"E: Unable to locate package {n}")
            return 100
    gone = [n for n in names if n in have]
    for n in names:
        if n not in have:
            ctx.print(f"Package '{n}' is not installed, so not removed")
    if not gone:
        ctx.print("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.")
        return 0
    ctx.print("The following packages will be REMOVED:\n" + _wrap(sorted(gone)))
    ctx.print(f"0 upgraded, 0 newly installed, {len(gone)} to remove and 0 not upgraded.")
    text = ctx.node.files[STATUS]
    if purge and "iptables-persistent" in gone and DEBCONF in ctx.node.files:
        ctx.node.files[DEBCONF] = ctx.node.files[DEBCONF].replace(AUTOSAVE_DONE, "")      # db_purge
    for n in gone:
        text = text.replace(f"Package: {n}\nStatus: install ok installed\nVersion: {have[n]}\n\n", "")
        ctx.print(f"Removing {n} ({have[n]}) ...")
    ctx.node.files[STATUS] = text
    return 0


def _update(ctx: Context) -> int:
    _database(ctx)
    repos = ["http://deb.debian.org/debian bookworm InRelease",
             "http://deb.debian.org/debian bookworm-updates InRelease",
             "http://deb.debian.org/debian-security bookworm-security InRelease"]
    if _tailscale_repo(ctx) or "tailscaled" in ctx.node.services:
        repos.append("https://pkgs.tailscale.com/stable/debian bookworm InRelease")
    for k, repo in enumerate(repos, 1):
        ctx.print(f"Hit:{k} {repo}")
    _head(ctx)
    ctx.print("All packages are up to date.")
    return 0


def _upgrade(ctx: Context) -> int:
    _database(ctx)
    _head(ctx)
    ctx.print("Calculating upgrade... Done\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.")
    return 0


def _main(ctx: Context, prog: str) -> int:
    words = [a for a in ctx.args if not a.startswith("-")]
    yes = any(a in ("-y", "--yes", "--assume-yes", "-qy", "-yq") for a in ctx.args)
    if not words:
        if prog == "apt":
            ctx.print("apt 2.6.1 (amd64)\nUsage: apt [options] command\n\n"
                      "Most used commands:\n  list - list packages based on package names\n"
                      "  search - search in package descriptions\n  show - show package details\n"
                      "  install - install packages\n  remove - remove packages\n"
                      "  update - update list of available packages\n  upgrade - upgrade the system by "
                      "installing/upgrading packages\n")
            return 1
        ctx.print("apt 2.6.1 (amd64)\nUsage: apt-get [options] command")
        return 1
    verb, names = words[0], words[1:]
    if verb == "update":
        return _update(ctx)
    if verb in ("upgrade", "full-upgrade", "dist-upgrade"):
        return _upgrade(ctx)
    if verb == "install":
        if not names:
            _head(ctx)
            ctx.print("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.")
            return 0
        return _install(ctx, names, yes)
    if verb in ("remove", "purge"):
        return _remove(ctx, names, verb == "purge")
    ctx.eprint(f"E: Invalid operation {verb}")
    return 100


def apt(ctx: Context) -> int:
    return _main(ctx, "apt")


def apt_get(ctx: Context) -> int:
    return _main(ctx, "apt-get")
