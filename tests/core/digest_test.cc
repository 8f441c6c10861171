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

// RFC 4231 test cases 1, 2 and 6 (a key longer than the block is hashed first).
TEST_CASE("hmac_sha256 matches RFC 4231") {
  auto hex = [](const std::string& raw) {
    static const char d[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) out += d[c >> 4], out += d[c & 15];
    return out;
  };
  CHECK(hex(emu::hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(hex(emu::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(hex(emu::hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
