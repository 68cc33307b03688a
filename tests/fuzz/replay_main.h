// main() for a fuzz harness built without libFuzzer: replays the files named
// on the command line through LLVMFuzzerTestOneInput (to debug a crash file
// the fuzzer found, with any compiler). Include it last in a harness, outside
// FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION builds, where libFuzzer supplies
// main().
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::cout << argv[i] << ": " << bytes.size() << " bytes\n";
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  return 0;
}
