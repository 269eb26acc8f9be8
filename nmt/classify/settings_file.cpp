// INI-style settings files: see settings_file.h.
#include "nmt/classify/settings_file.h"

#include <fstream>

namespace nmt::classify {
namespace {

std::string trim(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

}  // namespace

void read_settings_file(const std::string& path, const std::set<std::string>& known,
                        std::map<std::string, std::string>& into) {
  std::ifstream in(path);
  if (!in) throw SettingsError("--config: cannot open config file '" + path + "'");
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::size_t comment = line.find_first_of("#;");
    const std::string text = trim(comment == std::string::npos ? line : line.substr(0, comment));
    if (text.empty() || text[0] == '[') continue;
    const std::size_t eq = text.find('=');
    const std::string where = path + ":" + std::to_string(number) + ": ";
    if (eq == std::string::npos) throw SettingsError(where + "expected `name = value`, got '" + text + "'");
    const std::string name = trim(text.substr(0, eq));
    if (!known.count(name)) throw SettingsError(where + "unknown setting '" + name + "'");
    into[name] = trim(text.substr(eq + 1));
  }
}

const std::set<std::string>& variant_setting_names() {
  static const std::set<std::string> names = {
      "embedding",    "hidden",       "max-length", "bidirectional", "pooling", "mask-padding",
      "position-bias", "attention-score", "attention-size", "word-dropout", "dropout",     "recurrent-dropout", "segmentation", "subword-vocab-size",
      "epochs",       "batch-size",   "lr",         "adam-eps",      "l2"};
  return names;
}

}  // namespace nmt::classify
