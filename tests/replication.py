"""A primary and a streaming replica from the binaries of pgserver (the PostgreSQL that `make
run` uses): the primary is pgserver's; the replica is `pg_basebackup -R` of it, a second
postmaster on its own socket, following the primary over the unix socket (pgserver's
`pg_hba.conf` trusts local replication connections, and PostgreSQL 16's defaults,
`wal_level = replica` and ten WAL senders, are what streaming needs)."""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pgserver
import psutil
import psycopg2
from pgserver._commands import POSTGRES_BIN_PATH

from api.db.connection import apply_migrations
from tests.helpers import query

START_SECONDS = 30


class Replication:
    def __init__(self) -> None:
        # Not under pytest's temporary directory: every pytest session started by this user
        # makes /tmp/pytest-of-USER private again, and PostgreSQL's own user could then no
        # longer reach its data directories to start a server.
        self.base = Path(tempfile.mkdtemp(prefix="memes-replication-"))
        self.base.chmod(0o755)
        self.server = pgserver.get_server(self.base / "primary", cleanup_mode="stop")
        self.primary_url = self.server.get_uri()
        # As root, pgserver runs PostgreSQL as its own user: the replica runs as that one too.
        self.user = self.server.system_user
        self.pgdata = self.base / "replica"
        self.replica_url = f"postgresql://postgres:@/postgres?host={self.pgdata}"
        self.running = False
        try:
            self._replicate()
        except BaseException:
            self.close()  # nothing left running, nothing left in /tmp
            raise

    def _replicate(self) -> None:
        # A throwaway pair: no fsync (the replica copies these settings with the data).
        connection = psycopg2.connect(self.primary_url)
        connection.autocommit = True  # ALTER SYSTEM runs outside a transaction only
        with connection.cursor() as cursor:
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                cursor.execute(f"ALTER SYSTEM SET {setting} = off")
            cursor.execute("SELECT pg_reload_conf()")
        connection.close()
        apply_migrations(self.primary_url)
        self.pgdata.mkdir(mode=0o700)
        if self.user:
            shutil.chown(self.pgdata, self.user, self.user)
        socket_dir = self.server.get_postmaster_info().socket_dir
        self._run("pg_basebackup", "-h", str(socket_dir), "-U", "postgres", "-D", str(self.pgdata),
                  "-R", "-X", "stream", "-c", "fast")  # fmt: skip
        # The copy holds the primary's socket lock file and log (pgserver keeps both in its
        # data directory): the replica makes its own.
        for copied in (".s.PGSQL.5432.lock", "log"):
            (self.pgdata / copied).unlink(missing_ok=True)
        self.start()

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *args],
            check=True,
            capture_output=True,
            user=self.user,
            timeout=START_SECONDS,
            cwd="/",  # the user may not be allowed to enter the test's working directory
        )

    def start(self) -> None:
        """The replica's postmaster: on a socket in its own data directory, no TCP."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-l", str(self.pgdata / "log"),
                  "-o", f"-h '' -k {self.pgdata}", "start")  # fmt: skip
        self.running = True

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "immediate", "stop")
        self.running = False

    def processes(self) -> list[psutil.Process]:
        """The replica's postmaster and every process it started."""
        postmaster = psutil.Process(int((self.pgdata / "postmaster.pid").read_text().split()[0]))
        return [postmaster, *postmaster.children(recursive=True)]

    def pause(self) -> None:
        """The replica keeps answering, but stops applying what the primary writes."""
        query(self.replica_url, "SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        query(self.replica_url, "SELECT pg_wal_replay_resume()")

    def caught_up(self) -> None:
        """Wait until the replica has replayed everything the primary has written (inserted in
        its log: with synchronous_commit off, a commit may not be written out yet)."""
        [(target,)] = query(self.primary_url, "SELECT pg_current_wal_insert_lsn()")
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            try:
                [(behind,)] = query(
                    self.replica_url, "SELECT pg_last_wal_replay_lsn() < %s::pg_lsn", (target,)
                )
                if not behind:
                    return
            except psycopg2.OperationalError:  # still starting
                pass
            time.sleep(0.05)
        raise TimeoutError("the replica did not catch up")

    def close(self) -> None:
        if self.running:
            self.stop()
        self.server.cleanup()
        shutil.rmtree(self.base, ignore_errors=True)
