"""certbot 2.1 (Debian 12): certificates, --nginx / certonly, renew [--dry-run], delete.

Issuing is a real round trip in the lab: certbot talks to Let's Encrypt over
HTTPS, then Let's Encrypt fetches http://NAME/.well-known/acme-challenge/…
from its own network. A wrong DNS record, a stopped nginx or a firewall
without port 80 make that fetch fail with the CA's own wording.
"""
from __future__ import annotations

import hashlib

from simnet.commands.base import Context
from simnet.services.nginx import check, nginx_of
from simnet.services.road import Road, road_of
from simnet.services.road_client import fetch
from simnet.services.tls import RENEW_BEFORE, fmt_time, install, issue, live_dir, stored_certificates

__all__ = ["main"]

RULE = "- " * 39 + "-"
SAVING = "Saving debug log to /var/log/letsencrypt/letsencrypt.log"
HELP = ("Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile "
        "/var/log/letsencrypt/letsencrypt.log or re-run Certbot with -v for more details.")
CA = "acme-v02.api.letsencrypt.org"


def main(ctx: Context) -> int:
    args = ctx.args
    road = road_of(ctx.lab)
    if "--version" in args or "-v" == (args[0] if args else ""):
        ctx.print("certbot 2.1.0")
        return 0
    quiet = "-q" in args or "--quiet" in args
    names: list[str] = []
    for k, a in enumerate(args):
        if a in ("-d", "--domains", "--domain") and k + 1 < len(args):
            names += [n for n in args[k + 1].split(",") if n]
        elif a.startswith("--domains=") or a.startswith("--domain="):
            names += [n for n in a.split("=", 1)[1].split(",") if n]
    plain = [a for a in args if not a.startswith("-")]
    verb = plain[0] if plain and plain[0] in ("certificates", "renew", "delete", "certonly", "run",
                                               "install") else ("run" if names or "--nginx" in args else "")
    if road is None:
        ctx.eprint("simnet: In diesem Lab gibt es kein Let's Encrypt (meta.road fehlt).")
        return 1
    if verb == "certificates":
        return _certificates(ctx, road)
    if verb == "renew":
        return _renew(ctx, road, "--dry-run" in args, quiet, "--force-renewal" in args)
    if verb == "delete":
        name = _arg(args, "--cert-name") or (names[0] if names else None)
        return _delete(ctx, name)
    if verb in ("run", "certonly"):
        if not names:
            ctx.eprint("simnet: Gib die Namen mit -d an, z. B. certbot --nginx -d vpn.example.net")
            return 1
        authenticator = "standalone" if "--standalone" in args else "nginx"
        return _obtain(ctx, road, names, authenticator, install_to_nginx=(verb == "run"), quiet=quiet)
    ctx.eprint("usage: \n  certbot [SUBCOMMAND] [options] [-d DOMAIN] [-d DOMAIN] ...\n\n"
               "Certbot can obtain and install HTTPS/TLS/SSL certificates.")
    return 2


