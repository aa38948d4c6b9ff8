#include "executors/device_registry.h"

#include <iostream>

#include "gtest/gtest.h"

namespace tandem::executors {
namespace {

TEST(DeviceRegistry, ListsTheHostCpuFirst) {
  std::vector<std::string> notes;
  std::vector<DeviceInfo> devices = ListDevices(&notes);
  ASSERT_FALSE(devices.empty());
  EXPECT_EQ(devices[0].kind, "cpu");
  EXPECT_FALSE(devices[0].name.empty());
  EXPECT_GT(devices[0].total_bytes, int64_t{1} << 28);
  EXPECT_LE(devices[0].free_bytes, devices[0].total_bytes);
  bool has_gpu = devices.size() > 1;
  // A machine without a GPU must say why, so reports never silently omit the GPU.
  if (!has_gpu) {
    ASSERT_FALSE(notes.empty());
    EXPECT_NE(notes[0].find("GPU"), std::string::npos) << notes[0];
    std::cout << "no GPU here: " << notes[0] << "\n";
  }
  for (size_t i = 1; i < devices.size(); ++i) {
    EXPECT_EQ(devices[i].kind, "cuda");
    EXPECT_GT(devices[i].total_bytes, 0);
  }
}

}  // namespace
}  // namespace tandem::executors
