// Signs the requests of a JSON list (stdin) with bellyfed-emu's SigV4 signer and prints each one's
// headers (stdout), for tests/sigv4_test.py and tests/node/sigv4_test.mjs to compare with
// botocore's and @smithy/signature-v4's.
#include <iostream>
#include <iterator>

#include "emulator/core/json.h"
#include "emulator/core/time_format.h"
#include "emulator/scenario/sigv4.h"

int main() {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  emu::json cases = emu::json::parse(text);
  emu::json out = emu::json::array();
  for (const auto& c : cases) {
    emu::scenario::signed_request r;
    r.method = c["method"];
    r.host = c["host"];
    r.path = c["path"];
    for (const auto& q : c["query"]) r.query.emplace_back(q[0], q[1]);
    for (const auto& h : c["headers"]) r.headers.emplace_back(h[0], h[1]);
    r.body = c["body"];
    emu::scenario::aws_credentials creds{c["access_key_id"], c["secret_access_key"], c.value("session_token", "")};
    emu::scenario::sigv4_sign(r, creds, c["region"], c["service"], *emu::parse_iso8601(c["time"].get<std::string>()));
    emu::json headers = emu::json::object();
    for (const auto& [k, v] : r.headers) headers[k] = v;
    out.push_back(headers);
  }
  std::cout << out.dump() << "\n";
}
