// Recorder: columns of monthly values and their text forms.
#include "sim/record/recorder.h"

#include <cmath>
#include <iterator>
#include <stdexcept>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "sim/checkpoint/archive.h"
#include "sim/scenario/value.h"

namespace terrasim::sim {

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "nan";
  } else if (v == 0.0) {
    out += '0';  // also for -0.0, so that equal outputs print equally
  } else {
    // The format parsed at compile time, the text written into out's own
    // buffer: the text forms of a run at the dock defaults (bench_micro's
    // BM_RecorderCsv) took 284 us with a string formatted for each number,
    // 157 us so.
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}"), v);
  }
}

std::string format_number(double v) {
  std::string out;
  append_number(out, v);
  return out;
}

std::vector<std::string> Recorder::series_names() const {
  std::vector<std::string> names;
  for (const auto& s : info_) names.push_back(s.name);
  return names;
}

int Recorder::add_series(std::string name, std::string doc) {
  if (!labels_.empty()) throw std::logic_error("series declared after the first row: " + name);
  if (find_series(name) >= 0) throw std::logic_error("series declared twice: " + name);
  info_.push_back({std::move(name), std::move(doc)});
  columns_.emplace_back();
  return static_cast<int>(info_.size() - 1);
}

int Recorder::add_breakdown(std::string name, std::string category_label, std::vector<std::string> categories,
                            std::vector<SeriesInfo> columns) {
  if (!labels_.empty()) throw std::logic_error("breakdown declared after the first row: " + name);
  breakdowns_.push_back({std::move(name), std::move(category_label), std::move(categories), std::move(columns), {}});
  return static_cast<int>(breakdowns_.size() - 1);
}

void Recorder::begin_row(int t, std::string label) {
  months_.push_back(t);
  labels_.push_back(std::move(label));
  for (auto& c : columns_) c.push_back(std::nan(""));
  for (auto& b : breakdowns_) b.values.resize(b.values.size() + b.categories.size() * b.columns.size(), std::nan(""));
}

void Recorder::truncate(std::size_t rows) {
  // Each column on its own: begin_row may have stopped between two of them.
  if (months_.size() > rows) months_.resize(rows);
  if (labels_.size() > rows) labels_.resize(rows);
  for (auto& c : columns_)
    if (c.size() > rows) c.resize(rows);
  for (auto& b : breakdowns_) {
    const std::size_t width = b.categories.size() * b.columns.size();
    if (b.values.size() > rows * width) b.values.resize(rows * width);
  }
}

void Recorder::set(int series, double value) { columns_[static_cast<std::size_t>(series)].back() = value; }

void Recorder::set(int breakdown, std::size_t category, int column, double value) {
  auto& b = breakdowns_[static_cast<std::size_t>(breakdown)];
  const std::size_t width = b.categories.size() * b.columns.size();
  b.values[b.values.size() - width + category * b.columns.size() + static_cast<std::size_t>(column)] = value;
}

int Recorder::find_series(const std::string& name) const {
  for (std::size_t i = 0; i < info_.size(); ++i)
    if (info_[i].name == name) return static_cast<int>(i);
  return -1;
}

std::span<const double> Recorder::series(const std::string& name) const {
  const int i = find_series(name);
  if (i < 0) throw std::out_of_range("no series named " + name);
  return series(i);
}

namespace {
// A provenance line stays one comment line: a control character in a value
// (a scenario's file name may hold a newline) is written as JSON escapes it,
// where it would have ended the comment and started a row of the table.
void append_comment_text(std::string& out, std::string_view text) {
  for (const char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '\n') out += "\\n";
    else if (ch == '\r') out += "\\r";
    else if (ch == '\t') out += "\\t";
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\u{:04x}", u);
    else out += ch;
  }
}

void csv_header(std::string& out, const Recorder::Provenance& header) {
  for (const auto& [k, v] : header) {
    out += "# ";
    append_comment_text(out, k);
    out += ": ";
    append_comment_text(out, v);
    out += '\n';
  }
}

// A field as RFC 4180 writes it: quoted, its quotes doubled, when it holds a
// comma, a quote or a line break (a category named by the scenario: "Amiens,
// centre"); as it is otherwise, so that the usual names read as before.
void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (const char ch : field) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

void json_number(std::string& out, double v) {
  if (!std::isfinite(v)) out += "null";
  else append_number(out, v);
}
}  // namespace

std::string Recorder::series_csv(const Provenance& header) const {
  std::string out;
  csv_header(out, header);
  out += "t,month";
  for (const auto& s : info_) {
    out += ',';
    append_csv_field(out, s.name);  // quoted where it holds a comma or a quote, as the breakdowns' categories
  }
  out += '\n';
  for (std::size_t r = 0; r < labels_.size(); ++r) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{},{}"), months_[r], labels_[r]);
    for (const auto& c : columns_) {
      out += ',';
      append_number(out, c[r]);
    }
    out += '\n';
  }
  return out;
}

