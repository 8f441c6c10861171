// MD5 and SHA-256 as lowercase hex, for the checksums AWS clients verify (SQS's MD5OfBody and
// MD5OfMessageAttributes) and FIFO content-based deduplication ids; HMAC-SHA256 for signing
// requests to AWS (run --target); FNV-1a for names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace emu {

std::string md5_hex(std::string_view data);
std::string sha256_hex(std::string_view data);
// The 32 raw bytes, and HMAC-SHA256 (RFC 2104): what AWS Signature Version 4 is made of.
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
// 64-bit FNV-1a: a stable, fast hash for names (shards, generated ids); not for security.
inline std::uint64_t fnv1a64(std::string_view data) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace emu
