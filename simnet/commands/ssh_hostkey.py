"""ssh's host-key check (OpenSSH 9.2p1, Debian 12): the first-connection question, known_hosts,
the loud warning when a name answers with another key, and ``ssh-keygen -l/-R/-F``.

Every node with sshd has one Ed25519 host key, derived from its name (stable across runs and
reboots). The client looks the name it connects to up in ``~/.ssh/known_hosts`` (Debian's
``HashKnownHosts yes``: lines start ``|1|salt|hash``) and in ``/etc/ssh/ssh_known_hosts``.
The texts are sshconnect.c's; "remove with: ssh-keygen -f … -R …" is Debian's addition.

Where the answer to "Are you sure …?" comes from: ssh reads it from the terminal (/dev/tty),
never from stdin. ``simnet shell`` asks the learner; ``lab.run`` has no one to ask, so it shows
the question with the answer "yes" typed in, as if the learner had accepted the key.
"""
from __future__ import annotations

import base64
TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

from simnet.core.digest import sha256

if TYPE_CHECKING:
    from typing import Any
    from simnet.commands.base import Context

__all__ = ["check_host_key", "host_key_line", "fingerprint", "keygen_main"]

AGAIN = "Please type 'yes', 'no' or the fingerprint: "
FAILED = "Host key verification failed."
GLOBAL = "/etc/ssh/ssh_known_hosts"


def _blob(node_name: str) -> bytes:
    """The public key blob: string "ssh-ed25519", string(32-byte key)."""
    key = sha256(f"ssh_host_ed25519_key:{node_name}".encode()).digest()
    kind = b"ssh-ed25519"
    return len(kind).to_bytes(4, "big") + kind + len(key).to_bytes(4, "big") + key


def host_key_line(node_name: str) -> str:
    """``ssh-ed25519 AAAA…`` as in /etc/ssh/ssh_host_ed25519_key.pub and known_hosts."""
    return "ssh-ed25519 " + base64.b64encode(_blob(node_name)).decode()


def fingerprint(key_line: str) -> str:
    """``SHA256:…`` (base64 without padding) of a ``TYPE BASE64`` key."""
    try:
        blob = base64.b64decode(key_line.split()[1], validate=True)
    except (IndexError, ValueError):
        return ""
    return "SHA256:" + base64.b64encode(sha256(blob).digest()).decode().rstrip("=")


def _hashed(name: str, salt: bytes) -> str:
    import hmac          # with hashlib and OpenSSL: only when known_hosts is hashed (issue 20)

    mac = hmac.new(salt, name.encode(), "sha1").digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(mac).decode()}"


def _matches(field: str, name: str) -> bool:
    """Does a known_hosts host field (hashed, or a comma list of names) name ``name``?"""
    if field.startswith("|1|"):
        parts = field.split("|")
        if len(parts) != 4:
            return False
        try:
            salt = base64.b64decode(parts[2], validate=True)
        except ValueError:
            return False
        import hmac

        return hmac.compare_digest(_hashed(name, salt), field)
    return any(p.lower() == name for p in field.split(",") if not p.startswith("!"))


