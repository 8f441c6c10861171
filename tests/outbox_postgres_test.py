"""The outbox on a real PostgreSQL that this test starts (Debian's server, loopback only, a
throwaway cluster): the store's Catch2 tests, every scenario with `run --postgres`, and several
relays at once on thousands of events (outbox_concurrency), and serve --postgres over HTTP."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg import postgres  # noqa: E402


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    sys.stdout.write(r.stdout[-3000:])
    assert r.returncode == 0, (cmd, r.stdout[-4000:], r.stderr[-4000:])
    return r.stdout


def main():
    emu, tests, concurrency = sys.argv[1:4]
    with postgres() as url:
        run([tests, "[outbox]"], env=dict(os.environ, EMU_TEST_POSTGRES=url))
        out = run([emu, "run", "--no-color", "--quiet", "scenarios", "--postgres", url, "--jobs", "2"])
        assert "0 failed, 0 errors" in out, out
        run([concurrency, url, "3000", "6"])
        here = os.path.dirname(os.path.abspath(__file__))
        run([sys.executable, os.path.join(here, "outbox_serve_test.py"), emu, "--postgres", url])
        r = subprocess.run([emu, "run", "scenarios/outbox", "--postgres", "postgresql://nobody@127.0.0.1:1/x"],
                           capture_output=True, text=True)
        assert r.returncode == 3 and "cannot connect to PostgreSQL" in r.stderr, r.stderr
    print("outbox_postgres_test: ok")


if __name__ == "__main__":
    main()
