// The C++ program's standard streams as UTF-8 text (cli/printable_stream.h).
#include "cli/printable_stream.h"

#include <gtest/gtest.h>

#include <sstream>
#include <streambuf>
#include <string>

namespace {

using terrasim::cli::PrintableStream;

TEST(PrintableStream, WritesTheBytesThatAreNotUtf8AsEscapesAndUtf8AsItIs) {
  std::ostringstream os;
  {
    const PrintableStream text(os);
    os << "terrasim: --out " << std::string("f\xe9/out") << ": exists\n" << "scénario " << 12 << '\n';
  }
  EXPECT_EQ(os.str(), "terrasim: --out f\\xe9/out: exists\nscénario 12\n");
}

TEST(PrintableStream, PassesOnWholeLinesOnceManyWaitAndTheRestWhenFlushed) {
  std::ostringstream os;
  auto* const under = static_cast<std::stringbuf*>(os.rdbuf());
  std::string expected;
  {
    const PrintableStream text(os);
    // 80,000 bytes of lines, a character at a time: passed on once 64 KiB
    // wait, up to the last line break, never a line cut.
    for (int line = 0; line < 1000; ++line) {
      const std::string row = std::string(79, static_cast<char>('a' + line % 26)) + "\n";
      for (const char c : row) os << c;
      expected += row;
    }
    const std::string passed = under->str();
    EXPECT_GT(passed.size(), 64u * 1024 - 80);  // the lines up to the last break when 64 KiB waited
    EXPECT_EQ(passed.size() % 80, 0u);
    EXPECT_EQ(passed, expected.substr(0, passed.size()));
    // A line longer than what is held, a character at a time, then flushed.
    const std::string half(100'000, 'z');
    for (const char c : half) os << c;
    os << std::flush;
    expected += half;
    EXPECT_EQ(under->str(), expected);
    os << "\xff\n";
    expected += "\\xff\n";
  }
  EXPECT_EQ(os.str(), expected);
}

TEST(PrintableStream, ACharacterWrittenAByteAtATimeIsNotCutByAFlush) {
  std::ostringstream os;
  {
    const PrintableStream text(os);
    os << std::unitbuf;  // as std::cerr: a flush after each insertion
    for (const char c : std::string("sc\xc3\xa9nario \xf0\x9f\x99\x82 \xe9 \xc3")) os << c;
  }
  // UTF-8 as it is, a byte that starts no sequence escaped, and a lead byte
  // left without its continuation escaped when the stream is given back.
  EXPECT_EQ(os.str(), "sc\xc3\xa9nario \xf0\x9f\x99\x82 \\xe9 \\xc3");
}

TEST(PrintableStream, AFlushPassesOnBytesThatNoByteCouldFinish) {
  // An overlong form, a surrogate and a code past U+10FFFF begun: escaped at
  // the flush, not held for a byte that could never make them UTF-8.
  for (const std::string begun : {"\xe0\x80", "\xed\xa0", "\xf4\x90", "\xf0\x80\x80"}) {
    std::ostringstream os;
    auto* const under = static_cast<std::stringbuf*>(os.rdbuf());
    const PrintableStream text(os);
    os << "x" << begun << std::flush;
    std::string expected(1, 'x');
    expected += terrasim::sim::printable_utf8(begun);
    EXPECT_EQ(under->str(), expected);
  }
  // A character that may still be finished is held: \xf0\x9f\x99 of U+1F642.
  std::ostringstream os;
  auto* const under = static_cast<std::stringbuf*>(os.rdbuf());
  const PrintableStream text(os);
  os << "x\xf0\x9f\x99" << std::flush;
  EXPECT_EQ(under->str(), "x");
  os << "\x82" << std::flush;
  EXPECT_EQ(under->str(), "x\xf0\x9f\x99\x82");
}

TEST(PrintableStream, FinishPassesOnAnUnfinishedSequenceAndSaysWhetherItWasWritten) {
  std::ostringstream os;
  auto* const under = static_cast<std::stringbuf*>(os.rdbuf());
  PrintableStream text(os);
  os << "ok \xc3" << std::flush;
  EXPECT_EQ(under->str(), "ok ");  // the lead byte held: a character may follow
  EXPECT_TRUE(text.finish());
  EXPECT_EQ(under->str(), "ok \\xc3");
  EXPECT_TRUE(os.good());
}

// A buffer whose writes fail (a full disk, a closed pipe).
class Failing : public std::streambuf {
 protected:
  int_type overflow(int_type) override { return traits_type::eof(); }
  std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
};

TEST(PrintableStream, AFailedWriteFailsTheStream) {
  Failing failing;
  std::ostream os(&failing);
  {
    PrintableStream text(os);
    os << "lost" << std::flush;
    EXPECT_TRUE(os.bad());
    os.clear();
    os << "\xc3";  // held by the flush, written by finish, which fails
    EXPECT_FALSE(text.finish());
    EXPECT_TRUE(os.bad());
  }
  EXPECT_EQ(os.rdbuf(), &failing);  // the stream's own buffer given back
}

}  // namespace
