// Device profiles: built-ins, JSON loading and size parsing.
#include "partitioner/device_profile.h"

#include <cstdio>
#include <fstream>

#include "tests/null/test_util.h"

namespace tandem::partitioner {
namespace {

using ::testing::HasSubstr;

TEST(ParseSize, BinaryAndDecimalUnits) {
  EXPECT_EQ(*ParseSize("6GiB", 0), int64_t{6} << 30);
  EXPECT_EQ(*ParseSize("512MiB", 0), int64_t{512} << 20);
  EXPECT_EQ(*ParseSize("1.5GB", 0), 1500000000);
  EXPECT_EQ(*ParseSize("100KB", 0), 100000);
  EXPECT_EQ(*ParseSize("4096", 0), 4096);
  EXPECT_EQ(*ParseSize("4096B", 0), 4096);
  EXPECT_EQ(*ParseSize(" 2 gib ", 0), int64_t{2} << 30);
  EXPECT_EQ(*ParseSize("0", 0), 0);
  EXPECT_EQ(*ParseSize("1.5MiB", 0), 1572864);
}

TEST(ParseSize, PercentOfWeights) {
  EXPECT_EQ(*ParseSize("25%", 1000), 250);
  EXPECT_EQ(*ParseSize("100%", 46738848), 46738848);
  EXPECT_EQ(*ParseSize("0%", 46738848), 0);
  EXPECT_EQ(*ParseSize("33.3%", 1000), 333);  // rounds down
  EXPECT_EQ(*ParseSize("150%", 1000), 1500);
}

TEST(ParseSize, RejectsGarbageWithAClearMessage) {
  for (const char* bad : {"", "GiB", "-1GiB", "6 parsecs", "1.2.3MB", "abc", "1e3"}) {
    auto s = ParseSize(bad, 100);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(ParseSize("6 parsecs", 0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown unit 'parsecs'"));
  EXPECT_THAT(ParseSize("99999999TiB", 0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "too large"));
}

TEST(BuiltinProfile, AllNamedProfilesLoadWithSaneNumbers) {
  for (const std::string& name : BuiltinProfileNames()) {
    ASSERT_OK_AND_ASSIGN(MachineProfile p, BuiltinProfile(name));
    EXPECT_EQ(p.name, name);
    EXPECT_GT(p.cpu.budget_bytes, 0);
    EXPECT_LE(p.cpu.budget_bytes, p.cpu.memory_bytes);
    EXPECT_GT(p.cpu.peak_flops_f32, 1e10);
    EXPECT_EQ(p.cpu.buffer_padding_bytes, 16);  // the CPU executor's read-past-end slack
    if (name == "cpu-only") {
      EXPECT_FALSE(p.gpu.has_value());
      continue;
    }
    ASSERT_TRUE(p.gpu.has_value()) << name;
    EXPECT_LE(p.gpu->budget_bytes, p.gpu->memory_bytes);
    EXPECT_GT(p.gpu->peak_flops_f32, p.cpu.peak_flops_f32);
    EXPECT_GT(p.gpu->memory_bandwidth, p.cpu.memory_bandwidth);
    EXPECT_GT(p.link.pinned_bandwidth, p.link.pageable_bandwidth);
  }
  ASSERT_OK_AND_ASSIGN(MachineProfile laptop, BuiltinProfile("laptop-6gb"));
  EXPECT_EQ(laptop.gpu->memory_bytes, int64_t{6} << 30);
  EXPECT_THAT(BuiltinProfile("laptop-8gb").status(),
              StatusIs(absl::StatusCode::kNotFound, "laptop-6gb, desktop-24gb, h100, cpu-only"));
}

constexpr char kProfileJson[] = R"({
  "name": "test-box",
  "description": "a test machine",
  "cpu": {"name": "test cpu", "memory": "8GiB", "budget": "6GiB",
          "peak_flops_f32": 1e11, "memory_bandwidth": 2e10},
  "gpu": {"name": "test gpu", "memory": 4294967296, "budget": "3.5GiB",
          "peak_flops_f32": 5e12, "peak_flops_f16": 1e13, "memory_bandwidth": 3e11,
          "launch_overhead_us": 7},
  "link": {"name": "PCIe test", "pinned_bandwidth": 1e10, "pageable_bandwidth": 5e9,
           "latency_us": 12}
})";

TEST(ParseProfileJson, ReadsEveryField) {
  ASSERT_OK_AND_ASSIGN(MachineProfile p, ParseProfileJson(kProfileJson));
  EXPECT_EQ(p.name, "test-box");
  EXPECT_EQ(p.cpu.budget_bytes, int64_t{6} << 30);
  EXPECT_EQ(p.cpu.peak_flops_f16, 1e11);  // defaults to f32
  EXPECT_EQ(p.cpu.alignment_bytes, 64);
  ASSERT_TRUE(p.gpu.has_value());
  EXPECT_EQ(p.gpu->memory_bytes, int64_t{4} << 30);
  EXPECT_EQ(p.gpu->budget_bytes, int64_t{7} << 29);
  EXPECT_DOUBLE_EQ(p.gpu->launch_overhead_s, 7e-6);
  EXPECT_EQ(p.gpu->alignment_bytes, 256);
  EXPECT_DOUBLE_EQ(p.link.latency_s, 12e-6);
  EXPECT_EQ(p.link.pageable_bandwidth, 5e9);
}

TEST(ParseProfileJson, NamesTheBadField) {
  EXPECT_THAT(ParseProfileJson("{").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "not valid JSON"));
  EXPECT_THAT(ParseProfileJson(R"({"gpu": {}})").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "'cpu'"));
  EXPECT_THAT(ParseProfileJson(R"({"cpu": {"memory": "1GiB", "budget": "2GiB",
                                  "peak_flops_f32": 1, "memory_bandwidth": 1}})")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "'cpu.budget': exceeds memory"));
  EXPECT_THAT(ParseProfileJson(R"({"cpu": {"memory": "1GiB", "budget": "1 zorkmid",
                                  "peak_flops_f32": 1, "memory_bandwidth": 1}})")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "'cpu.budget'"));
  EXPECT_THAT(ParseProfileJson(R"({"cpu": {"memory": "1GiB", "budget": "1GiB",
                                  "memory_bandwidth": 1}})")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "'cpu.peak_flops_f32': missing"));
}

TEST(LoadProfile, BuiltinNameOrFile) {
  ASSERT_OK_AND_ASSIGN(MachineProfile h100, LoadProfile("h100"));
  EXPECT_EQ(h100.name, "h100");
  std::string path = ::testing::TempDir() + "/profile_test.json";
  {
    std::ofstream f(path);
    f << kProfileJson;
  }
  ASSERT_OK_AND_ASSIGN(MachineProfile p, LoadProfile(path));
  EXPECT_EQ(p.name, "test-box");
  std::remove(path.c_str());
  EXPECT_THAT(LoadProfile("/no/such/profile.json").status(),
              StatusIs(absl::StatusCode::kNotFound, "neither a built-in profile"));
}

}  // namespace
}  // namespace tandem::partitioner
