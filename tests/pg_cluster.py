"""A throw-away PostgreSQL cluster for tests: initdb into a temp dir, a free port on
127.0.0.1, the unix socket in the same temp dir, trust authentication, fsync off.

``initdb`` and ``postgres`` refuse to run as root. When the tests run as root (CI
containers), the cluster runs as the ``postgres`` system user that the Debian packages
create (or ``nobody``), through ``runuser``; the temp dir is created in /tmp and handed
to that user, since pytest's own temp dirs are private to root.

Binaries are looked up in ``$DATELINE_PG_BIN``, then ``pg_config --bindir`` on PATH,
then the newest ``/usr/lib/postgresql/*/bin``. :func:`unavailable_reason` says why the
tests must skip (no binaries, no PostGIS extension files, no unprivileged user).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Unprivileged users tried, in order, when running as root.
RUN_AS_CANDIDATES = ("postgres", "nobody")
#: Seconds pg_ctl waits for the server to accept connections.
START_TIMEOUT_S = 60


def bin_dir() -> Path | None:
    """The PostgreSQL server binaries' directory, or None."""
    env = os.environ.get("DATELINE_PG_BIN")
    if env and (Path(env) / "initdb").exists():
        return Path(env)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def _share_dir(bindir: Path) -> Path | None:
    pg_config = bindir / "pg_config"
    if pg_config.exists():
        out = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True).stdout.strip()
        if out:
            return Path(out)
    version = bindir.parent.name  # /usr/lib/postgresql/15/bin -> 15
    candidate = Path("/usr/share/postgresql") / version
    return candidate if candidate.exists() else None


def _run_as() -> str | None:
    """The user to run the server as: None when not root, else an unprivileged system user."""
    if os.geteuid() != 0:
        return None
    for name in RUN_AS_CANDIDATES:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    return ""


def unavailable_reason() -> str | None:
    """Why a throw-away PostGIS cluster cannot be started here, or None when it can."""
    bindir = bin_dir()
    if bindir is None:
        return "PostgreSQL server binaries not found (apt-get install postgresql-15; or set DATELINE_PG_BIN)"
    share = _share_dir(bindir)
    if share is None or not (share / "extension" / "postgis.control").exists():
        return f"PostGIS extension not installed for {bindir} (apt-get install postgresql-15-postgis-3)"
    if _run_as() == "":
        return "running as root and no unprivileged user (postgres, nobody) to run the server"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'dateline[postgis]')"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    root: Path
    port: int
    bindir: Path
    user: str | None

    def _cmd(self, *args: str) -> list[str]:
        return (["runuser", "-u", self.user, "--"] if self.user else []) + list(args)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://dateline@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """A fresh database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')  # test-chosen identifier, not user input
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate",
                                 "stop"), capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """Start a cluster (superuser ``dateline``, trust auth on 127.0.0.1) and remove it afterwards."""
    bindir = bin_dir()
    assert bindir is not None, unavailable_reason()
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="dateline-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(root, _free_port(), bindir, user)
    try:
        subprocess.run(cluster._cmd(str(bindir / "initdb"), "-D", str(root / "data"), "-U", "dateline",
                                    "--auth=trust", "-E", "UTF8", "--no-locale"),
                       check=True, capture_output=True)
        options = f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        subprocess.run(cluster._cmd(str(bindir / "pg_ctl"), "-D", str(root / "data"), "-o", options, "-l",
                                    str(root / "server.log"), "-w", "-t", str(START_TIMEOUT_S), "start"),
                       check=True, capture_output=True)
        yield cluster
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log").read_text(errors="replace")[-2000:] if (root / "server.log").exists() else ""
        raise RuntimeError(f"{exc.cmd[-1]} failed: {exc.stderr.decode(errors='replace')[-2000:]} {log}") from exc
    finally:
        cluster.stop()
