"""The README's API Gateway curl block, run as written against a real `serve`: each command of
the block marked `readme-curl`, with only the port changed (serve runs on a free one) and the
binary path made absolute. Checks what each answer must contain."""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wire import start_serve, stop_serve  # noqa: E402


def main():
    emu, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    readme = open(os.path.join(src, "README.md"), encoding="utf-8").read()
    block = re.search(r"<!-- readme-curl:.*?-->\n```sh\n(.*?)```", readme, re.S)
    assert block, "README has no readme-curl block"
    commands = [l for l in block.group(1).splitlines() if l.strip()]
    assert commands[0] == "build/bellyfed-emu serve &", commands[0]
    proc, base = start_serve(emu)
    port = base.rsplit(":", 1)[1]
    env = dict(os.environ)
    outputs = []
    try:
        shell = ""
        for cmd in commands[1:]:
            cmd = cmd.replace("127.0.0.1:4566", "127.0.0.1:" + port).replace("build/bellyfed-emu", emu)
            cmd = re.sub(r"\s{2,}#.*$", "", cmd)  # the block's comments
            if cmd.startswith(emu + " import"):
                cmd += " --endpoint " + base
            if "=" in cmd.split()[0]:  # a shell variable the next commands use
                shell += cmd + "\n"
                continue
            r = subprocess.run(["bash", "-c", shell + cmd], capture_output=True, text=True, cwd=src, env=env, timeout=60)
            assert r.returncode == 0, (cmd, r.stderr)
            outputs.append(r.stdout)
            if " import " in cmd:  # the event source mapping imports in real time
                for _ in range(100):
                    check = subprocess.run(["bash", "-c", shell + "curl -s -H \"$KEY\" http://127.0.0.1:%s/dev/restaurants" % port],
                                           capture_output=True, text=True)
                    if json.loads(check.stdout).get("count") == 3:
                        break
                    time.sleep(0.05)
    finally:
        stop_serve(proc)
    seattle, vietnamese, one, menu, reviews, nokey, preflight, logs = outputs[1:]
    assert [x["name"] for x in json.loads(seattle)["items"]] == ["Blue Water Taco", "Pho Place"], seattle
    v = json.loads(vietnamese)
    assert v["count"] == 1 and v["items"][0]["name"] == "Pho Place" and v["nextToken"], vietnamese
    assert json.loads(one)["name"] == "Pho Place", one
    assert json.loads(menu)["count"] == 2, menu
    assert json.loads(reviews)["items"][0]["text"] == "Best broth in town", reviews
    assert json.loads(nokey) == {"message": "Forbidden"}, nokey
    assert "Access-Control-Allow-Origin: http://localhost:3000" in preflight, preflight
    assert len(json.loads(logs)["events"]) >= 8, logs
    print("readme_curl_test: ok (%d commands)" % len(commands))


if __name__ == "__main__":
    main()
