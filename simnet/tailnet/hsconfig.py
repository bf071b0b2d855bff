"""Is /etc/headscale/config.yaml good enough for headscale v0.27 to start?

:func:`check` answers in headscale's own words: the zerolog line it dies with
(``FTL <caller> > Error loading config error="…"`` for a file viper cannot
parse, ``… Error initializing error="loading configuration: …"`` for a value
``LoadServerConfig`` refuses) and the warnings it logs but survives. YAML
problems are worded as go-yaml v3 words them (viper reads the file with it),
prefix problems as Go's ``netip.ParsePrefix``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

__all__ = ["ConfigProblem", "check", "CONFIG_PATH", "DEFAULT_CONFIG"]

CONFIG_PATH = "/etc/headscale/config.yaml"
# where headscale v0.27.1 calls log.Fatal (file:line of the source)
ROOT_FATAL = "cmd/headscale/cli/root.go:56"
SERVE_FATAL = "cmd/headscale/cli/serve.go:32"
CONFIGTEST_FATAL = "cmd/headscale/cli/configtest.go:19"
CGNAT = IPv4Network("100.64.0.0/10")
ULA = IPv6Network("fd7a:115c:a1e0::/48")

# PyYAML's wording -> go-yaml v3's (the same libyaml state machine underneath)
YAML_WORDS = {
    "mapping values are not allowed here": "mapping values are not allowed in this context",
    "could not find expected ':'": "could not find expected ':'",
    "found unexpected end of stream": "found unexpected end of stream",
    "found unknown escape character": "found unknown escape character",
}


# the config.yaml a fresh headscale install finds (config-example.yaml, trimmed to what the seed uses)
DEFAULT_CONFIG = """\
# headscale will look for a configuration file named `config.yaml` in /etc/headscale
server_url: https://vpn.example.net
listen_addr: 127.0.0.1:8090
metrics_listen_addr: 127.0.0.1:9090
grpc_listen_addr: 127.0.0.1:50443
grpc_allow_insecure: false
noise:
  private_key_path: /var/lib/headscale/noise_private.key
prefixes:
  v4: 100.64.0.0/10
  v6: fd7a:115c:a1e0::/48
  allocation: sequential
derp:
  server:
    enabled: true
    region_id: 999
    region_code: "headscale"
    region_name: "Headscale Embedded DERP"
    verify_clients: true
    stun_listen_addr: "0.0.0.0:3478"
    private_key_path: /var/lib/headscale/derp_server_private.key
    automatically_add_embedded_derp_region: true
  urls: []
  paths: []
  auto_update_enabled: false
disable_check_updates: true
ephemeral_node_inactivity_timeout: 30m
database:
  type: sqlite
  sqlite:
    path: /var/lib/headscale/db.sqlite
log:
  level: info
policy:
  mode: file
  path: ""
dns:
  magic_dns: true
  base_domain: example.com
  nameservers:
    global:
      - 203.0.113.1
unix_socket: /var/run/headscale/headscale.sock
unix_socket_permission: "0770"
"""


@dataclass
class ConfigProblem:
    """Why headscale will not start: where it logs the fatal line, its message and error text."""

    caller: str
    message: str
    error: str

    def line(self, stamp: str, root: str, caller: str | None = None) -> str:
        """The FTL line zerolog prints (``root`` is the build path relative to the working directory)."""
        return (f"{stamp} FTL {root}{caller or self.caller} > {self.message} "
                f"error={json.dumps(self.error)}")


def _yaml_error(exc: Any) -> str:
    problem = str(getattr(exc, "problem", "") or "")
    scanner = type(exc).__name__ == "ScannerError"
    if problem.startswith("found character") and "cannot start any token" in problem:
        words = "found character that cannot start any token"
    elif problem.startswith("expected <block end>") or problem.startswith("expected <block mapping"):
        words = "did not find expected key"
    elif problem.startswith("expected ',' or ']'"):
        words = "did not find expected ',' or ']'"
    elif problem.startswith("expected ',' or '}'"):
        words = "did not find expected ',' or '}'"
    else:
        words = YAML_WORDS.get(problem, problem or "invalid YAML")
    ctx_mark, prob_mark = getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)
    # go-yaml: the context's line if it has one (0-based, +1 only for scanner errors), else the problem's
    if ctx_mark is not None and ctx_mark.line != 0:
        line = ctx_mark.line + (1 if scanner else 0)
    elif prob_mark is not None:
        line = prob_mark.line + (1 if scanner else 0)
    else:
        line = 0
    text = f"yaml: line {line}: {words}" if line else f"yaml: {words}"
    return f"fatal error reading config file: While parsing config: {text}"


def _parse_addr_error(text: str) -> str:
    """Go's netip.ParseAddr error for an IPv4-looking text."""
    if ":" in text:
        return f'ParseAddr("{text}"): unable to parse IP'
    fields = text.split(".")
    for k, f in enumerate(fields):
        if f == "" and len(fields) > 1:
            return f'ParseAddr("{text}"): IPv4 field must have at least one digit (at "{".".join(fields[k:])}")'
        for j, ch in enumerate(f):
            if not ch.isdigit():
                rest = text[len(".".join(fields[:k])) + (1 if k else 0) + j:]
                if k == 0 and j == 0:
                    return f'ParseAddr("{text}"): unable to parse IP'
                return f'ParseAddr("{text}"): unexpected character (at "{rest}")'
        if len(f) > 1 and f[0] == "0":
            return f'ParseAddr("{text}"): IPv4 field has octet with leading zero'
        if f and int(f) > 255:
            return f'ParseAddr("{text}"): IPv4 field has value >255'
    if len(fields) < 4:
        return f'ParseAddr("{text}"): IPv4 address too short'
    return f'ParseAddr("{text}"): IPv4 address too long'


