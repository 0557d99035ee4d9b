#include "bench/report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace execd::bench {
namespace {

std::string ReadFirstMatch(const std::string& path, absl::string_view prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view view = line;
    if (!absl::ConsumePrefix(&view, prefix)) continue;
    const size_t colon = view.find(':');
    if (colon != absl::string_view::npos) view.remove_prefix(colon + 1);
    return std::string(absl::StripAsciiWhitespace(view));
  }
  return "";
}

std::string FormatNumber(double value) {
  if (value == static_cast<double>(static_cast<int64_t>(value)) &&
      std::abs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  if (std::abs(value) >= 100) return absl::StrFormat("%.0f", value);
  if (std::abs(value) >= 1) return absl::StrFormat("%.2f", value);
  return absl::StrFormat("%.4f", value);
}

void PrintLeaves(const Section& section, const std::string& prefix,
                 std::ostream& out) {
  // Struct fields are a map; print them in name order for a stable table.
  std::vector<std::string> keys;
  for (const auto& [key, value] : section.fields()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    const google::protobuf::Value& value = section.fields().at(key);
    const std::string path =
        prefix.empty() ? key : absl::StrCat(prefix, ".", key);
    switch (value.kind_case()) {
      case google::protobuf::Value::kStructValue:
        PrintLeaves(value.struct_value(), path, out);
        break;
      case google::protobuf::Value::kNumberValue:
        out << absl::StrFormat("  %-56s %16s\n", path,
                               FormatNumber(value.number_value()));
        break;
      case google::protobuf::Value::kStringValue:
        out << absl::StrFormat("  %-56s %s\n", path, value.string_value());
        break;
      case google::protobuf::Value::kBoolValue:
        out << absl::StrFormat("  %-56s %s\n", path,
                               value.bool_value() ? "true" : "false");
        break;
      default:
        break;
    }
  }
}

}  // namespace

Section* SubSection(Section* parent, absl::string_view key) {
  return (*parent->mutable_fields())[std::string(key)].mutable_struct_value();
}

void SetNumber(Section* section, absl::string_view key, double value) {
  (*section->mutable_fields())[std::string(key)].set_number_value(value);
}

void SetString(Section* section, absl::string_view key,
               absl::string_view value) {
  (*section->mutable_fields())[std::string(key)].set_string_value(
      std::string(value));
}

void SetLatency(Section* section, absl::string_view key,
                const LatencySummary& summary) {
  Section* latency = SubSection(section, key);
  SetNumber(latency, "count", summary.count);
  SetNumber(latency, "mean_us", summary.mean_us);
  SetNumber(latency, "p50_us", summary.p50_us);
  SetNumber(latency, "p99_us", summary.p99_us);
  SetNumber(latency, "p999_us", summary.p999_us);
  SetNumber(latency, "max_us", summary.max_us);
}

void DescribeMachine(Section* machine) {
  SetNumber(machine, "nproc", std::thread::hardware_concurrency());
  SetString(machine, "cpu_model",
            ReadFirstMatch("/proc/cpuinfo", "model name"));
  const std::string mem = ReadFirstMatch("/proc/meminfo", "MemTotal");
  int64_t kib = 0;
  if (absl::SimpleAtoi(absl::StripSuffix(mem, " kB"), &kib)) {
    SetNumber(machine, "mem_total_mib", kib / 1024);
  }
  std::ifstream loadavg("/proc/loadavg");
  std::string load1;
  loadavg >> load1;
  double load = 0;
  if (absl::SimpleAtod(load1, &load)) SetNumber(machine, "loadavg_1m", load);
}

absl::Status WriteJson(const Section& report, const std::string& path) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  const auto status =
      google::protobuf::util::MessageToJsonString(report, &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("JSON: ", status.ToString()));
  }
  std::ofstream out(path);
  out << json;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

void PrintTable(const Section& report, std::ostream& out) {
  PrintLeaves(report, "", out);
}

}  // namespace execd::bench
