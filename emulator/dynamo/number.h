// DynamoDB numbers: exact decimals of up to 38 significant digits with magnitudes from 1E-130 to
// 9.99…E+125 (research/dynamodb.md §2.4). Numbers travel as strings and come back normalised
// ("1.50" → "1.5", "-0" → "0"); arithmetic is exact decimal, never binary floating point.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace emu::dynamo {

class number {
 public:
  number() = default;  // zero

  // How DynamoDB's older value checker (BatchWriteItem, transactions, Scan) differs: it reads
  // a number as Java's BigDecimal does, so an empty string is refused without echoing it and
  // a magnitude past 2^31 - 1 wraps to an underflow (1e2147483647).
  enum class reader : std::uint8_t { current, older };

  // Parses DynamoDB's number syntax: optional '-', digits with an optional '.', an optional
  // exponent. Throws aws_error ValidationException with AWS's wording for bad syntax, more than
  // 38 significant digits, overflow and underflow.
  static number parse(std::string_view text, reader r = reader::current);

  std::string to_string() const;
  bool is_zero() const { return digits_.empty(); }
  bool negative() const { return negative_; }

  // Exact sum and difference; the result is range- and precision-checked as AWS does.
  number operator+(const number& o) const;
  number operator-(const number& o) const;
  std::strong_ordering operator<=>(const number& o) const;
  bool operator==(const number& o) const { return negative_ == o.negative_ && exp_ == o.exp_ && digits_ == o.digits_; }

  // Bytes whose memcmp order is the numeric order, for key columns.
  std::string key_bytes() const;
  // DynamoDB's size accounting, as measured on AWS (the developer guide's "one byte per two
  // significant digits plus one" is not it): one byte, plus half the significant digits before
  // the point and half those after it, each rounded up, plus one for a minus sign.
  std::size_t size_bytes() const;

 private:
  void check_range() const;
  // value = (negative ? -1 : 1) × 0.digits_ × 10^exp_; digits_ has no leading or trailing '0'.
  bool negative_ = false;
  std::string digits_;
  int exp_ = 0;
};

}  // namespace emu::dynamo