def parse_prefix_error(text: str) -> str | None:
    """None when netip.ParsePrefix accepts ``text`` (host bits may be set), else its error."""
    head = f'netip.ParsePrefix("{text}")'
    addr, slash, bits = text.rpartition("/")
    if not slash:
        return f"{head}: no '/'"
    v6 = ":" in addr
    try:
        ip_network(f"{addr}/{128 if v6 else 32}")
    except ValueError:
        return f"{head}: {_parse_addr_error(addr)}"
    if not bits.isdigit() or (len(bits) > 1 and bits[0] == "0") or int(bits) > (128 if v6 else 32):
        return f'{head}: bad bits after slash: "{bits}"'
    return None


def check(text: str | None) -> tuple[dict[str, Any], ConfigProblem | None, list[str]]:
    """(parsed config, fatal problem or None, warnings) for the file's text (None: no file)."""
    import yaml

    if text is None:
        return {}, None, ["No config file found, using defaults"]
    try:
        cfg = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        return {}, ConfigProblem(ROOT_FATAL, "Error loading config", _yaml_error(exc)), []
    if not isinstance(cfg, dict):
        return {}, ConfigProblem(ROOT_FATAL, "Error loading config", "fatal error reading config file: While "
                                 "parsing config: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str "
                                 f"`{str(cfg)[:20]}` into map[string]interface {{}}"), []
    fatal: list[str] = []
    noise = cfg.get("noise") if isinstance(cfg.get("noise"), dict) else {}
    if not str((noise or {}).get("private_key_path") or ""):
        fatal.append("Fatal config error: headscale now requires a new `noise.private_key_path` field in the "
                     "config file for the Tailscale v2 protocol")
    url = str(cfg.get("server_url") or "")
    if not url.startswith(("http://", "https://")):
        fatal.append("Fatal config error: server_url must start with https:// or http://")
    if fatal:
        return cfg, ConfigProblem(SERVE_FATAL, "Error initializing", "loading configuration: " + "\n".join(fatal)), []
    prefixes = cfg.get("prefixes") if isinstance(cfg.get("prefixes"), dict) else {}
    warnings: list[str] = []
    have = 0
    for family, label, allowed in (("v4", "IPv4", CGNAT), ("v6", "IPv6", ULA)):
        value = str((prefixes or {}).get(family) or "")
        if not value:
            continue
        err = parse_prefix_error(value)
        if err is not None:
            return cfg, ConfigProblem(SERVE_FATAL, "Error initializing",
                                      f"loading configuration: parsing {label} prefix from config: {err}"), warnings
        have += 1
        net = ip_network(value, strict=False)
        if net.version != allowed.version or not net.subnet_of(allowed):  # type: ignore[arg-type]
            warnings.append(f"Prefix {value} is not in the {allowed} range. This is an unsupported configuration.")
    if not have:
        return cfg, ConfigProblem(SERVE_FATAL, "Error initializing", "loading configuration: no IPv4 or IPv6 "
                                  "prefix configured, minimum one prefix is required"), warnings
    return cfg, None, warnings
