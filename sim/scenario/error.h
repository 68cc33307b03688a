// Errors in scenario files: where, which field, what was found, what was expected.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "sim/scenario/value.h"

namespace terrasim::sim {

// One problem in a scenario: its location, the dotted path of the field
// (`dock.separation_rate`, `zones[2].x_km`), and a sentence that says what
// was found and what was expected.
struct Diagnostic {
  Location location;
  std::string path;
  std::string message;
  std::string source_line;  // the text of that line, for the excerpt; may be empty
  // How the value came to be there, when not plainly written at that line:
  // the `--set` that changed it, the file that `extends` the one it is in.
  // Printed after the excerpt as "  note: ..."; may be empty.
  std::string note;
};

// Thrown by the loader and the validator. Carries every problem found in one
// pass (up to a cap), so a person fixes them all at once. what() is the full
// human-readable report:
//
//   scenarios/dock/bad.yaml:12:5: error: dock.separaton_rate: unknown field; did you mean `separation_rate`?
//      12 |     separaton_rate: 0.02
//         |     ^
class ScenarioError : public std::runtime_error {
 public:
  explicit ScenarioError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

  // One diagnostic formatted as in what(), with an excerpt of the source
  // line and a caret under the column when the line is known.
  static std::string format(const Diagnostic& d);

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace terrasim::sim
