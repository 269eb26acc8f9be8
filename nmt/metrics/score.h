// Scores, signatures and how sacreBLEU 2.6.0 prints them (metrics/base.py: Score.format,
// Signature.format; utils.py: print_single_results).
//
//   text:  "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 34.1 65.3/41.2/..."
//   json:  json.dumps({"name", "score", "signature", ["verbose_score"], <signature fields>},
//                     indent=1, ensure_ascii=False), the score rounded to `width` decimals
//   score only: f"{score:.{width}f}"
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nmt::metrics {

// The sacreBLEU version whose numbers and signatures this library reproduces.
inline constexpr std::string_view kSacrebleuVersion = "2.6.0";

// A reproducibility signature: ordered key:value pairs, "version" last.
class Signature {
 public:
  struct Field {
    std::string key, abbreviation, value;
  };

  void add(std::string key, std::string abbreviation, std::string value);
  const std::vector<Field>& fields() const { return fields_; }

  // "nrefs:1|case:mixed|...|version:2.6.0", or with short=true "#:1|c:mixed|...|v:2.6.0".
  std::string format(bool short_form = false) const;

 private:
  std::vector<Field> fields_;
};

// What a metric reports: its name, its score (0-100) and, for BLEU, the verbose part.
struct Score {
  std::string name;     // "BLEU", "chrF2", "chrF2++", "TER"
  double score = 0.0;
  std::string verbose;  // empty for chrF and TER
};

// Python's f"{value:.{width}f}" (correctly rounded, like printf).
std::string format_fixed(double value, int width);

// Python's repr(float): the shortest string that reads back as the same double, "34.0" not "34".
std::string python_float_repr(double value);

// Python's json.dumps of a str (ensure_ascii=False): quotes, backslashes and controls escaped.
std::string json_string(std::string_view text);

// sacreBLEU's one-line text form: "<name>|<signature> = <score> [<verbose>]".
std::string format_text(const Score& score, const std::string& signature, int width);

// sacreBLEU's JSON object (indent=1); `signature` is the full (long) signature.
std::string format_json(const Score& score, const Signature& signature, int width);

}  // namespace nmt::metrics
