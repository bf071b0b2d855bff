"""The Headscale control server (v0.27 behaviour): users, pre-auth keys, nodes,
IP allocation, routes and the policy, all held by the node that runs it.

Nothing here is random: keys and registration IDs are derived from the lab's
name, the server and a counter, so a lab replays byte for byte.
"""
from __future__ import annotations

import base64
import bisect
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, ip_network
from typing import TYPE_CHECKING, Any

from simnet.core.errors import ServiceError
from simnet.core.digest import sha256
from simnet.services.journal import HS_PID
from simnet.tailnet.hsconfig import DEFAULT_CONFIG
from simnet.tailnet.hsindex import NodeIndex
from simnet.tailnet.policy import Policy, PolicyError, parse_policy

if TYPE_CHECKING:
    from simnet.core.events import Timer
    from simnet.kernel.node import Node
    from simnet.tailnet.hsconfig import ConfigProblem
    from simnet.lab import Lab

__all__ = ["Headscale", "HsUser", "HsNode", "PreAuthKey", "HeadscaleError", "Tailnet", "tailnet_of",
           "DEFAULT_CONFIG", "EXIT_V4", "EXIT_V6", "sort_prefixes"]

EXIT_V4, EXIT_V6 = "0.0.0.0/0", "::/0"
CGNAT = IPv4Network("100.64.0.0/10")
RESERVED = (IPv4Network("100.115.92.0/23"), IPv4Network("100.100.100.100/32"))
_ULA_BASE = int(IPv6Address("fd7a:115c:a1e0::"))       # a node's IPv6 address is this plus its IPv4 offset
_RESERVED_RANGES = tuple((int(r.network_address), int(r.broadcast_address)) for r in RESERVED)


@lru_cache(maxsize=8)
def _v4_range(prefix: str) -> tuple[int, int]:
    """The config's ``prefixes.v4`` as (network, broadcast) ints; a bad prefix raises as IPv4Network does."""
    net = IPv4Network(prefix)
    return int(net.network_address), int(net.broadcast_address)


# handleRegister's wrapping of a registration with an auth key that failed (not an HTTPError)
REGISTER_WITH_KEY = "handling register with auth key: "


class HeadscaleError(ServiceError):
    """A failed gRPC call; ``message`` is what ``status.Convert(err).Message()`` gives."""

    def __init__(self, message: str, code: str = "Unknown") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def grpc(self) -> str:
        """``err.Error()`` of the client-side gRPC error."""
        return f"rpc error: code = {self.code} desc = {self.message}"


@dataclass
class HsUser:
    """A headscale user."""

    id: int
    name: str
    created: float
    display_name: str = ""
    email: str = ""

    @property
    def login(self) -> str:
        """User.Username(): email if set, else the name."""
        return self.email or self.name


@dataclass
class PreAuthKey:
    """A headscale pre-auth key: its user, expiry and whether it can be used again."""

    id: int
    key: str
    user_id: int
    created: float
    expiration: float | None
    reusable: bool = False
    ephemeral: bool = False
    used: bool = False
    tags: tuple[str, ...] = ()


@dataclass
class HsNode:
    """A machine headscale knows: keys, addresses, user, routes and presence."""

    id: int
    hostname: str
    given_name: str
    user_id: int
    machine_key: bytes
    node_key: bytes
    ipv4: IPv4Address
    ipv6: IPv6Address
    created: float
    client: str                      # simnet node running this tailscaled
    ephemeral: bool = False
    last_seen: float | None = None
    expiry: float | None = None
    online: bool = False
    announced: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)

    def expired(self, now: float) -> bool:
        return self.expiry is not None and self.expiry <= now

    @property
    def effective_routes(self) -> list[str]:
        """Routes that are both announced by the client and approved by the admin."""
        return [r for r in self.announced if r in self.approved]

    @property
    def is_exit(self) -> bool:
        eff = self.effective_routes
        return EXIT_V4 in eff or EXIT_V6 in eff


def sort_prefixes(prefixes: list[str]) -> list[str]:
    """tsaddr.SortPrefixes: IPv4 before IPv6, then by address, then by length."""
    def key(p: str) -> tuple:
        n = ip_network(p, strict=False)
        return (n.version, int(n.network_address), n.prefixlen)
    return sorted(dict.fromkeys(prefixes), key=key)


