// Settings as nmt-train reads them: an INI-style file of `name = value` lines ([sections] only
// group them for the reader; `#` and `;` start comments), then `--name value` on the command
// line, which wins. An unknown name is an error naming the file and line (or the command line).
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>

namespace nmt::classify {

class SettingsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Adds the file's settings to `into` (later ones replace earlier ones); names outside `known`
// throw SettingsError("file:line: unknown setting 'x'").
void read_settings_file(const std::string& path, const std::set<std::string>& known,
                        std::map<std::string, std::string>& into);

// The names Variant::from_map accepts (classifier_training.h).
const std::set<std::string>& variant_setting_names();

}  // namespace nmt::classify
