"""What the kernel says about a target: CPU time and peak memory of a process tree.

CPU comes from `/proc/<pid>/stat` (utime + stime, in clock ticks) summed over the
process and its descendants, so a uvicorn supervisor with worker children counts
whole. Peak RSS is each process's `VmHWM` from `/proc/<pid>/status`.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TICK_SECONDS = 1 / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """Block until 127.0.0.1:port accepts connections; fail if `proc` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {timeout:.0f} s")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        tasks = list(task_dir.iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree(pid: int) -> Iterator[int]:
    """`pid` and all its descendants that are alive now."""
    todo = [pid]
    while todo:
        current = todo.pop()
        yield current
        todo += _children(current)


def _cpu_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by `pid` and its live descendants."""
    return sum(_cpu_ticks(p) for p in tree(pid)) * TICK_SECONDS


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_mb(pid: int) -> float:
    """The largest VmHWM of any process in the tree (per worker, not summed), in MB."""
    return max(_status_kb(p, "VmHWM") for p in tree(pid)) / 1024


def rss_mb(pid: int) -> float:
    return max(_status_kb(p, "VmRSS") for p in tree(pid)) / 1024


def stop(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def apt_install(package: str) -> None:
    """Install a Debian package (the bench's own tools: nginx-light, wrk); needs root."""
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", package], check=True, env=env, capture_output=True
    )


@contextmanager
def cpu_latency_qos(enabled: bool) -> Iterator[None]:
    """While inside, ask the kernel to keep every CPU out of idle states that take
    longer than 0 µs to leave: idle CPUs poll instead of halting.

    This is Linux's PM QoS interface (Documentation/power/pm_qos_interface.rst): the
    request holds while /dev/cpu_dma_latency stays open and ends when it is closed,
    so nothing outlives the run. tuned's `latency-performance` profile makes the
    same request; writing the four bytes here spares installing its daemon. Needs
    root. On a virtual machine a halted vCPU is handed back to the host, and the
    next request starts on a CPU that must be scheduled again with cold caches
    (docs/benchmarks.md, "Latency at 200 req/s").
    """
    if not enabled:
        yield
        return
    try:
        fd = os.open("/dev/cpu_dma_latency", os.O_WRONLY)
    except OSError as exc:
        raise SystemExit(f"--cpu-latency-qos needs root and /dev/cpu_dma_latency: {exc}") from None
    try:
        os.write(fd, struct.pack("i", 0))  # a native int: the latency allowed, in µs
        yield
    finally:
        os.close(fd)


def idle_entries(cpus: str) -> dict[str, int]:
    """How many times the CPUs `cpus` ("1", or "0,1") have entered each of their idle
    states since boot, summed by name (cpuidle sysfs; "POLL" is the polling one).
    Empty where cpuidle is not exposed."""
    entries: dict[str, int] = {}
    for cpu in cpus.split(","):
        for state in sorted(Path(f"/sys/devices/system/cpu/cpu{cpu}/cpuidle").glob("state*")):
            try:
                name = (state / "name").read_text().strip()
                entries[name] = entries.get(name, 0) + int((state / "usage").read_text())
            except (OSError, ValueError):
                continue
    return entries