def short_key(raw: bytes) -> str:
    """key.ShortString(): ``[`` + the first five base64 characters + ``]``."""
    return "[" + base64.b64encode(raw).decode()[:5] + "]"


class Headscale:
    """The server state behind ``headscale`` on one node."""

    def __init__(self, node: "Node") -> None:
        self.node = node
        self.running = False
        self.started_at = 0.0
        # its systemd unit (simnet.tailnet.hsunit): the state while not running, restarts, last exit
        self.unit_state = "inactive"            # active, auto-restart (crashing, retried), failed, inactive
        self.main_pid = HS_PID
        self.restarts = 0
        self.failed_text: str | None = None     # the config.yaml it last crashed on
        self.retry_timer: Timer | None = None
        self.exited_pid = HS_PID
        self.exited_at = 0.0
        self.problem: ConfigProblem | None = None
        self.users: dict[int, HsUser] = {}
        self.keys: dict[int, PreAuthKey] = {}
        self.nodes: dict[int, HsNode] = {}
        self._index = NodeIndex()           # machine keys, addresses and names in use (simnet.tailnet.hsindex)
        self._hosts: tuple[Any, ...] | None = None     # host_keys() and what it was read from
        self.pending: dict[str, tuple[str, str, bytes]] = {}   # reg id -> (client, hostname, machine key)
        self.policy: Policy | None = None
        self.policy_error: str | None = None
        self._next_user = self._next_key = self._next_node = 1
        self._counter = 0
        self._ip_cursor = 0
        self.config: dict[str, Any] = {}
        self.load_config()

    def listening(self) -> list[tuple[str, str, int, str, int]]:
        """The HTTP, metrics and gRPC listeners of its config, and the embedded DERP's STUN port."""
        if not self.running:
            return []
        out: list[tuple[str, str, int, str, int]] = []
        cfg = self.config
        for key, default in (("listen_addr", "127.0.0.1:8090"), ("metrics_listen_addr", "127.0.0.1:9090"),
                             ("grpc_listen_addr", "127.0.0.1:50443")):
            addr, _, port = str(cfg.get(key, default)).rpartition(":")
            if port.isdigit():
                out.append(("tcp", addr or "0.0.0.0", int(port), "headscale", HS_PID))
        derp = (cfg.get("derp") or {}).get("server") or {} if isinstance(cfg.get("derp"), dict) else {}
        if isinstance(derp, dict) and derp.get("enabled"):
            addr, _, port = str(derp.get("stun_listen_addr", "0.0.0.0:3478")).rpartition(":")
            if port.isdigit():
                out.append(("udp", addr or "0.0.0.0", int(port), "headscale", HS_PID))
        return out

    # ------------------------------------------------------------ plumbing
    @property
    def lab(self) -> "Lab":
        return self.node.lab

    @property
    def now(self) -> float:
        return self.lab.wallclock()

    def derive(self, purpose: str, n: int = 32) -> bytes:
        """Deterministic key material (stands in for crypto/rand)."""
        self._counter += 1
        seed = f"{self.lab.name}/{self.node.name}/{purpose}/{self._counter}".encode()
        out = b""
        while len(out) < n:
            out += sha256(seed + len(out).to_bytes(2, "big")).digest()
        return out[:n]

    def registration_id(self) -> str:
        raw = base64.urlsafe_b64encode(self.derive("registration", 24)).decode()
        return raw[:24]

    def load_config(self) -> None:
        """Read /etc/headscale/config.yaml (written with defaults when missing)."""
        import yaml

        files = self.node.files
        if "/etc/headscale/config.yaml" not in files:
            files["/etc/headscale/config.yaml"] = DEFAULT_CONFIG
        try:
            cfg = yaml.safe_load(files["/etc/headscale/config.yaml"]) or {}
        except yaml.YAMLError:
            cfg = {}
        self.config = cfg if isinstance(cfg, dict) else {}
        self.reload_policy()

    @property
    def server_url(self) -> str:
        return str(self.config.get("server_url", "https://vpn.example.net")).rstrip("/")

    @property
    def base_domain(self) -> str:
        dns = self.config.get("dns") or {}
        return str(dns.get("base_domain", "example.com")) if isinstance(dns, dict) else "example.com"

    @property
    def policy_mode(self) -> str:
        pol = self.config.get("policy") or {}
        return str(pol.get("mode", "file")) if isinstance(pol, dict) else "file"

    @property
    def policy_path(self) -> str:
        pol = self.config.get("policy") or {}
        return str(pol.get("path") or "") if isinstance(pol, dict) else ""

    def reload_policy(self) -> None:
        """Policy from the file named in the config; no path = no policy = allow all."""
        self.policy_error = None
        if self.policy_mode != "file":
            return
        path = self.policy_path
        if not path:
            self.policy = None
            return
        text = self.node.files.get(path)
        if text is None:
            self.policy_error = f"reading policy from path {path!r}: open {path}: no such file or directory"
            return
        try:
            self.policy = parse_policy(text, self)
        except PolicyError as exc:
            self.policy_error = str(exc)

    # ---------------------------------------------------------------- users
    def user_by_name(self, name: str) -> HsUser:
        for u in self.users.values():
            if u.name == name:
                return u
        raise HeadscaleError("user not found")

    def user_by_id(self, uid: int) -> HsUser:
        if uid not in self.users:
            raise HeadscaleError("user not found")
        return self.users[uid]

    def create_user(self, name: str, display_name: str = "", email: str = "") -> HsUser:
        if not name or name.lower() != name or not all(c.isalnum() or c in "-._@" for c in name):
            raise HeadscaleError(f"failed to create user: invalid username {name!r}" if name else
                                 "failed to create user: username cannot be empty", "Internal")
        if any(u.name == name for u in self.users.values()):
            raise HeadscaleError("failed to create user: creating user: constraint failed: "
                                 "UNIQUE constraint failed: users.name (2067)", "Internal")
        user = HsUser(self._next_user, name, self.now, display_name, email)
        self._next_user += 1
        self.users[user.id] = user
        return user

    def destroy_user(self, user: HsUser) -> None:
        if any(n.user_id == user.id for n in self.nodes.values()):
            raise HeadscaleError("user not empty: node(s) found")
        for k in [k for k in self.keys.values() if k.user_id == user.id]:
            del self.keys[k.id]
        del self.users[user.id]
        self.changed()

    def rename_user(self, user: HsUser, new: str) -> None:
        if len(new) < 2:                       # util.ValidateHostname
            raise HeadscaleError(f'hostname "{new}" is too short, must be at least 2 characters')
        if any(u.name == new for u in self.users.values()):
            raise HeadscaleError("user already exists")
        user.name = new
        self.changed()

    # ---------------------------------------------------------- preauthkeys
    def create_key(self, uid: int, reusable: bool, ephemeral: bool, seconds: float,
                   tags: tuple[str, ...] = ()) -> PreAuthKey:
        self.user_by_id(uid)
        key = PreAuthKey(self._next_key, self.derive("preauthkey", 24).hex(), uid, self.now,
                         self.now + seconds, reusable, ephemeral, False, tags)
        self._next_key += 1
        self.keys[key.id] = key
        return key

    def use_key(self, text: str) -> PreAuthKey:
        """The pre-auth key of a RegisterRequest (HandleNodeFromPreAuthKey). A refused key raises what
        the client gets as RegisterResponse.Error (hscontrol/auth.go): PAKError's text as it is (an
        HTTPError), a missing key (db.ErrPreAuthKeyNotFound) wrapped by handleRegister."""
        for k in self.keys.values():
            if k.key == text:
                if k.expiration is not None and k.expiration <= self.now:
                    raise HeadscaleError("authkey expired")
                if k.used and not k.reusable:
                    raise HeadscaleError("authkey already used")
                return k
        raise HeadscaleError(f"{REGISTER_WITH_KEY}AuthKey not found")

    # ---------------------------------------------------------------- nodes
    def node_by_id(self, nid: int) -> HsNode:
        if nid not in self.nodes:
            raise HeadscaleError("node not found", "NotFound")
        return self.nodes[nid]

    def node_by_machine(self, machine_key: bytes) -> HsNode | None:
        return self._index.of(self.nodes).by_machine.get(machine_key)

    def _allocate(self) -> tuple[IPv4Address, IPv6Address]:
        used = self._index.of(self.nodes).v4
        first, last = _v4_range(str((self.config.get("prefixes") or {}).get("v4", "100.64.0.0/10"))
                                if isinstance(self.config.get("prefixes"), dict) else "100.64.0.0/10")
        cursor = max(self._ip_cursor, first)
        for _ in range(last - first):    # one pass over the pool; a full (or /31, /32) pool fails
            cursor += 1                  # in ints: the network, its broadcast address and RESERVED as ranges
            if not first < cursor < last:
                cursor = first
                continue
            if cursor in used or any(lo <= cursor <= hi for lo, hi in _RESERVED_RANGES):
                continue
            self._ip_cursor = cursor
            return IPv4Address(cursor), IPv6Address(_ULA_BASE + cursor - first)
        # hscontrol/db/ip.go: IPAllocator.Next wraps ErrCouldNotAllocateIP, state.createAndSaveNewNode that
        raise HeadscaleError("allocating IPs: allocating IPv4 address: failed to allocate IP")

    def _given_name(self, hostname: str, skip: int | None = None) -> str:
        base = "".join(c if c.isalnum() or c == "-" else "-" for c in hostname.lower()).strip("-") or "node"
        taken = self._index.of(self.nodes).names if skip is None else \
            {n.given_name for n in self.nodes.values() if n.id != skip}
        name, k = base, 1
        while name in taken:
            name = f"{base}-{k}"
            k += 1
        return name

    def add_node(self, client: str, hostname: str, machine_key: bytes, node_key: bytes, uid: int,
                 ephemeral: bool = False) -> HsNode:
        existing = self.node_by_machine(machine_key)
        if existing is not None:
            existing.node_key, existing.user_id, existing.expiry = node_key, uid, None
            return existing
        v4, v6 = self._allocate()
        node = HsNode(self._next_node, hostname, self._given_name(hostname), uid, machine_key, node_key,
                      v4, v6, self.now, client, ephemeral)
        self._next_node += 1
        self.nodes[node.id] = node
        self._index.added(self.nodes, node)
        return node

    def host_keys(self) -> tuple[list[int], bool, dict[str, Any]]:
        """Every node's IPv4 address as a /32 net key (``ip << 6 | 32``, simnet.tailnet.client), sorted,
        whether they are all different (each client's netmap is this list without itself), and a dict
        for what clients derive from the list (emptied with it). Read anew when the nodes dict is
        another one, or a node was added or deleted since."""
        hosts = self._hosts
        if hosts is None or hosts[0] is not self.nodes or hosts[1] != (len(self.nodes), self._next_node):
            keys = sorted([(n.ipv4._ip << 6) | 32 for n in self.nodes.values()])  # type: ignore[attr-defined]
            hosts = self._hosts = (self.nodes, (len(self.nodes), self._next_node), keys,
                                   len(set(keys)) == len(keys), {})
        return hosts[2], hosts[3], hosts[4]

    def rename(self, node: HsNode, wanted: str) -> None:
        """``headscale nodes rename``: the wanted name, made unique among the other nodes."""
        node.given_name = self._given_name(wanted, skip=node.id)
        self._index.stale()

    def register(self, reg_id: str, username: str) -> HsNode:
        if len(reg_id) != 24:
            raise HeadscaleError("registration ID must be 24 characters long")
        try:
            user = self.user_by_name(username)
        except HeadscaleError:
            raise HeadscaleError("looking up user: user not found") from None
        if reg_id not in self.pending:
            raise HeadscaleError("node not found in registration cache")
        client, hostname, mkey = self.pending[reg_id]
        # HandleNodeFromAuthPath: a failed createAndSaveNewNode (full pool) is returned as it is and the
        # registration stays in the cache
        node = self.add_node(client, hostname, mkey, self.derive("nodekey"), user.id)
        del self.pending[reg_id]
        owner = self.lab.nodes.get(client)
        daemon = owner.services.get("tailscaled") if owner is not None else None
        if daemon is not None:                  # tailscaled on the registering node
            daemon.registered(node)
        else:
            self._auto_approve(node)
            self.changed()
        return node

    def set_online(self, node: HsNode, online: bool) -> None:
        """A client's map stream opened or closed; headscale logs the change (state.go)."""
        if node.online == online:
            return
        node.online = online
        if self.running and node.id in self.nodes:
            from simnet.services.journal import headscale as log

            log(self.node, "info", "Node connected" if online else "Node disconnected", config=self.config,
                node__id=node.id, node__name=node.hostname)

    def log_registration(self, reg_id: str) -> None:
        """A client without a key asked to register (auth.go): the admin will register it by this id."""
        from simnet.services.journal import headscale as log

        log(self.node, "info", f"Starting node registration using key: {reg_id}", config=self.config)

    def delete_node(self, node: HsNode) -> None:
        del self.nodes[node.id]
        self._index.stale()
        self.changed()

    def set_approved(self, nid: int, routes: list[str]) -> HsNode:
        new: list[str] = []
        for r in routes:
            try:
                net = ip_network(r, strict=False)
            except ValueError:
                raise HeadscaleError(f"parsing route: netip.ParsePrefix({r!r}): " +
                                     ("no '/'" if "/" not in r else "bad prefix")) from None
            text = str(net) if str(net.network_address) == r.split("/")[0] else r
            if text in (EXIT_V4, EXIT_V6):
                new += [EXIT_V4, EXIT_V6]
            else:
                new.append(text)
        if nid not in self.nodes:
            raise HeadscaleError(f"node not found in NodeStore: {nid}", "InvalidArgument")
        node = self.nodes[nid]
        from simnet.services.journal import headscale as log

        log(self.node, "debug", "gRPC SetApprovedRoutes called", "hscontrol/grpcv1.go:338", self.config,
            node__id=nid, requestedRoutes=list(routes))
        node.approved = sort_prefixes(new) if new else []
        self.changed()
        serving = [r for r in self.serving(node)]
        log(self.node, "debug", "gRPC SetApprovedRoutes completed", "hscontrol/grpcv1.go:378", self.config,
            approvedRoutes=node.approved, finalSubnetRoutes=serving, node__id=nid, primaryRoutes=serving)
        return node

    def _auto_approve(self, node: HsNode) -> None:
        if self.policy is None:
            return
        approved = set(node.approved)
        for route in node.announced:
            if self.policy.auto_approves(route, node):
                approved.add(route)
        node.approved = sort_prefixes(list(approved)) if approved else []

    def announce(self, node: HsNode, routes: list[str]) -> None:
        node.announced = list(dict.fromkeys(routes))     # Hostinfo.RoutableIPs in the client's order
        self._auto_approve(node)
        self.changed()

    def primary_routes(self) -> dict[str, int]:
        """Subnet route -> id of the node serving it (lowest online id wins)."""
        out: dict[str, int] = {}
        for n in sorted(self.nodes.values(), key=lambda x: x.id):
            if not n.online:
                continue
            for r in n.effective_routes:
                if r not in (EXIT_V4, EXIT_V6):
                    out.setdefault(r, n.id)
        return out

    def serving(self, node: HsNode) -> list[str]:
        """ListNodes' SubnetRoutes: the node's primary routes (tsaddr.SortPrefixes), then its approved
        exit routes in the order it announced them (ExitRoutes), online or not."""
        prim = self.primary_routes()
        return sort_prefixes([r for r in node.effective_routes if prim.get(r) == node.id]) + \
            [r for r in node.effective_routes if r in (EXIT_V4, EXIT_V6)]

    def user_of(self, node: HsNode) -> HsUser:
        return self.users.get(node.user_id) or HsUser(0, "", 0.0)

    def changed(self) -> None:
        """Push the new netmap to every client (what the long-poll map stream does)."""
        tailnet_of(self.lab).sync()


