#include "emulator/dynamo/number.h"

#include <algorithm>
#include <cstdint>

#include "emulator/core/error.h"

namespace emu::dynamo {
namespace {

constexpr std::size_t max_digits = 38;
constexpr int max_exp = 126;   // 0.999… × 10^126 = 9.99…E+125
constexpr int min_exp = -129;  // 0.1 × 10^-129 = 1E-130
constexpr const char* too_many_digits = "Attempting to store more than 38 significant digits in a Number";
constexpr const char* overflow =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
constexpr const char* underflow =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";

[[noreturn]] void bad_syntax(std::string_view text, number::reader r) {
  // AWS's wording for numbers it cannot parse (2026: the value is echoed after the colon, but
  // the older reader leaves off the colon for an empty one).
  if (text.empty() && r == number::reader::older)
    throw aws_error::validation("The parameter cannot be converted to a numeric value");
  throw aws_error::validation("The parameter cannot be converted to a numeric value: " + std::string(text));
}

// |a| compared with |b|.
// Both non-zero.
std::strong_ordering cmp_magnitude(const std::string& ad, int ae, const std::string& bd, int be) {
  if (ae != be) return ae <=> be;
  return ad.compare(bd) <=> 0;
}

}  // namespace

number number::parse(std::string_view s, reader r) {
  number n;
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') n.negative_ = true, ++i;
  std::string all;  // every mantissa digit, in order
  int point = -1;   // digits before the decimal point
  std::size_t start = i;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      all += c;
    } else if (c == '.' && point < 0) {
      point = int(all.size());
    } else {
      break;
    }
  }
  if (all.empty() || i == start) bad_syntax(s, r);
  if (point < 0) point = int(all.size());
  long long e10 = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) eneg = s[i] == '-', ++i;
    if (i == s.size()) bad_syntax(s, r);
    std::uint64_t full = 0;  // past a 64-bit integer DynamoDB cannot convert it at all
    bool too_long = false;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') bad_syntax(s, r);
      unsigned d = unsigned(s[i] - '0');
      too_long = too_long || full > (std::uint64_t(INT64_MAX) - d) / 10;
      if (!too_long) full = full * 10 + d;
      // Past any magnitude that matters the exponent is kept at a bound, which still overflows
      // or underflows.
      if (e10 < 100000000000LL) e10 = e10 * 10 + d;
    }
    if (too_long) bad_syntax(s, r);
    if (eneg) e10 = -e10;
  }
  if (i != s.size()) bad_syntax(s, r);
  // Strip leading zeros (moving the point) and trailing zeros.
  std::size_t lead = all.find_first_not_of('0');
  if (lead == std::string::npos) {
    // Zero, whatever its sign, range-checked by the exponent it is written with (BigDecimal's:
    // 0.0e126 is 0E+125).
    long long zexp = e10 - ((long long)all.size() - point);
    if (zexp > max_exp - 1) throw aws_error::validation(overflow);
    if (zexp < min_exp - 1) throw aws_error::validation(underflow);
    return number{};
  }
  std::size_t trail = all.find_last_not_of('0');
  n.digits_ = all.substr(lead, trail - lead + 1);
  long long exp = (long long)point - (long long)lead + e10;
  if (n.digits_.size() > max_digits) throw aws_error::validation(too_many_digits);
  // BigDecimal keeps the exponent as an int: one that fits but whose magnitude does not wraps
  // negative.
  if (r == reader::older && e10 <= INT32_MAX && e10 >= INT32_MIN && exp > INT32_MAX) exp = min_exp - 1;
  if (exp > max_exp + 1 || exp < min_exp - 1) exp = exp > 0 ? max_exp + 1 : min_exp - 1;
  n.exp_ = int(exp);
  n.check_range();
  return n;
}

std::size_t number::size_bytes() const {
  std::size_t n = digits_.size();
  std::size_t whole = exp_ <= 0 ? 0 : std::min(n, std::size_t(exp_));
  return 1 + (whole + 1) / 2 + (n - whole + 1) / 2 + (negative_ ? 1 : 0);
}

void number::check_range() const {
  if (digits_.empty()) return;
  if (exp_ > max_exp) throw aws_error::validation(overflow);
  if (exp_ < min_exp) throw aws_error::validation(underflow);
}

