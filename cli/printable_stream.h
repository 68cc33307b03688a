// A standard stream made UTF-8 text: each byte written to it that is no part
// of a UTF-8 sequence (a file name's: Linux takes any bytes) goes out as the
// four characters \xNN, as Python's terrasim writes such a name (errors=
// "backslashreplace"); UTF-8 passes unchanged.
#pragma once

#include <cstddef>
#include <ostream>
#include <streambuf>
#include <string>

#include "sim/util/utf8.h"

namespace terrasim::cli {

// Installs itself as `stream`'s buffer for its lifetime and passes what is
// written on to the buffer it replaced: at each flush (std::cerr flushes
// after every insertion) but for a character's first bytes, else whole lines
// once 64 KiB wait, so that a UTF-8 sequence is never cut. A failed write
// fails the stream, as the replaced buffer would.
class PrintableStream : public std::streambuf {
 public:
  explicit PrintableStream(std::ostream& stream) : stream_(stream), out_(stream.rdbuf()) { stream_.rdbuf(this); }
  PrintableStream(const PrintableStream&) = delete;
  PrintableStream& operator=(const PrintableStream&) = delete;
  ~PrintableStream() override {
    finish();
    stream_.rdbuf(out_);
  }

  // Passes on everything waiting, an unfinished sequence too (escaped), and
  // flushes: false, and the stream failed, where that cannot be written.
  bool finish() {
    if (pass_on(pending_.size()) && out_->pubsync() == 0) return true;
    stream_.setstate(std::ios::badbit);
    return false;
  }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return sync() == 0 ? traits_type::not_eof(c) : c;
    const char ch = traits_type::to_char_type(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    const auto count = static_cast<std::size_t>(n);
    // The last line break, looked for in what comes only (a line written
    // a character at a time is not searched again at each one).
    for (std::size_t k = count; k-- > 0;) {
      if (s[k] == '\n') {
        line_end_ = pending_.size() + k + 1;
        break;
      }
    }
    pending_.append(s, count);
    if (pending_.size() >= kHeld && line_end_ > 0 && !pass_on(line_end_)) return 0;
    return n;
  }

  // Everything waiting but the first bytes of a character that more bytes
  // may finish (std::cerr flushes after each insertion, which may end
  // within a character written a byte at a time).
  int sync() override { return pass_on(pending_.size() - unfinished(pending_)) && out_->pubsync() == 0 ? 0 : -1; }

 private:
  static constexpr std::size_t kHeld = 64 * 1024;

  // How many bytes at the end of `text` begin a UTF-8 sequence that more
  // bytes may finish (0 to 3): a lead byte, and the continuation bytes after
  // it, the second in the range its lead allows (E0 A0-BF, ED 80-9F, F0
  // 90-BF, F4 80-8F: no overlong form, surrogate or code past U+10FFFF).
  static std::size_t unfinished(std::string_view text) {
    for (std::size_t back = 1; back <= 3 && back <= text.size(); ++back) {
      const std::size_t at = text.size() - back;
      const auto c = static_cast<unsigned char>(text[at]);
      if ((c & 0xC0) == 0x80) continue;  // a continuation byte: its lead lies further back
      const std::size_t length = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 1;
      if (length <= back) return 0;
      if (back >= 2) {
        const auto second = static_cast<unsigned char>(text[at + 1]);
        const unsigned char low = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
        const unsigned char high = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
        if (second < low || second > high) return 0;
      }
      return back;
    }
    return 0;
  }

  // Passes on the first `count` bytes waiting, as text.
  bool pass_on(std::size_t count) {
    if (count == 0) return true;
    const std::string text = sim::printable_utf8(std::string_view(pending_).substr(0, count));
    pending_.erase(0, count);
    line_end_ = line_end_ > count ? line_end_ - count : 0;
    return out_->sputn(text.data(), static_cast<std::streamsize>(text.size())) ==
           static_cast<std::streamsize>(text.size());
  }

  std::ostream& stream_;
  std::streambuf* out_;
  std::string pending_;
  std::size_t line_end_ = 0;  // the bytes waiting up to their last line break (0: none waits)
};

}  // namespace terrasim::cli
