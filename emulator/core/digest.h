// MD5 and SHA-256 as lowercase hex, for the checksums AWS clients verify (SQS's MD5OfBody and
// MD5OfMessageAttributes) and FIFO content-based deduplication ids. Not for security.
#pragma once

#include <string>
#include <string_view>

namespace emu {

std::string md5_hex(std::string_view data);
std::string sha256_hex(std::string_view data);

}  // namespace emu