def _lookup(text: str, name: str) -> list[tuple[int, str]]:
    """(line number, key) of every line for ``name``."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if len(words) >= 3 and not line.lstrip().startswith("#") and not words[0].startswith("@") \
                and _matches(words[0], name):
            found.append((number, f"{words[1]} {words[2]}"))
    return found


def check_host_key(ctx: "Context", host: str, addr: Any, port: int, server: str, options: dict[str, str],
                   batch: bool) -> bool:
    """check_host_key() for the key of ``server``: True to go on, False after printing why not."""
    name = host.lower() if port == 22 else f"[{host.lower()}]:{port}"
    ip = str(addr) if port == 22 else f"[{addr}]:{port}"
    key = host_key_line(server)
    fp = fingerprint(key)
    node = ctx.node
    user_file = options.get("userknownhostsfile", "~/.ssh/known_hosts").split()[0]
    user_file = ctx.home.rstrip("/") + user_file[1:] if user_file.startswith("~") else user_file
    strict = options.get("stricthostkeychecking", "ask").lower()
    strict = {"yes": "yes", "true": "yes", "no": "off", "off": "off", "false": "off",
              "accept-new": "new"}.get(strict, "ask")
    files = [(user_file, node.files.get(user_file, "")), (GLOBAL, node.files.get(GLOBAL, ""))]
    known = [(path, n, k) for path, text in files for n, k in _lookup(text, name)]
    if any(k == key for _, _, k in known):
        return True
    if known:                                     # HOST_CHANGED
        path, number, old = known[0]
        ctx.eprint("@" * 59)
        ctx.eprint("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @")
        ctx.eprint("@" * 59)
        ctx.eprint("IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!")
        ctx.eprint("Someone could be eavesdropping on you right now (man-in-the-middle attack)!")
        ctx.eprint("It is also possible that a host key has just been changed.")
        ctx.eprint(f"The fingerprint for the ED25519 key sent by the remote host is\n{fp}.")
        ctx.eprint("Please contact your system administrator.")
        ctx.eprint(f"Add correct host key in {user_file} to get rid of this message.")
        ctx.eprint(f"Offending ED25519 key in {path}:{number}\n  remove with:\n"
                   f'  ssh-keygen -f "{path}" -R "{name}"')
        if strict != "off":
            ctx.eprint(f"Host key for {name} has changed and you have requested strict checking.")
            ctx.eprint(FAILED)
            return False
        ctx.eprint("Password authentication is disabled to avoid man-in-the-middle attacks.")
        ctx.eprint("Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.")
        return True
    if strict == "yes":
        ctx.eprint(f"No ED25519 host key is known for {name} and you have requested strict checking.")
        ctx.eprint(FAILED)
        return False
    if strict == "ask":
        home = ctx.home.rstrip("/") + "/"
        others = [f"    {'~/' + path[len(home):] if path.startswith(home) else path}:{n}: "
                  f"{'[hashed name]' if field.startswith('|1|') else field}"
                  for path, text in files for n, (field, k) in _lines(text) if k == key]
        other = ("This host key is known by the following other names/addresses:\n" + "\n".join(others[:8])
                 + (f"\n    ({len(others) - 8} additional names omitted)" if len(others) > 8 else "")
                 if others else "This key is not known by any other names.")
        question = (f"The authenticity of host '{name} ({ip})' can't be established.\n"
                    f"ED25519 key fingerprint is {fp}.\n{other}\n"
                    "Are you sure you want to continue connecting (yes/no/[fingerprint])? ")
        if batch or not _confirm(ctx, question, fp):
            ctx.eprint(FAILED)
            return False
    if user_file == "/dev/null":
        ctx.eprint(f"Warning: Permanently added '{name}' (ED25519) to the list of known hosts.")
        return True
    folder = user_file.rsplit("/", 1)[0] or "/"
    if folder != ctx.home.rstrip("/") + "/.ssh" and folder not in node.fs.dirs and not any(
            p.startswith(folder + "/") for p in node.files):
        ctx.eprint(f"Failed to add the host to the list of known hosts ({user_file}).")
        return True
    if folder == ctx.home.rstrip("/") + "/.ssh" and folder not in node.fs.dirs:
        node.fs.dirs.add(folder)                  # ssh creates ~/.ssh (mode 700) on first use
        node.fs.modes[folder] = 0o700
    salt = sha256(f"known_hosts:{node.name}:{name}:{len(node.files.get(user_file, ''))}".encode()).digest()[:20]
    text = node.files.get(user_file, "")
    node.files[user_file] = text + ("" if not text or text.endswith("\n") else "\n") + \
        f"{_hashed(name, salt)} {key}\n"
    ctx.eprint(f"Warning: Permanently added '{name}' (ED25519) to the list of known hosts.")
    return True


def _lines(text: str) -> list[tuple[int, tuple[str, str]]]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if len(words) >= 3 and not line.lstrip().startswith("#"):
            out.append((number, (words[0], f"{words[1]} {words[2]}")))
    return out


def _confirm(ctx: "Context", question: str, fp: str) -> bool:
    """confirm(): yes, no (or empty), the fingerprint, else ask again."""
    ask = getattr(getattr(ctx.lab, "terminal", None), "ask", None)
    message = question
    while True:
        if ask is None:                 # lab.run: nobody at a terminal; the key is accepted for the learner
            ctx.eprint(message + "yes")
            return True
        answer = ask(message)
        if answer is None:
            return False
        word = answer.strip(" \t").split("\n")[0]
        word = word.split(" ")[0].split("\t")[0]
        if word == "" or word.lower() == "no":
            return False
        if word.lower() == "yes" or word == fp:
            return True
        message = AGAIN


def keygen_main(ctx: "Context") -> int:
    """ssh-keygen -l -f FILE, -R HOST [-f FILE], -F HOST [-f FILE]: what the warnings point to."""
    args = ctx.args
    opts: dict[str, str] = {}
    flags = set()
    k = 0
    while k < len(args):
        a = args[k]
        if a.startswith("-") and len(a) > 1:
            for i, ch in enumerate(a[1:]):
                if ch in "fRF":
                    value = a[i + 2:] or (args[k + 1] if k + 1 < len(args) else None)
                    if value is None:
                        ctx.eprint(f"ssh-keygen: option requires an argument -- {ch}")
                        return 1
                    if not a[i + 2:]:
                        k += 1
                    opts[ch] = value
                    break
                flags.add(ch)
        k += 1
    path = opts.get("f", ctx.home.rstrip("/") + "/.ssh/known_hosts")
    path = ctx.abspath(path)
    if "R" in opts or "F" in opts:
        name = (opts.get("R") or opts.get("F") or "").lower()
        text = ctx.node.files.get(path)
        if text is None:
            ctx.eprint(f"Cannot stat {path}: No such file or directory")
            return 255
        hits = [n for n, _ in _lookup(text, name)]
        if "F" in opts:
            for n in hits:
                ctx.print(f"# Host {name} found: line {n} ")
                ctx.print(text.splitlines()[n - 1])
            return 0 if hits else 1
        for n in hits:
            ctx.print(f"# Host {name} found: line {n}")
        if not hits:
            ctx.eprint(f"Host {name} not found in {path}")
        else:
            kept = [line for i, line in enumerate(text.splitlines(), 1) if i not in hits]
            ctx.node.files[path + ".old"] = text
            ctx.node.files[path] = "".join(line + "\n" for line in kept)
            ctx.print(f"{path} updated.")
            ctx.print(f"Original contents retained as {path}.old")
        return 0
    if "l" in flags:
        if "f" not in opts:
            ctx.eprint("ssh-keygen: -l needs -f FILE in simnet (no terminal to ask for it)")
            return 1
        text = ctx.node.files.get(path)
        if text is None:
            ctx.eprint(f"ssh-keygen: {opts['f']}: No such file or directory")
            return 1
        shown = 0
        for line in text.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "ssh-ed25519":
                comment = " ".join(words[2:]) or "no comment"
                ctx.print(f"256 {fingerprint(line)} {comment} (ED25519)")
                shown += 1
            elif len(words) >= 3 and words[1] == "ssh-ed25519":
                ctx.print(f"256 {fingerprint(' '.join(words[1:3]))} {words[0]} (ED25519)")
                shown += 1
        if not shown:
            ctx.eprint(f"{opts['f']} is not a public key file.")
            return 255
        return 0
    ctx.eprint("ssh-keygen: simnet kennt nur -l -f DATEI, -R HOST und -F HOST (Schlüssel erzeugen gibt es hier "
               "nicht: die Schlüssel im Lab sind schon da).")
    return 1
