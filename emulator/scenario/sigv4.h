// AWS Signature Version 4 for the requests `run --target` makes to AWS APIs: the same request,
// credentials and time give the Authorization header botocore and the JavaScript SDK
// (@smithy/signature-v4) give (tests/sigv4_test.py checks it against both).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "emulator/core/clock.h"

namespace emu::scenario {

struct aws_credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
  // From AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; empty when unset.
  static aws_credentials from_environment();
};

struct signed_request {
  std::string method = "POST";
  std::string host;                                          // host[:port], as the Host header
  std::string path = "/";                                    // as sent (already percent-encoded)
  std::vector<std::pair<std::string, std::string>> query;    // decoded names and values
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host; these are signed
  std::string body;
};

// Adds X-Amz-Date, X-Amz-Security-Token (temporary credentials) and Authorization to
// `r.headers`, signing every header there and Host (not User-Agent, Expect or X-Amzn-Trace-Id).
// RFC 3986 unreserved characters stay; everything else is %XX (upper-case), as SigV4 wants
// (and as a query string may always be written). `keep_slash`: '/' stays too (paths).
std::string uri_encode(const std::string& s, bool keep_slash);

void sigv4_sign(signed_request& r, const aws_credentials& creds, const std::string& region, const std::string& service,
                instant at);

}  // namespace emu::scenario
