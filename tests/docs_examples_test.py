"""The command examples of the README and docs/, run as written against a real `serve`.

Every ```sh block of README.md and docs/*.md runs, command by command, with only the port
changed (serve runs on a free one), the binary path made absolute and `import` pointed at that
serve. Each command must exit 0; a comment holding JSON after a command (`# {"error": "…"}`, on
its line or the next) names string members its answer must have, `…` standing for anything. The
block marked `readme-curl` has its answers checked one by one. Blocks of `make` commands are what
CI itself runs, so they are not run again here.

The options each command's --help lists and the options README and docs/SCENARIOS.md give for
it must be the same set: a flag documented but not accepted, or accepted but not documented,
fails."""
import glob
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wire import start_serve, stop_serve  # noqa: E402


def sh_blocks(src):
    """(file, marker-or-None, [command]) for every ```sh block; continuation lines joined."""
    out = []
    for path in [os.path.join(src, "README.md")] + sorted(glob.glob(os.path.join(src, "docs", "*.md"))):
        text = open(path, encoding="utf-8").read()
        for m in re.finditer(r"(<!-- (readme-curl):.*?-->\n)?```sh\n(.*?)```", text, re.S):
            commands, pending = [], ""
            for line in m.group(3).splitlines():
                if not line.strip():
                    continue
                if pending:
                    line = pending + " " + line.strip()
                    pending = ""
                if line.endswith("\\"):
                    pending = line[:-1].rstrip()
                    continue
                commands.append(line)
            out.append((os.path.relpath(path, src), m.group(2), commands))
    return out


def expected_strings(comment):
    """The string members a JSON comment names: ['"error":"restaurantId: no restaurant nope"', ...],
    pieces split at '…'."""
    pieces = []
    for key, value in re.findall(r'"([^"]+)":("[^"]*")?', comment):
        if value:
            pieces += ['"%s":%s' % (key, p) if i == 0 else p
                       for i, p in enumerate(value.split("…")) if p not in ('"', "")]
        else:
            pieces.append('"%s":' % key)
    return pieces


def wait_for_import(base):
    """The import flow runs in serve in real time: wait until the import queue is drained."""
    for _ in range(400):
        metrics = json.load(urllib.request.urlopen(base + "/_emu/metrics"))
        q = metrics["queues"].get("restaurant-import-dev", {})
        if q.get("visible", 0) + q.get("in_flight", 0) + q.get("delayed", 0) == 0:
            return
        time.sleep(0.05)
    raise AssertionError("the import did not drain")


def run_block(emu, src, where, marker, commands):
    assert commands[0].startswith("build/bellyfed-emu serve"), (where, commands[0])
    serve_args = re.sub(r"\s{2,}#.*$", "", commands[0]).rstrip(" &").split()[2:]
    proc, base = start_serve(emu, *serve_args, cwd=src)
    port = base.rsplit(":", 1)[1]
    # Debian's AWS CLI, and no user configuration, whatever the machine has.
    env = dict(os.environ, PATH="/usr/bin:" + os.environ.get("PATH", ""), AWS_PAGER="",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    outputs, shell = [], ""
    try:
        for i, line in enumerate(commands[1:], 1):
            if line.startswith("#"):
                continue  # an answer shown on its own line: checked with the command before it
            cmd = line.replace("127.0.0.1:4566", "127.0.0.1:" + port).replace("localhost:4566", "localhost:" + port)
            cmd = cmd.replace("build/bellyfed-emu", emu)
            comment = ""
            m = re.search(r"\s{2,}#(.*)$", cmd)
            if m:
                comment, cmd = m.group(1), cmd[:m.start()]
            if i + 1 < len(commands) and commands[i + 1].startswith("# {"):
                comment = commands[i + 1][1:]
            if cmd.startswith(emu + " import"):
                cmd += " --endpoint " + base
            first = cmd.split()[0]
            if first == "export" or ("=" in first and not first.startswith("-")):
                shell += cmd + "\n"  # variables the next commands use
                continue
            r = subprocess.run(["bash", "-c", shell + cmd], capture_output=True, text=True, cwd=src, env=env, timeout=120)
            assert r.returncode == 0, "%s: %s exited %d: %s" % (where, line, r.returncode, r.stderr)
            for piece in expected_strings(comment):
                assert piece in r.stdout.replace('": "', '":"'), "%s: %s answered %s, without %s" % (where, line, r.stdout, piece)
            outputs.append(r.stdout)
            if " import " in cmd:
                wait_for_import(base)
    finally:
        stop_serve(proc)
    if marker == "readme-curl":
        check_readme_curl(outputs)
    return len(commands)


def check_readme_curl(outputs):
    seattle, vietnamese, one, menu, reviews, nokey, preflight, logs = outputs[1:]
    assert [x["name"] for x in json.loads(seattle)["items"]] == ["Blue Water Taco", "Pho Place"], seattle
    v = json.loads(vietnamese)
    assert v["count"] == 1 and v["items"][0]["name"] == "Pho Place" and v["nextToken"], vietnamese
    assert json.loads(one)["name"] == "Pho Place", one
    assert json.loads(menu)["count"] == 2, menu
    assert json.loads(reviews)["items"][0]["text"] == "Best broth in town", reviews
    assert json.loads(nokey) == {"message": "Forbidden"}, nokey
    assert "Access-Control-Allow-Origin: http://localhost:3000" in preflight, preflight
    assert len(json.loads(logs)["events"]) == 7, logs  # the seven gateway requests above, one line each


def flags(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text)) - {"--help"}


def check_options(emu, src):
    readme = open(os.path.join(src, "README.md"), encoding="utf-8").read()
    scenarios = open(os.path.join(src, "docs", "SCENARIOS.md"), encoding="utf-8").read()
    documented = {
        "run": re.search(r"\*\*run\*\* —(.*?)\n\n", readme, re.S).group(1),
        "serve": re.search(r"\*\*serve\*\* —(.*?)\n\n", readme, re.S).group(1),
        "import": re.search(r"\*\*import\*\* —(.*?)\n\n", readme, re.S).group(1),
        "wait": re.search(r"\*\*wait\*\* —(.*?)\n\n", readme, re.S).group(1),
        "run (docs/SCENARIOS.md)": re.search(r"```\nbellyfed-emu run (.*?)\nbellyfed-emu check", scenarios, re.S).group(1),
    }
    for name, text in documented.items():
        cmd = name.split()[0]
        helped = flags(subprocess.run([emu, cmd, "--help"], capture_output=True, text=True, check=True).stdout)
        said = flags(text)
        assert said == helped, "%s: documented but not in --help: %s; in --help but not documented: %s" % (
            name, sorted(said - helped), sorted(helped - said))


def main():
    emu, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    check_options(emu, src)
    ran = 0
    blocks = sh_blocks(src)
    assert any(marker == "readme-curl" for _, marker, _ in blocks), "README has no readme-curl block"
    for where, marker, commands in blocks:
        if all(c.startswith("make ") for c in commands):
            continue  # the build itself: CI runs these
        ran += run_block(emu, src, where, marker, commands)
    print("docs_examples_test: ok (%d blocks, %d commands)" % (len(blocks), ran))


if __name__ == "__main__":
    main()
