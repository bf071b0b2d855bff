"""``date`` (coreutils 9.1, C locale, the node's clock in UTC) and the editors a learner
reaches for (``nano``, ``vim``, ``vi``): simnet has no full-screen editor, so they say in
German how to change a file with ``sed -i``, ``tee`` or a heredoc instead."""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from simnet.commands.base import Context

__all__ = ["date", "editor"]


def _parse_date(text: str, now: float) -> float | None:
    """The few forms of ``date -d`` a learner types: @SECONDS, now/today/yesterday/tomorrow,
    YYYY-MM-DD [HH:MM[:SS]] and ``N days ago``."""
    text = text.strip()
    if text.startswith("@") and re.fullmatch(r"@-?\d+", text):
        return float(text[1:])
    words = {"now": 0, "today": 0, "yesterday": -86400, "tomorrow": 86400, "": 0}
    if text in words:
        return now + words[text]
    m = re.fullmatch(r"(\d+) (second|minute|hour|day|week)s?( ago)?", text)
    if m:
        unit = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}[m.group(2)]
        return now + (-1 if m.group(3) else 1) * int(m.group(1)) * unit
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    return None


def _format(fmt: str, when: float) -> str:
    stamp = time.gmtime(when)
    fmt = fmt.replace("%N", f"{int((when % 1) * 1e9):09d}").replace("%:z", "+00:00")
    return time.strftime(fmt, stamp)


def date(ctx: Context) -> int:
    when = ctx.node.wallclock()
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    args = list(ctx.args)
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-u", "--utc", "--universal"):
            pass
        elif a in ("-R", "--rfc-email"):
            fmt = "%a, %d %b %Y %H:%M:%S %z"
        elif a in ("-I", "--iso-8601") or a.startswith("--iso-8601="):
            unit = a.split("=", 1)[1] if "=" in a else "date"
            fmt = {"date": "%Y-%m-%d", "hours": "%Y-%m-%dT%H%:z", "minutes": "%Y-%m-%dT%H:%M%:z",
                   "seconds": "%Y-%m-%dT%H:%M:%S%:z", "ns": "%Y-%m-%dT%H:%M:%S,%N%:z"}.get(unit, "%Y-%m-%d")
        elif a in ("-d", "--date") or a.startswith("--date="):
            if "=" in a:
                value = a.split("=", 1)[1]
            elif i + 1 < len(args):
                i += 1
                value = args[i]
            else:
                ctx.eprint("date: option requires an argument -- 'd'\nTry 'date --help' for more information.")
                return 1
            parsed = _parse_date(value, when)
            if parsed is None:
                ctx.eprint(f"date: invalid date '{value}'")
                return 1
            when = parsed
        elif a.startswith("+"):
            fmt = a[1:]
        elif a.startswith("-") and len(a) > 1:
            bad = a[2:] if a.startswith("--") else a[1]
            ctx.eprint((f"date: unrecognized option '{a}'" if a.startswith("--") else f"date: invalid option -- '{bad}'")
                       + "\nTry 'date --help' for more information.")
            return 1
        else:
            ctx.eprint(f"date: invalid date '{a}'")
            return 1
        i += 1
    ctx.print(_format(fmt.replace("%Z", "UTC"), when))
    return 0


def editor(ctx: Context) -> int:
    """nano/vim/vi: no full-screen editor here; a German hint with the file's own name."""
    files = [a for a in ctx.args if not a.startswith("-") and not a.startswith("+")]
    target = files[0] if files else "DATEI"
    ctx.eprint(
        f"{ctx.prog}: simnet hat keinen bildschirmorientierten Editor – ändere die Datei mit einem Befehl:\n"
        f"  Zeile ändern:       sed -i 's/^#net.ipv4.ip_forward=1/net.ipv4.ip_forward=1/' {target}\n"
        f"  Zeile anhängen:     echo 'net.ipv4.ip_forward = 1' | sudo tee -a {target}\n"
        f"  Datei neu schreiben: cat > {target} <<'EOF'\n"
        "                      … die Zeilen der Datei …\n"
        "                      EOF\n"
        f"  Anschauen:          cat -n {target}   oder   grep -n WORT {target}")
    return 1


NET_TOOLS = {"route": "ip route (und ip route show table all)", "ifconfig": "ip addr (kurz: ip -br addr)",
             "netstat": "ss -tulpn", "arp": "ip neigh"}


def net_tools(ctx: Context) -> int:
    """route, ifconfig, netstat, arp after ``apt install net-tools``: simnet answers with the ip
    command that shows the same (Debian 12 itself ships without net-tools: command not found)."""
    name = ctx.prog.rsplit("/", 1)[-1]
    ctx.eprint(f"simnet: „{name}“ aus net-tools bildet simnet nicht nach – dasselbe zeigt dir {NET_TOOLS[name]}.")
    return 1


def _net_tools_installed(node) -> bool:
    from simnet.commands.apt import installed

    return installed(node, "net-tools")


net_tools.installed = _net_tools_installed      # type: ignore[attr-defined]
