"""A throwaway PostgreSQL for the tests: Debian's server binaries, a fresh cluster in a temporary
folder, listening on 127.0.0.1 only on a free port, trust authentication, stopped and removed on
exit. As root (CI), the server runs as the `postgres` user, as PostgreSQL requires."""
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


def _bin(name):
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/" + name))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return found[-1]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres():
    """Yields a connection URL such as postgresql://postgres@127.0.0.1:PORT/postgres."""
    root = os.geteuid() == 0
    work = tempfile.mkdtemp(prefix="emu-pg-")
    data, sock = os.path.join(work, "data"), os.path.join(work, "sock")
    os.makedirs(sock)
    user = "postgres" if root else pwd.getpwuid(os.geteuid()).pw_name
    if root:
        shutil.chown(work, "postgres"), shutil.chown(sock, "postgres")
    as_user = ["runuser", "-u", "postgres", "--"] if root else []
    port = _free_port()
    subprocess.run(as_user + [_bin("initdb"), "-D", data, "-U", user, "-A", "trust", "--no-sync", "-E", "UTF8"],
                   check=True, stdout=subprocess.DEVNULL)
    log = os.path.join(work, "server.log")
    subprocess.run(as_user + [_bin("pg_ctl"), "-D", data, "-l", log, "-w", "-o",
                              "-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c max_connections=50" % (port, sock),
                              "start"], check=True, stdout=subprocess.DEVNULL)
    try:
        yield "postgresql://%s@127.0.0.1:%d/postgres" % (user, port)
    finally:
        subprocess.run(as_user + [_bin("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":  # manual use: prints the URL and waits
    with postgres() as url:
        print(url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