def _arg(args: list[str], name: str) -> str | None:
    for k, a in enumerate(args):
        if a == name and k + 1 < len(args):
            return args[k + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def _certificates(ctx: Context, road: Road) -> int:
    ctx.eprint(SAVING)
    certs = stored_certificates(ctx.node)
    if not certs:
        ctx.print("No certificates found.")
        return 0
    ctx.print()
    ctx.print(RULE)
    ctx.print("Found the following certs:")
    now = road.now
    for name, cert in certs.items():
        ctx.print(f"  Certificate Name: {name}")
        if cert is None:
            ctx.print("    Certificate Path: (missing)")
            continue
        left = cert.not_after - now
        state = f"VALID: {int(left // 86400)} days" if left > 0 else "INVALID: EXPIRED"
        ctx.print(f"    Serial Number: {cert.serial}")
        ctx.print("    Key Type: ECDSA")
        ctx.print(f"    Domains: {' '.join(cert.names)}")
        ctx.print(f"    Expiry Date: {fmt_time(cert.not_after, 'certbot')} ({state})")
        ctx.print(f"    Certificate Path: {live_dir(name)}/fullchain.pem")
        ctx.print(f"    Private Key Path: {live_dir(name)}/privkey.pem")
    ctx.print(RULE)
    return 0


def _delete(ctx: Context, name: str | None) -> int:
    ctx.eprint(SAVING)
    certs = stored_certificates(ctx.node)
    if not name or name not in certs:
        ctx.eprint(f"No certificate found with name {name}" if name else "No certificate found.")
        return 1
    for path in [p for p in ctx.node.files if p.startswith(live_dir(name) + "/")
                 or p == f"/etc/letsencrypt/renewal/{name}.conf"]:
        del ctx.node.files[path]
    ctx.print(RULE)
    ctx.print(f"Deleted all files relating to certificate {name}.")
    ctx.print(RULE)
    return 0


class _Standalone:
    """certbot --standalone: its own little web server on port 80 while the CA checks."""

    def __init__(self, ctx: Context, road: Road) -> None:
        self.ctx, self.road = ctx, road

    def tcp_answer(self, pkt: object, req: object, port: int) -> object:
        from simnet.services.wire import HttpRequest, HttpResponse

        if not isinstance(req, HttpRequest):
            return None
        token = req.path.rsplit("/", 1)[-1]
        body = self.road.acme_tokens.get((self.ctx.node.name, token))
        return HttpResponse(200, "OK", (), body) if body else HttpResponse(404, "Not Found", (), "404 page not found\n")


def _challenge(ctx: Context, road: Road, names: list[str], authenticator: str = "nginx") -> list[tuple[str, str, str]]:
    """Let's Encrypt validates every name over HTTP from its own network; returns the problems."""
    from simnet.kernel.tcp import tcp_of
    from simnet.services.tcpserve import ServiceSocket

    free = ("tcp", 80) not in ctx.node.stack.sockets and 80 not in tcp_of(ctx.node).listeners
    sock = None
    if authenticator == "standalone" and free:
        sock = ServiceSocket(ctx.node, 80, _Standalone(ctx, road), "certbot", 0, stack="both")
        sock.bind()
    try:
        return _validate(ctx, road, names)
    finally:
        if sock is not None:
            sock.unbind()


def _validate(ctx: Context, road: Road, names: list[str]) -> list[tuple[str, str, str]]:
    problems = []
    ca_node = None
    rec = road.zone.get(CA)
    if rec is not None:
        ca_node = road.owner_of(rec.address)
    for name in names:
        token = hashlib.sha256(f"{name}/{road.now}/{ctx.node.name}".encode()).hexdigest()[:43]
        road.acme_tokens[(ctx.node.name, token)] = token + ".simnet-account-thumbprint"
        url = f"http://{name}/.well-known/acme-challenge/{token}"
        res = fetch(ca_node, url, connect_timeout=10.0) if ca_node is not None else None
        road.acme_tokens.pop((ctx.node.name, token), None)
        if res is None:
            problems.append((name, "connection", "Fetching: no Let's Encrypt in this lab"))
            continue
        ctx.journeys.extend(res.journeys)
        where = f"{res.address}: Fetching {url}"
        if res.stage == "dns":
            problems.append((name, "dns", f"DNS problem: NXDOMAIN looking up A for {name} - check that a DNS "
                                          "record exists for this domain"))
        elif res.stage == "connect":
            why = {"refused": "Connection refused", "timeout": "Timeout during connect (likely firewall problem)",
                   "hostunreach": "Timeout during connect (likely firewall problem)"}.get(res.detail, "Connection reset by peer")
            problems.append((name, "connection", f"{where}: {why}"))
        elif res.response is None or res.response.status != 200 or not res.response.body.startswith(token):
            status = res.response.status if res.response else 0
            problems.append((name, "unauthorized", f"{where}: Invalid response from {url}: {status}"))
    return problems


def _obtain(ctx: Context, road: Road, names: list[str], authenticator: str, install_to_nginx: bool,
            quiet: bool, renewing: bool = False) -> int:
    node = ctx.node
    nginx = nginx_of(node)
    if authenticator == "nginx":
        _, error = check(node)
        if error is not None:
            ctx.eprint("The nginx plugin is not working; there may be problems with your existing configuration.")
            ctx.eprint("The error was: MisconfigurationError('Error while running nginx -c /etc/nginx/nginx.conf "
                       f"-t.\\n\\nnginx: [emerg] {error}\\nnginx: configuration file /etc/nginx/nginx.conf test "
                       "failed\\n')")
            return 1
        if nginx is None or not nginx.running:
            ctx.eprint("Could not find a usable 'nginx' binary or nginx is not running.")
            return 1
    elif nginx is not None and nginx.running and 80 in nginx.ports():
        ctx.eprint("Could not bind TCP port 80 because it is already in use by another process on this system "
                   "(such as a web server). Please stop the program in question and then try again.")
        return 1
    if not quiet and not renewing:
        ctx.eprint(SAVING)
    existing = stored_certificates(node).get(names[0])
    if existing is not None and not renewing and existing.not_after - road.now > RENEW_BEFORE \
            and set(existing.names) == {n.lower() for n in names}:
        ctx.print("Certificate not yet due for renewal")
        return _deploy(ctx, names, install_to_nginx, quiet)
    ca = fetch(node, f"https://{CA}/directory", connect_timeout=10.0)
    ctx.journeys.extend(ca.journeys)
    if not ca.ok:
        ctx.eprint("An unexpected error occurred:")
        ctx.eprint(f"requests.exceptions.ConnectionError: HTTPSConnectionPool(host='{CA}', port=443): Max retries "
                   "exceeded with url: /directory (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection "
                   "object at 0x7f3c2a1b5e50>: Failed to establish a new connection: "
                   f"{'[Errno -3] Temporary failure in name resolution' if ca.stage == 'dns' else '[Errno 110] Connection timed out'}'))")
        ctx.eprint(HELP)
        return 1
    if not quiet:
        ctx.print(("Renewing an existing certificate for " if renewing or existing is not None
                   else "Requesting a certificate for ") + " and ".join(names))
    problems = _challenge(ctx, road, names, authenticator)
    if problems:
        ctx.print()
        ctx.print(f"Certbot failed to authenticate some domains (authenticator: {authenticator}). The Certificate "
                  "Authority reported these problems:")
        for name, kind, detail in problems:
            ctx.print(f"  Domain: {name}\n  Type:   {kind}\n  Detail: {detail}")
        ctx.print()
        if authenticator == "nginx":
            ctx.print("Hint: The Certificate Authority failed to verify the temporary nginx configuration changes "
                      "made by Certbot. Ensure the listed domains point to this nginx server and that it is "
                      "accessible from the internet.")
        else:
            ctx.print("Hint: The Certificate Authority failed to download the challenge files from the temporary "
                      "standalone webserver started by Certbot on port 80. Ensure that the listed domains point to "
                      "this machine and that it can accept inbound connections from the internet.")
        ctx.print()
        if not renewing:
            ctx.eprint("Some challenges have failed.")
            ctx.eprint(HELP)
        return 1
    cert = issue(names, road.now)
    install(node, names[0], cert, authenticator)
    if renewing:
        return 0
    if not quiet:
        ctx.print()
        ctx.print("Successfully received certificate.")
        ctx.print(f"Certificate is saved at: {live_dir(names[0])}/fullchain.pem")
        ctx.print(f"Key is saved at:         {live_dir(names[0])}/privkey.pem")
        ctx.print(f"This certificate expires on {fmt_time(cert.not_after)}.")
        ctx.print("These files will be updated when the certificate renews.")
        ctx.print("Certbot has set up a scheduled task to automatically renew this certificate in the background.")
    return _deploy(ctx, names, install_to_nginx, quiet)


def _deploy(ctx: Context, names: list[str], install_to_nginx: bool, quiet: bool) -> int:
    nginx = nginx_of(ctx.node)
    if install_to_nginx and nginx is not None:
        if not quiet:
            ctx.print()
            ctx.print("Deploying certificate")
            ctx.print(f"Successfully deployed certificate for {names[0]} to /etc/nginx/sites-enabled/headscale")
            ctx.print(f"Congratulations! You have successfully enabled HTTPS on https://{names[0]}")
        if nginx.running:
            nginx.reload()
    if not quiet:
        ctx.print(RULE)
        ctx.print("If you like Certbot, please consider supporting our work by:")
        ctx.print(" * Donating to ISRG / Let's Encrypt:   https://letsencrypt.org/donate")
        ctx.print(" * Donating to EFF:                    https://eff.org/donate-le")
        ctx.print(RULE)
    return 0


def _renew(ctx: Context, road: Road, dry_run: bool, quiet: bool, force: bool) -> int:
    if not quiet:
        ctx.eprint(SAVING)
    certs = stored_certificates(ctx.node)
    if not certs:
        if not quiet:
            ctx.print("No simulated renewals were attempted." if dry_run else "No renewals were attempted.")
        return 0
    done, skipped, failed = [], [], []
    for name, cert in certs.items():
        path = f"{live_dir(name)}/fullchain.pem"
        if not quiet:
            ctx.print()
            ctx.print(RULE)
            ctx.print(f"Processing /etc/letsencrypt/renewal/{name}.conf")
            ctx.print(RULE)
        due = cert is None or cert.not_after - road.now <= RENEW_BEFORE
        if cert is not None and not (due or dry_run or force):     # no certificate: always due
            if not quiet:
                ctx.print("Certificate not yet due for renewal")
            skipped.append(f"  {path} expires on {fmt_time(cert.not_after)} (skipped)")
            continue
        if dry_run and not quiet:
            ctx.print("Account registered.")
            ctx.print(f"Simulating renewal of an existing certificate for {name}")
        elif not quiet:
            ctx.print(f"Renewing an existing certificate for {name}")
        conf = ctx.node.files.get(f"/etc/letsencrypt/renewal/{name}.conf", "")
        authenticator = "standalone" if "authenticator = standalone" in conf else "nginx"
        names = list(cert.names) if cert is not None else [name]
        old_files = {p: t for p, t in ctx.node.files.items() if p.startswith(live_dir(name) + "/")}
        code = _obtain(ctx, road, names, authenticator, install_to_nginx=False, quiet=True, renewing=True)
        if code != 0:
            failed.append(f"  {path} (failure)")
            if not quiet:
                ctx.print(f"Failed to renew certificate {name} with error: Some challenges have failed.")
            continue
        if dry_run:                   # a dry run keeps the old files
            ctx.node.files.update(old_files)
        done.append(f"  {path} (success)")
        nginx = nginx_of(ctx.node)
        if not dry_run and nginx is not None and nginx.running:
            nginx.reload()            # certbot's nginx installer reloads after a renewal
    if quiet and not failed:
        return 0
    ctx.print()
    ctx.print(RULE)
    if skipped and not done and not failed:
        ctx.print("The following certificates are not due for renewal yet:")
        ctx.print("\n".join(skipped))
        ctx.print("No renewals were attempted.")
    if done:
        ctx.print("Congratulations, all simulated renewals succeeded: " if dry_run else
                  "Congratulations, all renewals succeeded: ")
        ctx.print("\n".join(done))
    if failed:
        ctx.print("All simulated renewals failed. The following certificates could not be renewed:" if dry_run
                  else "All renewals failed. The following certificates could not be renewed:")
        ctx.print("\n".join(failed))
    ctx.print(RULE)
    if failed:
        ctx.eprint(f"{len(failed)} renew failure(s), 0 parse failure(s)")
        ctx.eprint(HELP)
        return 1
    return 0
