#include "emulator/scenario/sigv4.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <map>

#include "emulator/core/digest.h"

namespace emu::scenario {
namespace {

std::string hex(const std::string& raw) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) out += digits[c >> 4], out += digits[c & 15];
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// Header values are trimmed and inner runs of spaces folded to one.
std::string trim_value(const std::string& v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string uri_encode(const std::string& s, bool keep_slash) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/'))
      out += char(c);
    else
      out += '%', out += digits[c >> 4], out += digits[c & 15];
  }
  return out;
}

aws_credentials aws_credentials::from_environment() {
  aws_credentials c;
  if (const char* v = std::getenv("AWS_ACCESS_KEY_ID")) c.access_key_id = v;
  if (const char* v = std::getenv("AWS_SECRET_ACCESS_KEY")) c.secret_access_key = v;
  if (const char* v = std::getenv("AWS_SESSION_TOKEN")) c.session_token = v;
  return c;
}

void sigv4_sign(signed_request& r, const aws_credentials& creds, const std::string& region, const std::string& service,
                instant at) {
  std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[17], day[9];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  std::strftime(day, sizeof day, "%Y%m%d", &tm);
  r.headers.emplace_back("X-Amz-Date", stamp);
  if (!creds.session_token.empty()) r.headers.emplace_back("X-Amz-Security-Token", creds.session_token);

  std::map<std::string, std::string> canonical;  // lower-case name → value(s), sorted
  canonical["host"] = r.host;
  for (const auto& [k, v] : r.headers) {
    std::string name = lower(k);
    if (name == "user-agent" || name == "expect" || name == "x-amzn-trace-id" || name == "authorization") continue;
    auto& slot = canonical[name];
    slot += (slot.empty() ? "" : ",") + trim_value(v);
  }
  std::string headers_text, signed_names;
  for (const auto& [k, v] : canonical) {
    headers_text += k + ":" + v + "\n";
    signed_names += (signed_names.empty() ? "" : ";") + k;
  }
  std::vector<std::pair<std::string, std::string>> q;
  for (const auto& [k, v] : r.query) q.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(q.begin(), q.end());
  std::string query_text;
  for (const auto& [k, v] : q) query_text += (query_text.empty() ? "" : "&") + k + "=" + v;
  // Services other than S3 encode the (already encoded) path once more.
  std::string path = uri_encode(r.path.empty() ? "/" : r.path, true);
  std::string canonical_request = r.method + "\n" + path + "\n" + query_text + "\n" + headers_text + "\n" +
                                  signed_names + "\n" + sha256_hex(r.body);
  std::string scope = std::string(day) + "/" + region + "/" + service + "/aws4_request";
  std::string to_sign = "AWS4-HMAC-SHA256\n" + std::string(stamp) + "\n" + scope + "\n" + sha256_hex(canonical_request);
  std::string key = hmac_sha256("AWS4" + creds.secret_access_key, day);
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  key = hmac_sha256(key, "aws4_request");
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + scope +
                                              ", SignedHeaders=" + signed_names +
                                              ", Signature=" + hex(hmac_sha256(key, to_sign)));
}

}  // namespace emu::scenario
