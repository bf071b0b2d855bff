"""headscale.service as systemd runs it (Debian package: Type=simple,
Restart=always, RestartSec=5, WorkingDirectory=/var/lib/headscale).

``systemctl start``/``restart`` only launches the process, so it reports
success even when headscale dies at once on a broken config.yaml; the unit
then sits in ``activating (auto-restart)`` and systemd tries again every five
seconds, logging headscale's FTL line each time, until the file is fixed and
headscale stays up. ``systemctl reload`` sends SIGHUP: headscale reloads only
its ACL policy, not config.yaml.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simnet.services import journal
from simnet.tailnet.control import Headscale, tailnet_of
from simnet.tailnet.hsconfig import CONFIG_PATH, ConfigProblem, check

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["start", "stop", "reload", "RESTART_SEC", "state_of", "headscale_of"]

DESCRIPTION = "headscale coordination server for Tailscale"
RESTART_SEC = 5.0
CRASH_AFTER = 0.04          # headscale reads its config and dies within some 40 ms
MAX_LOGGED_RETRIES = 200    # after that the retries go on but are no longer written to the journal
START_LINES = ["Opening database database=sqlite3 path=/var/lib/headscale/db.sqlite",
               "Using policy manager version: 2",
               "listening and serving HTTP on: {listen}",
               "listening and serving debug and metrics on: {metrics}"]


def headscale_of(node: "Node", create: bool = False) -> Headscale | None:
    svc = node.services.get("headscale")
    if not isinstance(svc, Headscale) and create:
        svc = Headscale(node)
        node.services["headscale"] = svc
        tailnet_of(node.lab).invalidate(node)
    return svc if isinstance(svc, Headscale) else None


def state_of(hs: Headscale | None) -> str:
    """active, auto-restart (crashing and retried), failed (stopped after crashing) or inactive."""
    if hs is None:
        return "inactive"
    if hs.running:
        return "active"
    return hs.unit_state


def _systemd(node: "Node", text: str, at: float | None = None) -> None:
    journal.log(node, "headscale", text, at=at)


def _state_files(node: "Node") -> None:
    """What a running headscale keeps in /var/lib/headscale (the seed backs the folder up):
    the SQLite database and its two private keys, created on the first start."""
    import hashlib

    node.fs.dirs.update({"/var/lib", "/var/lib/headscale"})
    node.files.setdefault("/var/lib/headscale/db.sqlite", "SQLite format 3\x00")
    for name in ("noise_private.key", "derp_server_private.key"):
        key = hashlib.sha256(f"{node.lab.name}/{node.name}/{name}".encode()).hexdigest()
        node.files.setdefault(f"/var/lib/headscale/{name}", f"privkey:{key}")


def _attempt(hs: Headscale, at: float | None = None) -> ConfigProblem | None:
    """One ExecStart: read the file, die or come up."""
    node = hs.node
    now = node.sim.now if at is None else at
    pid = journal.HS_PID + hs.restarts
    cfg, problem, warnings = check(node.files.get(CONFIG_PATH))
    _systemd(node, f"Started headscale.service - {DESCRIPTION}.", now)
    ident = f"headscale[{pid}]"
    for text in warnings:
        journal.log(node, "headscale", journal.zerolog_line(node.lab, "warn", text, at=now), ident=ident, at=now)
    if problem is not None:
        crash = now + CRASH_AFTER
        journal.log(node, "headscale", problem.line(journal.go_time(node.lab, crash), journal.HS_CALLER_ROOT),
                    ident=ident, at=crash)
        _systemd(node, "headscale.service: Main process exited, code=exited, status=1/FAILURE", crash)
        _systemd(node, "headscale.service: Failed with result 'exit-code'.", crash)
        hs.running = False
        hs.unit_state = "auto-restart"
        hs.exited_at = crash
        hs.exited_pid = pid
        hs.problem = problem
        return problem
    hs.config = cfg
    _state_files(node)
    hs.reload_policy()
    hs.running = True
    hs.unit_state = "active"
    hs.problem = None
    hs.started_at = now
    hs.main_pid = pid
    for line in START_LINES:
        journal.headscale(node, "info", line.format(listen=cfg.get("listen_addr", "127.0.0.1:8090"),
                                                    metrics=cfg.get("metrics_listen_addr", "127.0.0.1:9090")),
                          at=now)
    for n in hs.nodes.values():
        n.online = False
    for client in tailnet_of(node.lab).clients():     # running tailscaleds reconnect at once
        if client.server is hs:
            client._presence()
    tailnet_of(node.lab).sync()
    return None


def _schedule_retry(hs: Headscale) -> None:
    sim = hs.node.sim
    hs.retry_timer = sim.schedule(RESTART_SEC + CRASH_AFTER, _retry, hs)


def _retry(hs: Headscale) -> None:
    if state_of(hs) != "auto-restart":
        return
    node = hs.node
    hs.restarts += 1
    text = node.files.get(CONFIG_PATH)
    if hs.restarts > MAX_LOGGED_RETRIES and text == hs.failed_text:
        _schedule_retry(hs)           # still broken; the journal already has enough of it
        return
    _systemd(node, f"headscale.service: Scheduled restart job, restart counter is at {hs.restarts}.")
    _systemd(node, f"Stopped headscale.service - {DESCRIPTION}.")
    if _attempt(hs) is not None:
        hs.failed_text = text
        _schedule_retry(hs)


def start(node: "Node") -> None:
    """systemctl start: launch headscale (no-op when it runs or is already being retried)."""
    hs = headscale_of(node, create=True)
    assert hs is not None
    if hs.running or state_of(hs) == "auto-restart":
        return
    hs.restarts = 0
    if _attempt(hs) is not None:
        hs.failed_text = node.files.get(CONFIG_PATH)
        _schedule_retry(hs)


def stop(node: "Node") -> None:
    hs = headscale_of(node)
    if hs is None:
        return
    if hs.retry_timer is not None:
        hs.retry_timer.cancel()
    state = state_of(hs)
    if state == "active":
        _systemd(node, f"Stopping headscale.service - {DESCRIPTION}...")
        _systemd(node, "headscale.service: Deactivated successfully.")
        _systemd(node, f"Stopped headscale.service - {DESCRIPTION}.")
        hs.unit_state = "inactive"
    elif state == "auto-restart":
        _systemd(node, f"Stopped headscale.service - {DESCRIPTION}.")
        hs.unit_state = "failed"
    hs.running = False


def reload(node: "Node") -> bool:
    """systemctl reload (ExecReload: kill -HUP): headscale reloads its policy file, nothing else.
    False when the unit is not active (systemctl then fails)."""
    hs = headscale_of(node)
    if hs is None or not hs.running:
        return False
    _systemd(node, f"Reloading headscale.service - {DESCRIPTION}...")
    journal.headscale(node, "info", "Received SIGHUP, reloading ACL policy", signal="hangup")
    _systemd(node, f"Reloaded headscale.service - {DESCRIPTION}.")
    if hs.policy_path:
        before = hs.policy
        hs.reload_policy()
        if hs.policy_error:
            journal.headscale(node, "error", "reloading policy", error=hs.policy_error)
        elif hs.policy is not before:
            journal.headscale(node, "info", "Policy reload completed with changes", policy__changed=True,
                              route__changes=0, total__changes=1)
            hs.changed()
    return True


def status_lines(hs: Headscale, since: Any) -> list[str]:
    """The Active/Process/Main PID lines of a unit that is not running."""
    state = state_of(hs)
    pid, t = hs.exited_pid, hs.exited_at
    if state == "auto-restart":
        return [f"     Active: activating (auto-restart) (Result: exit-code) since {since(t)}",
                f"    Process: {pid} ExecStart=/usr/bin/headscale serve (code=exited, status=1/FAILURE)",
                f"   Main PID: {pid} (code=exited, status=1/FAILURE)",
                "        CPU: 38ms"]
    if state == "failed":
        return [f"     Active: failed (Result: exit-code) since {since(t)}",
                f"    Process: {pid} ExecStart=/usr/bin/headscale serve (code=exited, status=1/FAILURE)",
                f"   Main PID: {pid} (code=exited, status=1/FAILURE)",
                "        CPU: 38ms"]
    return ["     Active: inactive (dead)"]