std::string number::to_string() const {
  // Always the plain decimal, as DynamoDB answers: 1E125 comes back as 126 digits.
  if (digits_.empty()) return "0";
  std::string out = negative_ ? "-" : "";
  int n = int(digits_.size());
  if (exp_ <= 0) {
    out += "0.";  // 0.000ddd
    out.append(std::size_t(-exp_), '0');
    out += digits_;
  } else if (exp_ >= n) {
    out += digits_;
    out.append(std::size_t(exp_ - n), '0');
  } else {
    out.append(digits_, 0, std::size_t(exp_));
    out += '.';
    out.append(digits_, std::size_t(exp_), std::string::npos);
  }
  return out;
}

std::strong_ordering number::operator<=>(const number& o) const {
  if (digits_.empty() && o.digits_.empty()) return std::strong_ordering::equal;
  bool an = negative_ && !digits_.empty(), bn = o.negative_ && !o.digits_.empty();
  if (an != bn) return an ? std::strong_ordering::less : std::strong_ordering::greater;
  if (digits_.empty()) return bn ? std::strong_ordering::greater : std::strong_ordering::less;
  if (o.digits_.empty()) return an ? std::strong_ordering::less : std::strong_ordering::greater;
  auto m = cmp_magnitude(digits_, exp_, o.digits_, o.exp_);
  return an ? 0 <=> m : m;
}

number number::operator-(const number& o) const {
  number neg = o;
  if (!neg.digits_.empty()) neg.negative_ = !neg.negative_;
  return *this + neg;
}

number number::operator+(const number& o) const {
  if (digits_.empty()) return o;
  if (o.digits_.empty()) return *this;
  // Align both as integers scaled by 10^-low, where low is the smaller last-digit position.
  int a_low = exp_ - int(digits_.size()), b_low = o.exp_ - int(o.digits_.size());
  int low = std::min(a_low, b_low), high = std::max(exp_, o.exp_);
  // An exact result would need more than 38 digits (one operand is negligible next to the
  // other): AWS refuses the imprecise result.
  if (high - low > 400) throw aws_error::validation(too_many_digits);
  std::size_t width = std::size_t(high - low) + 1;
  auto place = [&](const number& n) {
    std::string v(width, '0');  // most significant first
    std::size_t at = std::size_t(high - n.exp_) + 1;
    v.replace(at, n.digits_.size(), n.digits_);
    return v;
  };
  std::string a = place(*this), b = place(o), r(width, '0');
  bool result_negative;
  if (negative_ == o.negative_) {
    int carry = 0;
    for (std::size_t i = width; i-- > 0;) {
      int d = (a[i] - '0') + (b[i] - '0') + carry;
      r[i] = char('0' + d % 10);
      carry = d / 10;
    }
    result_negative = negative_;
  } else {
    // Subtract the smaller magnitude from the larger.
    bool a_bigger = a >= b;
    const std::string& x = a_bigger ? a : b;
    const std::string& y = a_bigger ? b : a;
    int borrow = 0;
    for (std::size_t i = width; i-- > 0;) {
      int d = (x[i] - '0') - (y[i] - '0') - borrow;
      borrow = d < 0;
      r[i] = char('0' + (d + 10) % 10);
    }
    result_negative = a_bigger ? negative_ : o.negative_;
  }
  // r represents 0.r × 10^(high+1).
  number out;
  std::size_t lead = r.find_first_not_of('0');
  if (lead == std::string::npos) return out;
  std::size_t trail = r.find_last_not_of('0');
  out.digits_ = r.substr(lead, trail - lead + 1);
  out.exp_ = high + 1 - int(lead);
  out.negative_ = result_negative;
  out.check_range();
  if (out.digits_.size() > max_digits) throw aws_error::validation(too_many_digits);
  return out;
}

std::string number::key_bytes() const {
  // 0x80 for zero; 0x81 + biased exponent + digits for positives; 0x7F + inverted exponent +
  // nines' complement digits + 0xFF for negatives, so a longer negative mantissa sorts first.
  if (digits_.empty()) return std::string(1, char(0x80));
  unsigned biased = unsigned(exp_ + 1000);
  std::string out;
  if (!negative_) {
    out += char(0x81);
    out += char(biased >> 8);
    out += char(biased & 0xFF);
    out += digits_;
  } else {
    unsigned inv = 0xFFFF - biased;
    out += char(0x7F);
    out += char(inv >> 8);
    out += char(inv & 0xFF);
    for (char c : digits_) out += char('9' - c + '0');
    out += char(0xFF);
  }
  return out;
}

}  // namespace emu::dynamo
