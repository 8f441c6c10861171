// MD5 and SHA-256 against published test vectors (RFC 1321, FIPS 180-2).
#include <catch2/catch.hpp>

#include "emulator/core/digest.h"

TEST_CASE("md5 and sha256 match the standard test vectors") {
  CHECK(emu::md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(emu::md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(emu::md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890") ==
        "57edf4a22be3c955ac49da2e2107b67a");
  CHECK(emu::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(emu::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(emu::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  CHECK(emu::sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  CHECK(emu::md5_hex(million) == "7707d6ae4e027c70eea2a935c2296f21");
}
