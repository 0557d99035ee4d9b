#ifndef EXECD_TESTS_FUZZ_FUZZ_INPUT_H_
#define EXECD_TESTS_FUZZ_FUZZ_INPUT_H_

// Turns fuzz bytes into structured values (a small FuzzedDataProvider that
// also builds with g++, for the replay tests).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"

namespace execd::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return size_ == 0; }
  size_t remaining() const { return size_; }

  uint8_t Byte() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }
  bool Bool() { return (Byte() & 1) != 0; }
  // A value in [0, n); 0 when n is 0.
  uint32_t Below(uint32_t n) {
    if (n == 0) return 0;
    uint32_t raw = Byte();
    if (n > 256) raw = (raw << 8) | Byte();
    return raw % n;
  }
  template <typename T>
  T Raw() {
    T value{};
    const size_t n = size_ < sizeof(T) ? size_ : sizeof(T);
    std::memcpy(&value, data_, n);
    data_ += n;
    size_ -= n;
    return value;
  }
  // Up to `max` bytes.
  std::string String(size_t max) {
    size_t n = Below(static_cast<uint32_t>(max + 1));
    if (n > size_) n = size_;
    std::string out(reinterpret_cast<const char*>(data_), n);
    data_ += n;
    size_ -= n;
    return out;
  }
  // One of `choices` or, now and then, arbitrary bytes.
  std::string OneOf(const std::vector<std::string>& choices, size_t max) {
    const uint32_t pick = Below(static_cast<uint32_t>(choices.size() + 1));
    if (pick < choices.size()) return choices[pick];
    return String(max);
  }

  // Numbers that hit the edges of argument checks: small integers, bounds,
  // fractions, negatives, huge values, infinities and NaN.
  double Number() {
    switch (Below(12)) {
      case 0:
        return static_cast<double>(Below(64));
      case 1:
        return -static_cast<double>(Below(64));
      case 2:
        return static_cast<double>(Raw<int64_t>());
      case 3:
        return Raw<double>();
      case 4:
        return std::numeric_limits<double>::infinity();
      case 5:
        return -std::numeric_limits<double>::infinity();
      case 6:
        return std::numeric_limits<double>::quiet_NaN();
      case 7:
        return 9223372036854775808.0;  // 2^63, just past int64
      case 8:
        return static_cast<double>(Below(4096)) / 4.0;
      case 9:
        return 1e9 + static_cast<double>(Below(3)) - 1.0;
      case 10:
        return std::numeric_limits<double>::max();
      default:
        return std::numeric_limits<double>::denorm_min();
    }
  }

  // A JSON-like value nested at most `depth` deep.
  void Value(google::protobuf::Value* value, int depth) {
    switch (Below(depth > 0 ? 8 : 6)) {
      case 0:
        value->set_null_value(google::protobuf::NULL_VALUE);
        break;
      case 1:
      case 2:
        value->set_number_value(Number());
        break;
      case 3:
        value->set_string_value(OneOf(kStrings(), 64));
        break;
      case 4:
        value->set_bool_value(Bool());
        break;
      case 5:
        break;  // no kind set: what a sloppy client may send
      case 6: {
        auto* list = value->mutable_list_value();
        for (uint32_t i = Below(4); i > 0 && !empty(); --i) {
          Value(list->add_values(), depth - 1);
        }
        break;
      }
      default:
        Struct(value->mutable_struct_value(), depth - 1);
        break;
    }
  }
  void Struct(google::protobuf::Struct* out, int depth) {
    for (uint32_t i = Below(5); i > 0 && !empty(); --i) {
      Value(&(*out->mutable_fields())[OneOf(kKeys(), 16)], depth);
    }
  }
  void List(google::protobuf::ListValue* out, int depth) {
    for (uint32_t i = Below(6); i > 0 && !empty(); --i) {
      Value(out->add_values(), depth);
    }
  }

  // Parameter names of the built-ins, so kwargs often hit them.
  static const std::vector<std::string>& kKeys() {
    static const auto* keys = new std::vector<std::string>{
        "n", "seconds", "message", "how", "mb", "env", "cwd", "x", ""};
    return *keys;
  }
  static const std::vector<std::string>& kStrings() {
    static const auto* strings =
        new std::vector<std::string>{"abort",
                                     "segv",
                                     "exit",
                                     "/bin/true",
                                     "/bin/cat",
                                     "relative",
                                     "/",
                                     "",
                                     "PATH",
                                     "/tmp",
                                     std::string("a\0b", 3)};
    return *strings;
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

}  // namespace execd::fuzz

#endif  // EXECD_TESTS_FUZZ_FUZZ_INPUT_H_
