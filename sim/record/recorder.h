// Monthly series and their breakdowns, kept as columns.
//
// A model declares its series (one number per month) and its breakdowns
// (tables with one row per month and category: per zone, per skill, per
// sector) once, then fills one row a month. Columns are contiguous doubles,
// so Python can see them as NumPy arrays without copying, and the command
// line writes them as CSV or JSON with numbers in shortest round-trip form,
// which makes output files byte-identical when the numbers are.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace terrasim::sim {

class ArchiveWriter;
class ArchiveReader;

struct SeriesInfo {
  std::string name;
  std::string doc;
};

// A table: for each month, one row per category, with the same columns.
struct Breakdown {
  std::string name;                      // "zones", "skills"
  std::string category_label;            // "zone", "skill"
  std::vector<std::string> categories;   // "Centre", "Nord", ...
  std::vector<SeriesInfo> columns;
  std::vector<double> values;            // [month][category][column]
};

class Recorder {
 public:
  // Declaration (before the first row).
  int add_series(std::string name, std::string doc);
  int add_breakdown(std::string name, std::string category_label, std::vector<std::string> categories,
                    std::vector<SeriesInfo> columns);

  // One row per month, labelled (month index and "YYYY-MM").
  void begin_row(int t, std::string label);
  void set(int series, double value);
  void set(int breakdown, std::size_t category, int column, double value);
  // Removes the rows from the `rows`-th on (a month that failed while it was
  // recorded: its row, partly filled or not begun in every column, is not a
  // month of the run). Nothing for rows() or more.
  void truncate(std::size_t rows);

  std::size_t rows() const { return labels_.size(); }
  const std::vector<SeriesInfo>& series_info() const { return info_; }
  std::vector<std::string> series_names() const;
  std::span<const double> series(int index) const { return columns_[static_cast<std::size_t>(index)]; }
  std::span<const double> series(const std::string& name) const;  // throws std::out_of_range
  int find_series(const std::string& name) const;                  // -1 if absent
  const std::vector<std::string>& labels() const { return labels_; }
  const std::vector<int>& months() const { return months_; }
  const std::vector<Breakdown>& breakdowns() const { return breakdowns_; }

  // Text forms. `header` lines are written first (as "# ..." comments in CSV,
  // as a "provenance" object in JSON: pairs of key and value).
  using Provenance = std::vector<std::pair<std::string, std::string>>;
  std::string series_csv(const Provenance& header) const;
  std::string breakdown_csv(const Breakdown& b, const Provenance& header) const;
  std::string to_json(const Provenance& header) const;

  void save(ArchiveWriter& out) const;
  void load(ArchiveReader& in);  // replaces everything, declarations included

 private:
  std::vector<SeriesInfo> info_;
  std::vector<std::vector<double>> columns_;
  std::vector<int> months_;
  std::vector<std::string> labels_;
  std::vector<Breakdown> breakdowns_;
};

// A number as the outputs print it: the shortest text that reads back as the
// same double ("0.1", "3", "1e-07"), "nan" for NaN.
std::string format_number(double v);
// The same, appended to `out`.
void append_number(std::string& out, double v);

}  // namespace terrasim::sim