class Tailnet:
    """Lab-wide index: which headscale serves which URL, which nodes run tailscaled."""

    def __init__(self, lab: "Lab") -> None:
        self.lab = lab
        self._syncing = False
        self._index: tuple[int, list[Headscale], list[Any]] | None = None
        self._places: tuple[list[int], list[int]] = ([], [])   # the index's entries' places in lab.nodes
        self._stale = False            # a service started somewhere: rescan on next use
        self._order: dict[str, int] = {}           # node name -> its place in lab.nodes, for the index
        self.clean: set[Any] = set()               # tailscaleds not marked dirty (Tailscaled.dirty keeps it)

    def _scan(self) -> tuple[list[Headscale], list[Any]]:
        """Servers and clients in the lab's node order, rescanned only when a node was added."""
        from simnet.tailnet.client import Tailscaled

        key = len(self.lab.nodes)
        stale = self._take_stale()
        if self._index is None or self._index[0] != key or stale:
            servers = [n.services["headscale"] for n in self.lab.nodes.values()
                       if isinstance(n.services.get("headscale"), Headscale)]
            clients = [n.services["tailscaled"] for n in self.lab.nodes.values()
                       if isinstance(n.services.get("tailscaled"), Tailscaled)]
            self._index = (key, servers, clients)
            self._order = {name: k for k, name in enumerate(self.lab.nodes)}
            self._places = ([self._order[s.node.name] for s in servers], [self._order[c.node.name] for c in clients])
        return self._index[1], self._index[2]

    def invalidate(self, node: "Node | None" = None) -> None:
        """A service was started (on ``node``): the index takes that node's services anew, in their
        place, instead of rescanning a thousand nodes for every ``systemctl start tailscaled``."""
        from simnet.tailnet.client import Tailscaled

        index = self._index
        if node is None or index is None or index[0] != len(self.lab.nodes) or self._stale \
                or self._order.get(node.name) is None:
            self._stale = True                 # rescan on next use
            return
        where = self._order[node.name]
        groups: tuple[tuple[list[Any], list[int], str, type], ...] = (
            (index[1], self._places[0], "headscale", Headscale), (index[2], self._places[1], "tailscaled", Tailscaled))
        for entries, places, unit, kind in groups:
            at = bisect.bisect_left(places, where)
            if at < len(entries) and entries[at].node is node:      # one service of a kind per node
                del entries[at], places[at]
            svc = node.services.get(unit)
            if isinstance(svc, kind):
                entries.insert(at, svc)
                places.insert(at, where)

    def _take_stale(self) -> bool:
        stale, self._stale = self._stale, False
        return stale

    def servers(self) -> list[Headscale]:
        return list(self._scan()[0])

    def server_for(self, url: str) -> Headscale | None:
        want = url.rstrip("/")
        for hs in self.servers():
            if hs.server_url == want:
                return hs
        return None

    def clients(self) -> list[Any]:
        return list(self._scan()[1])

    def sync(self) -> None:
        """Every client must follow its server's new state.

        Applying is deferred: each client is marked and brings tailscale0, table 52
        and its chains up to date when its node next runs a command or handles a
        packet (``Stack.refresh``). A tailnet of a thousand nodes would otherwise
        rebuild every table on every change.
        """
        if self._syncing or not self.clean:
            return
        self._syncing = True
        try:
            # only the clients not marked yet (most are still marked from the last change), in node order
            for c in self._indexed(self.clean):
                if not c.dirty:
                    c.mark_dirty()
        finally:
            self._syncing = False

    def _indexed(self, some: set[Any]) -> list[Any]:
        """Those of ``some`` that :meth:`clients` lists, in its order."""
        clients = self._scan()[1]
        places = self._places[1]
        found = []
        for c in some:
            where = self._order.get(c.node.name)
            if where is None:
                continue
            at = bisect.bisect_left(places, where)
            if at < len(clients) and clients[at] is c:
                found.append((where, c))
        return [c for _, c in sorted(found, key=lambda pair: pair[0])]


    def network_changed(self) -> None:
        """A router changed (NAT type, reboot): every client looks for its paths anew."""
        for c in self.clients():
            ms = c._magicsock
            if ms is not None:
                ms.network_changed()


def tailnet_of(lab: "Lab") -> Tailnet:
    """The lab's tailnet index, created on first use (the lab owns it)."""
    if lab.tailnet is None:
        lab.tailnet = Tailnet(lab)
    return lab.tailnet