std::string Recorder::breakdown_csv(const Breakdown& b, const Provenance& header) const {
  std::string out;
  csv_header(out, header);
  out += "t,month," + b.category_label;
  for (const auto& c : b.columns) {
    out += ',';
    out += c.name;
  }
  out += '\n';
  std::size_t k = 0;
  for (std::size_t r = 0; r < labels_.size(); ++r) {
    for (const auto& cat : b.categories) {
      fmt::format_to(std::back_inserter(out), FMT_COMPILE("{},{},"), months_[r], labels_[r]);
      append_csv_field(out, cat);
      for (std::size_t c = 0; c < b.columns.size(); ++c) {
        out += ',';
        append_number(out, b.values[k++]);
      }
      out += '\n';
    }
  }
  return out;
}

std::string Recorder::to_json(const Provenance& header) const {
  std::string out = "{\n  \"provenance\": {";
  for (std::size_t i = 0; i < header.size(); ++i) {
    out += i ? ", " : "";
    append_json_string(out, header[i].first);
    out += ": ";
    append_json_string(out, header[i].second);
  }
  out += "},\n  \"t\": [";
  for (std::size_t r = 0; r < months_.size(); ++r) out += fmt::format("{}{}", r ? ", " : "", months_[r]);
  out += "],\n  \"month\": [";
  for (std::size_t r = 0; r < labels_.size(); ++r) {
    out += r ? ", " : "";
    append_json_string(out, labels_[r]);
  }
  out += "],\n  \"series\": {";
  for (std::size_t s = 0; s < info_.size(); ++s) {
    out += s ? ",\n    " : "\n    ";
    append_json_string(out, info_[s].name);
    out += ": [";
    for (std::size_t r = 0; r < columns_[s].size(); ++r) {
      out += r ? ", " : "";
      json_number(out, columns_[s][r]);
    }
    out += "]";
  }
  out += "\n  },\n  \"breakdowns\": {";
  for (std::size_t bi = 0; bi < breakdowns_.size(); ++bi) {
    const auto& b = breakdowns_[bi];
    out += bi ? ",\n    " : "\n    ";
    append_json_string(out, b.name);
    out += ": {\"category\": ";
    append_json_string(out, b.category_label);
    out += ", \"categories\": [";
    for (std::size_t c = 0; c < b.categories.size(); ++c) {
      out += c ? ", " : "";
      append_json_string(out, b.categories[c]);
    }
    out += "], \"columns\": {";
    const std::size_t nc = b.columns.size(), ncat = b.categories.size();
    for (std::size_t c = 0; c < nc; ++c) {
      out += c ? ", " : "";
      append_json_string(out, b.columns[c].name);
      out += ": [";
      for (std::size_t r = 0; r < labels_.size(); ++r) {
        out += r ? ", [" : "[";
        for (std::size_t cat = 0; cat < ncat; ++cat) {
          out += cat ? ", " : "";
          json_number(out, b.values[(r * ncat + cat) * nc + c]);
        }
        out += "]";
      }
      out += "]";
    }
    out += "}}";
  }
  out += "\n  }\n}\n";
  return out;
}

void Recorder::save(ArchiveWriter& out) const {
  out.tag("recorder");
  out.put<std::uint64_t>(info_.size());
  for (std::size_t i = 0; i < info_.size(); ++i) {
    out.put_string(info_[i].name);
    out.put_string(info_[i].doc);
    out.put_vector(columns_[i]);
  }
  out.put_vector(months_);
  out.put<std::uint64_t>(labels_.size());
  for (const auto& l : labels_) out.put_string(l);
  out.put<std::uint64_t>(breakdowns_.size());
  for (const auto& b : breakdowns_) {
    out.put_string(b.name);
    out.put_string(b.category_label);
    out.put<std::uint64_t>(b.categories.size());
    for (const auto& c : b.categories) out.put_string(c);
    out.put<std::uint64_t>(b.columns.size());
    for (const auto& c : b.columns) {
      out.put_string(c.name);
      out.put_string(c.doc);
    }
    out.put_vector(b.values);
  }
}

void Recorder::load(ArchiveReader& in) {
  in.expect_tag("recorder");
  Recorder r;
  const auto ns = in.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < ns; ++i) {
    std::string name = in.get_string();
    std::string doc = in.get_string();
    r.info_.push_back({std::move(name), std::move(doc)});
    r.columns_.push_back(in.get_vector<double>());
  }
  r.months_ = in.get_vector<int>();
  const auto nl = in.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < nl; ++i) r.labels_.push_back(in.get_string());
  const auto nb = in.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < nb; ++i) {
    Breakdown b;
    b.name = in.get_string();
    b.category_label = in.get_string();
    const auto ncat = in.get<std::uint64_t>();
    for (std::uint64_t c = 0; c < ncat; ++c) b.categories.push_back(in.get_string());
    const auto ncol = in.get<std::uint64_t>();
    for (std::uint64_t c = 0; c < ncol; ++c) {
      std::string name = in.get_string();
      std::string doc = in.get_string();
      b.columns.push_back({std::move(name), std::move(doc)});
    }
    b.values = in.get_vector<double>();
    if (b.values.size() != r.labels_.size() * b.categories.size() * b.columns.size())
      in.fail("breakdown " + b.name + " has the wrong number of values");
    r.breakdowns_.push_back(std::move(b));
  }
  for (const auto& c : r.columns_)
    if (c.size() != r.labels_.size()) in.fail("a series has the wrong number of months");
  if (r.months_.size() != r.labels_.size()) in.fail("month labels and indices differ in length");
  *this = std::move(r);
}

}  // namespace terrasim::sim
