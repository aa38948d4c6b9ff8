// A main() for the fuzz targets in ordinary (non-libFuzzer) builds: runs LLVMFuzzerTestOneInput
// once on every file named on the command line, or in a folder named there (recursively). ctest
// uses it to replay fuzz/regressions/<target>/ (every crash a fuzzer found) in every build, ASan
// included, without clang.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// model_structure's custom mutator calls this; replay never mutates.
extern "C" size_t LLVMFuzzerMutate(uint8_t*, size_t size, size_t) { return size; }

namespace {

int Replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", file.c_str());
    return 1;
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int files = 0, failures = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
        if (!entry.is_regular_file() || entry.path().filename() == "README.md") continue;
        failures += Replay(entry.path());
        ++files;
      }
    } else {
      failures += Replay(arg);
      ++files;
    }
  }
  std::printf("replayed %d inputs without a crash\n", files - failures);
  return failures == 0 ? 0 : 1;
}
